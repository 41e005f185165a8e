/**
 * One test per Pulumi.<stack>.yaml, for every stack file present (a new one too): the real file, through the real
 * program, under the Pulumi engine's mocks. What each stack deploys must equal its reviewed golden files
 * (regenerate with `npm run golden:update`). Expected values are read from the stack file itself, never retyped,
 * so a new stack needs no edit here.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { readStackFile } from "../config/stack-file";
import { ciStacks, deployOrder } from "../verify/ci-stacks";
import { alloyConfig, chartValues, eventsAlloyConfig, eventsValuesYaml, valuesYaml } from "../plan/output";
import { type PlanResult } from "../plan/run";
import { planOnce } from "./support/plans";
import { checkAlloyConfig } from "./support/alloy-components";
import { parseAlloy } from "./support/alloy-syntax";
import { goldenFile, goldenStacks, ROOT, stackNames, stacksInDeployOrder } from "./support/stacks";

/** A key of a stack file as written there (objects parsed back from the JSON readStackFile gives). */
function fileValue<T>(stack: string, key: string): T | undefined {
  const raw = readStackFile(ROOT, stack).config[`alloy-logs:${key}`];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return raw as T;
  }
}

describe("stack files", () => {
  it("include the seed's three clusters, ops, dev and prod", () => {
    for (const stack of ["ops", "dev", "prod"]) assert.ok(stackNames().includes(stack), `Pulumi.${stack}.yaml`);
  });

  it("use a different tenant each", () => {
    const tenants = stackNames().map((s) => readStackFile(ROOT, s).config["alloy-logs:tenantId"]);
    assert.equal(new Set(tenants).size, tenants.length);
  });

  it("each have golden files, and every golden directory belongs to a stack file", () => {
    assert.deepEqual(goldenStacks(), stackNames(), "run `npm run golden:update` (and delete test/golden/<stack>/ of a removed stack)");
  });

  for (const stack of stacksInDeployOrder()) {
    describe(`Pulumi.${stack}.yaml`, () => {
      let plan: PlanResult;
      before(async () => {
        plan = await planOnce(stack, readStackFile(ROOT, stack));
      });

      it("deploys the tenant its stack file names, and exports it", () => {
        const tenant = fileValue<string>(stack, "tenantId")!;
        assert.equal(plan.outputs.tenantId, tenant);
        const escaped = tenant.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        assert.match(alloyConfig(plan), new RegExp(`\n    tenant_id +\\= "${escaped}"\n`));
      });

      it("reaches the EKS cluster its stack file names through an explicit provider whose kubeconfig runs aws eks get-token", () => {
        const eks = fileValue<{ name: string; region: string }>(stack, "eks");
        assert.ok(eks, `Pulumi.${stack}.yaml sets alloy-logs:eks {name, region}`);
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:kubernetes");
        const kubeconfig = JSON.parse(String(provider?.inputs.kubeconfig)) as {
          users: { user: { exec: { args: string[] } } }[];
          clusters: { cluster: { server: string } }[];
        };
        assert.deepEqual(kubeconfig.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", eks.name, "--region", eks.region]);
        assert.equal(kubeconfig.clusters[0].cluster.server, `https://${eks.name}.eks.${eks.region}.amazonaws.com.offline-plan`);
        for (const r of plan.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
          assert.equal(r.options.provider, "pulumi:providers:kubernetes::alloy-logs-cluster", `${r.type} ${r.name}`);
        }
      });

      it("only reads its namespace with createNamespace: false, and creates and retains it with true", () => {
        const create = fileValue<boolean>(stack, "createNamespace") ?? false;
        const ns = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace");
        const expected = create ? { read: false, retainOnDelete: true } : { read: true, retainOnDelete: undefined };
        assert.deepEqual({ read: ns?.read, retainOnDelete: ns?.options.retainOnDelete }, expected);
      });

      it("generates an Alloy config that uses only real Alloy v1.11.3 components and arguments", () => {
        assert.deepEqual(checkAlloyConfig(parseAlloy(alloyConfig(plan))), []);
      });

      it("matches its golden config.alloy", () => {
        assert.equal(alloyConfig(plan), goldenFile(stack, "config.alloy"), "run `npm run golden:update` and review the diff");
      });

      it("matches its golden values.yaml", () => {
        assert.equal(valuesYaml(plan), goldenFile(stack, "values.yaml"), "run `npm run golden:update` and review the diff");
      });

      it("writes a values.yaml that parses back to the exact values given to the chart", () => {
        assert.deepEqual(parse(valuesYaml(plan)), chartValues(plan));
      });

      it("generates an events collector config that uses only real Alloy v1.11.3 components and arguments", () => {
        assert.deepEqual(checkAlloyConfig(parseAlloy(eventsAlloyConfig(plan) ?? "")), []);
      });

      it("matches its golden events-config.alloy and events-values.yaml", () => {
        assert.equal(eventsAlloyConfig(plan), goldenFile(stack, "events-config.alloy"), "run `npm run golden:update` and review the diff");
        assert.equal(eventsValuesYaml(plan), goldenFile(stack, "events-values.yaml"), "run `npm run golden:update` and review the diff");
      });
    });
  }
});

describe("stack order and CI matrix (verify/ci-stacks.ts)", () => {
  it("deploys ops, then dev, then prod, then any other stack by name", () => {
    assert.deepEqual(deployOrder(["prod", "staging", "dev", "ops", "canary"]), ["ops", "dev", "prod", "canary", "staging"]);
  });

  it("gives CI each stack's cluster, region and kubeconfig context as its stack file sets them", () => {
    assert.deepEqual(
      ciStacks(ROOT).map((s) => [s.stack, s.cluster, s.region, s.context]),
      stacksInDeployOrder().map((stack) => {
        const eks = fileValue<{ name: string; region: string }>(stack, "eks")!;
        return [stack, eks.name, eks.region, eks.name];
      }),
    );
  });

  describe("in a scratch project", () => {
    let dir: string;
    const write = (stack: string, config: Record<string, unknown>) =>
      writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), JSON.stringify({ config }));
    const base = {
      "alloy-logs:lokiEndpoint": "http://loki:3100/loki/api/v1/push",
      "alloy-logs:namespace": "loki-v3",
    };
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), "ci-stacks-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("adds a new stack file after prod, with its eks.roleArn and a variable suffix", () => {
      write("ops", {
        ...base,
        "alloy-logs:clusterName": "c-ops",
        "alloy-logs:tenantId": "ops",
        "alloy-logs:eks": { name: "c-ops", region: "eu-west-1" },
      });
      write("eu-staging", {
        ...base,
        "alloy-logs:clusterName": "c-stg",
        "alloy-logs:tenantId": "stg",
        "alloy-logs:eks": { name: "c-stg", region: "us-east-2", roleArn: "arn:aws:iam::123456789012:role/deploy" },
      });
      assert.deepEqual(ciStacks(dir), [
        { stack: "ops", cluster: "c-ops", region: "eu-west-1", context: "c-ops", "eks-role-arn": "", suffix: "OPS" },
        {
          stack: "eu-staging",
          cluster: "c-stg",
          region: "us-east-2",
          context: "c-stg",
          "eks-role-arn": "arn:aws:iam::123456789012:role/deploy",
          suffix: "EU_STAGING",
        },
      ]);
    });

    it("refuses a stack CI cannot reach: kubeconfigContext instead of eks", () => {
      write("lab", { ...base, "alloy-logs:clusterName": "lab", "alloy-logs:tenantId": "lab", "alloy-logs:kubeconfigContext": "lab-admin" });
      assert.throws(() => ciStacks(dir), {
        name: "CiStackError",
        message:
          "Pulumi.lab.yaml: CI reaches clusters by EKS name, and this stack sets alloy-logs:kubeconfigContext instead of alloy-logs:eks {name, region}",
      });
    });

    it("refuses a stack whose config is invalid, with the program's message", () => {
      write("ops", {
        ...base,
        "alloy-logs:clusterName": "c-ops",
        "alloy-logs:tenantId": "ops",
        "alloy-logs:eks": { name: "c-ops", region: "eu-west-1" },
      });
      write("dev", {
        ...base,
        "alloy-logs:clusterName": "c-dev",
        "alloy-logs:tenantId": "ops",
        "alloy-logs:eks": { name: "c-dev", region: "eu-west-1" },
      });
      assert.throws(() => ciStacks(dir), {
        name: "StackConfigError",
        message:
          'Invalid configuration for stack "ops" (Pulumi.ops.yaml), nothing was deployed:\n' +
          '  - alloy-logs:tenantId: got "ops"; expected a tenant no other stack uses, but Pulumi.dev.yaml uses it too (each cluster\'s logs belong in its own tenant)',
      });
    });
  });
});
