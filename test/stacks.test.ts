/**
 * One test per Pulumi.<stack>.yaml: the real file, through the real program,
 * under the Pulumi engine's mocks. What each stack deploys must equal its
 * reviewed golden files (regenerate with `npm run golden:update`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { alloyConfig, chartValues, valuesYaml } from "../plan/output";
import { runPlan, type PlanResult } from "../plan/run";
import { readStackFile } from "../config/stack-file";
import { checkAlloyConfig } from "./support/alloy-components";
import { parseAlloy } from "./support/alloy-syntax";
import { GOLDEN_DIR, ROOT, stackNames } from "./support/stacks";

const EXPECTED_TENANTS: Record<string, string> = { ops: "ops", dev: "dev", prod: "prod" };

describe("stack files", () => {
  it("are exactly ops, dev and prod", () => {
    assert.deepEqual(stackNames(), ["dev", "ops", "prod"]);
  });

  it("use a different tenant each", () => {
    const tenants = stackNames().map((s) => readStackFile(ROOT, s).config["alloy-logs:tenantId"]);
    assert.equal(new Set(tenants).size, tenants.length);
  });

  for (const stack of ["ops", "dev", "prod"]) {
    describe(`Pulumi.${stack}.yaml`, () => {
      let plan: PlanResult;
      before(async () => {
        plan = await runPlan(stack, readStackFile(ROOT, stack));
      });

      it(`deploys tenant ${EXPECTED_TENANTS[stack]} and exports it`, () => {
        assert.equal(plan.outputs.tenantId, EXPECTED_TENANTS[stack]);
        assert.match(alloyConfig(plan), new RegExp(`\n    tenant_id +\\= "${EXPECTED_TENANTS[stack]}"\n`));
      });

      it("reaches its EKS cluster by name through an explicit provider whose kubeconfig runs aws eks get-token", () => {
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:kubernetes");
        const kubeconfig = JSON.parse(String(provider?.inputs.kubeconfig));
        assert.deepEqual(kubeconfig.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", `buzzvil-eks-${stack}`, "--region", "ap-northeast-1"]);
        assert.equal(kubeconfig.clusters[0].cluster.server, `https://buzzvil-eks-${stack}.eks.ap-northeast-1.amazonaws.com.offline-plan`);
        for (const r of plan.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
          assert.equal(r.options.provider, "pulumi:providers:kubernetes::alloy-logs-cluster", `${r.type} ${r.name}`);
        }
      });

      it("generates an Alloy config that uses only real Alloy v1.11.3 components and arguments", () => {
        assert.deepEqual(checkAlloyConfig(parseAlloy(alloyConfig(plan))), []);
      });

      it("matches its golden config.alloy", () => {
        assert.equal(alloyConfig(plan), readFileSync(path.join(GOLDEN_DIR, stack, "config.alloy"), "utf8"), "run `npm run golden:update` and review the diff");
      });

      it("matches its golden values.yaml", () => {
        assert.equal(valuesYaml(plan), readFileSync(path.join(GOLDEN_DIR, stack, "values.yaml"), "utf8"), "run `npm run golden:update` and review the diff");
      });

      it("writes a values.yaml that parses back to the exact values given to the chart", () => {
        assert.deepEqual(parse(valuesYaml(plan)), chartValues(plan));
      });
    });
  }

  it("ops only reads the existing loki-v3 namespace; dev and prod create and retain it", async () => {
    for (const stack of ["ops", "dev", "prod"]) {
      const plan = await runPlan(stack, readStackFile(ROOT, stack));
      const ns = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace");
      const expected = stack === "ops" ? { read: true, retainOnDelete: undefined } : { read: false, retainOnDelete: true };
      assert.deepEqual({ read: ns?.read, retainOnDelete: ns?.options.retainOnDelete }, expected, stack);
    }
  });
});
