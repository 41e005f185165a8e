/**
 * The metrics Datadog's openmetrics check collects from each collector by default,
 * instead of `.*` (every series Alloy exposes, each one a billed custom metric).
 *
 * Names are written the way the openmetrics v2 check (`openmetrics_endpoint`) matches
 * them: against the metric family name the Prometheus text parser gives, which for a
 * counter has no `_total` suffix. Datadog's docs: "Starting in Datadog Agent v7.32.0, in
 * adherence to the OpenMetrics specification standard, counter names ending in `_total`
 * must be specified without the `_total` suffix"
 * (https://docs.datadoghq.com/integrations/openmetrics/). A gauge keeps its name even when
 * it ends in `_total` (loki_source_file_files_active_total is a gauge). A counter is
 * submitted as `<namespace>.<name>.count` (monotonic count); a histogram as `.bucket`,
 * `.count` and `.sum` (datadog_checks_base openmetrics/v2/transformers). A name without
 * regular-expression characters matches exactly (openmetrics/v2/transform.py), so none
 * of these collects anything else.
 *
 * Left out on purpose:
 *   - loki_source_file_read_lines_total, loki_source_file_read_bytes_total and
 *     loki_source_file_file_bytes_total have a `path` label: one series per container log
 *     file on every node, i.e. thousands of custom metrics. Prometheus keeps them.
 *   - loki_process_dropped_lines_by_label_total has a series per rate-limited app.
 *   - Go runtime and process metrics: Datadog's kubelet check already reports each
 *     container's CPU and memory.
 */

export interface DatadogMetric {
  /** The name as the openmetrics check's `metrics` list takes it. */
  name: string;
  /** Why it is collected, in one line. */
  why: string;
}

export const DEFAULT_DATADOG_METRICS: readonly DatadogMetric[] = Object.freeze([
  {
    name: "loki_write_sent_entries",
    why: "Entries Loki accepted, per collector (counter loki_write_sent_entries_total): the pipeline's throughput, and zero when a node's logs stop.",
  },
  {
    name: "loki_write_sent_bytes",
    why: "Bytes Loki accepted, per collector (counter loki_write_sent_bytes_total): log volume per node, for capacity and Loki's ingestion limits.",
  },
  {
    name: "loki_write_dropped_entries",
    why: "Entries lost, by reason (counter loki_write_dropped_entries_total): a 4xx other than 429 is dropped on the first try and counted only here.",
  },
  {
    name: "loki_write_dropped_bytes",
    why: "Bytes lost, by reason (counter loki_write_dropped_bytes_total): the size of the loss that dropped_entries counts.",
  },
  {
    name: "loki_write_request_duration_seconds",
    why: "Push latency by HTTP status (histogram): its count by status_code gives the failed requests by code (-1: no response).",
  },
  {
    name: "loki_write_batch_retries",
    why: "Batches retried after a 429, 5xx or connection error (counter loki_write_batch_retries_total): trouble with Loki before anything is dropped.",
  },
  {
    name: "loki_process_dropped_lines",
    why: "Lines the pipeline drops on purpose, by reason: too_old, probe, ratelimit_drop_stage (counter loki_process_dropped_lines_total).",
  },
  {
    name: "loki_source_file_files_active_total",
    why: "Log files being tailed, per collector (a gauge, so it keeps _total): zero on a busy node means discovery or the /var/log mount is broken.",
  },
  {
    name: "alloy_component_controller_running_components",
    why: "Alloy components by health_type (gauge): anything but healthy means a component stopped discovering, tailing or pushing.",
  },
  {
    name: "alloy_build_info",
    why: "The Alloy version each collector runs (gauge, version tag): shows a rollout's progress across nodes.",
  },
]);
