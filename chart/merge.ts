/**
 * Merges the stack's `chartOverrides`, already checked against the chart
 * (config/chart/overrides.ts), over the values the program builds.
 */
import type { AlloyChartValues } from "../config/chart/alloy-values.generated";
import { isPlainObject } from "../config/chart/overrides";

type Plain = Record<string, unknown>;

/** Sets a key as an own property: a key `__proto__` stays data and never replaces the prototype. */
function define(target: Plain, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function deepMerge(base: Plain, extra: Plain): Plain {
  const out: Plain = {};
  for (const [key, value] of Object.entries(base)) define(out, key, value);
  for (const [key, value] of Object.entries(extra)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    define(out, key, isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value);
  }
  return out;
}

/**
 * Merges already-checked overrides over the program's values, the way Helm
 * merges a later values file: maps merge key by key, anything else replaces.
 */
export function mergeChartOverrides(values: AlloyChartValues, overrides: Plain): AlloyChartValues {
  return deepMerge(values, overrides);
}
