/**
 * Small helpers for writing PromQL from config values. A config value only
 * enters an expression as an escaped string literal inside a label matcher,
 * so a namespace or a job name cannot change the shape of a query.
 */
import { isDns1123Label } from "../lib/dns1123";

/** One label matcher: `=` unless the value is given as `{ op, value }`. */
export type Matcher = string | { op: "=" | "!=" | "=~" | "!~"; value: string };

// Prometheus metric and label names (https://prometheus.io/docs/concepts/data_model/).
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A PromQL double-quoted string. PromQL strings use Go's escapes
 * (promql/parser/lex.go lexString): only `\` and `"` need escaping here,
 * and a newline is written as `\n` so the literal stays on one line.
 */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** `metric{label="value", ...}`, matchers in the order given. */
export function selector(metric: string, matchers: Record<string, Matcher | undefined>): string {
  if (!METRIC_NAME.test(metric)) throw new Error(`not a Prometheus metric name: ${JSON.stringify(metric)}`);
  const parts: string[] = [];
  for (const [label, matcher] of Object.entries(matchers)) {
    if (matcher === undefined) continue;
    if (!LABEL_NAME.test(label)) throw new Error(`not a Prometheus label name: ${JSON.stringify(label)}`);
    const { op, value } = typeof matcher === "string" ? { op: "=", value: matcher } : matcher;
    parts.push(`${label}${op}${promString(value)}`);
  }
  return parts.length === 0 ? metric : `${metric}{${parts.join(", ")}}`;
}

/** A Prometheus duration of whole minutes, e.g. `10m`. */
export function minutes(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number of minutes >= 1, got ${n}`);
  return `${n}m`;
}

/** An anchored PromQL regular expression matching exactly one of `values` (RE2 syntax). */
export function oneOf(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

/**
 * Throws unless `value` is a DNS-1123 label, naming `what` in the message: the
 * Kubernetes names used in queries (namespaces, DaemonSets, Services, containers) are.
 */
export function assertDnsLabel(what: string, value: string): void {
  if (!isDns1123Label(value)) {
    throw new Error(
      `${what}: got ${JSON.stringify(value)}; expected a Kubernetes name (DNS-1123 label: a-z, 0-9 and '-', at most 63 characters)`,
    );
  }
}
