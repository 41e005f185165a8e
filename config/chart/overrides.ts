/**
 * Run-time checks for chart values that come from stack config
 * (`chartOverrides`). The chart ships no values schema and Helm drops unknown
 * keys silently, so every path is checked against the paths values.yaml
 * declares (ALLOY_CHART_PATHS), and an unknown one is reported with the
 * nearest real path: `tolerations` -> `controller.tolerations`.
 */
import { editDistance, nearest } from "../../lib/nearest";
import { ALLOY_CHART_PATHS, ALLOY_CHART_VERSION, type ChartValueKind } from "./alloy-values.generated";

export interface OverrideProblem {
  /** Path inside chartOverrides, one element per key. */
  path: string[];
  /** Completes "got <value>; …". */
  message: string;
  /** What to show for the value, when showing the value itself is not safe (too deep or too large). */
  shown?: string;
}

/**
 * A value the program sets or relies on. `argument` narrows a list of command
 * line arguments (alloy.extraArgs) to the entries that set that flag.
 */
export interface OwnedPath {
  path: readonly string[];
  reason: string;
  argument?: string;
}

type Plain = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Plain {
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
  "intOrString?": {
    test: (v) => v === null || typeof v === "number" || typeof v === "string",
    text: "a number, a percentage string or null",
  },
};

const ALL_PATHS = Object.keys(ALLOY_CHART_PATHS);

/** The kind of a chart path; own keys only, so `constructor` or `toString` is just an unknown path. */
function kindOf(dotted: string): ChartValueKind | undefined {
  return Object.hasOwn(ALLOY_CHART_PATHS, dotted) ? ALLOY_CHART_PATHS[dotted] : undefined;
}

/** Top-level keys the chart renamed: `agent` is the grafana-agent chart's name for `alloy`. */
const RENAMED: Record<string, string> = { agent: "alloy" };

/**
 * Bounds on what chartOverrides may hold, so that no input can exhaust the
 * stack or the time of the check (or of anything that prints the values
 * later). The chart's deepest real values (an affinity term, an extra
 * container's env) need about 10 levels.
 */
export const OVERRIDE_LIMITS = { depth: 32, values: 10_000, problems: 20, keyLength: 100 } as const;

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
  // Edit distances cost the product of the lengths: a long key is no typo of a chart key.
  if (path.some((part) => part.length > OVERRIDE_LIMITS.keyLength)) return undefined;
  if (path.length === 1 && Object.hasOwn(RENAMED, key)) return RENAMED[key];
  const siblings = kindOf(parent) === "object" || parent === "" ? childrenOf(parent) : [];
  const sibling =
    nearest(key, siblings) ??
    siblings.find((s) => s.toLowerCase().includes(key.toLowerCase()) || key.toLowerCase().includes(s.toLowerCase()));
  if (sibling) return parent === "" ? sibling : `${parent}.${sibling}`;
  const full = path.join(".");
  const sameKey = ALL_PATHS.filter((p) => p.split(".").pop()!.toLowerCase() === key.toLowerCase());
  if (sameKey.length > 0) return sameKey.reduce((a, b) => (editDistance(full, b) < editDistance(full, a) ? b : a));
  return nearest(full, ALL_PATHS);
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}

function shorten(part: string): string {
  return part.length > OVERRIDE_LIMITS.keyLength ? `${part.slice(0, 40)}...(${part.length} characters)` : part;
}

/** A path as it reads in a message, with an over-long key shortened. */
function dottedForMessage(path: readonly string[]): string {
  return path.map(shorten).join(".");
}

/**
 * Walks the whole input without recursion and stops at the first value nested
 * deeper than the limit, when there are more values than the limit, or at a
 * `__proto__` key, which no chart value and no Kubernetes field or label has.
 */
function shapeProblem(overrides: Plain): OverrideProblem | undefined {
  const stack: [unknown, string[]][] = Object.entries(overrides).map(([key, value]) => [value, [key]]);
  let count = 0;
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    count += 1;
    if (count > OVERRIDE_LIMITS.values) {
      return {
        path: [],
        message: `expected at most ${OVERRIDE_LIMITS.values} keys and list items in chartOverrides; a larger change to the chart belongs in the program`,
        shown: `more than ${OVERRIDE_LIMITS.values} values`,
      };
    }
    if (path[path.length - 1] === "__proto__") {
      return { path, message: "expected no __proto__ key: no chart value, Kubernetes field, label or annotation is named so" };
    }
    if (typeof value !== "object" || value === null) continue;
    if (path.length >= OVERRIDE_LIMITS.depth) {
      return {
        path,
        message: `expected at most ${OVERRIDE_LIMITS.depth} levels of nesting in chartOverrides; no value of the chart is nested that deep`,
        shown: "a value nested deeper still",
      };
    }
    const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
    for (const [key, child] of entries) stack.push([child, [...path, key]]);
  }
  return undefined;
}

/** The owned argument an alloy.extraArgs entry sets, if any: `--storage.path=/x` and `--storage.path` both set storage.path. */
function argumentOwner(value: unknown, path: readonly string[], owned: readonly OwnedPath[]): OwnedPath | undefined {
  if (typeof value !== "string") return undefined;
  const flag = /^--?([^=\s]+)/.exec(value.trim())?.[1];
  return owned.find((o) => o.argument !== undefined && o.argument === flag && isPrefix(o.path, path) && o.path.length === path.length);
}

/**
 * Every problem with the overrides: unknown paths, values of the wrong kind,
 * and paths the program sets itself (`owned`, with the reason to show).
 * Reports at most OVERRIDE_LIMITS.problems of them.
 */
export function checkChartOverrides(overrides: Plain, owned: readonly OwnedPath[]): OverrideProblem[] {
  const shape = shapeProblem(overrides);
  if (shape) return [shape];
  const problems: OverrideProblem[] = [];
  const byPath = owned.filter((o) => o.argument === undefined);
  const conflict = (path: string[]) => byPath.find((o) => isPrefix(o.path, path) || isPrefix(path, o.path));
  const full = () => problems.length >= OVERRIDE_LIMITS.problems;

  const visit = (value: unknown, path: string[]) => {
    if (full()) return;
    const dotted = path.join(".");
    const kind = kindOf(dotted);
    if (kind === undefined) {
      const suggestion = suggestChartPath(path);
      const long = path.some((part) => part.length > OVERRIDE_LIMITS.keyLength);
      problems.push({
        // An over-long key is shortened in the stack key that names the problem, too.
        ...(long ? { path: path.map(shorten), shown: "a value under that key" } : { path }),
        message:
          `expected a value path the grafana/alloy ${ALLOY_CHART_VERSION} chart reads; it does not read "${dottedForMessage(path)}", so Helm would silently ignore it.` +
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
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        const owner = argumentOwner(item, path, owned);
        if (owner && !full()) {
          problems.push({
            path: [...path, String(i)],
            message: `expected no ${JSON.stringify(`--${owner.argument}`)} in chart value "${dotted}": ${owner.reason}`,
          });
        }
      }
    }
    // A free-form map's entries are separate settings: unless the program owns
    // the whole map, only an entry it sets is refused.
    const ownsAll = byPath.some((o) => isPrefix(o.path, path));
    const leaves = kind === "map" && isPlainObject(value) && !ownsAll ? Object.keys(value).map((key) => [...path, key]) : [path];
    for (const leaf of leaves) {
      const owner = conflict(leaf);
      if (owner && !full()) {
        problems.push({ path: leaf, message: `expected no override of chart value "${dottedForMessage(owner.path)}": ${owner.reason}` });
      }
    }
  };

  for (const [key, value] of Object.entries(overrides)) visit(value, [key]);
  return problems;
}
