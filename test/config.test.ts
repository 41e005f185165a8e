import assert from "node:assert/strict";
import { parseStackConfig, StackConfigError } from "../config/load";
import { parseQuantity } from "../config/quantity";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import { otherStacks, readStackFile, type OtherStack } from "../config/stack-file";
import { PINNED_DEFAULTS } from "./support/defaults";
import { configWith, MINIMAL_CONFIG, ROOT } from "./support/stacks";

/** otherStacks() of "ops" in a directory holding these stack files. */
function othersOf(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "stacks-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
    return otherStacks(dir, "ops");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The problems reported for a config, or [] if it is valid. */
function problems(config: Record<string, string>): readonly string[] {
  try {
    parseStackConfig("test", config);
    return [];
  } catch (error) {
    assert.ok(error instanceof StackConfigError, String(error));
    return error.problems;
  }
}

/** The problems reported with these other stacks, or [] if the config is valid. */
function problemsBeside(config: Record<string, string>, others: Record<string, OtherStack>): readonly string[] {
  try {
    parseStackConfig("ops", config, { otherStacks: others });
    return [];
  } catch (error) {
    assert.ok(error instanceof StackConfigError, String(error));
    return error.problems;
  }
}

const SAME_CLUSTER =
  "Two stacks would own one release: the second fails with AlreadyExists or takes it over. Point this stack at its own cluster";
const TENANT = "expected a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * ' ( ) (e.g. ops)";

describe("stack config", () => {
  it("applies every default to a config with only the required keys", () => {
    assert.deepEqual(parseStackConfig("test", MINIMAL_CONFIG), {
      clusterName: "test-cluster",
      kubeconfigContext: "test-context",
      lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
      tenantId: "test",
      ...PINNED_DEFAULTS,
    });
  });

  it("reads the ops stack file into the seed's settings", () => {
    const config = parseStackConfig("ops", readStackFile(ROOT, "ops").config);
    assert.equal(config.tenantId, "ops");
    assert.equal(config.lokiEndpoint, "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push");
    assert.deepEqual(config.resources, { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } });
    assert.equal(config.datadog.enabled, true);
  });

  it("keeps a numeric-looking tenant as a string, as the Pulumi CLI passes it", () => {
    assert.equal(parseStackConfig("test", configWith({ tenantId: "123" })).tenantId, "123");
  });

  it("reads true and false for a boolean key", () => {
    assert.equal(parseStackConfig("test", configWith({ createNamespace: "true" })).createNamespace, true);
  });

  it("ignores keys of other namespaces, which belong to their providers", () => {
    assert.deepEqual(problems({ ...MINIMAL_CONFIG, "kubernetes:context": "x", "aws:region": "ap-northeast-1" }), []);
  });

  it("reports every problem at once, with the stack file in the headline", () => {
    assert.throws(() => parseStackConfig("ops", configWith({ tenantId: "", namespace: "Loki" })), {
      name: "StackConfigError",
      message:
        'Invalid configuration for stack "ops" (Pulumi.ops.yaml), nothing was deployed:\n' +
        "  - alloy-logs:namespace: got \"Loki\"; expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. loki-v3)\n" +
        `  - alloy-logs:tenantId: got ""; ${TENANT}`,
    });
  });

  // Every bad value of every key is in the edit table of test/stack-edits.test.ts, taken the whole way from the
  // stack file; the tests here are the parser's own behaviour.

  describe("other stacks", () => {
    const OPS = "config:\n  alloy-logs:tenantId: ops\n";

    it("reads each other stack's tenant and cluster, leaving out values held as secrets", () => {
      const others = othersOf({
        ops: OPS,
        dev: "config:\n  alloy-logs:tenantId: dev\n  alloy-logs:clusterName: c-dev\n  alloy-logs:eks: {name: c-dev, region: ap-northeast-1}\n",
        prod: "config:\n  alloy-logs:tenantId: {secure: v1:AAAA}\n  alloy-logs:kubeconfigContext: prod-admin\n",
      });
      assert.deepEqual(others, {
        dev: { tenantId: "dev", clusterName: "c-dev", eks: { name: "c-dev", region: "ap-northeast-1" } },
        prod: { kubeconfigContext: "prod-admin" },
      });
    });

    it("reports another stack's broken YAML with its file and line, as a problem rather than a stack trace", () => {
      const others = othersOf({ ops: OPS, dev: "config:\n  alloy-logs:tenantId: dev\n   bad: [\n" });
      assert.throws(() => parseStackConfig("ops", configWith({}), { otherStacks: others }), {
        name: "StackConfigError",
        message:
          'Invalid configuration for stack "ops" (Pulumi.ops.yaml), nothing was deployed:\n' +
          "  - Pulumi.dev.yaml:2:24: not valid YAML: Nested mappings are not allowed in compact mappings (every stack file is read, to check that no two stacks share a tenant or a cluster)",
      });
    });

    it("refuses the kubeconfig context of another stack, naming its file", () => {
      assert.deepEqual(problemsBeside(configWith({ kubeconfigContext: "shared" }), { prod: { kubeconfigContext: "shared" } }), [
        'alloy-logs:kubeconfigContext: got "shared"; expected a cluster no other stack deploys to, but it is the cluster Pulumi.prod.yaml deploys to (alloy-logs:kubeconfigContext "shared"). ' +
          SAME_CLUSTER,
      ]);
    });

    it("refuses an EKS cluster another stack reaches by the context ARN aws eks update-kubeconfig makes", () => {
      const config = configWith({ eks: { name: "c", region: "ap-northeast-1" } }, ["kubeconfigContext"]);
      assert.deepEqual(problemsBeside(config, { dev: { kubeconfigContext: "arn:aws:eks:ap-northeast-1:123456789012:cluster/c" } }), [
        'alloy-logs:eks.name: got "c"; expected an EKS cluster no other stack deploys to, but it is the cluster Pulumi.dev.yaml deploys to ' +
          '(alloy-logs:kubeconfigContext "arn:aws:eks:ap-northeast-1:123456789012:cluster/c"; aws eks update-kubeconfig names its context arn:aws:eks:ap-northeast-1:123456789012:cluster/c). ' +
          SAME_CLUSTER,
      ]);
    });

    it("refuses an EKS cluster another stack reaches by the context aws eks update-kubeconfig --alias makes", () => {
      const config = configWith({ eks: { name: "c", region: "ap-northeast-1" } }, ["kubeconfigContext"]);
      assert.deepEqual(problemsBeside(config, { dev: { kubeconfigContext: "c" } }), [
        'alloy-logs:eks.name: got "c"; expected an EKS cluster no other stack deploys to, but it is the cluster Pulumi.dev.yaml deploys to ' +
          '(alloy-logs:kubeconfigContext "c"; aws eks update-kubeconfig --alias c names its context c). ' +
          SAME_CLUSTER,
      ]);
    });

    it("refuses a context ARN of the cluster another stack's alias context names", () => {
      const config = configWith({ kubeconfigContext: "arn:aws:eks:ap-northeast-1:123456789012:cluster/c" });
      assert.deepEqual(problemsBeside(config, { dev: { kubeconfigContext: "c" } }), [
        'alloy-logs:kubeconfigContext: got "arn:aws:eks:ap-northeast-1:123456789012:cluster/c"; expected a cluster no other stack deploys to, but it is the cluster Pulumi.dev.yaml deploys to ' +
          '(alloy-logs:kubeconfigContext "c"; aws eks update-kubeconfig --alias c names its context c). ' +
          SAME_CLUSTER,
      ]);
    });

    it("allows context ARNs of clusters of one name and region in two AWS accounts", () => {
      const config = configWith({ kubeconfigContext: "arn:aws:eks:ap-northeast-1:123456789012:cluster/c" });
      assert.deepEqual(problemsBeside(config, { dev: { kubeconfigContext: "arn:aws:eks:ap-northeast-1:210987654321:cluster/c" } }), []);
    });

    it("allows a context ARN of the same cluster name in another region", () => {
      const config = configWith({ kubeconfigContext: "arn:aws:eks:us-east-1:123456789012:cluster/c" });
      assert.deepEqual(problemsBeside(config, { dev: { eks: { name: "c", region: "ap-northeast-1" } } }), []);
    });

    it("allows the same EKS cluster name in another region", () => {
      const config = configWith({ eks: { name: "c", region: "ap-northeast-1" } }, ["kubeconfigContext"]);
      assert.deepEqual(problemsBeside(config, { dev: { eks: { name: "c", region: "us-east-1" } } }), []);
    });
  });

  describe("credentials and other stacks", () => {
    const basic = { lokiAuth: { type: "basic", username: "ops", password: "s3cr3t-value" } };

    it("accepts basic-auth credentials held as a Pulumi secret", () => {
      const config = parseStackConfig("test", configWith(basic), { secretKeys: ["alloy-logs:lokiAuth"] });
      assert.deepEqual(config.lokiAuth, { type: "basic", username: "ops", password: "s3cr3t-value" });
    });

    it("refuses plain-text credentials without echoing them, saying how to set a secret", () => {
      assert.throws(
        () => parseStackConfig("ops", configWith(basic)),
        (error: StackConfigError) => {
          assert.deepEqual(error.problems, [
            "alloy-logs:lokiAuth.password: got a plain-text value; expected a Pulumi secret, so it is encrypted in Pulumi.ops.yaml and in state: pulumi config set --secret --path 'alloy-logs:lokiAuth.password' <value>",
          ]);
          assert.equal(error.message.includes("s3cr3t-value"), false);
          return true;
        },
      );
    });

    it("never echoes a credential in a validation error", () => {
      const problems = (() => {
        try {
          parseStackConfig("test", configWith({ lokiAuth: { type: "bearer", token: ["12345678"] } }), {
            secretKeys: ["alloy-logs:lokiAuth"],
          });
          return [];
        } catch (error) {
          return (error as StackConfigError).problems;
        }
      })();
      assert.deepEqual(problems, ['alloy-logs:lokiAuth.token: got "[secret]"; expected bearer token as a string']);
    });

    it("refuses an unknown credential type", () => {
      assert.deepEqual(problems(configWith({ lokiAuth: { type: "oauth" } })), [
        'alloy-logs:lokiAuth.type: got "oauth"; expected {type: none}, {type: basic, username, password} or {type: bearer, token}',
      ]);
    });

    it("refuses a tenant another stack already uses, naming that stack", () => {
      assert.throws(() => parseStackConfig("staging", configWith({ tenantId: "dev" }), { otherStackTenants: { dev: "dev", ops: "ops" } }), {
        message:
          'Invalid configuration for stack "staging" (Pulumi.staging.yaml), nothing was deployed:\n' +
          '  - alloy-logs:tenantId: got "dev"; expected a tenant no other stack uses, but Pulumi.dev.yaml uses it too (each cluster\'s logs belong in its own tenant)',
      });
    });
  });

  describe("chartOverrides", () => {
    it("rejects a root-level tolerations, naming controller.tolerations (the seed incident)", () => {
      assert.deepEqual(problems(configWith({ chartOverrides: { tolerations: [{ operator: "Exists" }] } })), [
        `alloy-logs:chartOverrides.tolerations: got [{"operator":"Exists"}]; expected a value path the grafana/alloy ${ALLOY_CHART_VERSION} chart reads; it does not read "tolerations", so Helm would silently ignore it. Did you mean "controller.tolerations"?`,
      ]);
    });

    it("suggests the sibling key for a typo", () => {
      assert.deepEqual(problems(configWith({ chartOverrides: { controller: { nodeSelektor: {} } } })), [
        `alloy-logs:chartOverrides.controller.nodeSelektor: got {}; expected a value path the grafana/alloy ${ALLOY_CHART_VERSION} chart reads; it does not read "controller.nodeSelektor", so Helm would silently ignore it. Did you mean "controller.nodeSelector"?`,
      ]);
    });

    it("refuses to override a value the program sets, and says what to change instead", () => {
      assert.deepEqual(problems(configWith({ chartOverrides: { alloy: { resources: { limits: { memory: "1Gi" } } } } })), [
        'alloy-logs:chartOverrides.alloy.resources: got {"limits":{"memory":"1Gi"}}; expected no override of chart value "alloy.resources": set alloy-logs:resources instead',
      ]);
    });

    it("refuses a value of the wrong kind for its path", () => {
      assert.deepEqual(problems(configWith({ chartOverrides: { controller: { minReadySeconds: "10" } } })), [
        'alloy-logs:chartOverrides.controller.minReadySeconds: got "10"; expected a number at chart value "controller.minReadySeconds"',
      ]);
    });

    it("accepts real chart paths, including new keys of a free-form map", () => {
      assert.deepEqual(
        problems(configWith({ chartOverrides: { controller: { podAnnotations: { team: "platform" }, hostNetwork: false } } })),
        [],
      );
    });
  });
});

describe("Kubernetes quantities", () => {
  const cases: [string, number | undefined][] = [
    ["250m", 0.25],
    ["1", 1],
    ["300Mi", 300 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1.5", 1.5],
    ["2e3", 2000],
    ["1k", 1000],
    ["700MB", undefined],
    ["Mi", undefined],
    ["1 Gi", undefined],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${JSON.stringify(text)} as ${expected}`, () => {
      assert.equal(parseQuantity(text), expected);
    });
  }
});
