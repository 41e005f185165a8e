import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { buildEventsRuleGroup, eventsAlertDefinitions, type EventsAlertInput } from "../monitoring/events-alerts";
import { renderEventsRunbookMarkdown } from "../docs/alert-runbook";
import type { AlertRule } from "../monitoring/alerts";
import { constant } from "./support/alert-series";
import { allowedSeriesNames } from "./support/metric-catalog";
import { parsePromQL } from "./support/promql-parse";
import {
  renderAnnotations,
  requirePromtool,
  runPromtool,
  seriesName,
  type AlertRuleTest,
  type InputSeries,
  type TestGroup,
} from "./support/promtool";
import { EXPECTED_EVENTS_ALERT_GROUP } from "./support/alert-groups";
import { buildDashboard } from "../monitoring/dashboard";

/** What the component deploys: Deployment and Service both named after the release, alloy-events. */
const INPUT: EventsAlertInput = { namespace: "loki-v3", deployment: "alloy-events", job: "alloy-events" };
const GROUP = buildEventsRuleGroup(INPUT);
const RULES = GROUP.rules as AlertRule[];
const rule = (name: string) => {
  const found = RULES.find((r) => r.alert === name);
  assert.ok(found, name);
  return found;
};

describe("events collector alerts (monitoring/events-alerts.ts)", () => {
  it("has the group the component deploys", () => {
    assert.deepEqual([GROUP.name, RULES.map((r) => r.alert)], EXPECTED_EVENTS_ALERT_GROUP);
  });

  it("calls the collector unavailable when its Deployment has no available replica", () => {
    assert.equal(
      rule("AlloyEventsCollectorUnavailable").expr,
      'max by (namespace, deployment) (kube_deployment_status_replicas_available{namespace="loki-v3", deployment="alloy-events"}) < 1',
    );
  });

  it("selects the push metrics by job alloy-events, the Service name prometheus-operator gives its targets", () => {
    assert.equal(
      rule("AlloyEventsPushFailing").expr,
      [
        'sum by (namespace, job) (rate(loki_write_request_duration_seconds_count{namespace="loki-v3", job="alloy-events", status_code!~"2.."}[10m])) > 0',
        "or",
        'sum by (namespace, job) (increase(loki_write_dropped_entries_total{namespace="loki-v3", job="alloy-events"}[10m])) > 0',
      ].join("\n"),
    );
  });

  it("selects only metrics that Alloy v1.11.3 or kube-state-metrics export, with valid PromQL", () => {
    const allowed = allowedSeriesNames();
    for (const r of RULES) {
      const parsed = parsePromQL(r.expr);
      assert.deepEqual(parsed.errors, [], r.alert);
      for (const name of parsed.metricNames) assert.ok(allowed.has(name), `${r.alert} selects ${name}, which is not in the catalog`);
    }
  });

  it("points each description at its runbook section, which the rendered runbook has", () => {
    const markdown = renderEventsRunbookMarkdown(INPUT);
    for (const { rule: r, runbook } of eventsAlertDefinitions(INPUT)) {
      assert.ok(r.annotations.description.endsWith(`Runbook: docs/monitoring.md, section ${r.alert}.`), r.alert);
      assert.ok(markdown.includes(`### ${r.alert}\n`), r.alert);
      assert.ok(markdown.includes(`1. ${runbook.steps[0]}`), r.alert);
    }
  });
});

describe("events collector alerts under promtool", function () {
  const groups: TestGroup[] = [];
  let result: { status: number | null; output: string };
  let dir: string;

  before(function () {
    const promtool = requirePromtool(this);
    dir = mkdtempSync(path.join(tmpdir(), "alloy-events-alerts-"));
    writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups: [GROUP] }, { lineWidth: 0 }));
    writeFileSync(
      path.join(dir, "tests.yaml"),
      stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: groups }, { lineWidth: 0 }),
    );
    result = runPromtool(promtool, ["test", "rules", "tests.yaml"], dir);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function promtoolIt(title: string, series: InputSeries[], tests: AlertRuleTest[]): void {
    groups.push({ name: title, interval: "1m", input_series: series, alert_rule_test: tests });
    it(title, () => {
      const failed = [...result.output.matchAll(/^ {4}name: (.*),$/gm)].map((m) => m[1]);
      if (result.status !== 0 && failed.length === 0) assert.fail(`promtool test rules failed:\n${result.output}`);
      assert.ok(!failed.includes(title), result.output);
    });
  }

  const deployment = (available: string) =>
    ({
      series: seriesName("kube_deployment_status_replicas_available", { namespace: "loki-v3", deployment: "alloy-events" }),
      values: available,
    }) satisfies InputSeries;
  const target = { job: "alloy-events", namespace: "loki-v3", pod: "alloy-events-6d5f7c9b8-x2x4q", container: "alloy" };
  const requests = (status: string, values: string): InputSeries => ({
    series: seriesName("loki_write_request_duration_seconds_count", { ...target, status_code: status, host: "loki:3100", tenant: "ops" }),
    values,
  });
  const dropped = (values: string): InputSeries => ({
    series: seriesName("loki_write_dropped_entries_total", { ...target, host: "loki:3100", tenant: "ops", reason: "ingester_error" }),
    values,
  });
  const firing = (name: string, labels: Record<string, string>) => ({
    exp_labels: { ...labels, ...rule(name).labels },
    exp_annotations: renderAnnotations(rule(name).annotations, labels),
  });

  promtoolIt(
    "AlloyEventsCollectorUnavailable fires after 10 minutes with no available replica",
    [deployment("0+0x30")],
    [
      { eval_time: "9m", alertname: "AlloyEventsCollectorUnavailable", exp_alerts: [] },
      {
        eval_time: "11m",
        alertname: "AlloyEventsCollectorUnavailable",
        exp_alerts: [firing("AlloyEventsCollectorUnavailable", { namespace: "loki-v3", deployment: "alloy-events" })],
      },
    ],
  );

  promtoolIt(
    "AlloyEventsCollectorUnavailable stays silent with its one replica available",
    [deployment(constant(1))],
    [{ eval_time: "30m", alertname: "AlloyEventsCollectorUnavailable", exp_alerts: [] }],
  );

  promtoolIt(
    "AlloyEventsPushFailing fires when Loki answers 401 for 15 minutes",
    [requests("204", "0+0x40"), requests("401", "0+6x40")],
    [
      {
        eval_time: "30m",
        alertname: "AlloyEventsPushFailing",
        exp_alerts: [firing("AlloyEventsPushFailing", { namespace: "loki-v3", job: "alloy-events" })],
      },
    ],
  );

  promtoolIt(
    "AlloyEventsPushFailing fires when batches are dropped",
    [requests("204", "0+6x40"), dropped("0+10x40")],
    [
      {
        eval_time: "30m",
        alertname: "AlloyEventsPushFailing",
        exp_alerts: [firing("AlloyEventsPushFailing", { namespace: "loki-v3", job: "alloy-events" })],
      },
    ],
  );

  promtoolIt(
    "AlloyEventsPushFailing stays silent while every push is answered 204",
    [requests("204", "0+6x40"), dropped("0+0x40")],
    [{ eval_time: "30m", alertname: "AlloyEventsPushFailing", exp_alerts: [] }],
  );

  promtoolIt(
    "AlloyEventsPushFailing ignores the DaemonSet's failing pushes (job alloy)",
    [
      {
        series: seriesName("loki_write_request_duration_seconds_count", {
          ...target,
          job: "alloy",
          status_code: "500",
          host: "loki:3100",
          tenant: "ops",
        }),
        values: "0+6x40",
      },
    ],
    [{ eval_time: "30m", alertname: "AlloyEventsPushFailing", exp_alerts: [] }],
  );
});

describe("events collector dashboard row (monitoring/dashboard.ts)", () => {
  type Model = { panels: { id: number; type: string; title: string; targets?: { expr: string }[] }[] };
  const model = (events?: { deployment: string; job: string }) =>
    JSON.parse(JSON.stringify(buildDashboard({ namespace: "loki-v3", job: "alloy", container: "alloy", events }))) as Model;
  const withRow = model({ deployment: "alloy-events", job: "alloy-events" });
  const row = withRow.panels.slice(withRow.panels.findIndex((p) => p.type === "row"));

  it("adds a row of three panels after the DaemonSet's, which stay as they were", () => {
    assert.deepEqual(
      row.map((p) => [p.id, p.type, p.title]),
      [
        [11, "row", "Kubernetes events collector (alloy-events)"],
        [12, "stat", "Events collector available"],
        [13, "timeseries", "Kubernetes events sent to Loki"],
        [14, "timeseries", "Events collector pushes, by status code"],
      ],
    );
    // The DaemonSet's nine panels and the journal's.
    assert.deepEqual(withRow.panels.slice(0, 10), model().panels);
  });

  it("queries the events collector by job alloy-events and its Deployment, with cataloged metrics only", () => {
    const allowed = allowedSeriesNames();
    const exprs = row.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    assert.deepEqual(exprs, [
      'sum(kube_deployment_status_replicas_available{namespace="loki-v3", deployment="alloy-events"}) or vector(0)',
      'sum(rate(loki_write_sent_entries_total{job="alloy-events", namespace="loki-v3"}[$__rate_interval]))',
      'sum by (reason) (rate(loki_write_dropped_entries_total{job="alloy-events", namespace="loki-v3"}[$__rate_interval]))',
      'sum by (status_code) (rate(loki_write_request_duration_seconds_count{job="alloy-events", namespace="loki-v3"}[$__rate_interval]))',
    ]);
    for (const expr of exprs)
      for (const name of parsePromQL(expr.replace(/\$__rate_interval/g, "5m")).metricNames) assert.ok(allowed.has(name), name);
  });
});
