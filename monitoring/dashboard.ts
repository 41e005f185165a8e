/**
 * The Grafana dashboard of the log pipeline, per node: what each collector reads,
 * sends, drops, how long its pushes take and how they fail, and its memory against
 * its limit. Built with Grafana's typed builders (@grafana/grafana-foundation-sdk)
 * and shipped as a ConfigMap that kube-prometheus-stack's Grafana sidecar loads.
 *
 * It uses the classic dashboard JSON model (`dashboard.DashboardBuilder`; the SDK marks
 * it deprecated in favour of the v2 schema), because that is what Grafana's file
 * provisioning, which the sidecar feeds, reads.
 *
 * Alloy's series have no node label (the ServiceMonitor adds namespace, pod, container,
 * job); every per-node query joins them on (namespace, pod) with kube-state-metrics'
 * kube_pod_info, which has the pod's node. The metric sources are those of ./alerts.ts.
 */
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { assertDnsLabel, selector } from "./promql";

/** Stable across clusters and deploys, so links and bookmarks keep working (Grafana: 8-40 characters). */
export const DASHBOARD_UID = "alloy-log-pipeline";

/** The ConfigMap data key holding the dashboard JSON. */
export const DASHBOARD_FILE_NAME = `${DASHBOARD_UID}.json`;

export interface DashboardInput {
  /** Namespace of the collectors, e.g. `loki-v3`. */
  namespace: string;
  /** The Prometheus `job` label of the Alloy targets: the Service name, `alloy`. */
  job: string;
  /** Name of the Alloy container, e.g. `alloy`. */
  container: string;
  /** The events collector (alloy-events), when it runs: a row of its own at the bottom. */
  events?: { deployment: string; job: string };
}

/** The dashboard's data source: a variable, defaulting to Grafana's default Prometheus. */
const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "${datasource}" };

function promQuery(refId: string, expr: string, legend: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().refId(refId).expr(expr).legendFormat(legend).range().datasource(DATASOURCE);
}

function timeSeriesPanel(
  title: string,
  description: string,
  unit: string,
  targets: prometheus.DataqueryBuilder[],
): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .min(0)
    .fillOpacity(10)
    .span(12)
    .height(8)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(["max", "lastNotNull"]),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(targets);
}

/** A single number; red from `red` on, when given. */
function statPanel(title: string, description: string, expr: string, red?: number): stat.PanelBuilder {
  const steps: dashboard.Threshold[] = [{ value: null, color: "green" }];
  if (red !== undefined) steps.push({ value: red, color: "red" });
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .span(12)
    .height(4)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(red === undefined ? common.BigValueColorMode.None : common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
    .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps))
    .withTarget(new prometheus.DataqueryBuilder().refId("A").expr(expr).instant().datasource(DATASOURCE));
}

/** The dashboard JSON model: deterministic (fixed uid, no id, no timestamps), so a deploy diff shows real changes only. */
export function buildDashboard(input: DashboardInput): dashboard.Dashboard {
  const { namespace, job, container } = input;
  assertDnsLabel("namespace", namespace);
  assertDnsLabel("job", job);
  assertDnsLabel("container", container);

  const alloy = (metric: string, extra: Parameters<typeof selector>[1] = {}) => selector(metric, { job, namespace, ...extra });
  const up = selector("up", { job, namespace });
  // The collector pods (those Prometheus scrapes as `job`) on the selected nodes, one series each, with their node.
  const collectorsOnNodes = [
    `max by (namespace, pod, node) (${selector("kube_pod_info", { namespace, node: { op: "=~", value: "$node" } })})`,
    `and on (namespace, pod) ${up}`,
  ].join(" ");
  // <aggregation> by (<by>) of a per-pod expression, each pod's series labelled with its node.
  const perNode = (by: string, expr: string, aggregation: "sum" | "max" = "sum") =>
    `${aggregation} by (${by}) (\n  ${expr}\n  * on (namespace, pod) group_left (node)\n    (${collectorsOnNodes})\n)`;
  const rate = (series: string) => `rate(${series}[$__rate_interval])`;
  const latency = (q: number) =>
    `histogram_quantile(${q}, ${perNode("node, le", rate(alloy("loki_write_request_duration_seconds_bucket")))})`;

  const nodeVariable = new dashboard.QueryVariableBuilder("node")
    .label("Node")
    .description("Nodes of the cluster (kube_node_info). A node without a collector shows no series.")
    .datasource(DATASOURCE)
    .query("label_values(kube_node_info, node)")
    .definition("label_values(kube_node_info, node)")
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.NaturalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(".*")
    .current({ text: "All", value: "$__all" });

  const panels: (stat.PanelBuilder | timeseries.PanelBuilder)[] = [
    statPanel(
      "Collectors scraped",
      `Collector pods Prometheus scrapes successfully (up{job="${job}"} == 1).`,
      `count(${up} == 1) or vector(0)`,
    ),
    statPanel(
      "Nodes without a scraped collector",
      "Nodes (kube_node_info) with no collector pod Prometheus can scrape: their logs are not collected, or not watched. " +
        "The seed's incident was 10 such nodes. Alert: AlloyNodeWithoutCollector.",
      [
        `count(`,
        `  max by (node) (kube_node_info)`,
        `  unless on (node)`,
        `  (max by (namespace, pod, node) (${selector("kube_pod_info", { namespace })}) and on (namespace, pod) (${up} == 1))`,
        `) or vector(0)`,
      ].join("\n"),
      1,
    ),
    timeSeriesPanel(
      "Log lines read, per node",
      "Lines loki.source.file read from the node's container log files (loki_source_file_read_lines_total).",
      "suffix: lines/s",
      [promQuery("A", perNode("node", rate(alloy("loki_source_file_read_lines_total"))), "{{node}}")],
    ),
    timeSeriesPanel("Entries sent to Loki, per node", "Log entries Loki accepted (loki_write_sent_entries_total).", "suffix: entries/s", [
      promQuery("A", perNode("node", rate(alloy("loki_write_sent_entries_total"))), "{{node}}"),
    ]),
    timeSeriesPanel("Bytes sent to Loki, per node", "Compressed push bodies Loki accepted (loki_write_sent_bytes_total).", "Bps", [
      promQuery("A", perNode("node", rate(alloy("loki_write_sent_bytes_total"))), "{{node}}"),
    ]),
    timeSeriesPanel(
      "Entries dropped, per node and reason",
      "loki.write drops are lost logs (loki_write_dropped_entries_total: ingester_error is a 4xx other than 429, or a failure " +
        "that outlasted the retries; rate_limited is a 429 through every retry). loki.process drops are the pipeline's own, " +
        "on purpose (loki_process_dropped_lines_total: too_old, probe, ratelimit_drop_stage). " +
        "Alerts: AlloyLogEntriesDropped, AlloyLogEntriesDroppedRateLimited.",
      "suffix: entries/s",
      [
        promQuery("A", perNode("node, reason", rate(alloy("loki_write_dropped_entries_total"))), "{{node}} loki.write {{reason}}"),
        promQuery("B", perNode("node, reason", rate(alloy("loki_process_dropped_lines_total"))), "{{node}} loki.process {{reason}}"),
      ],
    ),
    timeSeriesPanel(
      "Push latency to Loki, per node",
      "Duration of each push request, successful or not (loki_write_request_duration_seconds), 50th and 99th percentile.",
      "s",
      [promQuery("A", latency(0.5), "{{node}} p50"), promQuery("B", latency(0.99), "{{node}} p99")],
    ),
    timeSeriesPanel(
      "Failed pushes to Loki, per node and status code",
      "Push requests that did not get a 2xx, by HTTP status (status_code -1: no response). 429 and 5xx are retried; " +
        "other 4xx are dropped at once. Alert: AlloyLokiRequestsFailing.",
      "reqps",
      [
        promQuery(
          "A",
          perNode(
            "node, status_code",
            rate(alloy("loki_write_request_duration_seconds_count", { status_code: { op: "!~", value: "2.." } })),
          ),
          "{{node}} {{status_code}}",
        ),
      ],
    ),
    timeSeriesPanel(
      "Memory against the limit, per node",
      "Working set of the Alloy container (cAdvisor container_memory_working_set_bytes) and its memory limit " +
        "(kube_pod_container_resource_limits). At the limit the container is OOM-killed. Alert: AlloyCollectorMemoryNearLimit.",
      "bytes",
      [
        promQuery(
          "A",
          perNode("node", `max by (namespace, pod) (${selector("container_memory_working_set_bytes", { namespace, container })})`, "max"),
          "{{node}} working set",
        ),
        promQuery(
          "B",
          perNode(
            "node",
            `max by (namespace, pod) (${selector("kube_pod_container_resource_limits", { namespace, container, resource: "memory" })})`,
            "max",
          ),
          "{{node}} limit",
        ),
      ],
    ).overrideByRegexp(".* limit$", [{ id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } }]),
    // Last, so the panels before it keep their ids. Alloy v1.11.3 loki.source.journal
    // (internal/target/metrics.go, journaltarget.go): lines_total counts the lines sent on; an entry the
    // relabel rules drop (another unit) counts as parsing_errors_total{error="empty_labels"}, so that is the
    // filtered share, not an error. A node with no series at all runs an Alloy built without journal support.
    timeSeriesPanel(
      "Journal lines read, per node",
      "Node journal lines sent on by loki.source.journal (loki_source_journal_target_lines_total: the configured units and the " +
        'kernel), and the entries its relabel rules filtered out (parsing_errors_total{error="empty_labels"}: other units). ' +
        "Empty when alloy-logs:journal.enabled is false. Alert: AlloyJournalNotRead.",
      "suffix: lines/s",
      [
        promQuery("A", perNode("node", rate(alloy("loki_source_journal_target_lines_total"))), "{{node}} kept"),
        promQuery(
          "B",
          perNode("node", rate(alloy("loki_source_journal_target_parsing_errors_total", { error: "empty_labels" }))),
          "{{node}} filtered out",
        ),
      ],
    ),
  ];

  const builder = new dashboard.DashboardBuilder(`Alloy log pipeline (${namespace})`)
    .uid(DASHBOARD_UID)
    .description(
      `Grafana Alloy DaemonSet in ${namespace}: log files read, entries sent to Loki, drops, push latency and errors, memory; per node.`,
    )
    .tags(["alloy", "loki", "logs"])
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: "now-6h", to: "now" })
    .refresh("1m")
    .withVariable(new dashboard.DatasourceVariableBuilder("datasource").label("Data source").type("prometheus"))
    .withVariable(nodeVariable);
  // Fixed panel ids (Grafana would number them on load), so links to a panel stay valid.
  panels.forEach((panel, i) => builder.withPanel(panel.id(i + 1)));
  if (input.events) eventsRow(builder, namespace, input.events, panels.length + 1);
  return builder.build();
}

// --- events: the alloy-events release (issue 21) ------------------------------

/**
 * The events collector's row: one pod, not per node. Whether it runs
 * (kube-state-metrics' kube_deployment_status_replicas_available), what it sends
 * and how its pushes answer (loki.write's metrics, job=alloy-events); the
 * sources are those of ./events-alerts.ts.
 */
function eventsRow(
  builder: dashboard.DashboardBuilder,
  namespace: string,
  events: NonNullable<DashboardInput["events"]>,
  firstId: number,
): void {
  assertDnsLabel("events.deployment", events.deployment);
  assertDnsLabel("events.job", events.job);
  const alloy = (metric: string, extra: Parameters<typeof selector>[1] = {}) => selector(metric, { job: events.job, namespace, ...extra });
  const rate = (series: string) => `rate(${series}[$__rate_interval])`;
  const panels: (stat.PanelBuilder | timeseries.PanelBuilder)[] = [
    statPanel(
      "Events collector available",
      `Available replicas of Deployment ${events.deployment} (one when healthy; zero: no Kubernetes event reaches Loki). Alert: AlloyEventsCollectorUnavailable.`,
      `sum(${selector("kube_deployment_status_replicas_available", { namespace, deployment: events.deployment })}) or vector(0)`,
    ),
    timeSeriesPanel(
      "Kubernetes events sent to Loki",
      "Event lines Loki accepted from the events collector (loki_write_sent_entries_total), and those dropped (loki_write_dropped_entries_total), by reason.",
      "suffix: entries/s",
      [
        promQuery("A", `sum(${rate(alloy("loki_write_sent_entries_total"))})`, "sent"),
        promQuery("B", `sum by (reason) (${rate(alloy("loki_write_dropped_entries_total"))})`, "dropped {{reason}}"),
      ],
    ),
    timeSeriesPanel(
      "Events collector pushes, by status code",
      "Push requests of the events collector by Loki's answer (-1: no answer). Alert: AlloyEventsPushFailing.",
      "reqps",
      [promQuery("A", `sum by (status_code) (${rate(alloy("loki_write_request_duration_seconds_count"))})`, "{{status_code}}")],
    ),
  ];
  builder.withRow(new dashboard.RowBuilder(`Kubernetes events collector (${events.deployment})`).id(firstId));
  panels.forEach((panel, i) => builder.withPanel(panel.id(firstId + 1 + i)));
}
