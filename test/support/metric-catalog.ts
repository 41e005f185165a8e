/**
 * The metric names the alerts, the dashboard and the Datadog list may use: only
 * series that the deployed versions really export. Each entry cites its source;
 * the Alloy ones were read at tag v1.11.3 of grafana/alloy (the app version of the
 * grafana/alloy 1.4.0 chart), the kube-state-metrics ones in its docs/metrics/.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface CatalogMetric {
  name: string;
  type: MetricType;
  exporter: "alloy" | "kube-state-metrics" | "cadvisor" | "prometheus";
  source: string;
}

const ALLOY_CLIENT = "internal/component/common/loki/client/client.go (NewMetrics)";
const ALLOY_FILE = "internal/component/loki/source/file/metrics.go (newMetrics)";
const ALLOY_JOURNAL =
  "internal/component/loki/source/journal/internal/target/metrics.go (NewMetrics); registered only by journal.go, the build with the promtail_journal_enabled tag";
const KSM_POD = "kube-state-metrics docs/metrics/workload/pod-metrics.md";
const KSM_NODE = "kube-state-metrics docs/metrics/cluster/node-metrics.md";

export const METRIC_CATALOG: readonly CatalogMetric[] = [
  // loki.write (every client of the component shares these; labels host, tenant, and reason where noted).
  { name: "loki_write_encoded_bytes_total", type: "counter", exporter: "alloy", source: ALLOY_CLIENT },
  { name: "loki_write_sent_bytes_total", type: "counter", exporter: "alloy", source: ALLOY_CLIENT },
  { name: "loki_write_dropped_bytes_total", type: "counter", exporter: "alloy", source: `${ALLOY_CLIENT}; label reason` },
  { name: "loki_write_sent_entries_total", type: "counter", exporter: "alloy", source: ALLOY_CLIENT },
  { name: "loki_write_dropped_entries_total", type: "counter", exporter: "alloy", source: `${ALLOY_CLIENT}; label reason` },
  { name: "loki_write_mutated_entries_total", type: "counter", exporter: "alloy", source: ALLOY_CLIENT },
  { name: "loki_write_mutated_bytes_total", type: "counter", exporter: "alloy", source: ALLOY_CLIENT },
  { name: "loki_write_request_duration_seconds", type: "histogram", exporter: "alloy", source: `${ALLOY_CLIENT}; label status_code` },
  { name: "loki_write_batch_retries_total", type: "counter", exporter: "alloy", source: ALLOY_CLIENT },
  // loki.source.file: read_bytes_total and file_bytes_total are gauges (file offsets) despite their names.
  { name: "loki_source_file_read_bytes_total", type: "gauge", exporter: "alloy", source: ALLOY_FILE },
  { name: "loki_source_file_file_bytes_total", type: "gauge", exporter: "alloy", source: ALLOY_FILE },
  { name: "loki_source_file_read_lines_total", type: "counter", exporter: "alloy", source: ALLOY_FILE },
  { name: "loki_source_file_encoding_failures_total", type: "counter", exporter: "alloy", source: ALLOY_FILE },
  { name: "loki_source_file_files_active_total", type: "gauge", exporter: "alloy", source: ALLOY_FILE },
  // loki.source.journal: lines_total counts the lines sent on (journaltarget.go formatter); parsing_errors_total's
  // error="empty_labels" counts the entries the relabel rules dropped, and "no_message" entries without MESSAGE.
  { name: "loki_source_journal_target_lines_total", type: "counter", exporter: "alloy", source: ALLOY_JOURNAL },
  { name: "loki_source_journal_target_parsing_errors_total", type: "counter", exporter: "alloy", source: `${ALLOY_JOURNAL}; label error` },
  // loki.process
  {
    name: "loki_process_dropped_lines_total",
    type: "counter",
    exporter: "alloy",
    source: "internal/component/loki/process/stages/match.go (getDropCountMetric), used by stage.drop and stage.limit; label reason",
  },
  {
    name: "loki_process_dropped_lines_by_label_total",
    type: "counter",
    exporter: "alloy",
    source: "internal/component/loki/process/stages/limit.go (getDropCountByLabelMetric); labels label_name, label_value",
  },
  // Alloy runtime
  {
    name: "alloy_component_controller_running_components",
    type: "gauge",
    exporter: "alloy",
    source: "internal/runtime/internal/controller/metrics.go (newControllerCollector); label health_type",
  },
  {
    name: "alloy_build_info",
    type: "gauge",
    exporter: "alloy",
    source: 'main.go: build.NewCollector("alloy") (prometheus/common version collector)',
  },
  {
    name: "alloy_resources_process_resident_memory_bytes",
    type: "gauge",
    exporter: "alloy",
    source: "internal/alloycli/resources_collector.go",
  },
  // kube-state-metrics
  { name: "kube_node_info", type: "gauge", exporter: "kube-state-metrics", source: KSM_NODE },
  { name: "kube_node_status_condition", type: "gauge", exporter: "kube-state-metrics", source: KSM_NODE },
  { name: "kube_pod_info", type: "gauge", exporter: "kube-state-metrics", source: KSM_POD },
  { name: "kube_pod_status_ready", type: "gauge", exporter: "kube-state-metrics", source: KSM_POD },
  { name: "kube_pod_container_status_waiting_reason", type: "gauge", exporter: "kube-state-metrics", source: KSM_POD },
  { name: "kube_pod_container_status_restarts_total", type: "counter", exporter: "kube-state-metrics", source: KSM_POD },
  { name: "kube_pod_container_resource_limits", type: "gauge", exporter: "kube-state-metrics", source: KSM_POD },
  {
    name: "kube_deployment_status_replicas_available",
    type: "gauge",
    exporter: "kube-state-metrics",
    source: "kube-state-metrics docs/metrics/workload/deployment-metrics.md; labels namespace, deployment",
  },
  // cAdvisor, in the kubelet (/metrics/cadvisor)
  {
    name: "container_memory_working_set_bytes",
    type: "gauge",
    exporter: "cadvisor",
    source: "cAdvisor (kubelet /metrics/cadvisor), scraped by kube-prometheus-stack's kubelet ServiceMonitor",
  },
  // Prometheus itself
  { name: "up", type: "gauge", exporter: "prometheus", source: "Prometheus, one per scrape target (docs: Jobs and instances)" },
];

/** Every series name a query may select: a histogram's `_bucket`, `_count` and `_sum`, every other metric's own name. */
export function allowedSeriesNames(): Set<string> {
  const names = new Set<string>();
  for (const metric of METRIC_CATALOG) {
    if (metric.type === "histogram") for (const suffix of ["_bucket", "_count", "_sum"]) names.add(metric.name + suffix);
    else names.add(metric.name);
  }
  return names;
}
