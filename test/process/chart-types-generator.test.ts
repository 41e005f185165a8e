/**
 * scripts/generate-chart-types.ts (npm run generate:chart-types) run for real on small hand-made charts:
 * its exit codes, messages and output file. In the real-tool tier (npm run test:real): each case is a
 * node process; what the generator makes of a chart is checked in-process in
 * test/chart-types-generator.test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "../support/stacks";

const CHART_YAML = "apiVersion: v2\nname: alloy\nversion: 9.8.7\nappVersion: 'v1.2.3'\n";

describe("chart types generator (scripts/generate-chart-types.ts), run as npm run generate:chart-types", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "chart-types-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the generator as `npm run generate:chart-types` does, writing to a scratch file. */
  function run(values: string, chart = CHART_YAML) {
    writeFileSync(path.join(dir, "Chart.yaml"), chart);
    writeFileSync(path.join(dir, "values.yaml"), values);
    const out = path.join(dir, "out.ts");
    const result = spawnSync(
      process.execPath,
      ["--require", "./scripts/register-ts.js", "scripts/generate-chart-types.ts", dir, "--out", out],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    return { ...result, out };
  }

  it("prints that list and exits 1 without a stack trace or an output file", () => {
    const result = run("newList: []\n");
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr.split("\n")[0],
      "values.yaml of grafana/alloy 9.8.7: cannot infer the type of 1 key from the default, so nothing was written:",
    );
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.equal(existsSync(result.out), false);
  });

  it("uses the type declared in HINTS for a key whose default says nothing (alloy.command from chart 1.11)", () => {
    const result = run("alloy:\n  command: []\n");
    assert.equal(result.status, 0, result.stderr);
    assert.match(readFileSync(result.out, "utf8"), /^ {4}command\?: string\[\];$/m);
  });

  it("refuses a Chart.yaml of another chart", () => {
    const result = run("a: 1\n", "apiVersion: v2\nname: grafana-agent\nversion: 0.1.0\nappVersion: v0.1.0\n");
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr.trim(),
      `${path.join(dir, "Chart.yaml")}: expected the grafana/alloy chart (name: alloy), got name "grafana-agent"`,
    );
  });

  it("explains a directory that is not a chart", () => {
    const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/generate-chart-types.ts", dir], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr.split("\n")[0],
      `${path.join(dir, "Chart.yaml")} does not exist; expected the chart directory, e.g. the alloy/ of helm pull grafana/alloy --untar`,
    );
  });
});
