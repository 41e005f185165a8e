/**
 * Builds the grafana/alloy chart values from the validated stack config.
 * Pure; every object literal here is checked against AlloyChartValues (no
 * spreads, annotated helpers), so a key at a path the chart does not read
 * (the seed incident: `tolerations` at the root) does not compile; the
 * guarantee is tested key by key in test/chart-values.test.ts.
 */
import type { AlloyChartValues } from "../config/chart/alloy-values.generated";
import type { EnvVar, ResourceRequirements, SecurityContext, Volume, VolumeMount } from "../config/chart/k8s-types";
import {
  ALLOY_HTTP_PORT,
  DATADOG_CHECKS_ANNOTATION,
  PROMETHEUS_PORT_ANNOTATION,
  PROMETHEUS_SCRAPE_ANNOTATION,
} from "../config/chart/owned";
import { journalNeedsOwnVolume } from "../alloy-config/journal";
import { datadogChecks } from "../monitoring/datadog-check";
import { mergeChartOverrides } from "./merge";

/** Where Alloy keeps its state in the container: --storage.path, the parent of every component's data (positions). */
export const ALLOY_STORAGE_PATH = "/var/lib/alloy";
/** The volume mounted at ALLOY_STORAGE_PATH (both releases). */
export const STORAGE_VOLUME = "alloy-storage";
/** The node's journal when it is outside /var/log (alloy-config/journal.ts): mounted read-only at its host path. */
const JOURNAL_VOLUME = "node-journal";

/** Environment variables of the alloy container taken from a Secret: only its name and keys are in the values. */
export interface SecretEnv {
  secretName: string;
  variables: readonly string[];
}

export interface ChartValuesInput {
  /** The generated Alloy configuration (config.alloy). */
  alloyConfig: string;
  /** Requests and limits of the alloy container. */
  resources: ResourceRequirements;
  serviceMonitor: { enabled: boolean; labels: Record<string, string>; interval?: string };
  datadog: { enabled: boolean; namespace: string; metrics: readonly string[] };
  /** Annotate the pods with prometheus.io/scrape and prometheus.io/port. */
  prometheusAnnotations: boolean;
  /**
   * Host directory dedicated to this release, mounted at ALLOY_STORAGE_PATH, so
   * read positions outlive the pod (the chart's default /tmp/alloy does not).
   */
  storageHostPath: string;
  /** The node's journal directory when the journal is read, else undefined; outside /var/log it gets a volume of its own. */
  journalPath: string | undefined;
  /** Rolling update of the DaemonSet. */
  rollout: { maxUnavailable: number | string; minReadySeconds: number; terminationGracePeriodSeconds: number };
  /**
   * Environment variables of the alloy container taken from a Secret: the
   * Loki credentials. Only the Secret's name and keys are in the values.
   */
  secretEnv: SecretEnv | undefined;
  /** Validated extra chart values (config `chartOverrides`), merged last. */
  overrides: Record<string, unknown>;
}

/**
 * The chart passes `alloy.configMap.content` through Helm's `tpl`
 * (templates/configmap.yaml), so a `{{` in the Alloy config would be executed
 * as a template. Writing it as the template action `{{ "{{" }}` makes tpl
 * print it back literally; the rendered ConfigMap then equals config.alloy.
 */
const HELM_LITERAL_BRACES = '{{ "{{" }}';

export function escapeHelmTemplate(text: string): string {
  return text.replace(/\{\{/g, HELM_LITERAL_BRACES);
}

/** What Helm's `tpl` makes of an escaped text: the original. */
export function unescapeHelmTemplate(text: string): string {
  return text.split(HELM_LITERAL_BRACES).join("{{");
}

/**
 * The alloy container runs as root because the kubelet writes pod logs as
 * root-owned 0640 files: root reads them through the owner bits, with every
 * capability dropped but DAC_READ_SEARCH (read and search only, no write),
 * which keeps reading working for log files and directories whose owner or
 * mode differs. Nothing else is writable: the root filesystem is read-only,
 * /var/log is mounted read-only, and only the storage path is a writable mount.
 */
const ALLOY_SECURITY_CONTEXT: SecurityContext = {
  runAsUser: 0,
  runAsNonRoot: false,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"], add: ["DAC_READ_SEARCH"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** The config reloader only reads the mounted ConfigMap and calls Alloy's /-/reload: it needs nothing (both releases). */
export const RELOADER_SECURITY_CONTEXT: SecurityContext = {
  runAsUser: 65534,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

type AlloySettings = NonNullable<AlloyChartValues["alloy"]>;
type ControllerSettings = NonNullable<AlloyChartValues["controller"]>;

/** The Loki credentials as environment variables from the Secret, or none (both releases). */
export function secretEnv(env: SecretEnv | undefined): AlloySettings["extraEnv"] {
  if (env === undefined) return undefined;
  return env.variables.map((name): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: env.secretName, key: name } } }));
}

/** The monitoring annotations of the pods, or none when every kind is switched off. */
function podAnnotations(input: ChartValuesInput): ControllerSettings["podAnnotations"] {
  const entries: [string, string][] = [];
  if (input.datadog.enabled) entries.push([DATADOG_CHECKS_ANNOTATION, datadogChecks(input.datadog.namespace, input.datadog.metrics)]);
  if (input.prometheusAnnotations)
    entries.push([PROMETHEUS_SCRAPE_ANNOTATION, "true"], [PROMETHEUS_PORT_ANNOTATION, String(ALLOY_HTTP_PORT)]);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * Drops the keys whose value is undefined. Optional values are written as
 * `key: undefined` rather than spread in, so that every literal stays checked
 * against the chart's types; what reaches Helm has no such key.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  ) as T;
}

/** The journal's own volume, when the journal is read from outside the chart's /var/log mount. */
function journalVolume(path: string | undefined): { mounts: VolumeMount[]; volumes: Volume[] } {
  if (path === undefined || !journalNeedsOwnVolume(path)) return { mounts: [], volumes: [] };
  return {
    mounts: [{ name: JOURNAL_VOLUME, mountPath: path, readOnly: true }],
    // DirectoryOrCreate: a node without that directory still starts its collector (pod logs keep flowing) and reads an
    // empty journal, which verify's journal check names; type Directory would keep the pod from starting at all.
    volumes: [{ name: JOURNAL_VOLUME, hostPath: { path, type: "DirectoryOrCreate" } }],
  };
}

export function buildChartValues(input: ChartValuesInput): AlloyChartValues {
  const journal = journalVolume(input.journalPath);
  const values: AlloyChartValues = {
    alloy: {
      configMap: { create: true, content: escapeHelmTemplate(input.alloyConfig) },
      listenPort: ALLOY_HTTP_PORT,
      // varlog: the host's /var/log read-only at /var/log (templates/containers/_agent.yaml), pod logs and /var/log/journal.
      mounts: { varlog: true, extra: [{ name: STORAGE_VOLUME, mountPath: ALLOY_STORAGE_PATH }, ...journal.mounts] },
      resources: input.resources,
      securityContext: ALLOY_SECURITY_CONTEXT,
      extraEnv: secretEnv(input.secretEnv),
      storagePath: ALLOY_STORAGE_PATH,
    },
    // Hot reload: the sidecar watches the mounted ConfigMap and calls /-/reload,
    // so a config change reaches every node without restarting a pod.
    configReloader: { enabled: true, securityContext: RELOADER_SECURITY_CONTEXT },
    // The PodLogs CRD is for loki.source.podlogs, which this pipeline does not use;
    // a CRD installed by one stack is cluster-wide and would be deleted with it.
    crds: { create: false },
    // The chart's default ClusterRole reads every Secret and ConfigMap (grafana/alloy#2224);
    // the program creates one that allows only what the pipeline uses (components/).
    rbac: { create: false },
    controller: {
      type: "daemonset",
      priorityClassName: "system-node-critical",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: input.rollout.maxUnavailable } },
      minReadySeconds: input.rollout.minReadySeconds,
      terminationGracePeriodSeconds: input.rollout.terminationGracePeriodSeconds,
      // At controller.tolerations, where templates/controllers/_pod.yaml reads it;
      // a root-level `tolerations` is ignored by the chart (the seed incident).
      tolerations: [{ operator: "Exists" }],
      volumes: {
        extra: [{ name: STORAGE_VOLUME, hostPath: { path: input.storageHostPath, type: "DirectoryOrCreate" } }, ...journal.volumes],
      },
      // templates/controllers/_pod.yaml copies controller.podAnnotations into the pod template's metadata.
      podAnnotations: podAnnotations(input),
    },
    service: { enabled: true },
    serviceMonitor: input.serviceMonitor.enabled
      ? { enabled: true, additionalLabels: input.serviceMonitor.labels, interval: input.serviceMonitor.interval }
      : { enabled: false },
  };
  return mergeChartOverrides(withoutUndefined(values), input.overrides);
}
