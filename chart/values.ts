/**
 * Builds the grafana/alloy chart values from the validated stack config.
 * Pure; every object literal here is checked against AlloyChartValues (no
 * spreads, annotated helpers), so a key at a path the chart does not read
 * (the seed incident: `tolerations` at the root) does not compile; the
 * guarantee is tested key by key in test/chart-values.test.ts.
 */
import type { AlloyChartValues } from "./alloy-values.generated";
import type { EnvVar, ResourceRequirements, SecurityContext } from "./k8s-types";
import { mergeChartOverrides, type OwnedPath } from "./overrides";

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

/**
 * The annotations Prometheus's kubernetes_sd "scrape by annotation" convention
 * reads (and the Datadog agent's prometheusScrape, when enabled): the seed put
 * them next to the Datadog check.
 */
export const PROMETHEUS_SCRAPE_ANNOTATION = "prometheus.io/scrape";
export const PROMETHEUS_PORT_ANNOTATION = "prometheus.io/port";

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
  /** Annotate the pods with prometheus.io/scrape and prometheus.io/port. */
  prometheusAnnotations: boolean;
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

const NAMES_REASON =
  "the program's ClusterRoleBinding, alerts, dashboard and verify find the DaemonSet, its pods, Service and ServiceAccount by the names the chart derives from the release; renaming them is not offered";
const IMAGE_REASON =
  "the collector runs the pinned chart's Alloy version, the one the generated configuration is checked against; upgrade the chart instead (docs/runbook.md, Upgrading the chart version)";
const STORAGE_REASON = "read positions live in the hostPath storage directory; set alloy-logs:storageHostPath instead";
const SCRAPE_REASON = `the ServiceMonitor, the Datadog check and the prometheus.io annotations scrape http on port ${ALLOY_HTTP_PORT} of every pod`;
const SELECTOR_REASON = "the chart's Service, the alerts and verify select the collector pods by this label";
const EVERY_NODE =
  "not offered: the collector runs on every node. To leave some pods' logs out, use alloy-logs:pipeline.excludeNamespaces, or annotate those pods with the key alloy-logs:pipeline.excludeAnnotation names";

/** The Datadog openmetrics v2 check's instance settings that the program sets (https://docs.datadoghq.com/integrations/openmetrics/). */
interface OpenMetricsChecks {
  openmetrics: {
    init_config: Record<string, never>;
    instances: { openmetrics_endpoint: string; namespace: string; metrics: readonly string[] }[];
  };
}

/** The Datadog openmetrics check against Alloy's /metrics (https://docs.datadoghq.com/containers/kubernetes/integrations/?tab=annotations); `npm run verify` expects it on every pod. */
export function datadogChecks(namespace: string, metrics: readonly string[]): string {
  const checks: OpenMetricsChecks = {
    openmetrics: {
      init_config: {},
      instances: [{ openmetrics_endpoint: `http://%%host%%:${ALLOY_HTTP_PORT}/metrics`, namespace, metrics }],
    },
  };
  return JSON.stringify(checks, null, 2);
}

/**
 * Paths the program sets or relies on, with what to change instead or why it
 * is not offered. `chartOverrides` may not touch them: a second way to set the
 * same thing is how settings drift, and these would undo what the program
 * guarantees (a collector on every node, under names its RBAC, alerts and
 * verify know, reading /var/log and keeping its positions).
 */
export const PROGRAM_OWNED_PATHS: readonly OwnedPath[] = [
  { path: ["nameOverride"], reason: NAMES_REASON },
  { path: ["fullnameOverride"], reason: NAMES_REASON },
  { path: ["namespaceOverride"], reason: "set alloy-logs:namespace instead" },
  {
    path: ["serviceAccount"],
    reason:
      "the program's ClusterRoleBinding grants the chart's ServiceAccount, named after the release, its read access to pods; Alloy needs no cloud identity to write to Loki, so no ServiceAccount setting is offered",
  },
  { path: ["image", "tag"], reason: IMAGE_REASON },
  { path: ["image", "digest"], reason: IMAGE_REASON },
  { path: ["alloy", "configMap"], reason: "the Alloy configuration is generated from the stack config (alloy/pipeline.ts)" },
  { path: ["alloy", "mounts", "varlog"], reason: "the collector reads pod logs from /var/log, which the program mounts read-only" },
  { path: ["alloy", "storagePath"], reason: STORAGE_REASON },
  { path: ["alloy", "extraArgs"], argument: "storage.path", reason: STORAGE_REASON },
  { path: ["alloy", "mounts", "extra"], reason: "it mounts the storage directory; set alloy-logs:storageHostPath instead" },
  { path: ["controller", "volumes", "extra"], reason: "it holds the storage hostPath volume; set alloy-logs:storageHostPath instead" },
  { path: ["alloy", "resources"], reason: "set alloy-logs:resources instead" },
  { path: ["alloy", "listenPort"], reason: SCRAPE_REASON },
  { path: ["alloy", "listenAddr"], reason: SCRAPE_REASON },
  { path: ["alloy", "listenScheme"], reason: SCRAPE_REASON },
  { path: ["alloy", "extraArgs"], argument: "server.http.listen-addr", reason: SCRAPE_REASON },
  { path: ["controller", "type"], reason: "the collector must be a DaemonSet: one pod per node" },
  { path: ["controller", "updateStrategy"], reason: "set alloy-logs:rollout.maxUnavailable instead" },
  { path: ["controller", "minReadySeconds"], reason: "set alloy-logs:rollout.minReadySeconds instead" },
  { path: ["controller", "terminationGracePeriodSeconds"], reason: "set alloy-logs:rollout.terminationGracePeriodSeconds instead" },
  { path: ["alloy", "extraEnv"], reason: "it carries the Loki credentials; set alloy-logs:lokiAuth instead" },
  { path: ["alloy", "envFrom"], reason: "environment from Secrets is how credentials arrive; set alloy-logs:lokiAuth instead" },
  { path: ["alloy", "securityContext"], reason: "the collector's hardening is fixed by the program (docs/design.md, Security)" },
  { path: ["configReloader", "enabled"], reason: "config changes are hot-reloaded by the config reloader" },
  { path: ["configReloader", "securityContext"], reason: "the reloader's hardening is fixed by the program (docs/design.md, Security)" },
  { path: ["crds", "create"], reason: "the pipeline uses no PodLogs, so the cluster-wide CRD is not installed" },
  { path: ["rbac"], reason: "the program grants only what the pipeline uses (docs/design.md, Security)" },
  {
    path: ["extraObjects"],
    reason: "it would add Kubernetes objects, RBAC among them, that no check of the program sees; add them as resources of the program instead",
  },
  { path: ["controller", "priorityClassName"], reason: "the collector runs as system-node-critical so it is scheduled on full nodes" },
  { path: ["controller", "tolerations"], reason: `the collector tolerates every taint so that it runs on every node; ${EVERY_NODE}` },
  { path: ["controller", "nodeSelector"], reason: `it would take the collector off nodes (their pods' logs lost, the seed incident by another road); ${EVERY_NODE}` },
  { path: ["controller", "affinity"], reason: `it would take the collector off nodes (their pods' logs lost, the seed incident by another road); ${EVERY_NODE}` },
  { path: ["controller", "topologySpreadConstraints"], reason: `it can leave nodes without a schedulable collector; ${EVERY_NODE}` },
  { path: ["controller", "podLabels", "app.kubernetes.io/name"], reason: SELECTOR_REASON },
  { path: ["controller", "podLabels", "app.kubernetes.io/instance"], reason: SELECTOR_REASON },
  { path: ["controller", "podAnnotations", DATADOG_CHECKS_ANNOTATION], reason: "set alloy-logs:datadog instead" },
  { path: ["controller", "podAnnotations", PROMETHEUS_SCRAPE_ANNOTATION], reason: "set alloy-logs:prometheusAnnotations instead" },
  { path: ["controller", "podAnnotations", PROMETHEUS_PORT_ANNOTATION], reason: "set alloy-logs:prometheusAnnotations instead" },
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

type AlloySettings = NonNullable<AlloyChartValues["alloy"]>;
type ControllerSettings = NonNullable<AlloyChartValues["controller"]>;

/** The Loki credentials as environment variables from the Secret, or none. */
function secretEnv(env: ChartValuesInput["secretEnv"]): AlloySettings["extraEnv"] {
  if (env === undefined) return undefined;
  return env.variables.map((name): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: env.secretName, key: name } } }));
}

/** The monitoring annotations of the pods, or none when every kind is switched off. */
function podAnnotations(input: ChartValuesInput): ControllerSettings["podAnnotations"] {
  const entries: [string, string][] = [];
  if (input.datadog.enabled) entries.push([DATADOG_CHECKS_ANNOTATION, datadogChecks(input.datadog.namespace, input.datadog.metrics)]);
  if (input.prometheusAnnotations) entries.push([PROMETHEUS_SCRAPE_ANNOTATION, "true"], [PROMETHEUS_PORT_ANNOTATION, String(ALLOY_HTTP_PORT)]);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * Drops the keys whose value is undefined. Optional values are written as
 * `key: undefined` rather than spread in, so that every literal stays checked
 * against the chart's types; what reaches Helm has no such key.
 */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  ) as T;
}

export function buildChartValues(input: ChartValuesInput): AlloyChartValues {
  const values: AlloyChartValues = {
    alloy: {
      configMap: { create: true, content: escapeHelmTemplate(input.alloyConfig) },
      listenPort: ALLOY_HTTP_PORT,
      mounts: { varlog: true, extra: [{ name: STORAGE_VOLUME, mountPath: ALLOY_STORAGE_PATH }] },
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
      volumes: { extra: [{ name: STORAGE_VOLUME, hostPath: { path: input.storageHostPath, type: "DirectoryOrCreate" } }] },
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
