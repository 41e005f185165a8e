/**
 * The alerting rules for the log collectors, as the `spec` of a PrometheusRule
 * (monitoring.coreos.com/v1) that kube-prometheus-stack's Prometheus loads.
 *
 * Why these exist: in the seed's incident 10 nodes had no collector for days and
 * nothing alerted. kube-prometheus-stack's KubeDaemonSetNotScheduled compares the
 * DaemonSet's desired and current pod counts, and a node whose taint the DaemonSet
 * does not tolerate is in neither, so it stays silent. And Alloy drops at once any
 * batch Loki rejects with a 4xx other than 429, only counting it in
 * loki_write_dropped_entries_total; neither the chart nor Grafana's mixins alert on
 * that (grafana/alloy #5905).
 *
 * Where each metric comes from (versions: Alloy v1.11.3, the grafana/alloy 1.4.0 chart's
 * app version; kube-state-metrics v2, docs/metrics/ in kubernetes/kube-state-metrics):
 * see the comment above each alert. Alloy's metrics are scraped through the chart's
 * ServiceMonitor, so they carry the target labels prometheus-operator adds: `job` (the
 * Service name), `namespace`, `pod`, `container`. kube-state-metrics is scraped with
 * honorLabels, so its `namespace`, `pod` and `node` labels are the objects' own.
 *
 * Every alert has a runbook entry (`runbook` below); `renderRunbookMarkdown` in
 * docs/alert-runbook.ts turns them into the docs/monitoring.md section the descriptions point to.
 */
import { assertDnsLabel, minutes, oneOf, selector } from "./promql";

/** A rule of a PrometheusRule's `spec.groups[].rules` (monitoring.coreos.com/v1 `Rule`). */
export interface Rule {
  /** Name of the alert; exactly one of `alert` and `record`. */
  alert?: string;
  /** Name of the recorded series; exactly one of `alert` and `record`. */
  record?: string;
  /** PromQL expression. */
  expr: string;
  /** How long the expression must hold before the alert fires (a Prometheus duration). */
  for?: string;
  /** How long the alert keeps firing after the expression stops holding. */
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A group of a PrometheusRule's `spec.groups` (monitoring.coreos.com/v1 `RuleGroup`). */
export interface RuleGroup {
  name: string;
  /** Evaluation interval; unset uses Prometheus's global `evaluation_interval`. */
  interval?: string;
  /** Maximum number of alerts (or series) a rule of the group may produce; 0 is no limit. */
  limit?: number;
  rules: Rule[];
}

/** The `spec` of a PrometheusRule. */
export interface PrometheusRuleSpec {
  groups: RuleGroup[];
}

export type Severity = "critical" | "warning";

/** An alerting rule as this module writes them: every field the issue requires is present. */
export interface AlertRule extends Rule {
  alert: string;
  for: string;
  /** `severity` and `namespace` always; a rule may add more (e.g. `daemonset`). */
  labels: { severity: Severity; namespace: string } & Record<string, string>;
  annotations: { summary: string; description: string };
}

/** What an operator reads in docs/monitoring.md when the alert fires. */
export interface Runbook {
  /** What the alert means, in a sentence or two. */
  meaning: string;
  /** The steps to take, in order; Markdown. */
  steps: readonly string[];
}

export interface AlertDefinition {
  /** `collectors` rules use kube-state-metrics and cAdvisor; `pipeline` rules use Alloy's own metrics. */
  group: "collectors" | "pipeline";
  rule: AlertRule;
  runbook: Runbook;
}

export interface AlertInput {
  /** Namespace of the DaemonSet, e.g. `loki-v3`. */
  namespace: string;
  /** Name of the collector DaemonSet, e.g. `alloy` (the Helm release name). */
  daemonSet: string;
  /** Name of the Alloy container in the DaemonSet's pods, e.g. `alloy`. */
  container: string;
  /** The Prometheus `job` label of the Alloy targets: the Service name, `alloy`. */
  job: string;
  /** Minutes with lines read and no entry sent before AlloyNoEntriesSent holds. */
  noEntriesSentMinutes: number;
  /** Working set / memory limit above which AlloyCollectorMemoryNearLimit holds. */
  memoryLimitRatio: number;
  /** Share of failed push requests above which AlloyLokiRequestsFailing holds. */
  failedRequestRatio: number;
  /** The collectors read the node's journal (stack key journal.enabled): AlloyJournalNotRead is added. */
  journal: boolean;
}

/** The window over which a collector that reads the journal must have sent on at least one journal line. */
export const JOURNAL_SILENCE_WINDOW = "30m";

/**
 * loki_write_dropped_entries_total's `reason` values that mean "Loki (or our own limit)
 * throttled us", as opposed to "Loki refused the data" or "the data was broken".
 * From internal/component/common/loki/client/client.go at v1.11.3, which defines four
 * reasons (the `Reasons` slice, each initialised to 0 at the first batch of a tenant):
 *   - rate_limited: Loki answered 429 on the last try, after `max_backoff_retries`
 *     (or at once with `retry_on_http_429 = false`). Loki answers 429 for its ingestion
 *     rate limit and also for its per-stream rate and stream-count limits.
 *   - stream_limited: a batch would exceed loki.write's own `max_streams` (unset here).
 * The other two are not rate limits, and any reason a later Alloy adds counts as
 * "not a rate limit" too, because the match below is an allow-list:
 *   - ingester_error: a 4xx other than 429 (bad tenant or credentials, entry too old,
 *     line too long for Loki...) drops the batch on the first try; a 5xx or a
 *     connection error drops it after the retries;
 *   - line_too_long: a line over the client's max line size (loki.write never sets one
 *     in v1.11.3, so the series stays at 0).
 */
export const RATE_LIMIT_DROP_REASONS: readonly string[] = Object.freeze(["rate_limited", "stream_limited"]);

/** Names of the rule groups, in the order they are returned. */
export const RULE_GROUP_NAMES = { collectors: "alloy-logs.collectors", pipeline: "alloy-logs.pipeline" } as const;

function ratio(what: string, value: number): number {
  if (!(value > 0 && value <= 1)) throw new Error(`${what}: got ${value}; expected a ratio in (0, 1]`);
  return value;
}

function percent(value: number): string {
  return `${Math.round(value * 1000) / 10}%`;
}

/** Every alert with its runbook, in the order of the PrometheusRule. */
export function alertDefinitions(input: AlertInput): AlertDefinition[] {
  const { namespace, daemonSet, container, job } = input;
  assertDnsLabel("namespace", namespace);
  assertDnsLabel("daemonSet", daemonSet);
  assertDnsLabel("container", container);
  assertDnsLabel("job", job);
  const noEntriesWindow = minutes(input.noEntriesSentMinutes);
  const memoryRatio = ratio("memoryLimitRatio", input.memoryLimitRatio);
  const failedRatio = ratio("failedRequestRatio", input.failedRequestRatio);

  const ds = `${namespace}/${daemonSet}`;
  // Alloy's own series: the targets of the chart's ServiceMonitor.
  const alloy = (metric: string, extra: Parameters<typeof selector>[1] = {}) => selector(metric, { job, namespace, ...extra });
  // kube-state-metrics: one series per pod of the DaemonSet, with the pod's node ("" while unscheduled).
  const collectorPods = selector("kube_pod_info", { namespace, created_by_kind: "DaemonSet", created_by_name: daemonSet });
  // Keeps the series of the DaemonSet's pods only and adds their `node` label (values unchanged: kube_pod_info is 1).
  const onCollectorPods = (expr: string) =>
    `(\n  ${expr}\n)\n* on (namespace, pod) group_left (node)\n  max by (namespace, pod, node) (${collectorPods})`;
  const labels = (severity: Severity) => ({ severity, namespace });
  const runbookRef = (alert: string) => `Runbook: docs/monitoring.md, section ${alert}.`;

  // ---- journal (issue 20) ----
  // up{job,namespace,pod}: the scrape target of each collector. loki_source_journal_target_lines_total: Alloy v1.11.3
  //   internal/component/loki/source/journal/internal/target/metrics.go, a counter of the journal lines sent on, which
  //   exists from the component's start (0) in a build with journal support and never in one without
  //   (journal_stub.go registers no metric and only logs a line). `unless ... > 0` covers both: no line, and no series.
  const journalNotRead = (): AlertDefinition => ({
    group: "pipeline",
    rule: {
      alert: "AlloyJournalNotRead",
      expr: [
        `max by (namespace, pod) (${selector("up", { job, namespace })} == 1)`,
        `unless on (namespace, pod)`,
        `(sum by (namespace, pod) (increase(${alloy("loki_source_journal_target_lines_total")}[${JOURNAL_SILENCE_WINDOW}])) > 0)`,
      ].join("\n"),
      for: "15m",
      labels: labels("warning"),
      annotations: {
        summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} has sent no node journal line for ${JOURNAL_SILENCE_WINDOW}.`,
        description:
          `Collector {{ $labels.namespace }}/{{ $labels.pod }} is scraped but its loki.source.journal sent on no ` +
          `kubelet, containerd or kernel line in the last ${JOURNAL_SILENCE_WINDOW} (or has no such metric at all): that ` +
          `node's journal is not reaching Loki. Either the node keeps its journal elsewhere (a volatile /run/log/journal: ` +
          `set alloy-logs:journal.path), or the Alloy image was built without journal support (its log says ` +
          `"loki.source.journal is not enabled"). ${runbookRef("AlloyJournalNotRead")}`,
      },
    },
    runbook: {
      meaning:
        "A collector that Prometheus scrapes has read no line from its node's systemd journal (kubelet, containerd, kernel) " +
        `for ${JOURNAL_SILENCE_WINDOW}, or exposes no journal metric at all. The kubelet alone logs far more often than that.`,
      steps: [
        "On the node (SSM or SSH): `ls /var/log/journal` (persistent journal) and `ls /run/log/journal` (volatile). If only " +
          "the second exists, set `alloy-logs:journal.path: /run/log/journal` for the stack; the program mounts it.",
        "`kubectl -n <namespace> logs <pod> -c alloy | grep -i journal`: `loki.source.journal is not enabled` means an " +
          "Alloy image built without the `promtail_journal_enabled` tag (the official `grafana/alloy` image has it); " +
          "`error creating journal target` gives the reader's error (path, permissions).",
        "`kubectl -n <namespace> port-forward <pod> 12345`, then http://localhost:12345: `loki.source.journal.node_journal` " +
          "must be healthy, and the dashboard's journal panel shows its lines kept and filtered out.",
      ],
    },
  });

  return [
    {
      group: "collectors",
      // kube_node_info{node}: kube-state-metrics docs/metrics/cluster/node-metrics.md, one series per Node object.
      // kube_pod_info{namespace,pod,node,created_by_kind,created_by_name}: docs/metrics/workload/pod-metrics.md;
      //   node is "" while a pod is unscheduled (Pending on a node whose taint it does not tolerate).
      // kube_pod_status_ready{condition}: pod-metrics.md, the pod's Ready condition.
      // kube_node_status_condition{condition,status}: node-metrics.md.
      //
      // Per node: every node, unless it has a pod of the DaemonSet that is Ready. This does not
      // use the DaemonSet's desired count, which leaves out exactly the nodes the seed lost
      // (a taint the pods do not tolerate), and a Pending pod has no node, so it covers nothing.
      // Nodes whose own Ready condition is not true are left out: the kubelet is not
      // reporting, so pod readiness there says nothing, and KubeNodeNotReady covers them.
      // Cordoned (unschedulable) nodes are kept: DaemonSet pods still run there.
      rule: {
        alert: "AlloyNodeWithoutCollector",
        expr: [
          `max by (node) (kube_node_info)`,
          `unless on (node)`,
          `  (`,
          `      ${collectorPods}`,
          `    and on (namespace, pod)`,
          `      (${selector("kube_pod_status_ready", { namespace, condition: "true" })} == 1)`,
          `  )`,
          `unless on (node)`,
          `  (${selector("kube_node_status_condition", { condition: "Ready", status: "true" })} == 0)`,
        ].join("\n"),
        for: "15m",
        labels: { ...labels("critical"), daemonset: daemonSet },
        annotations: {
          summary: `Node {{ $labels.node }} has no running, ready log collector (DaemonSet ${ds}).`,
          description:
            `No pod of DaemonSet ${ds} has been running and ready on node {{ $labels.node }} for 15 minutes, ` +
            `so the logs of every pod on that node are not reaching Loki. Most often the node has a taint the ` +
            `DaemonSet does not tolerate: compare the Taints of \`kubectl describe node {{ $labels.node }}\` with ` +
            `\`kubectl -n ${namespace} get daemonset ${daemonSet} -o jsonpath='{.spec.template.spec.tolerations}'\` ` +
            `(set in the chart at controller.tolerations). Otherwise read the events of \`kubectl -n ${namespace} ` +
            `describe daemonset ${daemonSet}\` and of the node's collector pod. ${runbookRef("AlloyNodeWithoutCollector")}`,
        },
      },
      runbook: {
        meaning:
          "A Ready node has no Ready pod of the collector DaemonSet: nothing on that node is being shipped to Loki. " +
          "The alert names the node. This is the seed's incident: a taint the DaemonSet does not tolerate keeps its pod " +
          "Pending (or uncreated), and the DaemonSet's own status does not count that node as missing.",
        steps: [
          "`kubectl describe node <node>`: read `Taints`. Compare with the DaemonSet's tolerations " +
            "(`kubectl -n <namespace> get daemonset <daemonset> -o jsonpath='{.spec.template.spec.tolerations}'`). " +
            "The chart reads them at `controller.tolerations`; this program sets `[{operator: Exists}]`.",
          "`kubectl -n <namespace> describe daemonset <daemonset>`: the events say why a pod was not created or scheduled; " +
            "`kubectl -n <namespace> get pods -o wide | grep <node>` finds the node's pod if it exists, and " +
            "`kubectl -n <namespace> describe pod <pod>` says why it is Pending or not Ready " +
            "(insufficient CPU or memory on the node, image pull, failing readiness probe).",
          "If the pod is crash-looping or out of memory, follow AlloyCollectorCrashLooping or AlloyCollectorMemoryNearLimit.",
          "A node that should have no collector (e.g. a Fargate or virtual node) needs a silence in Alertmanager on its `node` label; list such nodes in this section.",
        ],
      },
    },
    {
      group: "collectors",
      // kube_pod_status_ready{condition}, kube_pod_info: kube-state-metrics docs/metrics/workload/pod-metrics.md.
      rule: {
        alert: "AlloyCollectorPodNotReady",
        expr: [
          `max by (namespace, pod, node) (${collectorPods})`,
          `and on (namespace, pod)`,
          `  (${selector("kube_pod_status_ready", { namespace, condition: "true" })} == 0)`,
        ].join("\n"),
        for: "15m",
        labels: labels("warning"),
        annotations: {
          summary: `Collector pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes.`,
          description:
            `Pod {{ $labels.namespace }}/{{ $labels.pod }} of DaemonSet ${ds} (node: {{ $labels.node }}) is not ready, ` +
            `so its node's logs are probably not being shipped. Read \`kubectl -n {{ $labels.namespace }} describe pod ` +
            `{{ $labels.pod }}\` (events, readiness probe, Pending reason) and \`kubectl -n {{ $labels.namespace }} logs ` +
            `{{ $labels.pod }} -c ${container}\`. ${runbookRef("AlloyCollectorPodNotReady")}`,
        },
      },
      runbook: {
        meaning:
          "A pod of the collector DaemonSet has not been Ready for 15 minutes. It names the pod; " +
          "AlloyNodeWithoutCollector usually fires with it and names the node (an empty `node` means the pod was never scheduled).",
        steps: [
          "`kubectl -n <namespace> describe pod <pod>`: the events say whether it is Pending (scheduling: taints, resources), " +
            "failing its readiness probe, or waiting on an image.",
          "`kubectl -n <namespace> logs <pod> -c alloy`: a failing configuration or an unreachable API server shows here.",
        ],
      },
    },
    {
      group: "collectors",
      // kube_pod_container_status_waiting_reason{container,reason}: kube-state-metrics docs/metrics/workload/pod-metrics.md.
      rule: {
        alert: "AlloyCollectorCrashLooping",
        expr: onCollectorPods(
          `max by (namespace, pod, container) (${selector("kube_pod_container_status_waiting_reason", {
            namespace,
            container,
            reason: "CrashLoopBackOff",
          })} == 1)`,
        ),
        for: "10m",
        labels: labels("critical"),
        annotations: {
          summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} on node {{ $labels.node }} is crash-looping.`,
          description:
            `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} (node {{ $labels.node }}) ` +
            `has been in CrashLoopBackOff for 10 minutes: that node's logs are not being shipped. Read the last run's ` +
            `logs with \`kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c {{ $labels.container }} --previous\` ` +
            `and its termination reason (OOMKilled: see AlloyCollectorMemoryNearLimit) in \`kubectl -n ` +
            `{{ $labels.namespace }} describe pod {{ $labels.pod }}\`. ${runbookRef("AlloyCollectorCrashLooping")}`,
        },
      },
      runbook: {
        meaning: "The Alloy container of a collector pod keeps exiting and Kubernetes is backing off before restarting it.",
        steps: [
          "`kubectl -n <namespace> logs <pod> -c alloy --previous`: the error of the last run.",
          "`kubectl -n <namespace> describe pod <pod>`: `Last State: Terminated, Reason: OOMKilled` means the memory limit " +
            "is too small for the node's log volume: raise `alloy-logs:resources.limits.memory` for the stack.",
          "A configuration error shows in the logs; `npm run plan -- --stack <stack>` shows the configuration deployed.",
        ],
      },
    },
    {
      group: "collectors",
      // kube_pod_container_status_restarts_total{container}: kube-state-metrics docs/metrics/workload/pod-metrics.md (counter).
      rule: {
        alert: "AlloyCollectorRestarting",
        expr: `${onCollectorPods(
          `max by (namespace, pod, container) (increase(${selector("kube_pod_container_status_restarts_total", { namespace, container })}[1h]))`,
        )}\n>= 3`,
        for: "5m",
        labels: labels("warning"),
        annotations: {
          summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value | printf "%.0f" }} times in an hour.`,
          description:
            `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} (node {{ $labels.node }}) ` +
            `restarted {{ $value | printf "%.0f" }} times in the last hour. Each restart pauses that node's log shipping. ` +
            `Read \`kubectl -n {{ $labels.namespace }} describe pod {{ $labels.pod }}\` (Last State: the reason, e.g. ` +
            `OOMKilled) and \`kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c {{ $labels.container }} --previous\`. ` +
            runbookRef("AlloyCollectorRestarting"),
        },
      },
      runbook: {
        // `>= 3` rather than `> 2`: increase() extrapolates to the window's edges, so two restarts can come out as 2.02.
        meaning: "A collector's Alloy container restarted three times or more in the last hour, without (yet) being in CrashLoopBackOff.",
        steps: [
          "`kubectl -n <namespace> describe pod <pod>`: `Last State` gives the reason and exit code of the last restart.",
          "OOMKilled: the node's log volume needs more memory than the limit; raise `alloy-logs:resources.limits.memory`.",
          "Otherwise read `kubectl -n <namespace> logs <pod> -c alloy --previous` for the error.",
        ],
      },
    },
    {
      group: "collectors",
      // container_memory_working_set_bytes{namespace,pod,container}: cAdvisor, scraped from the kubelet's
      //   /metrics/cadvisor by kube-prometheus-stack (the value the kubelet's eviction and `kubectl top` use).
      // kube_pod_container_resource_limits{resource="memory",node}: kube-state-metrics docs/metrics/workload/pod-metrics.md.
      rule: {
        alert: "AlloyCollectorMemoryNearLimit",
        expr: [
          `(`,
          `    max by (namespace, pod, container) (${selector("container_memory_working_set_bytes", { namespace, container })})`,
          `  / on (namespace, pod, container) group_left (node)`,
          `    max by (namespace, pod, container, node) (${selector("kube_pod_container_resource_limits", {
            namespace,
            container,
            resource: "memory",
          })})`,
          `) > ${memoryRatio}`,
          `and on (namespace, pod)`,
          `  ${collectorPods}`,
        ].join("\n"),
        for: "15m",
        labels: labels("warning"),
        annotations: {
          summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit.`,
          description:
            `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} (node {{ $labels.node }}) ` +
            `has used more than ${percent(memoryRatio)} of its memory limit for 15 minutes (now {{ $value | humanizePercentage }}). ` +
            `At the limit it is OOM-killed and the node's logs pause. Raise alloy-logs:resources.limits.memory for the ` +
            `stack, or find the log volume behind it on that node. ${runbookRef("AlloyCollectorMemoryNearLimit")}`,
        },
      },
      runbook: {
        meaning:
          "A collector's working-set memory has been near its container limit for 15 minutes; at the limit the kernel kills it " +
          "(OOMKilled) and that node's log shipping stops until it restarts.",
        steps: [
          "Check which node and how much: `kubectl -n <namespace> top pods --containers`, and the dashboard's memory panel.",
          "Memory grows with the number of files tailed and with batches waiting while Loki is slow or rejecting: " +
            "look at the same node's push latency and failed requests first.",
          "If the node simply has more log volume, raise `alloy-logs:resources.limits.memory` for the stack and deploy.",
        ],
      },
    },
    {
      group: "pipeline",
      // loki_write_dropped_entries_total{host,tenant,reason}: Alloy v1.11.3
      //   internal/component/common/loki/client/client.go (NewMetrics); the drop reasons are above.
      rule: {
        alert: "AlloyLogEntriesDropped",
        expr: `sum by (namespace, pod, tenant, reason) (increase(${alloy("loki_write_dropped_entries_total", {
          reason: { op: "!~", value: oneOf(RATE_LIMIT_DROP_REASONS) },
        })}[10m])) > 0`,
        for: "5m",
        labels: labels("critical"),
        annotations: {
          summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} dropped log entries (reason {{ $labels.reason }}).`,
          description:
            `Collector {{ $labels.namespace }}/{{ $labels.pod }} dropped {{ $value | humanize }} log entries for tenant ` +
            `{{ $labels.tenant }} in the last 10 minutes with reason {{ $labels.reason }}: they are lost. ingester_error ` +
            `means Loki refused the push with a 4xx other than 429 (wrong tenant or credentials, entries too old, invalid ` +
            `labels), which Alloy does not retry, or a 5xx or connection error outlasted every retry. The reason Loki gave ` +
            `is in the collector's log: \`kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c ${container} | grep ` +
            `"final error sending batch"\`. ${runbookRef("AlloyLogEntriesDropped")}`,
        },
      },
      runbook: {
        meaning:
          "A collector dropped log entries for a reason other than rate limiting: they will never reach Loki. With " +
          '`reason="ingester_error"`, Loki answered a 4xx other than 429, which Alloy drops on the first try ' +
          "(bad tenant or credentials, entries older than Loki's `reject_old_samples_max_age`, invalid labels), or a 5xx or " +
          "connection error outlasted every retry (`max_backoff_retries`).",
        steps: [
          "`kubectl -n <namespace> logs <pod> -c alloy | grep 'final error sending batch'`: `status` and `error` are Loki's answer.",
          "401/403: the tenant or the credentials are wrong; 400 `entry too far behind` or `greater_than_max_sample_age`: " +
            "old entries (a backlog after an outage), compare with the pipeline's maximum entry age; 400 about labels: a label " +
            "value Loki rejects.",
          "5xx or connection errors: Loki itself is failing; see AlloyLokiRequestsFailing and Loki's distributor logs.",
          "The dashboard's drops panel shows when it started and on which nodes.",
        ],
      },
    },
    {
      group: "pipeline",
      // loki_write_dropped_entries_total{reason}: Alloy v1.11.3 internal/component/common/loki/client/client.go.
      rule: {
        alert: "AlloyLogEntriesDroppedRateLimited",
        expr: `sum by (namespace, pod, tenant, reason) (increase(${alloy("loki_write_dropped_entries_total", {
          reason: { op: "=~", value: oneOf(RATE_LIMIT_DROP_REASONS) },
        })}[10m])) > 0`,
        for: "5m",
        labels: labels("warning"),
        annotations: {
          summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} dropped log entries because Loki rate-limited it.`,
          description:
            `Collector {{ $labels.namespace }}/{{ $labels.pod }} dropped {{ $value | humanize }} log entries for tenant ` +
            `{{ $labels.tenant }} in the last 10 minutes with reason {{ $labels.reason }}: Loki answered 429 (too many ` +
            `requests) on every retry. The tenant's ingestion or per-stream rate limit in Loki is too low for this ` +
            `cluster's volume, or one workload floods. ${runbookRef("AlloyLogEntriesDroppedRateLimited")}`,
        },
      },
      runbook: {
        meaning:
          "A collector dropped entries after Loki kept answering 429 through all of its retries (`rate_limited`), or because a " +
          "batch exceeded loki.write's `max_streams` (`stream_limited`). Loki returns 429 for the tenant's ingestion rate " +
          "limit and for its per-stream rate and stream limits.",
        steps: [
          "Find the limit hit in Loki: the distributor's `loki_discarded_samples_total` by `reason` for the tenant " +
            "(`rate_limited`, `per_stream_rate_limit`, `stream_limit`).",
          "If the whole cluster grew, raise the tenant's `ingestion_rate_mb` / `ingestion_burst_size_mb` (or the per-stream " +
            "limits) in Loki's limits; if one workload floods, the dashboard's lines-read panel shows the node, and the " +
            "pipeline's per-label rate limit can cap it.",
        ],
      },
    },
    {
      group: "pipeline",
      // loki_write_request_duration_seconds{status_code,host,tenant}: Alloy v1.11.3
      //   internal/component/common/loki/client/client.go, a histogram observed once per push attempt;
      //   status_code is the HTTP status, or -1 when no response came back (connection error, timeout).
      rule: {
        alert: "AlloyLokiRequestsFailing",
        expr: [
          `(`,
          `    sum by (namespace, pod) (rate(${alloy("loki_write_request_duration_seconds_count", {
            status_code: { op: "!~", value: "2.." },
          })}[10m]))`,
          `  /`,
          `    sum by (namespace, pod) (rate(${alloy("loki_write_request_duration_seconds_count")}[10m]))`,
          `) > ${failedRatio}`,
        ].join("\n"),
        for: "15m",
        labels: labels("warning"),
        annotations: {
          summary: `{{ $value | humanizePercentage }} of collector {{ $labels.namespace }}/{{ $labels.pod }}'s pushes to Loki fail.`,
          description:
            `For 15 minutes more than ${percent(failedRatio)} of the push requests of collector ` +
            `{{ $labels.namespace }}/{{ $labels.pod }} to Loki failed (now {{ $value | humanizePercentage }}). ` +
            `429 and 5xx are retried, and while a batch is retried that node's logs wait on disk; other 4xx are dropped ` +
            `(see AlloyLogEntriesDropped). The dashboard's errors panel shows the status codes (-1: no response). ` +
            runbookRef("AlloyLokiRequestsFailing"),
        },
      },
      runbook: {
        meaning:
          "A large share of a collector's push requests to Loki fail. Retried failures (429, 5xx, no response) delay logs " +
          "and, when they outlast the retries, drop them; other 4xx are dropped at once.",
        steps: [
          "The dashboard's failed-requests panel gives the status codes: `-1` no response (DNS, network policy, Loki down), " +
            "`429` rate limits, `5xx` Loki failing, other `4xx` rejected data or credentials.",
          "All collectors at once: Loki (its distributor or ingesters) is the problem; check its pods and logs. " +
            "One node only: that node's network path to Loki.",
        ],
      },
    },
    {
      group: "pipeline",
      // loki_source_file_read_lines_total{path}: Alloy v1.11.3 internal/component/loki/source/file/metrics.go (counter).
      // loki_write_sent_entries_total{host,tenant}: internal/component/common/loki/client/client.go (counter; exists
      //   from the first batch on, so a collector that never sent anything has no series: hence `unless`, not `== 0`).
      rule: {
        alert: "AlloyNoEntriesSent",
        expr: [
          `(sum by (namespace, pod) (increase(${alloy("loki_source_file_read_lines_total")}[${noEntriesWindow}])) > 0)`,
          `unless on (namespace, pod)`,
          `(sum by (namespace, pod) (increase(${alloy("loki_write_sent_entries_total")}[${noEntriesWindow}])) > 0)`,
        ].join("\n"),
        for: "5m",
        labels: labels("critical"),
        annotations: {
          summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} reads log files but sent nothing to Loki for ${noEntriesWindow}.`,
          description:
            `Collector {{ $labels.namespace }}/{{ $labels.pod }} read log lines in the last ${noEntriesWindow} but sent ` +
            `no entry to Loki. Its pipeline is stuck, or everything it reads is dropped before or at the push. Read ` +
            `\`kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c ${container}\`, and the dashboard's drops ` +
            `panel for that node. ${runbookRef("AlloyNoEntriesSent")}`,
        },
      },
      runbook: {
        meaning:
          "A collector has been reading lines from log files, yet sent no entry to Loki over the whole window " +
          "(`noEntriesSentMinutes`, 10 by default).",
        steps: [
          "The dashboard's drops panel for the node: `loki.process` drops (`too_old`, `probe`, `ratelimit_drop_stage`) are " +
            "intentional; if every line is dropped there (e.g. a backlog older than the maximum entry age after a long " +
            "outage), this clears once the backlog is read.",
          "`loki.write` drops: follow AlloyLogEntriesDropped. Otherwise read the collector's log and its UI " +
            "(`kubectl -n <namespace> port-forward <pod> 12345`, then http://localhost:12345) for an unhealthy component.",
        ],
      },
    },
    ...(input.journal ? [journalNotRead()] : []),
    {
      group: "pipeline",
      // alloy_component_controller_running_components{health_type}: Alloy v1.11.3
      //   internal/runtime/internal/controller/metrics.go (controllerCollector), a gauge per health type;
      //   the types are healthy, unhealthy, exited and unknown (internal/component/component_health.go).
      rule: {
        alert: "AlloyComponentUnhealthy",
        expr: `sum by (namespace, pod, health_type) (${alloy("alloy_component_controller_running_components", {
          health_type: { op: "!=", value: "healthy" },
        })}) > 0`,
        for: "15m",
        labels: labels("warning"),
        annotations: {
          summary: `Collector {{ $labels.namespace }}/{{ $labels.pod }} has {{ $value }} {{ $labels.health_type }} Alloy components.`,
          description:
            `For 15 minutes {{ $value }} Alloy components of collector {{ $labels.namespace }}/{{ $labels.pod }} have ` +
            `been {{ $labels.health_type }}. A component that is not healthy may have stopped discovering pods, tailing ` +
            `files or pushing. Open the collector's UI (\`kubectl -n {{ $labels.namespace }} port-forward ` +
            `{{ $labels.pod }} 12345\`, then http://localhost:12345) to see which one and its error. ` +
            runbookRef("AlloyComponentUnhealthy"),
        },
      },
      runbook: {
        meaning:
          "Some Alloy components of a collector have reported a health other than healthy (unhealthy, exited, or still " +
          "unknown) for 15 minutes.",
        steps: [
          "`kubectl -n <namespace> port-forward <pod> 12345`, then http://localhost:12345: the UI lists each component " +
            "with its health and last error.",
          "`kubectl -n <namespace> logs <pod> -c alloy`: the component's errors (for `discovery.kubernetes`, " +
            "often RBAC or the API server).",
        ],
      },
    },
    {
      group: "pipeline",
      // up{job,namespace}: the series Prometheus itself records for every scrape target
      // (https://prometheus.io/docs/concepts/jobs_instances/). absent() has the selector's `=` labels.
      rule: {
        alert: "AlloyMetricsNotScraped",
        expr: `absent(${selector("up", { job, namespace })})`,
        for: "15m",
        labels: labels("warning"),
        annotations: {
          summary: `Prometheus has no scrape target for the log collectors (job ${job} in ${namespace}).`,
          description:
            `Prometheus has had no target with job="${job}" in namespace ${namespace} for 15 minutes, so every alert ` +
            `on the collectors' own metrics (drops, failed pushes, nothing sent) is blind. Check that ServiceMonitor ` +
            `${namespace}/${job} exists with the label Prometheus selects (release: kube-prometheus-stack) and that ` +
            `Service ${namespace}/${job} has endpoints. ${runbookRef("AlloyMetricsNotScraped")}`,
        },
      },
      runbook: {
        meaning:
          "Prometheus scrapes no collector at all, so the alerts on Alloy's own metrics cannot fire. " +
          "(Targets that exist but fail are kube-prometheus-stack's TargetDown.)",
        steps: [
          "`kubectl -n <namespace> get servicemonitor <job> --show-labels`: it must carry `release: kube-prometheus-stack` " +
            "(stack key `alloy-logs:serviceMonitor.labels`) and `alloy-logs:serviceMonitor.enabled` must be true.",
          "`kubectl -n <namespace> get endpoints <job>`: the Service must select the collector pods.",
          "In Prometheus, Status > Targets: look for the `serviceMonitor/<namespace>/<job>/0` pool and its errors.",
        ],
      },
    },
  ];
}

/** The PrometheusRule `spec`: the collector (Kubernetes) rules and the pipeline (Alloy metrics) rules. */
export function buildAlertRules(input: AlertInput): PrometheusRuleSpec {
  const definitions = alertDefinitions(input);
  return {
    groups: (Object.keys(RULE_GROUP_NAMES) as (keyof typeof RULE_GROUP_NAMES)[]).map((group) => ({
      name: RULE_GROUP_NAMES[group],
      rules: definitions.filter((d) => d.group === group).map((d) => d.rule),
    })),
  };
}
