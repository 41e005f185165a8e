/**
 * What the program fixes in the grafana/alloy chart: the release and container
 * names, the HTTP port and the pod annotations it sets, and the value paths
 * `chartOverrides` may not touch. Part of the chart's value schema: the
 * stack-config check (config/load.ts) refuses these paths, and the values
 * builder (chart/values.ts) sets them, both from this one list.
 */
import type { OwnedPath } from "./overrides";

/** Alloy's HTTP port (chart default `alloy.listenPort`): /metrics, /-/ready and the UI. */
export const ALLOY_HTTP_PORT = 12345;

/**
 * Helm release name. The chart names the DaemonSet, ConfigMap, Service,
 * ServiceAccount and ServiceMonitor after it, and labels the pods
 * app.kubernetes.io/instance=<it>.
 */
export const RELEASE_NAME = "alloy";

/** Label selector of the collector pods (the chart's alloy.selectorLabels). */
/**
 * The Secret holding a stack's Loki credentials (alloy-logs:lokiAuth), created in the stack's namespace;
 * `npm run verify` reads it to query Loki with the stack's own credentials.
 */
export const LOKI_AUTH_SECRET_NAME = `${RELEASE_NAME}-loki-auth`;

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

const NAMES_REASON =
  "renaming is not offered, because the program's ClusterRoleBinding, alerts, dashboard and verify find the DaemonSet, its pods, Service and ServiceAccount by the names the chart derives from the release";
const IMAGE_REASON =
  "upgrade the chart instead (docs/runbook.md, Upgrading the chart version), because the collector runs the pinned chart's Alloy version, the one the generated configuration is checked against";
const STORAGE_REASON = "set alloy-logs:storageHostPath instead, the hostPath directory where the read positions live";
const SCRAPE_REASON = `it is not offered, because the ServiceMonitor, the Datadog check and the prometheus.io annotations scrape http on port ${ALLOY_HTTP_PORT} of every pod`;
const SELECTOR_REASON = "it is not offered, because the chart's Service, the alerts and verify select the collector pods by this label";
/** The way to leave logs out that does not leave nodes without a collector. */
const LEAVE_LOGS_OUT =
  "to leave some pods' logs out, set alloy-logs:pipeline.excludeNamespaces or annotate those pods with the key alloy-logs:pipeline.excludeAnnotation names";

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
      "it is not offered, because the program's ClusterRoleBinding grants the chart's ServiceAccount, named after the release, its read access to pods, and Alloy needs no cloud identity to write to Loki",
  },
  { path: ["image", "tag"], reason: IMAGE_REASON },
  { path: ["image", "digest"], reason: IMAGE_REASON },
  {
    path: ["alloy", "configMap"],
    reason: "it is not offered, because the Alloy configuration is generated from the stack config (alloy-config/pipeline.ts)",
  },
  {
    path: ["alloy", "mounts", "varlog"],
    reason: "it is not offered, because the collector reads pod logs from /var/log, which the program mounts read-only",
  },
  { path: ["alloy", "storagePath"], reason: STORAGE_REASON },
  { path: ["alloy", "extraArgs"], argument: "storage.path", reason: STORAGE_REASON },
  { path: ["alloy", "mounts", "extra"], reason: "set alloy-logs:storageHostPath instead, the storage directory this mounts" },
  { path: ["controller", "volumes", "extra"], reason: "set alloy-logs:storageHostPath instead, the storage hostPath volume this holds" },
  { path: ["alloy", "resources"], reason: "set alloy-logs:resources instead" },
  { path: ["alloy", "listenPort"], reason: SCRAPE_REASON },
  { path: ["alloy", "listenAddr"], reason: SCRAPE_REASON },
  { path: ["alloy", "listenScheme"], reason: SCRAPE_REASON },
  { path: ["alloy", "extraArgs"], argument: "server.http.listen-addr", reason: SCRAPE_REASON },
  { path: ["controller", "type"], reason: "it is not offered, because the collector must be a DaemonSet, one pod per node" },
  { path: ["controller", "updateStrategy"], reason: "set alloy-logs:rollout.maxUnavailable instead" },
  { path: ["controller", "minReadySeconds"], reason: "set alloy-logs:rollout.minReadySeconds instead" },
  { path: ["controller", "terminationGracePeriodSeconds"], reason: "set alloy-logs:rollout.terminationGracePeriodSeconds instead" },
  { path: ["alloy", "extraEnv"], reason: "set alloy-logs:lokiAuth instead, the Loki credentials this carries" },
  { path: ["alloy", "envFrom"], reason: "set alloy-logs:lokiAuth instead, since environment from Secrets is how credentials arrive" },
  {
    path: ["alloy", "securityContext"],
    reason: "it is not offered, because the program fixes the collector's hardening (docs/design.md, Security)",
  },
  { path: ["configReloader", "enabled"], reason: "it is not offered, because config changes are hot-reloaded by the config reloader" },
  {
    path: ["configReloader", "securityContext"],
    reason: "it is not offered, because the program fixes the reloader's hardening (docs/design.md, Security)",
  },
  { path: ["crds", "create"], reason: "it is not offered, because the pipeline uses no PodLogs, so the cluster-wide CRD is not installed" },
  { path: ["rbac"], reason: "it is not offered, because the program grants only what the pipeline uses (docs/design.md, Security)" },
  {
    path: ["extraObjects"],
    reason:
      "add them as resources of the program instead, because here they would be Kubernetes objects, RBAC among them, that no check of the program sees",
  },
  {
    path: ["controller", "priorityClassName"],
    reason: "it is not offered, because the collector runs as system-node-critical so it is scheduled on full nodes",
  },
  {
    path: ["controller", "tolerations"],
    reason: `it is not offered, because the collector tolerates every taint so that it runs on every node (${LEAVE_LOGS_OUT})`,
  },
  {
    path: ["controller", "nodeSelector"],
    reason: `it is not offered, because it would take the collector off nodes and lose their pods' logs, the seed incident by another road (${LEAVE_LOGS_OUT})`,
  },
  {
    path: ["controller", "affinity"],
    reason: `it is not offered, because it would take the collector off nodes and lose their pods' logs, the seed incident by another road (${LEAVE_LOGS_OUT})`,
  },
  {
    path: ["controller", "topologySpreadConstraints"],
    reason: `it is not offered, because it can leave nodes without a schedulable collector (${LEAVE_LOGS_OUT})`,
  },
  { path: ["controller", "podLabels", "app.kubernetes.io/name"], reason: SELECTOR_REASON },
  { path: ["controller", "podLabels", "app.kubernetes.io/instance"], reason: SELECTOR_REASON },
  { path: ["controller", "podAnnotations", DATADOG_CHECKS_ANNOTATION], reason: "set alloy-logs:datadog instead" },
  { path: ["controller", "podAnnotations", PROMETHEUS_SCRAPE_ANNOTATION], reason: "set alloy-logs:prometheusAnnotations instead" },
  { path: ["controller", "podAnnotations", PROMETHEUS_PORT_ANNOTATION], reason: "set alloy-logs:prometheusAnnotations instead" },
  { path: ["service", "enabled"], reason: "it is not offered, because the ServiceMonitor selects the chart's Service" },
  { path: ["serviceMonitor", "enabled"], reason: "set alloy-logs:serviceMonitor.enabled instead" },
  { path: ["serviceMonitor", "additionalLabels"], reason: "set alloy-logs:serviceMonitor.labels instead" },
  { path: ["serviceMonitor", "interval"], reason: "set alloy-logs:serviceMonitor.interval instead" },
];
