/**
 * Run-time checks for chart values that come from stack config
 * (`chartOverrides`). The chart ships no values schema and Helm drops unknown
 * keys silently, so every path is checked against the paths values.yaml
 * declares (ALLOY_CHART_PATHS), and an unknown one is reported with the
 * nearest real path: `tolerations` -> `controller.tolerations`.
 */
import { editDistance, nearest } from "../lib/nearest";
import { ALLOY_CHART_PATHS, ALLOY_CHART_VERSION, type AlloyChartValues, type ChartValueKind } from "./alloy-values.generated";

export interface OverrideProblem {
  /** Path inside chartOverrides, one element per key. */
  path: string[];
  /** Completes "got <value>; …". */
  message: string;
}

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const EXPECTED: Record<ChartValueKind, { test: (v: unknown) => boolean; text: string }> = {
  object: { test: isPlainObject, text: "a map" },
  map: { test: (v) => v === null || isPlainObject(v), text: "a map" },
  list: { test: Array.isArray, text: "a list" },
  "list?": { test: (v) => v === null || Array.isArray(v), text: "a list or null" },
  string: { test: (v) => typeof v === "string", text: "a string" },
  "string?": { test: (v) => v === null || typeof v === "string", text: "a string or null" },
  number: { test: (v) => typeof v === "number", text: "a number" },
  "number?": { test: (v) => v === null || typeof v === "number", text: "a number or null" },
  boolean: { test: (v) => typeof v === "boolean", text: "true or false" },
  "intOrString?": { test: (v) => v === null || typeof v === "number" || typeof v === "string", text: "a number, a percentage string or null" },
};

const ALL_PATHS = Object.keys(ALLOY_CHART_PATHS);

/** Top-level keys the chart renamed: `agent` is the grafana-agent chart's name for `alloy`. */
const RENAMED: Record<string, string> = { agent: "alloy" };

function childrenOf(parent: string): string[] {
  const prefix = parent === "" ? "" : `${parent}.`;
  return ALL_PATHS.filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes(".")).map((p) => p.slice(prefix.length));
}

/**
 * The chart path an unknown one was most likely meant to be: first a typo of
 * a sibling key or a sibling that contains it (`labels` -> `additionalLabels`),
 * then the same key under another parent (a misplaced key, the seed
 * incident), then the closest full path.
 */
export function suggestChartPath(path: readonly string[]): string | undefined {
  const parent = path.slice(0, -1).join(".");
  const key = path[path.length - 1];
  if (path.length === 1 && key in RENAMED) return RENAMED[key];
  const siblings = ALLOY_CHART_PATHS[parent] === "object" || parent === "" ? childrenOf(parent) : [];
  const sibling =
    nearest(key, siblings) ?? siblings.find((s) => s.toLowerCase().includes(key.toLowerCase()) || key.toLowerCase().includes(s.toLowerCase()));
  if (sibling) return parent === "" ? sibling : `${parent}.${sibling}`;
  const full = path.join(".");
  const sameKey = ALL_PATHS.filter((p) => p.split(".").pop()!.toLowerCase() === key.toLowerCase());
  if (sameKey.length > 0) return sameKey.reduce((a, b) => (editDistance(full, b) < editDistance(full, a) ? b : a));
  return nearest(full, ALL_PATHS);
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}

/**
 * Every problem with the overrides: unknown paths, values of the wrong kind,
 * and paths the program sets itself (`owned`, with the reason to show).
 */
export function checkChartOverrides(
  overrides: Plain,
  owned: readonly { path: readonly string[]; reason: string }[],
): OverrideProblem[] {
  const problems: OverrideProblem[] = [];
  const conflict = (path: string[]) => owned.find((o) => isPrefix(o.path, path) || isPrefix(path, o.path));

  const visit = (value: unknown, path: string[]) => {
    const dotted = path.join(".");
    const kind = ALLOY_CHART_PATHS[dotted];
    if (kind === undefined) {
      const suggestion = suggestChartPath(path);
      problems.push({
        path,
        message:
          `expected a value path the grafana/alloy ${ALLOY_CHART_VERSION} chart reads; it does not read "${dotted}", so Helm would silently ignore it.` +
          (suggestion ? ` Did you mean "${suggestion}"?` : ""),
      });
      return;
    }
    if (!EXPECTED[kind].test(value)) {
      problems.push({ path, message: `expected ${EXPECTED[kind].text} at chart value "${dotted}"` });
      return;
    }
    if (kind === "object") {
      for (const [key, child] of Object.entries(value as Plain)) visit(child, [...path, key]);
      return;
    }
    // A free-form map's entries are separate settings: unless the program owns
    // the whole map, only an entry it sets is refused.
    const ownsAll = owned.some((o) => isPrefix(o.path, path));
    const leaves = kind === "map" && isPlainObject(value) && !ownsAll ? Object.keys(value).map((key) => [...path, key]) : [path];
    for (const leaf of leaves) {
      const owner = conflict(leaf);
      if (owner) {
        problems.push({ path: leaf, message: `expected no override of chart value "${owner.path.join(".")}": ${owner.reason}` });
      }
    }
  };

  for (const [key, value] of Object.entries(overrides)) visit(value, [key]);
  return problems;
}

function deepMerge(base: Plain, extra: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as Plain, value) : value;
  }
  return out;
}

/**
 * Merges already-checked overrides over the program's values, the way Helm
 * merges a later values file: maps merge key by key, anything else replaces.
 */
export function mergeChartOverrides(values: AlloyChartValues, overrides: Plain): AlloyChartValues {
  return deepMerge(values as Plain, overrides) as AlloyChartValues;
}
