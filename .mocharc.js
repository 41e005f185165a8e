// The fast tier (npm run test:fast). REQUIRE_RENDER=1 (the GitHub test workflow) makes any
// skipped test a failure, the chart render tests first.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

// Parallel workers take files in this order: the longest first (mocha's JSON reporter, npm run bench), so
// that the last file to start is a short one and both workers end together. The rest follow by name.
// Serial wall time per file, 7 December at load 8: component 5.9 s, chart-values 3.8 s (its mutants' program),
// chart-render 3.6 s (helm), alerts 2.9 s (promtool), stack-edits 2.5 s, verify 2.3 s, policy-render 2.0 s (helm),
// layers 1.3 s; every other file under 0.7 s.
const LONGEST_FIRST = [
  "test/component.test.ts",
  "test/chart-values.test.ts",
  "test/chart-render.test.ts",
  "test/alerts.test.ts",
  "test/stack-edits.test.ts",
  "test/verify.test.ts",
  "test/policy-render.test.ts",
  "test/layers.test.ts",
];
const all = fs
  .readdirSync(path.join(__dirname, "test"))
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => `test/${f}`)
  .sort();

module.exports = {
  // The loader; every .ts file compiled once before the workers start (scripts/mocha-precompile.ts); the SDK's
  // bookkeeping stacks left unmapped (test/support/sdk-stacks.ts says why).
  require: ["./scripts/register-ts.js", "./scripts/mocha-precompile.ts", "./test/support/sdk-stacks.ts"],
  spec: [...LONGEST_FIRST.filter((f) => all.includes(f)), ...all.filter((f) => !LONGEST_FIRST.includes(f))],
  extension: ["ts"],
  timeout: 10000,
  // One worker per core (mocha's default is cores - 1: one, here), when mocha runs alone: npm run test:fast runs it
  // in one process (--no-parallel), beside its other steps, which keep the second core busy.
  parallel: true,
  jobs: 2,
  // A test slower than this is printed with its time (the spec reporter), and listed by npm run bench.
  slow: 1000,
  "forbid-pending": process.env.REQUIRE_RENDER === "1",
};
