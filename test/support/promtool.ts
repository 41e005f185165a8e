/**
 * Running Prometheus's `promtool` (Debian package `prometheus`) from tests, and the
 * typed shape of its rule unit-test files
 * (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/).
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import * as path from "node:path";
import { promString } from "../../monitoring/promql";

/** The absolute path of `promtool` on PATH, or undefined. */
export function findPromtool(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "promtool");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export const PROMTOOL_MISSING = "promtool is not on PATH. It comes with Debian's `prometheus` package: `apt-get install -y prometheus`.";

/**
 * promtool for a suite's `before` hook. Without it: in CI (CI=true) the suite fails,
 * because .ci/run must install the package; elsewhere the suite is skipped (reported
 * pending, never passed) with a message saying how to get it.
 */
export function requirePromtool(context: Mocha.Context): string {
  const promtool = findPromtool();
  if (promtool) return promtool;
  if (process.env.CI === "true") {
    throw new Error(`${PROMTOOL_MISSING} In CI, .ci/run must install Debian's prometheus package before npm test.`);
  }
  console.warn(`      skipped: ${PROMTOOL_MISSING}`);
  context.skip();
}

/** Runs promtool; `output` is stdout and stderr together. */
export function runPromtool(promtool: string, args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(promtool, args, { cwd, encoding: "utf8", timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `promtool --version`'s first line, e.g. `promtool, version 2.42.0+ds (...)`. */
export function promtoolVersion(promtool: string): string {
  return runPromtool(promtool, ["--version"], process.cwd()).output.split("\n")[0];
}

export interface InputSeries {
  /** `metric{label="value"}` */
  series: string;
  /** Expanding notation: `1+0x20` is 21 samples of 1, one per `interval`; `_` is a missing sample. */
  values: string;
}

export interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

export interface AlertRuleTest {
  /** Time since the first sample at which the rules are evaluated, e.g. `20m`. */
  eval_time: string;
  alertname: string;
  /** The alerts firing at eval_time; [] when none may fire. Compared exactly (labels and annotations). */
  exp_alerts: ExpectedAlert[];
}

export interface PromQLExprTest {
  expr: string;
  eval_time: string;
  /** The exact result: every series (`{label="value"}`, or `metric{...}`) and its value. */
  exp_samples: { labels: string; value: number }[];
}

export interface TestGroup {
  name: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test?: AlertRuleTest[];
  promql_expr_test?: PromQLExprTest[];
}

export interface UnitTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: TestGroup[];
}

/** `metric{label="value", ...}` for an input series; empty values are left out (PromQL treats them as absent). */
export function seriesName(metric: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .filter(([, value]) => value !== "")
    .map(([name, value]) => `${name}=${promString(value)}`);
  return `${metric}{${parts.join(", ")}}`;
}

/**
 * The annotations Prometheus renders from `templates` for an alert with `labels`.
 * Handles `{{ $labels.<name> }}` and the `$value` forms listed in `values` (e.g.
 * `{ "$value | humanize": "50" }`: the expected text is written by the test); any
 * other template action throws, so a test never compares against a guess.
 */
export function renderAnnotations(
  templates: Record<string, string>,
  labels: Record<string, string>,
  values: Record<string, string> = {},
): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [key, template] of Object.entries(templates)) {
    rendered[key] = template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, action: string) => {
      const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(action);
      if (label) return labels[label[1]] ?? "";
      if (action in values) return values[action];
      throw new Error(`annotation ${key}: no expected text for {{ ${action} }}`);
    });
  }
  return rendered;
}
