/**
 * The policy pack started as the Pulumi CLI starts it (node run-policy-pack, test/support/policy-pack.ts) and
 * asked over the Analyzer gRPC API. In the real-tool tier (npm run test:real): each start is a node process
 * loading @pulumi/policy and the pack, seconds on a 2-core machine; the checks themselves run in-process in
 * test/policy.test.ts, in the fast tier.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { chartChild, POLICY_DIR, RunningPolicyPack, urnOf } from "../support/policy-pack";
import { CHART_FIX, goodDaemonSet, goodServiceMonitor } from "../support/policy-objects";
import { ROOT } from "../support/stacks";

describe("how the Pulumi CLI starts the policy pack (policy/PulumiPolicy.yaml, policy/main.js), started for real", () => {
  it("loads the pack with the project's loader, not ts-node's type-check: a pack with a type error still serves", async function () {
    this.timeout(60_000);
    // A copy of the pack's loading files beside the project's loader and node_modules, with an index.ts
    // that is valid JavaScript once its types are stripped but fails ts-node's type-check (TS2322).
    const root = mkdtempSync(path.join(tmpdir(), "policy-probe-"));
    const pack = path.join(root, "policy");
    try {
      mkdirSync(pack);
      mkdirSync(path.join(root, "scripts"));
      for (const file of ["PulumiPolicy.yaml", "package.json", "main.js"]) copyFileSync(path.join(POLICY_DIR, file), path.join(pack, file));
      copyFileSync(path.join(ROOT, "scripts", "register-ts.js"), path.join(root, "scripts", "register-ts.js"));
      symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
      writeFileSync(
        path.join(pack, "index.ts"),
        'import { PolicyPack } from "@pulumi/policy";\nconst notANumber: number = "type error";\n' +
          'new PolicyPack("probe", { policies: [{ name: notANumber.toString(), description: "d", enforcementLevel: "advisory", validateResource: () => undefined }] });\n',
      );
      const probe = await RunningPolicyPack.start(50_000, pack);
      probe.stop();
      assert.doesNotMatch(probe.stderr(), /TS2322/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("the policy pack run as the Pulumi CLI runs it (run-policy-pack, Analyzer gRPC)", function () {
  let pack: RunningPolicyPack;

  before(async function () {
    this.timeout(120_000);
    pack = await RunningPolicyPack.start(110_000);
  });

  after(() => pack?.stop());

  it("reports a DaemonSet without tolerations as a mandatory violation naming the stack key", async function () {
    this.timeout(30_000);
    const ds = goodDaemonSet();
    delete (ds.spec.template.spec as { tolerations?: unknown }).tolerations;
    assert.deepEqual(await pack.analyze(chartChild("ops", ds)), [
      {
        policy: "collector-tolerates-every-taint",
        enforcementLevel: 1,
        // @pulumi/policy puts the policy's description before the violation.
        message:
          "The collector DaemonSet tolerates every taint ({operator: Exists}), so it runs on every node.\n" +
          "DaemonSet loki-v3/alloy has no toleration for all taints: got tolerations nothing; " +
          'expected one {"operator":"Exists"}, or the collector stays off every tainted node (the seed incident); fix: ' +
          CHART_FIX("controller.tolerations"),
      },
    ]);
  });

  it("passes the DaemonSet and ServiceMonitor as the chart renders them for ops", async function () {
    this.timeout(30_000);
    assert.deepEqual(await pack.analyze(chartChild("ops", goodDaemonSet())), []);
    assert.deepEqual(await pack.analyze(chartChild("ops", goodServiceMonitor())), []);
  });

  it("reports a value unknown during preview as advisory, as @pulumi/policy does, and checks the rest", async function () {
    this.timeout(30_000);
    const ds = goodDaemonSet();
    // The engine's sentinel for a value not known until the update (sdk/nodejs/runtime/rpc.ts).
    ds.spec.template.spec.tolerations = "04da6b54-80e4-46f7-96ec-b56ff0331ba9" as never;
    assert.deepEqual(await pack.analyze(chartChild("ops", ds)), [
      {
        policy: "collector-tolerates-every-taint",
        enforcementLevel: 0,
        message:
          "can't run policy 'collector-tolerates-every-taint' from policy pack 'alloy-logs@v0.1.0' during preview: " +
          "string value at .spec.template.spec.tolerations can't be known during preview",
      },
    ]);
  });

  it("checks the whole stack at the end: a stack without the collector DaemonSet fails", async function () {
    this.timeout(30_000);
    const other = {
      type: "kubernetes:core/v1:ConfigMap",
      name: "x",
      urn: urnOf("ops", "kubernetes:core/v1:ConfigMap", "x"),
      properties: {},
    };
    const found = await pack.analyzeStack([other, chartChild("ops", goodServiceMonitor())]);
    assert.deepEqual(
      found.map((d) => [d.policy, d.enforcementLevel, d.message.split("\n")[1].split(";")[0]]),
      [["collector-release-complete", 1, "the stack renders 0 DaemonSet loki-v3/alloy (DaemonSets: none)"]],
    );
  });

  it("reports a stack it has no stack file for as a violation, with the loader's message", async function () {
    this.timeout(30_000);
    assert.deepEqual(
      (await pack.analyze(chartChild("no-such-stack", goodDaemonSet()))).map((d) => d.message.split("\n")[1]),
      // The pack runs in policy/, as the CLI starts it: the loader names the file relative to it.
      Array(6).fill(
        'the policy pack cannot read what the stack expects: No stack file ../Pulumi.no-such-stack.yaml: is "no-such-stack" a stack of this project?',
      ),
    );
  });
});
