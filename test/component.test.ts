/**
 * The program (index.ts -> AlloyLogCollector) under the Pulumi engine's
 * mocks: what it registers, with which inputs and options.
 */
import assert from "node:assert/strict";
import { chartValues, CHART_TYPE } from "../plan/output";
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AlloyLogCollector } from "../components/alloy-log-collector";
import { buildAlertRules, RULE_GROUP_NAMES } from "../monitoring/alerts";
import { buildDashboard } from "../monitoring/dashboard";
import { defaultDatadogMetricNames } from "../monitoring/datadog-metrics";
import { parseStackConfig } from "../config/load";
import { readStackFile } from "../config/stack-file";
import { resourcesJson, valuesYaml } from "../plan/output";
import { runPlan, SecretValue, type PlannedResource } from "../plan/run";
import { configWith, MINIMAL_CONFIG } from "./support/stacks";
import { ALLOY_CHART_VERSION } from "../chart/alloy-values.generated";

const COMPONENT = "alloy-logs:collector:AlloyLogCollector::alloy-logs";

function only(resources: PlannedResource[], type: string): PlannedResource {
  const found = resources.filter((r) => r.type === type);
  assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
  return found[0];
}

describe("AlloyLogCollector under mocks", () => {
  it(`installs grafana/alloy ${ALLOY_CHART_VERSION} (the pinned chart) from Grafana's chart repository into loki-v3`, async () => {
    const { resources } = await runPlan("test", { config: configWith({}) });
    const chart = only(resources, CHART_TYPE);
    assert.equal(chart.name, "alloy");
    assert.deepEqual(
      { chart: chart.inputs.chart, version: chart.inputs.version, repositoryOpts: chart.inputs.repositoryOpts, namespace: chart.inputs.namespace },
      { chart: "alloy", version: ALLOY_CHART_VERSION, repositoryOpts: { repo: "https://grafana.github.io/helm-charts" }, namespace: "loki-v3" },
    );
  });

  it("passes the DaemonSet settings at the paths the chart reads", async () => {
    const plan = await runPlan("test", { config: configWith({}) });
    const values = chartValues(plan);
    assert.equal(values.controller?.type, "daemonset");
    assert.equal(values.controller?.priorityClassName, "system-node-critical");
    assert.deepEqual(values.controller?.tolerations, [{ operator: "Exists" }]);
    assert.equal(values.alloy?.mounts?.varlog, true);
    assert.deepEqual(values.alloy?.resources, { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } });
    assert.equal("tolerations" in values, false);
  });

  it("puts the stack's tenant and endpoint into the Alloy configuration", async () => {
    const plan = await runPlan("test", {
      config: configWith({ tenantId: "t-42", lokiEndpoint: "https://loki.example.internal/loki/api/v1/push" }),
    });
    const content = chartValues(plan).alloy?.configMap?.content ?? "";
    assert.match(content, /\n    tenant_id +\= "t-42"\n/);
    assert.match(content, /\n    url +\= "https:\/\/loki\.example\.internal\/loki\/api\/v1\/push"\n/);
  });

  it("parents every resource to the component, and the component to the stack", async () => {
    const { resources } = await runPlan("test", { config: configWith({}) });
    const [component, ...children] = resources;
    assert.equal(`${component.type}::${component.name}`, COMPONENT);
    assert.equal(component.parent, "pulumi:pulumi:Stack::alloy-logs-test");
    assert.deepEqual(children.map((r) => [r.type, r.parent]), [
      ["pulumi:providers:kubernetes", COMPONENT],
      ["kubernetes:core/v1:Namespace", COMPONENT],
      ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", COMPONENT],
      ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", COMPONENT],
      [CHART_TYPE, COMPONENT],
      ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", COMPONENT],
      ["kubernetes:core/v1:ConfigMap", COMPONENT],
    ]);
  });

  it("uses an explicit provider for the configured kubeconfig context, never the ambient one", async () => {
    const { resources } = await runPlan("test", { config: configWith({ kubeconfigContext: "arn:aws:eks:ap-northeast-1:1:cluster/x" }) });
    assert.deepEqual(only(resources, "pulumi:providers:kubernetes").inputs, { context: "arn:aws:eks:ap-northeast-1:1:cluster/x" });
    for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) {
      assert.equal(r.options.provider, "pulumi:providers:kubernetes::cluster", r.type);
    }
  });

  it("reaches an EKS cluster by name: endpoint and CA from the EKS API, token from aws eks get-token with the role", async () => {
    const eks = { name: "buzzvil-eks-dev", region: "ap-northeast-1", roleArn: "arn:aws:iam::123456789012:role/pulumi-deploy" };
    const { resources } = await runPlan("test", { config: configWith({ eks }, ["kubeconfigContext"]) });
    const aws = only(resources, "pulumi:providers:aws").inputs;
    assert.deepEqual({ region: aws.region, assumeRoles: aws.assumeRoles }, { region: "ap-northeast-1", assumeRoles: JSON.stringify([{ roleArn: eks.roleArn }]) });
    const kubeconfig = JSON.parse(String(only(resources, "pulumi:providers:kubernetes").inputs.kubeconfig));
    assert.deepEqual(kubeconfig, {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "buzzvil-eks-dev", cluster: { server: "https://buzzvil-eks-dev.eks.ap-northeast-1.amazonaws.com.offline-plan", "certificate-authority-data": "offline-plan" } }],
      users: [
        {
          name: "aws",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: "aws",
              args: ["eks", "get-token", "--cluster-name", "buzzvil-eks-dev", "--region", "ap-northeast-1", "--role-arn", eks.roleArn],
              interactiveMode: "Never",
            },
          },
        },
      ],
      contexts: [{ name: "buzzvil-eks-dev", context: { cluster: "buzzvil-eks-dev", user: "aws" } }],
      "current-context": "buzzvil-eks-dev",
    });
    for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) {
      assert.equal(r.options.provider, "pulumi:providers:kubernetes::cluster", r.type);
    }
  });

  it("only reads an existing namespace by default, so Pulumi can never delete it", async () => {
    const ns = only((await runPlan("test", { config: configWith({}) })).resources, "kubernetes:core/v1:Namespace");
    assert.deepEqual({ name: ns.name, read: ns.read, inputs: ns.inputs }, { name: "loki-v3", read: true, inputs: {} });
  });

  it("creates the namespace with retainOnDelete when createNamespace is true, so destroy and rename keep it", async () => {
    const { resources } = await runPlan("test", { config: configWith({ createNamespace: "true", namespace: "logs" }) });
    const ns = only(resources, "kubernetes:core/v1:Namespace");
    assert.equal(ns.read, false);
    assert.equal(ns.options.retainOnDelete, true);
    assert.deepEqual(ns.inputs.metadata, { name: "logs" });
    assert.deepEqual(only(resources, CHART_TYPE).options.dependsOn, [
      "kubernetes:core/v1:Namespace::logs",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::logs-alloy-logs",
    ]);
    assert.equal(only(resources, CHART_TYPE).inputs.namespace, "logs");
  });

  it("grants the collector only get, list and watch on pods, instead of the chart's ClusterRole", async () => {
    const plan = await runPlan("test", { config: configWith({}) });
    assert.equal(chartValues(plan).rbac?.create, false);
    const role = only(plan.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
  });

  it("grants no access to Secrets or ConfigMaps and no write verb", async () => {
    const role = only((await runPlan("test", { config: configWith({}) })).resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    const rules = role.inputs.rules as { resources: string[]; verbs: string[] }[];
    const readOnly = new Set(["get", "list", "watch"]);
    assert.deepEqual(rules.flatMap((r) => r.resources).filter((r) => /secret|configmap|\*/i.test(r)), []);
    assert.deepEqual(rules.flatMap((r) => r.verbs).filter((v) => !readOnly.has(v)), []);
  });

  it("binds the role to the chart's service account in the collector's namespace", async () => {
    const binding = only((await runPlan("test", { config: configWith({}) })).resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "alloy", namespace: "loki-v3" }]);
    assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "loki-v3-alloy-logs" });
  });

  it("hardens the alloy container: read-only root, no escalation, RuntimeDefault seccomp, only DAC_READ_SEARCH", async () => {
    const values = chartValues(await runPlan("test", { config: configWith({}) }));
    assert.deepEqual(values.alloy?.securityContext, {
      runAsUser: 0,
      runAsNonRoot: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"], add: ["DAC_READ_SEARCH"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(values.crds?.create, false);
  });

  it("rolls out a configurable share of collectors at a time and gives each time to flush", async () => {
    const values = chartValues(
      await runPlan("test", { config: configWith({ rollout: { maxUnavailable: 2, minReadySeconds: 30, terminationGracePeriodSeconds: 90 } }) }),
    );
    assert.deepEqual(
      {
        updateStrategy: values.controller?.updateStrategy,
        minReadySeconds: values.controller?.minReadySeconds,
        terminationGracePeriodSeconds: values.controller?.terminationGracePeriodSeconds,
        configReloader: values.configReloader?.enabled,
      },
      {
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } },
        minReadySeconds: 30,
        terminationGracePeriodSeconds: 90,
        configReloader: true,
      },
    );
  });

  it("adds the ServiceMonitor with the label kube-prometheus-stack's Prometheus selects", async () => {
    const values = chartValues(await runPlan("test", { config: configWith({}) }));
    assert.deepEqual(values.serviceMonitor, { enabled: true, additionalLabels: { release: "kube-prometheus-stack" } });
    assert.equal(values.service?.enabled, true);
  });

  it("leaves the ServiceMonitor out when the stack disables it", async () => {
    const values = chartValues(await runPlan("test", { config: configWith({ serviceMonitor: { enabled: false } }) }));
    assert.deepEqual(values.serviceMonitor, { enabled: false });
  });

  it("annotates the pods for Datadog's openmetrics check on port 12345 when enabled", async () => {
    const values = chartValues(await runPlan("test", { config: configWith({ datadog: { enabled: true } }) }));
    const checks = JSON.parse(values.controller?.podAnnotations?.["ad.datadoghq.com/alloy.checks"] ?? "null");
    assert.deepEqual(checks, {
      openmetrics: {
        init_config: {},
        instances: [{ openmetrics_endpoint: "http://%%host%%:12345/metrics", namespace: "loki_v3", metrics: defaultDatadogMetricNames() }],
      },
    });
  });

  it("adds only the prometheus.io annotations when Datadog is disabled", async () => {
    const values = chartValues(await runPlan("test", { config: configWith({}) }));
    assert.deepEqual(values.controller?.podAnnotations, { "prometheus.io/scrape": "true", "prometheus.io/port": "12345" });
  });

  it("adds no pod annotations when Datadog and prometheusAnnotations are disabled", async () => {
    const values = chartValues(await runPlan("test", { config: configWith({ prometheusAnnotations: false }) }));
    assert.equal(values.controller?.podAnnotations, undefined);
  });

  it("merges validated chart overrides into the values", async () => {
    const values = chartValues(
      await runPlan("test", { config: configWith({ chartOverrides: { controller: { podLabels: { team: "platform" } } } }) }),
    );
    assert.deepEqual(values.controller?.podLabels, { team: "platform" });
    assert.deepEqual(values.controller?.tolerations, [{ operator: "Exists" }]);
  });

  it("exports the namespace, DaemonSet name, tenant and Loki endpoint", async () => {
    const { outputs } = await runPlan("test", { config: configWith({}) });
    assert.deepEqual(
      { namespace: outputs.namespace, daemonSetName: outputs.daemonSetName, tenantId: outputs.tenantId, lokiEndpoint: outputs.lokiEndpoint },
      {
        namespace: "loki-v3",
        daemonSetName: "alloy",
        tenantId: "test",
        lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
      },
    );
  });

  it("exports the seed's post-deploy checks as commands for the stack's cluster and tenant", async () => {
    const { outputs } = await runPlan("test", { config: configWith({}) });
    const pods = "-l app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy";
    assert.deepEqual(outputs.checks, {
      nodes: "kubectl --context test-context get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints[*].key",
      daemonSet: "kubectl --context test-context -n loki-v3 get daemonset alloy -o wide",
      podsPerNode: `kubectl --context test-context -n loki-v3 get pods ${pods} -o wide`,
      collectorLogs: `kubectl --context test-context -n loki-v3 logs ${pods} -c alloy --tail=50`,
      resourceUsage: `kubectl --context test-context -n loki-v3 top pods ${pods} --containers`,
      serviceMonitor: "kubectl --context test-context -n loki-v3 get servicemonitor alloy --show-labels",
      lokiQuery: `logcli query --addr="$LOKI_ADDR" --org-id=test '{cluster="test-cluster"}' --since=1h --limit=100`,
    });
  });

  it("creates the PrometheusRule with the alerts and the label kube-prometheus-stack's ruleSelector matches", async () => {
    const rule = only((await runPlan("test", { config: configWith({}) })).resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.deepEqual(rule.inputs.metadata, { name: "alloy-logs", namespace: "loki-v3", labels: { release: "kube-prometheus-stack" } });
    const expected = buildAlertRules({ namespace: "loki-v3", daemonSet: "alloy", container: "alloy", job: "alloy" });
    assert.deepEqual(rule.inputs.spec, JSON.parse(JSON.stringify(expected)));
  });

  it("keeps only the kube-state-metrics alerts when nothing scrapes Alloy (ServiceMonitor off)", async () => {
    const plan = await runPlan("test", { config: configWith({ serviceMonitor: { enabled: false } }) });
    const rule = only(plan.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.deepEqual((rule.inputs.spec as { groups: { name: string }[] }).groups.map((g) => g.name), [RULE_GROUP_NAMES.collectors]);
  });

  it("passes the alert thresholds from the stack", async () => {
    const plan = await runPlan("test", { config: configWith({ alerts: { noEntriesSentMinutes: 20, memoryLimitRatio: 0.8 } }) });
    const rule = only(plan.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    const expected = buildAlertRules({ namespace: "loki-v3", daemonSet: "alloy", container: "alloy", job: "alloy", noEntriesSentMinutes: 20, memoryLimitRatio: 0.8 });
    assert.deepEqual(rule.inputs.spec, JSON.parse(JSON.stringify(expected)));
  });

  it("delivers the dashboard as a ConfigMap labelled for Grafana's sidecar", async () => {
    const cm = only((await runPlan("test", { config: configWith({}) })).resources, "kubernetes:core/v1:ConfigMap");
    assert.deepEqual(cm.inputs.metadata, { name: "alloy-logs-dashboard", namespace: "loki-v3", labels: { grafana_dashboard: "1" } });
    const data = cm.inputs.data as Record<string, string>;
    assert.deepEqual(Object.keys(data), ["alloy-log-pipeline.json"]);
    assert.deepEqual(JSON.parse(data["alloy-log-pipeline.json"]), JSON.parse(JSON.stringify(buildDashboard({ namespace: "loki-v3", job: "alloy", container: "alloy" }))));
  });

  it("creates neither the PrometheusRule nor the dashboard when the stack switches them off", async () => {
    const plan = await runPlan("test", { config: configWith({ alerts: { enabled: false }, dashboard: { enabled: false } }) });
    assert.deepEqual(plan.resources.filter((r) => r.type.endsWith(":PrometheusRule") || r.type.endsWith(":ConfigMap")), []);
  });

  it("registers nothing but the stack itself when the config is invalid", async () => {
    const registered: string[] = [];
    await assert.rejects(
      runPlan("test", { config: configWith({ tenantId: "" }), onRegister: (type) => registered.push(type) }),
      {
        message:
          'Invalid configuration for stack "test" (Pulumi.test.yaml), nothing was deployed:\n' +
          `  - alloy-logs:tenantId: got ""; expected a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * ' ( ) (e.g. ops)`,
      },
    );
    assert.deepEqual(registered, ["pulumi:pulumi:Stack"]);
  });

  it("registers the component, provider, namespace and chart for a valid config (the observer sees registrations)", async () => {
    const registered: string[] = [];
    await runPlan("test", { config: configWith({}), onRegister: (type) => registered.push(type) });
    assert.deepEqual(registered.sort(), [
      "alloy-logs:collector:AlloyLogCollector",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Namespace",
      CHART_TYPE,
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      "pulumi:providers:kubernetes",
      "pulumi:pulumi:Stack",
    ]);
  });

  describe("Loki credentials", () => {
    const PASSWORD = "pa55-w0rd-never-shown";
    const basic = { lokiAuth: { type: "basic", username: "ops-writer", password: PASSWORD } };
    const secretKeys = ["alloy-logs:lokiAuth"];

    it("puts them in a Kubernetes Secret whose data the engine receives as secret", async () => {
      const plan = await runPlan("test", { config: configWith(basic), secretKeys });
      const secret = only(plan.resources, "kubernetes:core/v1:Secret");
      assert.deepEqual(secret.inputs.metadata, { name: "alloy-loki-auth", namespace: "loki-v3" });
      assert.ok(secret.inputs.stringData instanceof SecretValue, "stringData is not secret");
      assert.deepEqual((secret.inputs.stringData as SecretValue).value, { LOKI_USERNAME: "ops-writer", LOKI_PASSWORD: PASSWORD });
    });

    it("passes them to Alloy as environment variables from the Secret", async () => {
      const values = chartValues(await runPlan("test", { config: configWith(basic), secretKeys }));
      assert.deepEqual(values.alloy?.extraEnv, [
        { name: "LOKI_USERNAME", valueFrom: { secretKeyRef: { name: "alloy-loki-auth", key: "LOKI_USERNAME" } } },
        { name: "LOKI_PASSWORD", valueFrom: { secretKeyRef: { name: "alloy-loki-auth", key: "LOKI_PASSWORD" } } },
      ]);
    });

    it("never appear in the values, the Alloy config or resources.json", async () => {
      const plan = await runPlan("test", { config: configWith(basic), secretKeys });
      for (const [what, text] of [["values.yaml", valuesYaml(plan)], ["resources.json", resourcesJson(plan)]]) {
        assert.equal(text.includes(PASSWORD), false, `${what} contains the password`);
        assert.equal(text.includes("ops-writer"), false, `${what} contains the username`);
      }
    });

    it("stay secret in Pulumi state: pulumi.isSecret holds for the Secret's data", async () => {
      await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs }, "alloy-logs", "test", false);
      const config = parseStackConfig("test", configWith(basic), { secretKeys });
      const collector = new AlloyLogCollector("alloy-logs", { ...config, lokiAuth: pulumi.secret(config.lokiAuth), lokiAuthType: "basic" });
      assert.ok(collector.lokiAuthSecret, "no Secret");
      assert.equal(await pulumi.isSecret(collector.lokiAuthSecret.stringData), true);
    });

    it("are read from a stack file's secure values without decrypting them offline", () => {
      const dir = mkdtempSync(path.join(tmpdir(), "stack-"));
      try {
        writeFileSync(
          path.join(dir, "Pulumi.sec.yaml"),
          "config:\n  alloy-logs:tenantId: sec\n  alloy-logs:lokiAuth:\n    type: basic\n    username: u\n    password:\n      secure: v1:AAAABBBBCCCC\n",
        );
        assert.deepEqual(readStackFile(dir, "sec"), {
          config: { "alloy-logs:tenantId": "sec", "alloy-logs:lokiAuth": '{"type":"basic","username":"u","password":"[secret]"}' },
          secretKeys: ["alloy-logs:lokiAuth"],
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("leave stacks without credentials with no Secret and no environment from one", async () => {
      const plan = await runPlan("test", { config: { ...MINIMAL_CONFIG } });
      assert.equal(plan.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
      assert.equal(chartValues(plan).alloy?.extraEnv, undefined);
    });
  });
});
