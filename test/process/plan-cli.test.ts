/**
 * `npm run plan` as a person runs it: a separate node process, which runs the program on the CLI's path.
 * In the real-tool tier (npm run test:real): each run is a node process loading the SDKs, seconds on a
 * 2-core machine; what the plan writes is checked in-process in the fast tier (test/stacks.test.ts,
 * test/component.test.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { editedOpsFile } from "../support/stack-edits";
import { GOLDEN_DIR, ROOT } from "../support/stacks";
import { ALLOY_CHART_VERSION } from "../../config/chart/alloy-values.generated";

function plan(...args: string[]) {
  return run(ROOT, "scripts/plan.ts", ...args);
}

function run(root: string, script: string, ...args: string[]) {
  return spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", script, ...args], { cwd: root, encoding: "utf8" });
}

/**
 * The project with Pulumi.ops.yaml as given, in .cache/ (so node_modules resolves as for the project):
 * scripts/ copied, since node runs a linked main module from where the link points; the rest linked.
 */
function projectWithOpsFile(name: string, opsFile: string): string {
  const dir = path.join(ROOT, ".cache", "plan-cli-test", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if ([".git", ".cache", "scripts", "Pulumi.ops.yaml"].includes(entry)) continue;
    symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  }
  cpSync(path.join(ROOT, "scripts"), path.join(dir, "scripts"), { recursive: true });
  writeFileSync(path.join(dir, "Pulumi.ops.yaml"), opsFile);
  return dir;
}

const CIPHERTEXT = "AAABAKjzBQnMfIHkgHUhZQ9f0EJVnOGGvnHXEHtfBMwHu4Hc9ZK5lQ==";

describe("npm run plan", () => {
  let out: string;
  before(() => {
    out = mkdtempSync(path.join(tmpdir(), "plan-"));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it("prints the resources and writes values.yaml, config.alloy and resources.json equal to what is deployed", () => {
    const result = plan("--stack", "ops", "--out", out);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, "");
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
    for (const file of ["events-values.yaml", "events-config.alloy"]) {
      assert.equal(readFileSync(path.join(out, file), "utf8"), readFileSync(path.join(GOLDEN_DIR, "ops", file), "utf8"), file);
    }
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

  it("prints the program's warning about a whole-key secret, as pulumi preview does, and plans without credentials", () => {
    const root = projectWithOpsFile("whole-key-secret", editedOpsFile({ lokiAuth: `{secure: ${CIPHERTEXT}}` }));
    const secretOut = path.join(root, "out");
    const result = run(root, "scripts/plan.ts", "--stack", "ops", "--out", secretOut);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(
      result.stderr,
      "warning: alloy-logs:lokiAuth is a secret encrypted as a whole, which only the Pulumi engine can decrypt: this plan is made without Loki credentials. " +
        "Set the type in plain text and each credential as a secret to see it planned: pulumi config set --path alloy-logs:lokiAuth.type basic; " +
        "pulumi config set --secret --path alloy-logs:lokiAuth.password <value>\n",
    );
    const files = ["values.yaml", "config.alloy", "resources.json"].map((f) => readFileSync(path.join(secretOut, f), "utf8"));
    for (const text of [result.stdout, result.stderr, ...files]) assert.equal(text.includes(CIPHERTEXT), false);
    assert.equal(files[1], readFileSync(path.join(GOLDEN_DIR, "ops", "config.alloy"), "utf8"), "config.alloy has no auth block");
  });

  it("fails with usage when --stack is missing", () => {
    const result = plan();
    assert.equal(result.status, 2);
    assert.equal(result.stderr, "usage: npm run plan -- --stack <name> [--out <dir>]\n");
  });

  it("refuses a misspelt option with usage, no stack trace", () => {
    const result = plan("--stak", "ops");
    assert.equal(result.status, 2);
    assert.equal(result.stderr, "unknown option --stak; did you mean --stack?\nusage: npm run plan -- --stack <name> [--out <dir>]\n");
  });

  it("refuses --out without a directory with usage, no stack trace", () => {
    const result = plan("--stack", "ops", "--out");
    assert.equal(result.status, 2);
    assert.equal(result.stderr, "--out needs a value\nusage: npm run plan -- --stack <name> [--out <dir>]\n");
  });

  it("refuses a stray argument with usage", () => {
    const result = plan("ops");
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr,
      'unexpected argument "ops"; expected --stack or --out\nusage: npm run plan -- --stack <name> [--out <dir>]\n',
    );
  });
});

describe("npm run golden:update", () => {
  it("refuses an unknown option and rewrites nothing", () => {
    const root = projectWithOpsFile("golden-bogus", readFileSync(path.join(ROOT, "Pulumi.ops.yaml"), "utf8"));
    // test/ is linked: a rewrite would land in the real golden files, so they are compared after.
    const before = readFileSync(path.join(GOLDEN_DIR, "ops", "config.alloy"), "utf8");
    const result = run(root, "scripts/update-golden.ts", "--bogus");
    assert.equal(result.status, 2);
    assert.equal(result.stderr, "unknown option --bogus; expected no options\nusage: npm run golden:update\n");
    assert.equal(result.stdout, "");
    assert.equal(readFileSync(path.join(GOLDEN_DIR, "ops", "config.alloy"), "utf8"), before);
  });
});
