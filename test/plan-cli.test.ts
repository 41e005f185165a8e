/** `npm run plan` as a person runs it: a separate node process, which runs the program on the CLI's path. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { resourcesJson, SECRET_TEXT } from "../plan/output";
import { SecretValue, type PlanResult } from "../plan/resources";
import { GOLDEN_DIR, ROOT } from "./support/stacks";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";

function plan(...args: string[]) {
  return spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/plan.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

describe("npm run plan", () => {
  let out: string;
  before(() => {
    out = mkdtempSync(path.join(tmpdir(), "plan-"));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it("prints the resources and writes values.yaml, config.alloy and resources.json equal to what is deployed", () => {
    const result = plan("--stack", "ops", "--out", out);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Plan for stack "ops" from Pulumi\.ops\.yaml: run as `pulumi preview` runs it, against an offline stand-in for the engine; nothing was deployed\./,
    );
    const chartLine = new RegExp(
      String.raw`\+ kubernetes:helm\.sh/v4:Chart +alloy-logs-chart +alloy ${ALLOY_CHART_VERSION.replace(/\./g, "\\.")} from https://grafana\.github\.io/helm-charts into namespace loki-v3`,
    );
    assert.match(result.stdout, chartLine);
    assert.match(
      result.stdout,
      /\+ pulumi:providers:kubernetes +alloy-logs-cluster +kubeconfig from the EKS API; token: aws eks get-token --cluster-name buzzvil-eks-ops --region ap-northeast-1/,
    );
    assert.match(
      result.stdout,
      /= kubernetes:core\/v1:Namespace +alloy-logs-namespace +read only: must already exist; never modified or deleted/,
    );
    assert.match(result.stdout, /controller\.tolerations +\[\{"operator":"Exists"\}\]/);
    assert.equal(readFileSync(path.join(out, "config.alloy"), "utf8"), readFileSync(path.join(GOLDEN_DIR, "ops", "config.alloy"), "utf8"));
    assert.equal(readFileSync(path.join(out, "values.yaml"), "utf8"), readFileSync(path.join(GOLDEN_DIR, "ops", "values.yaml"), "utf8"));
    assert.equal(
      readFileSync(path.join(out, "resources.json"), "utf8"),
      readFileSync(path.join(GOLDEN_DIR, "ops", "resources.json"), "utf8"),
    );
    assert.match(
      result.stdout,
      /\+ kubernetes:monitoring\.coreos\.com\/v1:PrometheusRule +alloy-logs-alerts +\d+ alerts; labels release=kube-prometheus-stack/,
    );
    assert.match(
      result.stdout,
      /\+ kubernetes:core\/v1:ConfigMap +alloy-logs-dashboard +dashboard alloy-log-pipeline\.json; labels grafana_dashboard=1/,
    );
    assert.match(result.stdout, /serviceMonitor\.additionalLabels\.release +"kube-prometheus-stack"/);
  });

  it("fails with a readable message for a stack that has no file", () => {
    // Not a plausible next cluster (staging, qa): adding one must not break this test.
    const result = plan("--stack", "no-such-stack");
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim(), 'No stack file Pulumi.no-such-stack.yaml: is "no-such-stack" a stack of this project?');
  });

  it("fails with usage when --stack is missing", () => {
    const result = plan();
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim(), "usage: npm run plan -- --stack <name> [--out <dir>]");
  });
});

describe("resources.json", () => {
  it("redacts secret inputs", () => {
    const plan: PlanResult = {
      stack: "t",
      outputs: {},
      resources: [{ type: "t:m:R", name: "r", read: false, options: {}, inputs: { password: new SecretValue("hunter2"), user: "u" } }],
    };
    const text = resourcesJson(plan);
    assert.equal(text.includes("hunter2"), false);
    assert.deepEqual((JSON.parse(text) as { inputs: unknown }[])[0].inputs, { password: SECRET_TEXT, user: "u" });
  });
});
