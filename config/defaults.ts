/**
 * Every default of the program, in one place: the stack schema (config/schema.ts)
 * declares them with `.default(...)`, and the component (AlloyLogCollector's
 * withDefaults) applies them to args left unset, so a stack that leaves a key
 * out and a program that leaves an arg out get the same collector.
 * test/config.test.ts pins them, written out.
 *
 * Frozen (and typed read-only): the component hands these objects out as they are.
 */
import { DEFAULT_DATADOG_METRICS } from "./datadog-metrics";

function deepFreeze<const T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The release of kube-prometheus-stack in our clusters. Its Prometheus selects
 * ServiceMonitors and PrometheusRules by `release: <its Helm release name>`:
 * `serviceMonitorSelector` and `ruleSelector` are `{matchLabels: {release: ...}}` when
 * `prometheus.prometheusSpec.{serviceMonitor,rule}SelectorNilUsesHelmValues` is true, the
 * default (charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml), and
 * `ruleNamespaceSelector: {}` (every namespace).
 */
const KUBE_PROMETHEUS_STACK_RELEASE = { release: "kube-prometheus-stack" };

export const DEFAULTS = deepFreeze({
  namespace: "loki-v3",
  createNamespace: false,
  lokiAuth: { type: "none" },
  resources: { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } },
  serviceMonitor: { enabled: true, labels: { ...KUBE_PROMETHEUS_STACK_RELEASE } },
  datadog: { enabled: false, namespace: "loki_v3", metrics: DEFAULT_DATADOG_METRICS.map((m) => m.name) },
  prometheusAnnotations: true,
  storageHostPath: "/var/lib/alloy-logs",
  pipeline: {
    maxEntryAge: "12h",
    excludeNamespaces: [],
    excludeAnnotation: "alloy-logs/exclude",
    dropProbeLogs: false,
    /** kubelet probes identify themselves as "kube-probe/<version>"; the paths are the usual health endpoints. */
    probeExpression: String.raw`kube-probe/|\b(GET|HEAD) /(healthz?|readyz?|livez?|ping)\b`,
    rateLimit: { enabled: false, by: "namespace", linesPerSecond: 1000, burst: 5000 },
    multiline: [],
    /**
     * Labels Loki indexes, which every log stream is keyed by: every label the
     * pipeline gives an entry (alloy-config/pipeline.ts: the Promtail-style relabeling,
     * and stage.cri's stream). Only these can be kept by stage.label_keep.
     */
    indexLabels: ["app", "component", "container", "instance", "job", "namespace", "node_name", "pod", "stream"],
  },
  // ---- journal (issue 20): the node's systemd journal, read by loki.source.journal ----
  journal: {
    enabled: true,
    /** The units whose lines are kept; kernel messages are kept whenever the journal is read. */
    units: ["kubelet.service", "containerd.service"],
    /** How far back a collector with no saved cursor reads (loki.source.journal max_age; Alloy's own default is 7h). */
    maxAge: "12h",
    /** Inside the chart's read-only /var/log mount (alloy.mounts.varlog), so no volume of its own. */
    path: "/var/log/journal",
    levelLabel: true,
  },
  // ---- end journal ----
  /** Each rule of pipeline.multiline. */
  multilineRule: { maxWaitTime: "3s" },
  lokiWrite: { batchSize: "1MiB", batchWait: "1s", timeout: "10s", minBackoff: "500ms", maxBackoff: "5m", maxRetries: 15 },
  rollout: { maxUnavailable: "10%", minReadySeconds: 10, terminationGracePeriodSeconds: 60 },
  alerts: {
    enabled: true,
    labels: { ...KUBE_PROMETHEUS_STACK_RELEASE },
    noEntriesSentMinutes: 10,
    memoryLimitRatio: 0.9,
    failedRequestRatio: 0.1,
  },
  dashboard: {
    enabled: true,
    /**
     * kube-prometheus-stack enables Grafana's dashboard sidecar with
     * `grafana.sidecar.dashboards.label: grafana_dashboard`, `labelValue: "1"` and
     * `searchNamespace: ALL` (charts/kube-prometheus-stack/values.yaml), so a ConfigMap
     * with this label in any namespace is loaded, each data key ending in .json a dashboard.
     */
    labels: { grafana_dashboard: "1" },
  },
  // --- events: the alloy-events release (issue 21) --------------------------
  events: {
    enabled: true,
    /**
     * One Alloy watching Events: its informer caches every Event the API server
     * holds (about an hour's worth), so memory grows with the cluster's event rate.
     */
    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    kindLabel: true,
  },
  // --- end events --------------------------------------------------------------
  chartOverrides: {},
  /** Grafana's Helm repository, where grafana/alloy is published. */
  chartRepository: "https://grafana.github.io/helm-charts",
});
