/**
 * Builds the grafana/alloy 1.4.0 chart values from the validated stack config.
 * Pure; typed with AlloyChartValues, so a key at a path the chart does not
 * read (the seed incident: `tolerations` at the root) does not compile.
 */
import type { AlloyChartValues } from "./alloy-values.generated";
import type { ResourceRequirements, SecurityContext } from "./k8s-types";
import { mergeChartOverrides } from "./overrides";

/** Alloy's HTTP port (chart default `alloy.listenPort`): /metrics, /-/ready and the UI. */
export const ALLOY_HTTP_PORT = 12345;

/**
 * Helm release name. The chart names the DaemonSet, ConfigMap, Service,
 * ServiceAccount and ServiceMonitor after it, and labels the pods
 * app.kubernetes.io/instance=<it>.
 */
export const RELEASE_NAME = "alloy";

/** Label selector of the collector pods (the chart's alloy.selectorLabels). */
export const COLLECTOR_POD_SELECTOR = `app.kubernetes.io/name=alloy,app.kubernetes.io/instance=${RELEASE_NAME}`;

/** Name of the Alloy container in the chart's pod template, which Datadog annotations are keyed by. */
export const ALLOY_CONTAINER = "alloy";

/** Datadog Autodiscovery v1 annotation for the alloy container's checks. */
export const DATADOG_CHECKS_ANNOTATION = `ad.datadoghq.com/${ALLOY_CONTAINER}.checks`;

/** Where Alloy keeps its state in the container: --storage.path, the parent of every component's data (positions). */
export const ALLOY_STORAGE_PATH = "/var/lib/alloy";
const STORAGE_VOLUME = "alloy-storage";

export interface ChartValuesInput {
  /** The generated Alloy configuration (config.alloy). */
  alloyConfig: string;
  /** Requests and limits of the alloy container. */
  resources: ResourceRequirements;
  serviceMonitor: { enabled: boolean; labels: Record<string, string>; interval?: string };
  datadog: { enabled: boolean; namespace: string; metrics: readonly string[] };
  /**
   * Host directory dedicated to this release, mounted at ALLOY_STORAGE_PATH, so
   * read positions outlive the pod (the chart's default /tmp/alloy does not).
   */
  storageHostPath: string;
  /** Rolling update of the DaemonSet. */
  rollout: { maxUnavailable: number | string; minReadySeconds: number; terminationGracePeriodSeconds: number };
  /**
   * Environment variables of the alloy container taken from a Secret: the
   * Loki credentials. Only the Secret's name and keys are in the values.
   */
  secretEnv: { secretName: string; variables: readonly string[] } | undefined;
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

/** The Datadog openmetrics check against Alloy's /metrics (https://docs.datadoghq.com/containers/kubernetes/integrations/?tab=annotations). */
function datadogChecks(namespace: string, metrics: readonly string[]): string {
  const checks = {
    openmetrics: {
      init_config: {},
      instances: [{ openmetrics_endpoint: `http://%%host%%:${ALLOY_HTTP_PORT}/metrics`, namespace, metrics }],
    },
  };
  return JSON.stringify(checks, null, 2);
}

/**
 * Paths the program sets, with what to change instead. `chartOverrides` may
 * not touch them: a second way to set the same thing is how settings drift.
 */
export const PROGRAM_OWNED_PATHS: readonly { path: readonly string[]; reason: string }[] = [
  { path: ["alloy", "configMap"], reason: "the Alloy configuration is generated from the stack config (alloy/pipeline.ts)" },
  { path: ["alloy", "mounts", "varlog"], reason: "the collector reads pod logs from /var/log, which the program mounts read-only" },
  { path: ["alloy", "storagePath"], reason: "read positions live in the hostPath storage directory; set alloy-logs:storageHostPath instead" },
  { path: ["alloy", "mounts", "extra"], reason: "it mounts the storage directory; set alloy-logs:storageHostPath instead" },
  { path: ["controller", "volumes", "extra"], reason: "it holds the storage hostPath volume; set alloy-logs:storageHostPath instead" },
  { path: ["alloy", "resources"], reason: "set alloy-logs:resources instead" },
  { path: ["alloy", "listenPort"], reason: "the ServiceMonitor and the Datadog check scrape this port" },
  { path: ["controller", "type"], reason: "the collector must be a DaemonSet: one pod per node" },
  { path: ["controller", "updateStrategy"], reason: "set alloy-logs:rollout.maxUnavailable instead" },
  { path: ["controller", "minReadySeconds"], reason: "set alloy-logs:rollout.minReadySeconds instead" },
  { path: ["controller", "terminationGracePeriodSeconds"], reason: "set alloy-logs:rollout.terminationGracePeriodSeconds instead" },
  { path: ["alloy", "extraEnv"], reason: "it carries the Loki credentials; set alloy-logs:lokiAuth instead" },
  { path: ["alloy", "envFrom"], reason: "environment from Secrets is how credentials arrive; set alloy-logs:lokiAuth instead" },
  { path: ["alloy", "securityContext"], reason: "the collector's hardening is fixed by the program (README, Security)" },
  { path: ["configReloader", "enabled"], reason: "config changes are hot-reloaded by the config reloader" },
  { path: ["configReloader", "securityContext"], reason: "the reloader's hardening is fixed by the program (README, Security)" },
  { path: ["crds", "create"], reason: "the pipeline uses no PodLogs, so the cluster-wide CRD is not installed" },
  { path: ["rbac"], reason: "the program grants only what the pipeline uses (README, Security)" },
  { path: ["controller", "priorityClassName"], reason: "the collector runs as system-node-critical so it is scheduled on full nodes" },
  { path: ["controller", "tolerations"], reason: "the collector tolerates every taint so that it runs on every node" },
  { path: ["controller", "podAnnotations", DATADOG_CHECKS_ANNOTATION], reason: "set alloy-logs:datadog instead" },
  { path: ["service", "enabled"], reason: "the ServiceMonitor selects the chart's Service" },
  { path: ["serviceMonitor", "enabled"], reason: "set alloy-logs:serviceMonitor.enabled instead" },
  { path: ["serviceMonitor", "additionalLabels"], reason: "set alloy-logs:serviceMonitor.labels instead" },
  { path: ["serviceMonitor", "interval"], reason: "set alloy-logs:serviceMonitor.interval instead" },
];

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

/** The config reloader only reads the mounted ConfigMap and calls Alloy's /-/reload: it needs nothing. */
const RELOADER_SECURITY_CONTEXT: SecurityContext = {
  runAsUser: 65534,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export function buildChartValues(input: ChartValuesInput): AlloyChartValues {
  const values: AlloyChartValues = {
    alloy: {
      configMap: { create: true, content: escapeHelmTemplate(input.alloyConfig) },
      listenPort: ALLOY_HTTP_PORT,
      mounts: { varlog: true, extra: [{ name: STORAGE_VOLUME, mountPath: ALLOY_STORAGE_PATH }] },
      resources: input.resources,
      securityContext: ALLOY_SECURITY_CONTEXT,
      ...(input.secretEnv && {
        extraEnv: input.secretEnv.variables.map((name) => ({
          name,
          valueFrom: { secretKeyRef: { name: input.secretEnv!.secretName, key: name } },
        })),
      }),
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
      volumes: { extra: [{ name: STORAGE_VOLUME, hostPath: { path: input.storageHostPath, type: "DirectoryOrCreate" } }] },
      ...(input.datadog.enabled && {
        podAnnotations: { [DATADOG_CHECKS_ANNOTATION]: datadogChecks(input.datadog.namespace, input.datadog.metrics) },
      }),
    },
    service: { enabled: true },
    serviceMonitor: input.serviceMonitor.enabled
      ? {
          enabled: true,
          additionalLabels: input.serviceMonitor.labels,
          ...(input.serviceMonitor.interval !== undefined && { interval: input.serviceMonitor.interval }),
        }
      : { enabled: false },
  };
  return mergeChartOverrides(values, input.overrides);
}
