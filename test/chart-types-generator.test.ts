/**
 * scripts/generate-chart-types.ts on small hand-made charts: what it makes of
 * Chart.yaml, and what it says about keys it cannot type. (On the real chart it
 * is checked by test/chart-render.test.ts, "the chart source".) The generator's command line,
 * scripts/generate-chart-types.ts, is run for real in test/process/chart-types-generator.test.ts.
 */
import assert from "node:assert/strict";
import { chartMeta, generateChartTypes, GeneratorError } from "../config/chart/types-generator";

const CHART_YAML = "apiVersion: v2\nname: alloy\nversion: 9.8.7\nappVersion: 'v1.2.3'\n";

describe("chart types generator (scripts/generate-chart-types.ts)", () => {
  it("writes the chart version and appVersion from Chart.yaml", () => {
    const { source } = generateChartTypes("crds:\n  create: true\n", chartMeta(CHART_YAML, "Chart.yaml"));
    assert.match(source, /^export const ALLOY_CHART_VERSION = "9\.8\.7";$/m);
    assert.match(source, /^export const ALLOY_APP_VERSION = "v1\.2\.3";$/m);
  });

  it("lists every key it cannot type, with a HINTS line to start from", () => {
    assert.throws(
      () => generateChartTypes("a: 1\nnewList: []\nnested:\n  newMap: {}\n  newNull: null\n", chartMeta(CHART_YAML, "Chart.yaml")),
      (error: unknown) =>
        error instanceof GeneratorError &&
        error.message ===
          [
            "values.yaml of grafana/alloy 9.8.7: cannot infer the type of 3 keys from the default, so nothing was written:",
            "  newList (default [])",
            "  nested.newMap (default {})",
            "  nested.newNull (default null)",
            "Read what the chart's templates do with each, then declare it in HINTS in config/chart/types-generator.ts",
            "(docs/runbook.md, Upgrading the chart version), for example:",
            '  "newList": { ts: "<element type>[]", kind: "list" },',
            '  "nested.newMap": { ts: "<type>", kind: "map" },',
            '  "nested.newNull": { ts: "<type> | null", kind: "<kind>?" },',
          ].join("\n"),
    );
  });
});
