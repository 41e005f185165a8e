/**
 * Builds the grafana/alloy chart values of the events collector, the second
 * release (`alloy-events`): a one-replica Deployment running
 * alloy-config/events.ts. Pure and typed with AlloyChartValues like
 * chart/values.ts, so a key at a path chart 1.4.0 does not read does not compile.
 *
 * Names: the chart derives every object's name from the release
 * (templates/_helpers.tpl, alloy.fullname: a release name that contains the
 * chart name "alloy" is used as is), so the Deployment, ConfigMap, Service,
 * ServiceAccount and ServiceMonitor are all `alloy-events`; the pod selector is
 * app.kubernetes.io/name=alloy plus app.kubernetes.io/instance=alloy-events,
 * which the DaemonSet's (instance=alloy) never matches. test/chart-render.test.ts
 * proves both on the real render.
 */
import type { AlloyChartValues } from "../config/chart/alloy-values.generated";
import type { ResourceRequirements, SecurityContext } from "../config/chart/k8s-types";
import { ALLOY_HTTP_PORT } from "../config/chart/owned";
import {
  ALLOY_STORAGE_PATH,
  escapeHelmTemplate,
  RELOADER_SECURITY_CONTEXT,
  secretEnv,
  STORAGE_VOLUME,
  withoutUndefined,
  type SecretEnv,
} from "./values";

/** Helm release of the events collector; the chart names each of its objects so. */
export const EVENTS_RELEASE_NAME = "alloy-events";

/** Label selector of the events collector's pod (the chart's alloy.selectorLabels). */
export const EVENTS_POD_SELECTOR = `app.kubernetes.io/name=alloy,app.kubernetes.io/instance=${EVENTS_RELEASE_NAME}`;

export interface EventsChartValuesInput {
  /** The generated Alloy configuration (alloy-config/events.ts). */
  alloyConfig: string;
  /** Requests and limits of the alloy container. */
  resources: ResourceRequirements;
  serviceMonitor: { enabled: boolean; labels: Record<string, string>; interval?: string };
  /** The Loki credentials as environment variables from the DaemonSet's Secret, or none. */
  secretEnv: SecretEnv | undefined;
}

/**
 * It reads nothing from the node, so unlike the DaemonSet it runs as the
 * image's own unprivileged user (alloy, UID 473: grafana/alloy Dockerfile at
 * v1.11.3) with no capability; the emptyDir storage is writable by any user.
 */
const EVENTS_SECURITY_CONTEXT: SecurityContext = {
  runAsUser: 473,
  runAsGroup: 473,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export function buildEventsChartValues(input: EventsChartValuesInput): AlloyChartValues {
  const values: AlloyChartValues = {
    alloy: {
      configMap: { create: true, content: escapeHelmTemplate(input.alloyConfig) },
      listenPort: ALLOY_HTTP_PORT,
      // The positions file (the cursor of the last event sent) outlives a container
      // restart in the emptyDir, not the pod: a new pod sends again what the API server holds.
      mounts: { varlog: false, extra: [{ name: STORAGE_VOLUME, mountPath: ALLOY_STORAGE_PATH }] },
      resources: input.resources,
      securityContext: EVENTS_SECURITY_CONTEXT,
      extraEnv: secretEnv(input.secretEnv),
      storagePath: ALLOY_STORAGE_PATH,
    },
    configReloader: { enabled: true, securityContext: RELOADER_SECURITY_CONTEXT },
    crds: { create: false },
    // The program's ClusterRole allows only get, list and watch on events (components/events-collector.ts).
    rbac: { create: false },
    // The chart creates the ServiceAccount alloy-events (templates/serviceaccount.yaml), bound to that ClusterRole.
    serviceAccount: { create: true },
    controller: {
      type: "deployment",
      // Never more: loki.source.kubernetes_events has no clustering in v1.11.3,
      // and each replica would send every event.
      replicas: 1,
      // Recreate stops the old pod before the new one starts, so a rollout never runs two senders.
      updateStrategy: { type: "Recreate" },
      // Schedulable wherever the cluster's ordinary pods are: no toleration, and
      // the priority that keeps it ahead of workloads when the nodes are full.
      priorityClassName: "system-cluster-critical",
      volumes: { extra: [{ name: STORAGE_VOLUME, emptyDir: {} }] },
    },
    service: { enabled: true },
    serviceMonitor: input.serviceMonitor.enabled
      ? { enabled: true, additionalLabels: input.serviceMonitor.labels, interval: input.serviceMonitor.interval }
      : { enabled: false },
  };
  return withoutUndefined(values);
}
