/** Positions in generated text, so tests name a line by its content rather than by its number. */
import assert from "node:assert/strict";

/** 1-based line of the first occurrence of `needle` in `source`. */
export function lineOf(source: string, needle: string): number {
  const index = source.indexOf(needle);
  assert.ok(index >= 0, `source does not contain ${JSON.stringify(needle)}`);
  return source.slice(0, index).split("\n").length;
}
