import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { DEFAULT_DATADOG_METRICS } from "../config/datadog-metrics";
import { renderDatadogMetricsMarkdown } from "../docs/generated";
import { RATE_LIMIT_DROP_REASONS, alertDefinitions, buildAlertRules, type AlertInput, type AlertRule } from "../monitoring/alerts";
import { renderRunbookMarkdown } from "../docs/alert-runbook";
import {
  SEED_NODES,
  alloySeries,
  cadvisorSeries,
  collectorPodSeries,
  constant,
  containerSeries,
  nodeSeries,
  podName,
  type PodState,
} from "./support/alert-series";
import { METRIC_CATALOG, allowedSeriesNames } from "./support/metric-catalog";
import { parsePromQL } from "./support/promql-parse";
import {
  promtoolVersion,
  renderAnnotations,
  requirePromtool,
  runPromtool,
  type AlertRuleTest,
  type ExpectedAlert,
  type InputSeries,
  type TestGroup,
  type UnitTestFile,
} from "./support/promtool";
import { EXPECTED_ALERT_GROUPS } from "./support/alert-groups";

/** What the component deploys: DaemonSet, container and Service are all named after the release, `alloy`. */
const INPUT: AlertInput = {
  namespace: "loki-v3",
  daemonSet: "alloy",
  container: "alloy",
  job: "alloy",
  noEntriesSentMinutes: 10,
  memoryLimitRatio: 0.9,
  failedRequestRatio: 0.1,
  journal: true,
};
const SPEC = buildAlertRules(INPUT);
const RULES = SPEC.groups.flatMap((g) => g.rules) as AlertRule[];

function ruleNamed(name: string): AlertRule {
  const found = RULES.find((r) => r.alert === name);
  assert.ok(found, `no alert ${name}`);
  return found;
}

/**
 * The alert Prometheus fires: the expression's labels (`seriesLabels`, which is also
 * what `$labels` means in the annotations) plus the rule's labels, and the annotations
 * rendered with the `$value` texts given.
 */
function expectAlert(name: string, seriesLabels: Record<string, string>, values: Record<string, string> = {}): ExpectedAlert {
  const rule = ruleNamed(name);
  return {
    exp_labels: { ...seriesLabels, ...rule.labels },
    exp_annotations: renderAnnotations(rule.annotations, seriesLabels, values),
  };
}

const ALLOY_TARGET = { job: INPUT.job, namespace: INPUT.namespace, pod: podName(INPUT.daemonSet, 0), container: INPUT.container };
const WORKLOAD = { namespace: INPUT.namespace, daemonSet: INPUT.daemonSet };
const TEN_NODES = SEED_NODES.map((name) => ({ name }));

/** One collector pod per node, each Ready: the healthy cluster. */
function coveredPods(nodes: readonly string[]): PodState[] {
  return nodes.map((node, i) => ({ name: podName(INPUT.daemonSet, i), node, ready: true }));
}

describe("alert rules (monitoring/alerts.ts)", () => {
  it("has the alerts the issue asks for, in two groups", () => {
    assert.deepEqual(
      SPEC.groups.map((g) => [g.name, g.rules.map((r) => r.alert)]),
      EXPECTED_ALERT_GROUPS,
    );
  });

  it("gives every alert a severity, a for duration, a summary and a description that points to its runbook", () => {
    for (const rule of RULES) {
      assert.match(rule.labels.severity, /^(critical|warning)$/, rule.alert);
      assert.match(rule.for, /^[1-9][0-9]*m$/, rule.alert);
      assert.ok(rule.annotations.summary.length > 20, rule.alert);
      assert.ok(rule.annotations.description.endsWith(`Runbook: docs/monitoring.md, section ${rule.alert}.`), rule.alert);
    }
  });

  it("renders a runbook section for every alert, with its steps", () => {
    const markdown = renderRunbookMarkdown(INPUT);
    const headings = [...markdown.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(
      headings,
      RULES.map((r) => r.alert),
    );
    for (const definition of alertDefinitions(INPUT)) {
      assert.ok(definition.runbook.steps.length > 0, definition.rule.alert);
      assert.ok(markdown.includes(`1. ${definition.runbook.steps[0]}`), definition.rule.alert);
    }
  });

  it("parses every expression with Prometheus's PromQL grammar", () => {
    for (const rule of RULES) assert.deepEqual(parsePromQL(rule.expr).errors, [], `${rule.alert}:\n${rule.expr}`);
  });

  it("selects only metrics that Alloy v1.11.3, kube-state-metrics, cAdvisor or Prometheus export", () => {
    const allowed = allowedSeriesNames();
    for (const rule of RULES) {
      const parsed = parsePromQL(rule.expr);
      assert.deepEqual(parsed.nameMatchers, [], rule.alert);
      assert.ok(parsed.metricNames.length > 0, rule.alert);
      for (const name of parsed.metricNames) assert.ok(allowed.has(name), `${rule.alert} selects ${name}, which is not in the catalog`);
    }
  });

  it("splits loki.write drops on the reason label: rate_limited and stream_limited are the rate limits", () => {
    assert.deepEqual(RATE_LIMIT_DROP_REASONS, ["rate_limited", "stream_limited"]);
    assert.match(ruleNamed("AlloyLogEntriesDropped").expr, /reason!~"rate_limited\|stream_limited"/);
    assert.match(ruleNamed("AlloyLogEntriesDroppedRateLimited").expr, /reason=~"rate_limited\|stream_limited"/);
  });

  it("takes the no-entries window from noEntriesSentMinutes", () => {
    const rule = buildAlertRules({ ...INPUT, noEntriesSentMinutes: 30 })
      .groups.flatMap((g) => g.rules)
      .find((r) => r.alert === "AlloyNoEntriesSent");
    assert.equal(rule?.expr.match(/\[30m\]/g)?.length, 2);
  });

  it("takes the memory threshold from memoryLimitRatio", () => {
    const rule = buildAlertRules({ ...INPUT, memoryLimitRatio: 0.75 })
      .groups.flatMap((g) => g.rules)
      .find((r) => r.alert === "AlloyCollectorMemoryNearLimit");
    assert.match(rule?.expr ?? "", /\) > 0\.75\n/);
  });

  it("rejects a namespace that is not a Kubernetes name", () => {
    assert.throws(
      () => buildAlertRules({ ...INPUT, namespace: 'loki"} or vector(1)' }),
      new Error(
        'namespace: got "loki\\"} or vector(1)"; expected a Kubernetes name (DNS-1123 label: a-z, 0-9 and \'-\', at most 63 characters)',
      ),
    );
  });

  it("rejects a memoryLimitRatio above 1", () => {
    assert.throws(
      () => buildAlertRules({ ...INPUT, memoryLimitRatio: 90 }),
      new Error("memoryLimitRatio: got 90; expected a ratio in (0, 1]"),
    );
  });

  it("rejects a noEntriesSentMinutes that is not a whole number of minutes", () => {
    assert.throws(
      () => buildAlertRules({ ...INPUT, noEntriesSentMinutes: 2.5 }),
      new Error("expected a whole number of minutes >= 1, got 2.5"),
    );
  });

  it("catalogs each metric once", () => {
    const names = METRIC_CATALOG.map((m) => m.name);
    assert.deepEqual(names, [...new Set(names)]);
  });
});

describe("alert rules under promtool (Debian's prometheus package)", function () {
  let promtool: string;
  let dir: string;

  before(function () {
    // One promtool run of every group below: seconds, more beside the fast tier's other steps on 2 cores.
    this.timeout(60_000);
    promtool = requirePromtool(this);
    dir = mkdtempSync(path.join(tmpdir(), "alloy-alerts-"));
    // A Prometheus rule file has the same shape as a PrometheusRule's spec: `groups`.
    writeFileSync(path.join(dir, "rules.yaml"), stringify(SPEC, { lineWidth: 0 }));
    const file: UnitTestFile = { rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: groups };
    writeFileSync(path.join(dir, "tests.yaml"), stringify(file, { lineWidth: 0 }));
    result = runPromtool(promtool, ["test", "rules", "tests.yaml"], dir);
    version = promtoolVersion(promtool);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Every `promtoolIt` below adds one test group, named after the test, to a single
   * unit-test file that `before` runs through `promtool test rules` once; each test
   * then passes unless promtool reported its group. (One promtool run instead of one
   * per test keeps the suite fast.)
   */
  const groups: TestGroup[] = [];
  let result: { status: number | null; output: string };
  let version: string;

  function promtoolIt(title: string, build: () => { series: InputSeries[]; tests: AlertRuleTest[] }): void {
    if (groups.some((g) => g.name === title)) throw new Error(`two promtool tests named ${JSON.stringify(title)}`);
    const { series, tests } = build();
    groups.push({ name: title, interval: "1m", input_series: series, alert_rule_test: tests });
    it(title, () => {
      // promtool names each failing group ("    name: <name>,"); a failure naming none is the whole file's.
      const failedGroups = [...result.output.matchAll(/^ {4}name: (.*),$/gm)].map((m) => m[1]);
      if (result.status !== 0 && failedGroups.length === 0) assert.fail(`promtool test rules failed:\n${result.output}`);
      assert.ok(!failedGroups.includes(title), `promtool test rules (${version}):\n${result.output}`);
    });
  }

  const cases = (series: InputSeries[], tests: AlertRuleTest[]) => ({ series, tests });

  it("promtool check rules accepts the rule file (PromQL syntax, templates, rule structure)", () => {
    const { status, output } = runPromtool(promtool, ["check", "rules", "rules.yaml"], dir);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${RULES.length} rules found`));
  });

  describe("AlloyNodeWithoutCollector", () => {
    promtoolIt("fires for the one node of ten whose collector is Pending with no node (the seed's incident)", () => {
      // The DaemonSet made a pod for the tainted node, but no node accepts it: Pending, no node, not Ready.
      const pods: PodState[] = coveredPods(SEED_NODES).map((p, i) => (i === 0 ? { name: p.name, ready: false } : p));
      return cases(
        [...nodeSeries(TEN_NODES), ...collectorPodSeries(WORKLOAD, pods)],
        [
          {
            eval_time: "16m",
            alertname: "AlloyNodeWithoutCollector",
            exp_alerts: [expectAlert("AlloyNodeWithoutCollector", { node: "ip-10-11-12-106.ap-northeast-1.compute.internal" })],
          },
        ],
      );
    });

    it("names the uncovered node in its summary", () => {
      const alert = expectAlert("AlloyNodeWithoutCollector", { node: "ip-10-11-12-106.ap-northeast-1.compute.internal" });
      assert.equal(
        alert.exp_annotations.summary,
        "Node ip-10-11-12-106.ap-northeast-1.compute.internal has no running, ready log collector (DaemonSet loki-v3/alloy).",
      );
    });

    promtoolIt("stays silent when each of the ten nodes has a ready collector", () => {
      return cases(
        [...nodeSeries(TEN_NODES), ...collectorPodSeries(WORKLOAD, coveredPods(SEED_NODES))],
        [{ eval_time: "16m", alertname: "AlloyNodeWithoutCollector", exp_alerts: [] }],
      );
    });

    promtoolIt("fires for a node the DaemonSet made no pod for (a taint its pods do not tolerate)", () => {
      const pods = coveredPods(SEED_NODES.slice(0, 9));
      return cases(
        [...nodeSeries(TEN_NODES), ...collectorPodSeries(WORKLOAD, pods)],
        [
          {
            eval_time: "16m",
            alertname: "AlloyNodeWithoutCollector",
            exp_alerts: [expectAlert("AlloyNodeWithoutCollector", { node: "ip-10-11-12-18.ap-northeast-1.compute.internal" })],
          },
        ],
      );
    });

    promtoolIt("fires for a node whose collector pod runs but is not ready", () => {
      const pods = coveredPods(SEED_NODES).map((p, i) => (i === 3 ? { ...p, ready: false } : p));
      return cases(
        [...nodeSeries(TEN_NODES), ...collectorPodSeries(WORKLOAD, pods)],
        [
          {
            eval_time: "16m",
            alertname: "AlloyNodeWithoutCollector",
            exp_alerts: [expectAlert("AlloyNodeWithoutCollector", { node: "ip-10-11-12-173.ap-northeast-1.compute.internal" })],
          },
        ],
      );
    });

    promtoolIt("does not fire before 15 minutes", () => {
      const pods = coveredPods(SEED_NODES.slice(0, 9));
      return cases(
        [...nodeSeries(TEN_NODES), ...collectorPodSeries(WORKLOAD, pods)],
        [{ eval_time: "14m", alertname: "AlloyNodeWithoutCollector", exp_alerts: [] }],
      );
    });

    promtoolIt("stays silent for a node whose own Ready condition is false (KubeNodeNotReady's case)", () => {
      const nodes = TEN_NODES.map((n, i) => (i === 9 ? { ...n, ready: false } : n));
      const pods = coveredPods(SEED_NODES).map((p, i) => (i === 9 ? { ...p, ready: false } : p));
      return cases(
        [...nodeSeries(nodes), ...collectorPodSeries(WORKLOAD, pods)],
        [{ eval_time: "16m", alertname: "AlloyNodeWithoutCollector", exp_alerts: [] }],
      );
    });
  });

  describe("AlloyCollectorPodNotReady", () => {
    promtoolIt("fires for a collector pod not ready for 15 minutes, naming its node", () => {
      const pods = coveredPods(SEED_NODES.slice(0, 2)).map((p, i) => (i === 1 ? { ...p, ready: false } : p));
      return cases(collectorPodSeries(WORKLOAD, pods), [
        {
          eval_time: "16m",
          alertname: "AlloyCollectorPodNotReady",
          exp_alerts: [
            expectAlert("AlloyCollectorPodNotReady", {
              namespace: "loki-v3",
              pod: "alloy-4hq7m",
              node: "ip-10-11-12-123.ap-northeast-1.compute.internal",
            }),
          ],
        },
      ]);
    });
  });

  describe("AlloyCollectorCrashLooping", () => {
    promtoolIt("fires for the alloy container in CrashLoopBackOff for 10 minutes", () => {
      const pods = coveredPods(SEED_NODES.slice(0, 1)).map((p) => ({ ...p, ready: false }));
      const waiting = containerSeries(
        "kube_pod_container_status_waiting_reason",
        {
          namespace: "loki-v3",
          pod: "alloy-2xk9p",
          uid: "0b7f0c1e-5a8d-4f3e-9c2b-7d6e5f4a3b2c",
          container: "alloy",
          reason: "CrashLoopBackOff",
        },
        constant(1),
      );
      return cases(
        [...collectorPodSeries(WORKLOAD, pods), waiting],
        [
          {
            eval_time: "11m",
            alertname: "AlloyCollectorCrashLooping",
            exp_alerts: [
              expectAlert("AlloyCollectorCrashLooping", {
                namespace: "loki-v3",
                pod: "alloy-2xk9p",
                container: "alloy",
                node: "ip-10-11-12-106.ap-northeast-1.compute.internal",
              }),
            ],
          },
        ],
      );
    });
  });

  describe("AlloyCollectorRestarting", () => {
    const restarts = (values: string) =>
      containerSeries(
        "kube_pod_container_status_restarts_total",
        { namespace: "loki-v3", pod: "alloy-2xk9p", uid: "0b7f0c1e-5a8d-4f3e-9c2b-7d6e5f4a3b2c", container: "alloy" },
        values,
      );
    const pods = coveredPods(SEED_NODES.slice(0, 1));

    promtoolIt("fires after a third restart within an hour", () => {
      // Restarts at 11m, 22m and 33m.
      return cases(
        [...collectorPodSeries(WORKLOAD, pods), restarts("0+0x10 1+0x10 2+0x10 3+0x57")],
        [
          {
            eval_time: "40m",
            alertname: "AlloyCollectorRestarting",
            exp_alerts: [
              expectAlert(
                "AlloyCollectorRestarting",
                { namespace: "loki-v3", pod: "alloy-2xk9p", container: "alloy", node: "ip-10-11-12-106.ap-northeast-1.compute.internal" },
                { '$value | printf "%.0f"': "3" },
              ),
            ],
          },
        ],
      );
    });

    promtoolIt("stays silent after two restarts within an hour", () => {
      return cases(
        [...collectorPodSeries(WORKLOAD, pods), restarts("0+0x10 1+0x10 2+0x68")],
        [{ eval_time: "40m", alertname: "AlloyCollectorRestarting", exp_alerts: [] }],
      );
    });
  });

  describe("AlloyCollectorMemoryNearLimit", () => {
    const node = SEED_NODES[0];
    const pod = { namespace: "loki-v3", pod: "alloy-2xk9p" };
    const MI = 1024 * 1024;
    const memory = (workingSetMi: number): InputSeries[] => [
      ...collectorPodSeries(WORKLOAD, coveredPods([node])),
      // The container's own series, and the pod-level cgroup (no container label) that must not count.
      cadvisorSeries(
        "container_memory_working_set_bytes",
        node,
        {
          ...pod,
          container: "alloy",
          id: "/kubepods.slice/kubepods-pod0b7f0c1e.slice/cri-containerd-1a2b.scope",
          image: "docker.io/grafana/alloy:v1.11.3",
          name: "1a2b",
        },
        constant(workingSetMi * MI),
      ),
      cadvisorSeries(
        "container_memory_working_set_bytes",
        node,
        { ...pod, id: "/kubepods.slice/kubepods-pod0b7f0c1e.slice" },
        constant(900 * MI),
      ),
      containerSeries(
        "kube_pod_container_resource_limits",
        { ...pod, uid: "0b7f0c1e-5a8d-4f3e-9c2b-7d6e5f4a3b2c", container: "alloy", node, resource: "memory", unit: "byte" },
        constant(700 * MI),
      ),
    ];

    promtoolIt("fires at 650Mi of a 700Mi limit (over 90%)", () => {
      return cases(memory(650), [
        {
          eval_time: "16m",
          alertname: "AlloyCollectorMemoryNearLimit",
          exp_alerts: [
            expectAlert("AlloyCollectorMemoryNearLimit", { ...pod, container: "alloy", node }, { "$value | humanizePercentage": "92.86%" }),
          ],
        },
      ]);
    });

    promtoolIt("stays silent at 560Mi of a 700Mi limit (80%)", () => {
      return cases(memory(560), [{ eval_time: "16m", alertname: "AlloyCollectorMemoryNearLimit", exp_alerts: [] }]);
    });
  });

  describe("AlloyLogEntriesDropped and AlloyLogEntriesDroppedRateLimited", () => {
    /** The four reasons Alloy v1.11.3 initialises to 0, plus `extra`; `growing` gains 5 entries a minute from 5m on. */
    const drops = (growing: string, extra: string[] = []): InputSeries[] =>
      ["ingester_error", "rate_limited", "stream_limited", "line_too_long", ...extra].map((reason) =>
        alloySeries(
          "loki_write_dropped_entries_total",
          ALLOY_TARGET,
          {
            component_id: "loki.write.loki",
            component_path: "/",
            host: "loki-v3-distributor.loki-v3.svc.cluster.local:3100",
            tenant: "ops",
            reason,
          },
          reason === growing ? "0+0x4 0+5x85" : constant(0),
        ),
      );
    const dropLabels = (reason: string) => ({ namespace: "loki-v3", pod: "alloy-2xk9p", tenant: "ops", reason });

    promtoolIt("AlloyLogEntriesDropped fires for ingester_error (a 4xx other than 429), with the number dropped", () => {
      return cases(drops("ingester_error"), [
        {
          eval_time: "16m",
          alertname: "AlloyLogEntriesDropped",
          exp_alerts: [expectAlert("AlloyLogEntriesDropped", dropLabels("ingester_error"), { "$value | humanize": "50" })],
        },
      ]);
    });

    promtoolIt("AlloyLogEntriesDropped fires for a reason Alloy v1.11.3 does not define", () => {
      return cases(drops("some_new_reason", ["some_new_reason"]), [
        {
          eval_time: "16m",
          alertname: "AlloyLogEntriesDropped",
          exp_alerts: [expectAlert("AlloyLogEntriesDropped", dropLabels("some_new_reason"), { "$value | humanize": "50" })],
        },
      ]);
    });

    promtoolIt("AlloyLogEntriesDropped stays silent for rate_limited drops", () => {
      return cases(drops("rate_limited"), [{ eval_time: "16m", alertname: "AlloyLogEntriesDropped", exp_alerts: [] }]);
    });

    promtoolIt("AlloyLogEntriesDroppedRateLimited fires for rate_limited drops (Loki answered 429 through every retry)", () => {
      return cases(drops("rate_limited"), [
        {
          eval_time: "16m",
          alertname: "AlloyLogEntriesDroppedRateLimited",
          exp_alerts: [expectAlert("AlloyLogEntriesDroppedRateLimited", dropLabels("rate_limited"), { "$value | humanize": "50" })],
        },
      ]);
    });

    promtoolIt("AlloyLogEntriesDroppedRateLimited stays silent for ingester_error drops", () => {
      return cases(drops("ingester_error"), [{ eval_time: "16m", alertname: "AlloyLogEntriesDroppedRateLimited", exp_alerts: [] }]);
    });

    promtoolIt("both stay silent while every reason's counter is flat at 0", () => {
      return cases(drops("none"), [
        { eval_time: "16m", alertname: "AlloyLogEntriesDropped", exp_alerts: [] },
        { eval_time: "16m", alertname: "AlloyLogEntriesDroppedRateLimited", exp_alerts: [] },
      ]);
    });
  });

  describe("AlloyLokiRequestsFailing", () => {
    const requests = (failedStatus: string, failedPerMinute: number): InputSeries[] =>
      [
        ["204", "0+20x90"],
        [failedStatus, `0+${failedPerMinute}x90`],
      ].map(([status_code, values]) =>
        alloySeries(
          "loki_write_request_duration_seconds_count",
          ALLOY_TARGET,
          {
            component_id: "loki.write.loki",
            component_path: "/",
            host: "loki-v3-distributor.loki-v3.svc.cluster.local:3100",
            tenant: "ops",
            status_code,
          },
          values,
        ),
      );

    promtoolIt("fires when a third of the pushes get no response (status_code -1) for 15 minutes", () => {
      return cases(requests("-1", 10), [
        {
          eval_time: "26m",
          alertname: "AlloyLokiRequestsFailing",
          exp_alerts: [
            expectAlert(
              "AlloyLokiRequestsFailing",
              { namespace: "loki-v3", pod: "alloy-2xk9p" },
              { "$value | humanizePercentage": "33.33%" },
            ),
          ],
        },
      ]);
    });

    promtoolIt("stays silent when 1 push in 21 fails (under 10%)", () => {
      return cases(requests("500", 1), [{ eval_time: "26m", alertname: "AlloyLokiRequestsFailing", exp_alerts: [] }]);
    });
  });

  describe("AlloyNoEntriesSent", () => {
    const readLines = alloySeries(
      "loki_source_file_read_lines_total",
      ALLOY_TARGET,
      {
        component_id: "loki.source.file.pod_logs",
        component_path: "/",
        path: "/var/log/pods/default_api-7d9f8b6c5-q2w3e_5e1c2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f/api/0.log",
      },
      "0+100x90",
    );
    const sentEntries = (values: string) =>
      alloySeries(
        "loki_write_sent_entries_total",
        ALLOY_TARGET,
        { component_id: "loki.write.loki", component_path: "/", host: "loki-v3-distributor.loki-v3.svc.cluster.local:3100", tenant: "ops" },
        values,
      );
    const labels = { namespace: "loki-v3", pod: "alloy-2xk9p" };

    promtoolIt("fires when lines are read and the sent counter stays flat", () => {
      return cases(
        [readLines, sentEntries(constant(1000))],
        [{ eval_time: "12m", alertname: "AlloyNoEntriesSent", exp_alerts: [expectAlert("AlloyNoEntriesSent", labels)] }],
      );
    });

    promtoolIt("fires when lines are read and the collector never sent anything (no sent series)", () => {
      return cases(
        [readLines],
        [{ eval_time: "12m", alertname: "AlloyNoEntriesSent", exp_alerts: [expectAlert("AlloyNoEntriesSent", labels)] }],
      );
    });

    promtoolIt("stays silent while entries are sent", () => {
      return cases([readLines, sentEntries("0+100x90")], [{ eval_time: "12m", alertname: "AlloyNoEntriesSent", exp_alerts: [] }]);
    });
  });

  describe("AlloyJournalNotRead", () => {
    const up = alloySeries("up", ALLOY_TARGET, {}, constant(1));
    const journalLines = (values: string) =>
      alloySeries(
        "loki_source_journal_target_lines_total",
        ALLOY_TARGET,
        { component_id: "loki.source.journal.node_journal", component_path: "/" },
        values,
      );
    const labels = { namespace: "loki-v3", pod: "alloy-2xk9p" };

    promtoolIt("fires when a scraped collector's journal counter stays flat (a volatile journal, a wrong path)", () => {
      return cases(
        [up, journalLines(constant(0))],
        [{ eval_time: "50m", alertname: "AlloyJournalNotRead", exp_alerts: [expectAlert("AlloyJournalNotRead", labels)] }],
      );
    });

    promtoolIt("fires when a scraped collector has no journal metric at all (Alloy built without journal support)", () => {
      return cases(
        [up],
        [{ eval_time: "50m", alertname: "AlloyJournalNotRead", exp_alerts: [expectAlert("AlloyJournalNotRead", labels)] }],
      );
    });

    promtoolIt("stays silent while journal lines are read", () => {
      return cases([up, journalLines("0+20x90")], [{ eval_time: "50m", alertname: "AlloyJournalNotRead", exp_alerts: [] }]);
    });

    promtoolIt("stays silent for a collector Prometheus cannot scrape (TargetDown's job)", () => {
      return cases(
        [alloySeries("up", ALLOY_TARGET, {}, constant(0))],
        [{ eval_time: "50m", alertname: "AlloyJournalNotRead", exp_alerts: [] }],
      );
    });
  });

  it("has no AlloyJournalNotRead when the journal is not read", () => {
    const names = buildAlertRules({ ...INPUT, journal: false }).groups.flatMap((g) => g.rules.map((r) => r.alert));
    assert.equal(names.includes("AlloyJournalNotRead"), false);
    assert.equal(names.length, RULES.length - 1);
  });

  describe("AlloyComponentUnhealthy", () => {
    const components = (unhealthy: number): InputSeries[] =>
      [
        ["healthy", 5],
        ["unhealthy", unhealthy],
      ].map(([health_type, count]) =>
        alloySeries(
          "alloy_component_controller_running_components",
          ALLOY_TARGET,
          { controller_path: "/", health_type: String(health_type) },
          constant(Number(count)),
        ),
      );

    promtoolIt("fires for an unhealthy component", () => {
      return cases(components(1), [
        {
          eval_time: "16m",
          alertname: "AlloyComponentUnhealthy",
          exp_alerts: [
            expectAlert("AlloyComponentUnhealthy", { namespace: "loki-v3", pod: "alloy-2xk9p", health_type: "unhealthy" }, { $value: "1" }),
          ],
        },
      ]);
    });

    promtoolIt("stays silent when every component is healthy", () => {
      return cases(components(0), [{ eval_time: "16m", alertname: "AlloyComponentUnhealthy", exp_alerts: [] }]);
    });
  });

  describe("AlloyMetricsNotScraped", () => {
    promtoolIt("fires when Prometheus has no Alloy target", () => {
      const other: InputSeries = { series: 'up{job="kube-state-metrics", namespace="monitoring"}', values: constant(1) };
      return cases(
        [other],
        [
          {
            eval_time: "16m",
            alertname: "AlloyMetricsNotScraped",
            exp_alerts: [expectAlert("AlloyMetricsNotScraped", { job: "alloy", namespace: "loki-v3" })],
          },
        ],
      );
    });

    promtoolIt("stays silent while an Alloy target exists", () => {
      return cases(
        [alloySeries("up", ALLOY_TARGET, {}, constant(1))],
        [{ eval_time: "16m", alertname: "AlloyMetricsNotScraped", exp_alerts: [] }],
      );
    });
  });
});

describe("runbook and Datadog list in docs/monitoring.md", () => {
  const readme = readFileSync(path.join(__dirname, "..", "docs", "monitoring.md"), "utf8");

  it("docs/monitoring.md has a runbook section for every alert", () => {
    assert.deepEqual(
      RULES.filter((r) => readme.includes(`### ${r.alert}\n`)).map((r) => r.alert),
      RULES.map((r) => r.alert),
    );
  });

  it("docs/monitoring.md documents every default Datadog metric", () => {
    assert.deepEqual(
      DEFAULT_DATADOG_METRICS.filter((m) => readme.includes(`\`${m.name}\``)),
      DEFAULT_DATADOG_METRICS,
    );
  });
});

describe("default Datadog metric list (config/datadog-metrics.ts)", () => {
  const catalog = new Map(METRIC_CATALOG.map((m) => [m.name, m]));

  it("names each metric as the openmetrics v2 check matches it: counters without _total, others as exposed", () => {
    for (const { name } of DEFAULT_DATADOG_METRICS) {
      const exposed = catalog.get(name) ?? catalog.get(`${name}_total`);
      assert.ok(exposed, `${name} is not an Alloy v1.11.3 metric`);
      assert.equal(exposed.exporter, "alloy", name);
      // A counter's family name has no _total; a gauge or histogram keeps the exposed name.
      assert.equal(name, exposed.type === "counter" ? exposed.name.replace(/_total$/, "") : exposed.name, name);
    }
  });

  it("lists each metric once, with a one-line reason", () => {
    assert.deepEqual(names, [...new Set(names)]);
    for (const m of DEFAULT_DATADOG_METRICS) {
      assert.ok(m.why.length > 20 && !m.why.includes("\n"), m.name);
    }
  });

  const names = DEFAULT_DATADOG_METRICS.map((m) => m.name);

  it("uses plain names, which the check matches exactly, never a regular expression", () => {
    for (const name of names) assert.match(name, /^[a-z_]+$/);
  });

  it("collects the drop counter and the request histogram, the two signals the issue is about", () => {
    assert.ok(names.includes("loki_write_dropped_entries"));
    assert.ok(names.includes("loki_write_request_duration_seconds"));
  });

  it("renders a Markdown table row per metric", () => {
    const markdown = renderDatadogMetricsMarkdown();
    assert.equal(markdown.split("\n").filter((l) => l.startsWith("| `")).length, DEFAULT_DATADOG_METRICS.length);
  });
});
