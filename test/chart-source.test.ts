import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { CHART_NAME, chartSource } from "../chart/source";
import { ROOT } from "../plan/cli-path";

describe("chart source (chartRepository)", () => {
  it("gives an HTTP(S) repository as repositoryOpts.repo beside the chart's name", () => {
    assert.deepEqual(chartSource("http://127.0.0.1:8879/charts"), {
      chart: "alloy",
      repositoryOpts: { repo: "http://127.0.0.1:8879/charts" },
    });
  });

  it("names the chart inside an oci:// registry path, with no repositoryOpts", () => {
    assert.deepEqual(chartSource("oci://registry.example.com/charts"), { chart: "oci://registry.example.com/charts/alloy" });
  });

  it("drops a trailing slash of an oci:// path rather than doubling it", () => {
    assert.deepEqual(chartSource("oci://registry.example.com/charts/"), { chart: "oci://registry.example.com/charts/alloy" });
  });
});

describe("the project directory and the chart's name", () => {
  // Helm's LocateChart (helm.sh/helm/v3 pkg/action/install.go) first tries the chart's name as a
  // path relative to the working directory, which for the Kubernetes provider is the program's.
  // A folder named like the chart made the real provider load it ("Chart.yaml file is missing").
  it("holds no file or folder named like the chart, which Helm would load in its place", () => {
    assert.equal(existsSync(path.join(ROOT, CHART_NAME)), false);
  });
});
