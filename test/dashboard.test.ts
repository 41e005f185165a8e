import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { DASHBOARD_FILE_NAME, DASHBOARD_UID, buildDashboard, type DashboardInput } from "../monitoring/dashboard";
import { SEED_NODES, alloySeries, cadvisorSeries, collectorPodSeries, constant, containerSeries, podName } from "./support/alert-series";
import { allowedSeriesNames } from "./support/metric-catalog";
import { parsePromQL } from "./support/promql-parse";
import { requirePromtool, runPromtool, type InputSeries, type PromQLExprTest, type UnitTestFile } from "./support/promtool";

const INPUT: DashboardInput = { namespace: "loki-v3", job: "alloy", container: "alloy" };
/** The JSON Grafana reads: the builder's output through JSON, as the ConfigMap carries it. */
const MODEL = JSON.parse(JSON.stringify(buildDashboard(INPUT))) as DashboardModel;

interface TemplateVariable {
  name: string;
  type: string;
  query: unknown;
  datasource: unknown;
  multi: boolean;
  includeAll: boolean;
  allValue: string;
}
/** The parts of Grafana's dashboard model these tests read. */
interface DashboardModel {
  uid: string;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
}
interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets: Target[];
}
const PANELS: Panel[] = MODEL.panels;
const TARGETS = PANELS.flatMap((panel) => panel.targets.map((target) => ({ panel, target })));

const NODE_A = SEED_NODES[0];
const NODE_B = SEED_NODES[1];

/**
 * What Grafana puts in place of the dashboard's variables before it sends a query.
 * `$__rate_interval` is a duration Grafana computes (at least 4 scrape intervals).
 * `$node` with "All" selected is the variable's allValue; with several nodes selected,
 * Grafana's Prometheus data source escapes each value's regex metacharacters (written
 * `\\.` inside the PromQL string) and joins them as `(a|b)`.
 */
const SUBSTITUTIONS: Record<string, Record<string, string>> = {
  "All nodes": { $__rate_interval: "4m", $node: ".*" },
  "two nodes": {
    $__rate_interval: "4m",
    $node: `(${[NODE_A, NODE_B].map((n) => n.replace(/\./g, "\\\\.")).join("|")})`,
  },
  "node A": { $__rate_interval: "5m", $node: NODE_A.replace(/\./g, "\\\\.") },
};

function substitute(expr: string, variables: Record<string, string>): string {
  const out = expr.replace(/\$\{?(__rate_interval|node)\}?/g, (_, name: string) => variables[`$${name}`]);
  assert.doesNotMatch(out, /\$/, `a Grafana variable is left in:\n${out}`);
  return out;
}

describe("dashboard (monitoring/dashboard.ts)", () => {
  it("names its ConfigMap data key alloy-log-pipeline.json: the sidecar loads keys ending in .json", () => {
    assert.equal(DASHBOARD_FILE_NAME, "alloy-log-pipeline.json");
  });

  it("builds the same JSON every time, with a fixed uid and no id, version or timestamp", () => {
    assert.equal(JSON.stringify(buildDashboard(INPUT)), JSON.stringify(MODEL));
    assert.equal(MODEL.uid, DASHBOARD_UID);
    for (const key of ["id", "version", "created", "updated", "iteration"]) assert.equal(key in MODEL, false, key);
    assert.doesNotMatch(JSON.stringify(MODEL), /\d{4}-\d{2}-\d{2}T\d{2}:/);
  });

  it("has the panels the issue asks for, per node, after two cluster-wide counts", () => {
    assert.deepEqual(
      PANELS.map((p) => [p.id, p.type, p.title]),
      [
        [1, "stat", "Collectors scraped"],
        [2, "stat", "Nodes without a scraped collector"],
        [3, "timeseries", "Log lines read, per node"],
        [4, "timeseries", "Entries sent to Loki, per node"],
        [5, "timeseries", "Bytes sent to Loki, per node"],
        [6, "timeseries", "Entries dropped, per node and reason"],
        [7, "timeseries", "Push latency to Loki, per node"],
        [8, "timeseries", "Failed pushes to Loki, per node and status code"],
        [9, "timeseries", "Memory against the limit, per node"],
        [10, "timeseries", "Journal lines read, per node"],
      ],
    );
  });

  it("shows drops by reason, failures by status code and memory against its limit", () => {
    const legends = (title: string) => PANELS.find((p) => p.title === title)?.targets.map((t) => t.legendFormat);
    assert.deepEqual(legends("Entries dropped, per node and reason"), [
      "{{node}} loki.write {{reason}}",
      "{{node}} loki.process {{reason}}",
    ]);
    assert.deepEqual(legends("Failed pushes to Loki, per node and status code"), ["{{node}} {{status_code}}"]);
    assert.deepEqual(legends("Push latency to Loki, per node"), ["{{node}} p50", "{{node}} p99"]);
    assert.deepEqual(legends("Memory against the limit, per node"), ["{{node}} working set", "{{node}} limit"]);
  });

  it("shows the journal lines kept and those its relabel rules filtered out (empty_labels), per node", () => {
    const panel = PANELS.find((p) => p.title === "Journal lines read, per node")!;
    assert.deepEqual(
      panel.targets.map((t) => [t.legendFormat, /loki_source_journal_target_\w+\{[^}]*\}/.exec(t.expr)?.[0]]),
      [
        ["{{node}} kept", 'loki_source_journal_target_lines_total{job="alloy", namespace="loki-v3"}'],
        [
          "{{node}} filtered out",
          'loki_source_journal_target_parsing_errors_total{job="alloy", namespace="loki-v3", error="empty_labels"}',
        ],
      ],
    );
  });

  it("has a multi-value node variable listing the cluster's nodes, All meaning every node", () => {
    const node = MODEL.templating.list.find((v) => v.name === "node")!;
    assert.deepEqual(
      {
        type: node.type,
        query: node.query,
        datasource: node.datasource,
        multi: node.multi,
        includeAll: node.includeAll,
        allValue: node.allValue,
      },
      {
        type: "query",
        query: "label_values(kube_node_info, node)",
        datasource: { type: "prometheus", uid: "${datasource}" },
        multi: true,
        includeAll: true,
        allValue: ".*",
      },
    );
  });

  it('splits every time series panel per node: each query keeps node=~"$node" and each legend starts with the node', () => {
    for (const { panel, target } of TARGETS.filter(({ panel }) => panel.type === "timeseries")) {
      assert.match(target.expr, /node=~"\$node"/, `${panel.title} ${target.refId}`);
      assert.match(target.expr, /group_left \(node\)/, `${panel.title} ${target.refId}`);
      assert.match(target.legendFormat ?? "", /^\{\{node\}\}/, `${panel.title} ${target.refId}`);
    }
  });

  it("queries the data source variable from every panel and target", () => {
    const ref = { type: "prometheus", uid: "${datasource}" };
    for (const { panel, target } of TARGETS) {
      assert.deepEqual(panel.datasource, ref, panel.title);
      assert.deepEqual(target.datasource, ref, `${panel.title} ${target.refId}`);
    }
  });

  for (const [selection, variables] of Object.entries(SUBSTITUTIONS)) {
    it(`parses every panel query as PromQL with ${selection} selected`, () => {
      for (const { panel, target } of TARGETS) {
        const expr = substitute(target.expr, variables);
        assert.deepEqual(parsePromQL(expr).errors, [], `${panel.title} ${target.refId}:\n${expr}`);
      }
    });
  }

  it("selects only metrics that Alloy v1.11.3, kube-state-metrics, cAdvisor or Prometheus export", () => {
    const allowed = allowedSeriesNames();
    for (const { panel, target } of TARGETS) {
      const parsed = parsePromQL(substitute(target.expr, SUBSTITUTIONS["All nodes"]));
      assert.deepEqual(parsed.nameMatchers, [], panel.title);
      for (const name of parsed.metricNames)
        assert.ok(allowed.has(name), `${panel.title} ${target.refId} selects ${name}, which is not in the catalog`);
    }
  });

  it("rejects a job that is not a Kubernetes name", () => {
    assert.throws(
      () => buildDashboard({ ...INPUT, job: "alloy|.*" }),
      new Error("job: got \"alloy|.*\"; expected a Kubernetes name (DNS-1123 label: a-z, 0-9 and '-', at most 63 characters)"),
    );
  });
});

describe("dashboard queries under promtool (Debian's prometheus package)", function () {
  let promtool: string;
  let dir: string;

  before(function () {
    promtool = requirePromtool(this);
    dir = mkdtempSync(path.join(tmpdir(), "alloy-dashboard-"));
    writeFileSync(path.join(dir, "empty.yaml"), stringify({ groups: [] }));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function expr(title: string, refId: string, selection: string): string {
    const found = TARGETS.find(({ panel, target }) => panel.title === title && target.refId === refId);
    assert.ok(found, `no target ${refId} in panel ${title}`);
    return substitute(found.target.expr, SUBSTITUTIONS[selection]);
  }

  function exprTest(name: string, inputSeries: InputSeries[], tests: PromQLExprTest[]): void {
    const file: UnitTestFile = {
      rule_files: ["empty.yaml"],
      evaluation_interval: "1m",
      tests: [{ name, interval: "1m", input_series: inputSeries, promql_expr_test: tests }],
    };
    writeFileSync(path.join(dir, "test.yaml"), stringify(file, { lineWidth: 0 }));
    const { status, output } = runPromtool(promtool, ["test", "rules", "test.yaml"], dir);
    assert.equal(status, 0, output);
  }

  it("promtool check rules accepts every panel query (Prometheus's own parser)", () => {
    const rules = TARGETS.map(({ panel, target }) => ({
      record: `dashboard:panel${panel.id}_${target.refId}`,
      expr: substitute(target.expr, SUBSTITUTIONS["two nodes"]),
    }));
    writeFileSync(path.join(dir, "panels.yaml"), stringify({ groups: [{ name: "dashboard", rules }] }, { lineWidth: 0 }));
    const { status, output } = runPromtool(promtool, ["check", "rules", "panels.yaml"], dir);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${TARGETS.length} rules found`));
  });

  /** Two collectors (on NODE_A and NODE_B) Prometheus scrapes, and a Loki pod in the same namespace that is no collector. */
  const cluster: InputSeries[] = [
    ...collectorPodSeries({ namespace: "loki-v3", daemonSet: "alloy" }, [
      { name: podName("alloy", 0), node: NODE_A, ready: true },
      { name: podName("alloy", 1), node: NODE_B, ready: true },
    ]),
    containerSeries(
      "kube_pod_info",
      {
        namespace: "loki-v3",
        pod: "loki-v3-distributor-0",
        node: NODE_A,
        created_by_kind: "StatefulSet",
        created_by_name: "loki-v3-distributor",
      },
      constant(1),
    ),
    ...[0, 1].map((i) =>
      alloySeries("up", { job: "alloy", namespace: "loki-v3", pod: podName("alloy", i), container: "alloy" }, {}, constant(1)),
    ),
  ];
  const target = (i: number) => ({ job: "alloy", namespace: "loki-v3", pod: podName("alloy", i), container: "alloy" });
  const readLines = (i: number, file: string, perMinute: number) =>
    alloySeries(
      "loki_source_file_read_lines_total",
      target(i),
      { component_id: "loki.source.file.pod_logs", component_path: "/", path: file },
      `0+${perMinute}x90`,
    );
  const lines = [
    readLines(0, "/var/log/pods/default_api-1_uid1/api/0.log", 60),
    readLines(0, "/var/log/pods/default_web-1_uid2/web/0.log", 60),
    readLines(1, "/var/log/pods/default_api-2_uid3/api/0.log", 30),
  ];

  it("sums the lines read per node: one series per node, each collector's files added up", () => {
    exprTest(
      "lines per node",
      [...cluster, ...lines],
      [
        {
          expr: expr("Log lines read, per node", "A", "All nodes"),
          eval_time: "10m",
          exp_samples: [
            { labels: `{node="${NODE_A}"}`, value: 2 },
            { labels: `{node="${NODE_B}"}`, value: 0.5 },
          ],
        },
      ],
    );
  });

  it("shows only the node selected in the node variable", () => {
    exprTest(
      "one node",
      [...cluster, ...lines],
      [
        {
          expr: expr("Log lines read, per node", "A", "node A"),
          eval_time: "10m",
          exp_samples: [{ labels: `{node="${NODE_A}"}`, value: 2 }],
        },
      ],
    );
  });

  it("draws each node's memory working set and limit", () => {
    const MI = 1024 * 1024;
    const memory = [0, 1].flatMap((i) => {
      const node = [NODE_A, NODE_B][i];
      const pod = { namespace: "loki-v3", pod: podName("alloy", i) };
      return [
        cadvisorSeries(
          "container_memory_working_set_bytes",
          node,
          { ...pod, container: "alloy", id: `/kubepods/pod${i}/c${i}`, image: "docker.io/grafana/alloy:v1.11.3", name: `c${i}` },
          constant((300 + 100 * i) * MI),
        ),
        // The config-reloader sidecar of the same pod: not the alloy container, so not drawn.
        cadvisorSeries(
          "container_memory_working_set_bytes",
          node,
          { ...pod, container: "config-reloader", id: `/kubepods/pod${i}/r${i}`, name: `r${i}` },
          constant(20 * MI),
        ),
        containerSeries(
          "kube_pod_container_resource_limits",
          { ...pod, container: "alloy", node, resource: "memory", unit: "byte" },
          constant(700 * MI),
        ),
      ];
    });
    exprTest(
      "memory per node",
      [...cluster, ...memory],
      [
        {
          expr: expr("Memory against the limit, per node", "A", "All nodes"),
          eval_time: "10m",
          exp_samples: [
            { labels: `{node="${NODE_A}"}`, value: 300 * MI },
            { labels: `{node="${NODE_B}"}`, value: 400 * MI },
          ],
        },
        {
          expr: expr("Memory against the limit, per node", "B", "All nodes"),
          eval_time: "10m",
          exp_samples: [
            { labels: `{node="${NODE_A}"}`, value: 700 * MI },
            { labels: `{node="${NODE_B}"}`, value: 700 * MI },
          ],
        },
      ],
    );
  });
});
