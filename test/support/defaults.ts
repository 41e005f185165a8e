/**
 * Every default, written out: what a stack that sets only the required keys
 * gets (test/config.test.ts), and what AlloyLogCollector's unset args become
 * (test/component.test.ts). Written here by hand, not read from
 * config/defaults.ts, so that a changed default fails both tests.
 */
export const PINNED_DEFAULTS = {
  namespace: "loki-v3",
  createNamespace: false,
  lokiAuth: { type: "none" },
  resources: { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } },
  serviceMonitor: { enabled: true, labels: { release: "kube-prometheus-stack" } },
  datadog: {
    enabled: false,
    namespace: "loki_v3",
    metrics: [
      "loki_write_sent_entries",
      "loki_write_sent_bytes",
      "loki_write_dropped_entries",
      "loki_write_dropped_bytes",
      "loki_write_request_duration_seconds",
      "loki_write_batch_retries",
      "loki_process_dropped_lines",
      "loki_source_file_files_active_total",
      "alloy_component_controller_running_components",
      "alloy_build_info",
    ],
  },
  prometheusAnnotations: true,
  storageHostPath: "/var/lib/alloy-logs",
  pipeline: {
    maxEntryAge: "12h",
    excludeNamespaces: [],
    excludeAnnotation: "alloy-logs/exclude",
    dropProbeLogs: false,
    probeExpression: String.raw`kube-probe/|\b(GET|HEAD) /(healthz?|readyz?|livez?|ping)\b`,
    rateLimit: { enabled: false, by: "namespace", linesPerSecond: 1000, burst: 5000 },
    multiline: [],
    indexLabels: ["app", "component", "container", "instance", "job", "namespace", "node_name", "pod", "stream"],
  },
  journal: { enabled: true, units: ["kubelet.service", "containerd.service"], maxAge: "12h", path: "/var/log/journal", levelLabel: true },
  lokiWrite: { batchSize: "1MiB", batchWait: "1s", timeout: "10s", minBackoff: "500ms", maxBackoff: "5m", maxRetries: 15 },
  rollout: { maxUnavailable: "10%", minReadySeconds: 10, terminationGracePeriodSeconds: 60 },
  alerts: {
    enabled: true,
    labels: { release: "kube-prometheus-stack" },
    noEntriesSentMinutes: 10,
    memoryLimitRatio: 0.9,
    failedRequestRatio: 0.1,
  },
  dashboard: { enabled: true, labels: { grafana_dashboard: "1" } },
  events: { enabled: true, resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } }, kindLabel: true },
  chartOverrides: {},
  chartRepository: "https://grafana.github.io/helm-charts",
};
