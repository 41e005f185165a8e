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
  "the program's ClusterRoleBinding, alerts, dashboard and verify find the DaemonSet, its pods, Service and ServiceAccount by the names the chart derives from the release; renaming them is not offered";
const IMAGE_REASON =
  "the collector runs the pinned chart's Alloy version, the one the generated configuration is checked against; upgrade the chart instead (docs/runbook.md, Upgrading the chart version)";
const STORAGE_REASON = "read positions live in the hostPath storage directory; set alloy-logs:storageHostPath instead";
const SCRAPE_REASON = `the ServiceMonitor, the Datadog check and the prometheus.io annotations scrape http on port ${ALLOY_HTTP_PORT} of every pod`;
const SELECTOR_REASON = "the chart's Service, the alerts and verify select the collector pods by this label";
const EVERY_NODE =
  "not offered: the collector runs on every node. To leave some pods' logs out, use alloy-logs:pipeline.excludeNamespaces, or annotate those pods with the key alloy-logs:pipeline.excludeAnnotation names";

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
    reason:
      "it would add Kubernetes objects, RBAC among them, that no check of the program sees; add them as resources of the program instead",
  },
  { path: ["controller", "priorityClassName"], reason: "the collector runs as system-node-critical so it is scheduled on full nodes" },
  { path: ["controller", "tolerations"], reason: `the collector tolerates every taint so that it runs on every node; ${EVERY_NODE}` },
  {
    path: ["controller", "nodeSelector"],
    reason: `it would take the collector off nodes (their pods' logs lost, the seed incident by another road); ${EVERY_NODE}`,
  },
  {
    path: ["controller", "affinity"],
    reason: `it would take the collector off nodes (their pods' logs lost, the seed incident by another road); ${EVERY_NODE}`,
  },
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
