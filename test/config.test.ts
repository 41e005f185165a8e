import assert from "node:assert/strict";
import { parseStackConfig, StackConfigError } from "../config/load";
import { parseQuantity } from "../config/quantity";
import { defaultDatadogMetricNames } from "../monitoring/datadog-metrics";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ALLOY_CHART_VERSION } from "../chart/alloy-values.generated";
import { otherStacks, readStackFile, type OtherStack } from "../config/stack-file";
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

const TENANT = "expected a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * ' ( ) (e.g. ops)";

describe("stack config", () => {
  it("applies every default to a config with only the required keys", () => {
    assert.deepEqual(parseStackConfig("test", MINIMAL_CONFIG), {
      clusterName: "test-cluster",
      kubeconfigContext: "test-context",
      namespace: "loki-v3",
      createNamespace: false,
      lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
      tenantId: "test",
      lokiAuth: { type: "none" },
      resources: { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } },
      serviceMonitor: { enabled: true, labels: { release: "kube-prometheus-stack" } },
      datadog: { enabled: false, namespace: "loki_v3", metrics: defaultDatadogMetricNames() },
      prometheusAnnotations: true,
      storageHostPath: "/var/lib/alloy-logs",
      pipeline: {
        maxEntryAge: "12h",
        excludeNamespaces: [],
        excludeAnnotation: "alloy-logs/exclude",
        dropProbeLogs: false,
        probeExpression: String.raw`kube-probe/|\b(GET|HEAD) /(healthz?|readyz?|livez?|ping)\b`,
        rateLimit: { enabled: false, by: "namespace", linesPerSecond: 1000, burst: 5000 },
        multiline: [],
        indexLabels: ["app", "component", "container", "instance", "job", "namespace", "node_name", "pod", "stream"],
      },
      lokiWrite: { batchSize: "1MiB", batchWait: "1s", timeout: "10s", minBackoff: "500ms", maxBackoff: "5m", maxRetries: 15 },
      rollout: { maxUnavailable: "10%", minReadySeconds: 10, terminationGracePeriodSeconds: 60 },
      alerts: { enabled: true, labels: { release: "kube-prometheus-stack" }, noEntriesSentMinutes: 10, memoryLimitRatio: 0.9, failedRequestRatio: 0.1 },
      dashboard: { enabled: true, labels: { grafana_dashboard: "1" } },
      chartOverrides: {},
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

  // Each case: the config change, and the exact problem(s) it must report.
  const cases: [string, Record<string, unknown>, string[], string[]?][] = [
    ["a missing tenant", {}, ["alloy-logs:tenantId: missing; expected a string (Loki tenant (X-Scope-OrgID) all of this cluster's logs are written to.)"], ["tenantId"]],
    ["a missing cluster name", {}, ["alloy-logs:clusterName: missing; expected a string (Cluster name; the `cluster` label on every log line.)"], ["clusterName"]],
    ["no way to reach the cluster", {}, ["alloy-logs:eks: missing; expected how to reach the cluster: set eks {name, region} or kubeconfigContext"], ["kubeconfigContext"]],
    ["both a context and an EKS cluster", { eks: { name: "c", region: "ap-northeast-1" } }, ['alloy-logs:kubeconfigContext: got "test-context"; expected either kubeconfigContext or eks, not both: the stack must reach exactly one cluster']],
    ["an EKS region that is not one", { eks: { name: "c", region: "tokyo" } }, ['alloy-logs:eks.region: got "tokyo"; expected an AWS region such as ap-northeast-1'], ["kubeconfigContext"]],
    ["an EKS role that is not an ARN", { eks: { name: "c", region: "ap-northeast-1", roleArn: "pulumi-deploy" } }, ['alloy-logs:eks.roleArn: got "pulumi-deploy"; expected an IAM role ARN such as arn:aws:iam::123456789012:role/pulumi-deploy'], ["kubeconfigContext"]],
    ["an empty tenant", { tenantId: "" }, [`alloy-logs:tenantId: got ""; ${TENANT}`]],
    ["a tenant with a quote", { tenantId: 'op"s' }, [`alloy-logs:tenantId: got "op\\"s"; ${TENANT}`]],
    ["a tenant with a newline", { tenantId: "op\ns" }, [`alloy-logs:tenantId: got "op\\ns"; ${TENANT}`]],
    ["a tenant with a template", { tenantId: "{{ .Values }}" }, [`alloy-logs:tenantId: got "{{ .Values }}"; ${TENANT}`]],
    ["a tenant with a backslash", { tenantId: "op\\s" }, [`alloy-logs:tenantId: got "op\\\\s"; ${TENANT}`]],
    ["the tenant '..'", { tenantId: ".." }, ['alloy-logs:tenantId: got ".."; expected a Loki tenant ID other than "." or ".."']],
    ["an ftp endpoint", { lokiEndpoint: "ftp://loki/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "ftp://loki/loki/api/v1/push"; expected an http:// or https:// URL (lowercase scheme)']],
    ["an endpoint without the push path", { lokiEndpoint: "http://loki:3100" }, ['alloy-logs:lokiEndpoint: got "http://loki:3100"; expected the Loki push path: the URL must end in /loki/api/v1/push']],
    ["an endpoint that is not a URL", { lokiEndpoint: "/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "/loki/api/v1/push"; expected an absolute URL starting with http:// or https://']],
    ["an endpoint with credentials", { lokiEndpoint: "https://u:p@loki/loki/api/v1/push" }, ['alloy-logs:lokiEndpoint: got "https://u:p@loki/loki/api/v1/push"; expected a URL without credentials: user:password@ in a URL ends up in plain text in the ConfigMap']],
    ["a namespace with capitals", { namespace: "Loki-V3" }, ["alloy-logs:namespace: got \"Loki-V3\"; expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. loki-v3)"]],
    ["a namespace over 63 characters", { namespace: "a".repeat(64) }, [`alloy-logs:namespace: got "${"a".repeat(64)}"; expected a DNS-1123 label of at most 63 characters`]],
    ["a memory limit of 700MB", { resources: { limits: { memory: "700MB" } } }, ['alloy-logs:resources.limits.memory: got "700MB"; expected a positive Kubernetes quantity such as 700Mi (Ki/Mi/Gi are powers of 1024; MB is not a unit)']],
    ["a CPU request of -1", { resources: { requests: { cpu: "-1", memory: "300Mi" } } }, ['alloy-logs:resources.requests.cpu: got "-1"; expected a positive Kubernetes quantity such as 250m (Ki/Mi/Gi are powers of 1024; MB is not a unit)']],
    ["a memory limit below the request", { resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "700Mi" } } }, ['alloy-logs:resources.limits.memory: got "700Mi"; expected a memory limit of at least the request (1Gi); Kubernetes rejects limits below requests']],
    ["a CPU limit below the request", { resources: { requests: { cpu: "1", memory: "300Mi" }, limits: { cpu: "500m", memory: "700Mi" } } }, ['alloy-logs:resources.limits.cpu: got "500m"; expected a cpu limit of at least the request (1); Kubernetes rejects limits below requests']],
    ["resources without a memory limit", { resources: { limits: {} } }, ["alloy-logs:resources.limits.memory: missing; expected a memory limit such as 700Mi"]],
    ["a quantity given as a list", { resources: { requests: { cpu: [1], memory: "300Mi" } } }, ["alloy-logs:resources.requests.cpu: got [1]; expected a Kubernetes quantity string such as 250m"]],
    ["a misspelt top-level key", { tenantID: "ops" }, ["alloy-logs:tenantID: unknown key; did you mean alloy-logs:tenantId?"]],
    ["a misspelt nested key", { resources: { limit: { memory: "700Mi" } } }, ["alloy-logs:resources.limit: unknown key; did you mean alloy-logs:resources.limits?"]],
    ["an unknown key with no near miss", { colour: "blue" }, ["alloy-logs:colour: unknown key; expected one of clusterName, kubeconfigContext, eks, namespace, createNamespace, lokiEndpoint, tenantId, lokiAuth, resources, serviceMonitor, datadog, prometheusAnnotations, storageHostPath, pipeline, lokiWrite, rollout, alerts, dashboard, chartOverrides"]],
    ["a boolean written as yes", { createNamespace: "yes" }, ['alloy-logs:createNamespace: got "yes"; expected true or false']],
    ["a string where an object belongs", { serviceMonitor: "on" }, ['alloy-logs:serviceMonitor: got "on"; expected a map with the keys enabled, labels, interval']],
    ["a ServiceMonitor label value with a space", { serviceMonitor: { labels: { release: "kube prometheus" } } }, ['alloy-logs:serviceMonitor.labels.release: got "kube prometheus"; expected a Kubernetes label value: at most 63 letters, digits, \'-\', \'_\' or \'.\'']],
    ["a scrape interval without a unit", { serviceMonitor: { interval: "30" } }, ['alloy-logs:serviceMonitor.interval: got "30"; expected a Prometheus duration such as 30s or 1m']],
    ["an empty Datadog metric list", { datadog: { metrics: [] } }, ["alloy-logs:datadog.metrics: got []; expected at least one metric name"]],
    ["a Datadog namespace with a dash", { datadog: { namespace: "loki-v3" } }, ['alloy-logs:datadog.namespace: got "loki-v3"; expected a Datadog metric namespace: lowercase letters, digits and \'_\' (e.g. loki_v3)']],
    ["a maximum entry age in days", { pipeline: { maxEntryAge: "2d" } }, ['alloy-logs:pipeline.maxEntryAge: got "2d"; expected a Go duration such as 12h (units ns, us, ms, s, m, h; no d): unknown unit "d" in duration']],
    ["a maximum entry age beyond Loki's reject window", { pipeline: { maxEntryAge: "200h" } }, ["alloy-logs:pipeline.maxEntryAge: got \"200h\"; expected an age above 0 and below Loki's default reject window of 168h, such as 12h"]],
    ["an excluded namespace that is not a name", { pipeline: { excludeNamespaces: ["kube-system", "a,b"] } }, ['alloy-logs:pipeline.excludeNamespaces.1: got "a,b"; expected a namespace name: a DNS-1123 label such as kube-system']],
    ["a rate limit by an unknown label", { pipeline: { rateLimit: { enabled: true, by: "pod" } } }, ['alloy-logs:pipeline.rateLimit.by: got "pod"; expected namespace or app']],
    ["a zero rate limit", { pipeline: { rateLimit: { enabled: true, linesPerSecond: 0 } } }, ["alloy-logs:pipeline.rateLimit.linesPerSecond: got 0; expected a positive number of lines per second"]],
    ["a multiline rule with a lookahead", { pipeline: { multiline: [{ namespace: "a", firstLine: "^(?=x)" }] } }, ['alloy-logs:pipeline.multiline.0.firstLine: got "^(?=x)"; expected the first line\'s regular expression in Go RE2 syntax: invalid or unsupported Perl syntax: `(?=`']],
    ["a multiline rule with an invalid regex", { pipeline: { multiline: [{ namespace: "a", firstLine: "^(x" }] } }, ['alloy-logs:pipeline.multiline.0.firstLine: got "^(x"; expected the first line\'s regular expression in Go RE2 syntax: missing closing ): `^(x`']],
    ["a multiline rule without a namespace", { pipeline: { multiline: [{ firstLine: "^x" }] } }, ["alloy-logs:pipeline.multiline.0.namespace: missing; expected a namespace name (Namespace of the workload.)"]],
    ["an index label with a dash", { pipeline: { indexLabels: ["node-name"] } }, ['alloy-logs:pipeline.indexLabels.0: got "node-name"; expected one of the labels the pipeline gives every entry: app, component, container, instance, job, namespace, node_name, pod, stream']],
    ["a batch size in an unknown unit", { lokiWrite: { batchSize: "1M" } }, ['alloy-logs:lokiWrite.batchSize: got "1M"; expected a size such as 512KiB or 1MiB (units B, KiB, MiB, GiB): unknown unit M in 1M']],
    ["a maximum backoff below the minimum", { lokiWrite: { minBackoff: "10s", maxBackoff: "5s" } }, ['alloy-logs:lokiWrite.maxBackoff: got "5s"; expected a maxBackoff of at least minBackoff (10s)']],
    ["retries given as a fraction", { lokiWrite: { maxRetries: "1.5" } }, ['alloy-logs:lokiWrite.maxRetries: got "1.5"; expected a whole number of retries']],
    ["a storage path under /var/log", { storageHostPath: "/var/log/alloy" }, ['alloy-logs:storageHostPath: got "/var/log/alloy"; expected a dedicated state directory, not / and not under /var/log, /proc, /sys, /dev or /etc']],
    ["a relative storage path", { storageHostPath: "var/lib/alloy" }, ['alloy-logs:storageHostPath: got "var/lib/alloy"; expected an absolute host path such as /var/lib/alloy-logs']],
    ["a maxUnavailable of 0%", { rollout: { maxUnavailable: "0%" } }, ['alloy-logs:rollout.maxUnavailable: got "0%"; expected a whole number of pods such as 1, or a percentage such as 10%']],
    ["a negative minReadySeconds", { rollout: { minReadySeconds: -5 } }, ["alloy-logs:rollout.minReadySeconds: got -5; expected 0 or more seconds"]],
    ["a memory alert ratio above 1", { alerts: { memoryLimitRatio: 1.5 } }, ["alloy-logs:alerts.memoryLimitRatio: got 1.5; expected a ratio between 0 and 1 such as 0.9"]],
    ["a dashboard label value with a slash", { dashboard: { labels: { grafana_dashboard: "a/b" } } }, ["alloy-logs:dashboard.labels.grafana_dashboard: got \"a/b\"; expected a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.'"]],
    ["a cluster name with a quote", { clusterName: 'ops"' }, ["alloy-logs:clusterName: got \"ops\\\"\"; expected a cluster name: 1-100 letters, digits, '-' or '_', starting with a letter or digit (e.g. buzzvil-eks-ops)"]],
  ];
  for (const [what, change, expected, without] of cases) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(problems(configWith(change, without)), expected);
    });
  }

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
        'alloy-logs:kubeconfigContext: got "shared"; expected a cluster no other stack deploys to, but Pulumi.prod.yaml uses it too (two stacks would own one release: the second fails with AlreadyExists or takes it over)',
      ]);
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
      assert.throws(() => parseStackConfig("ops", configWith(basic)), (error: StackConfigError) => {
        assert.deepEqual(error.problems, [
          "alloy-logs:lokiAuth.password: got a plain-text value; expected a Pulumi secret, so it is encrypted in Pulumi.ops.yaml and in state: pulumi config set --secret --path 'alloy-logs:lokiAuth.password' <value>",
        ]);
        assert.equal(error.message.includes("s3cr3t-value"), false);
        return true;
      });
    });

    it("never echoes a credential in a validation error", () => {
      const problems = (() => {
        try {
          parseStackConfig("test", configWith({ lokiAuth: { type: "bearer", token: ["12345678"] } }), { secretKeys: ["alloy-logs:lokiAuth"] });
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
      assert.deepEqual(problems(configWith({ chartOverrides: { controller: { podAnnotations: { team: "platform" }, hostNetwork: false } } })), []);
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
