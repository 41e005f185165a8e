/**
 * The program (index.ts -> AlloyLogCollector) under the Pulumi engine's
 * mocks: what it registers, with which inputs and options.
 */
import { collectorArgs } from "../components/stack-args";
import assert from "node:assert/strict";
import { chartValues, CHART_TYPE } from "../plan/output";
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AlloyLogCollector, LEGACY_COMPONENT_TYPE, withDefaults, type AlloyLogCollectorArgs } from "../components/alloy-log-collector";
import { RULE_GROUP_NAMES } from "../monitoring/alerts";
import { parseStackConfig } from "../config/load";
import { PROJECT } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import { resourcesJson, valuesYaml } from "../plan/output";
import { runPlan, SecretValue, type PlannedResource } from "../plan/run";
import { planOnce } from "./support/plans";
import { PINNED_DEFAULTS } from "./support/defaults";
import { configWith, goldenFile, MINIMAL_CONFIG, ROOT, stackNames } from "./support/stacks";
import { matchState, urnOf } from "./support/urns";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import { EXPECTED_ALERT_GROUPS, EXPECTED_EVENTS_ALERT_GROUP } from "./support/alert-groups";

const COMPONENT = "alloy-logs:index:AlloyLogCollector::alloy-logs";
const PROVIDER = "pulumi:providers:kubernetes::alloy-logs-cluster";
/** An EKS cluster and region of no stack: the tests pin behaviour, not a stack's values. */
const EKS = { name: "test-eks", region: "xx-test-1", roleArn: "arn:aws:iam::123456789012:role/pulumi-deploy" };

/** Mocks that echo each resource's inputs as its state, for components built outside runPlan. */
const ECHO_MOCKS: pulumi.runtime.Mocks = {
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs as Record<string, unknown> }),
  call: (args) => args.inputs as Record<string, unknown>,
};

/** The events collector's children (issue 21): `<component>-events-<role>`, tested in their own describe below. */
const isEventsChild = (r: PlannedResource) => r.name.startsWith("alloy-logs-events-");

/** The one resource of a type, leaving out the events collector's (which has its own ClusterRole and Chart). */
function only(resources: PlannedResource[], type: string): PlannedResource {
  const found = resources.filter((r) => r.type === type && !isEventsChild(r));
  assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
  return found[0];
}

describe("AlloyLogCollector under mocks", () => {
  it(`installs grafana/alloy ${ALLOY_CHART_VERSION} (the pinned chart) from Grafana's chart repository into loki-v3`, async () => {
    const { resources } = await planOnce("test", { config: configWith({}) });
    const chart = only(resources, CHART_TYPE);
    assert.deepEqual(
      {
        chart: chart.inputs.chart,
        version: chart.inputs.version,
        repositoryOpts: chart.inputs.repositoryOpts,
        namespace: chart.inputs.namespace,
      },
      {
        chart: "alloy",
        version: ALLOY_CHART_VERSION,
        repositoryOpts: { repo: "https://grafana.github.io/helm-charts" },
        namespace: "loki-v3",
      },
    );
  });

  it("names the Chart from the component, and its release and objects' prefix alloy, as before", async () => {
    const chart = only((await planOnce("test", { config: configWith({}) })).resources, CHART_TYPE);
    assert.deepEqual(
      { name: chart.name, release: chart.inputs.name, resourcePrefix: chart.inputs.resourcePrefix },
      { name: "alloy-logs-chart", release: "alloy", resourcePrefix: "alloy" },
    );
  });

  it("passes the DaemonSet settings at the paths the chart reads", async () => {
    const plan = await planOnce("test", { config: configWith({}) });
    const values = chartValues(plan);
    assert.equal(values.controller?.type, "daemonset");
    assert.equal(values.controller?.priorityClassName, "system-node-critical");
    assert.deepEqual(values.controller?.tolerations, [{ operator: "Exists" }]);
    assert.equal(values.alloy?.mounts?.varlog, true);
    assert.deepEqual(values.alloy?.resources, { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } });
    assert.equal("tolerations" in values, false);
  });

  it("puts the stack's tenant and endpoint into the Alloy configuration", async () => {
    const plan = await planOnce("test", {
      config: configWith({ tenantId: "t-42", lokiEndpoint: "https://loki.example.internal/loki/api/v1/push" }),
    });
    const content = chartValues(plan).alloy?.configMap?.content ?? "";
    assert.match(content, /\n {4}tenant_id += "t-42"\n/);
    assert.match(content, /\n {4}url += "https:\/\/loki\.example\.internal\/loki\/api\/v1\/push"\n/);
  });

  it("parents every resource to the component, and the component to the stack", async () => {
    const { resources } = await planOnce("test", { config: configWith({}) });
    const [component, ...children] = resources;
    assert.equal(`${component.type}::${component.name}`, COMPONENT);
    assert.equal(component.parent, "pulumi:pulumi:Stack::alloy-logs-test");
    assert.deepEqual(
      children.map((r) => [r.type, r.parent]),
      [
        ["pulumi:providers:kubernetes", COMPONENT],
        ["kubernetes:core/v1:Namespace", COMPONENT],
        ["kubernetes:core/v1:ConfigMap", COMPONENT],
        ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", COMPONENT],
        ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", COMPONENT],
        ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", COMPONENT],
        ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", COMPONENT],
        [CHART_TYPE, COMPONENT],
        ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", COMPONENT],
        [CHART_TYPE, COMPONENT],
      ],
    );
  });

  it("names every child <component name>-<role>", async () => {
    const { resources } = await planOnce("test", {
      config: configWith({ lokiAuth: { type: "bearer", token: "t" } }),
      secretKeys: ["alloy-logs:lokiAuth"],
    });
    assert.deepEqual(
      resources.slice(1).map((r) => r.name),
      [
        // In the order the engine can create them: after parent, provider and dependencies, ties by type and name.
        "alloy-logs-cluster",
        "alloy-logs-namespace",
        "alloy-logs-dashboard",
        "alloy-logs-loki-auth",
        "alloy-logs-alerts",
        "alloy-logs-events-reader",
        "alloy-logs-pod-reader",
        "alloy-logs-events-reader",
        "alloy-logs-events-chart",
        "alloy-logs-pod-reader",
        "alloy-logs-chart",
      ],
    );
  });

  it("uses an explicit provider for the configured kubeconfig context, never the ambient one", async () => {
    const { resources } = await planOnce("test", { config: configWith({ kubeconfigContext: "some-context" }) });
    assert.deepEqual(only(resources, "pulumi:providers:kubernetes").inputs, { context: "some-context", enableConfigMapMutable: "true" });
    for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) {
      assert.equal(r.options.provider, PROVIDER, r.type);
    }
  });

  it("has the provider patch a changed ConfigMap in place instead of replacing it, for a context and for an EKS cluster", async () => {
    for (const access of [configWith({ kubeconfigContext: "some-context" }), configWith({ eks: EKS }, ["kubeconfigContext"])]) {
      const { resources } = await planOnce("test", { config: access });
      assert.equal(only(resources, "pulumi:providers:kubernetes").inputs.enableConfigMapMutable, "true");
    }
  });

  it("reaches an EKS cluster by name: endpoint and CA from the EKS API, token from aws eks get-token with the role", async () => {
    const { resources } = await planOnce("test", { config: configWith({ eks: EKS }, ["kubeconfigContext"]) });
    const aws = only(resources, "pulumi:providers:aws").inputs;
    assert.deepEqual(
      { region: aws.region, assumeRoles: aws.assumeRoles },
      { region: EKS.region, assumeRoles: JSON.stringify([{ roleArn: EKS.roleArn }]) },
    );
    const kubeconfig: unknown = JSON.parse(String(only(resources, "pulumi:providers:kubernetes").inputs.kubeconfig));
    assert.deepEqual(kubeconfig, {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: EKS.name,
          cluster: {
            server: `https://${EKS.name}.eks.${EKS.region}.amazonaws.com.offline-plan`,
            "certificate-authority-data": "offline-plan",
          },
        },
      ],
      users: [
        {
          name: "aws",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: "aws",
              args: ["eks", "get-token", "--cluster-name", EKS.name, "--region", EKS.region, "--role-arn", EKS.roleArn],
              interactiveMode: "Never",
            },
          },
        },
      ],
      contexts: [{ name: EKS.name, context: { cluster: EKS.name, user: "aws" } }],
      "current-context": EKS.name,
    });
    for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) {
      assert.equal(r.options.provider, PROVIDER, r.type);
    }
  });

  it("only reads an existing namespace by default, so Pulumi can never delete it", async () => {
    const ns = only((await planOnce("test", { config: configWith({}) })).resources, "kubernetes:core/v1:Namespace");
    assert.deepEqual({ name: ns.name, read: ns.read, inputs: ns.inputs }, { name: "alloy-logs-namespace", read: true, inputs: {} });
  });

  it("creates the namespace with retainOnDelete when createNamespace is true, so a destroy keeps it", async () => {
    const { resources } = await planOnce("test", { config: configWith({ createNamespace: "true", namespace: "logs" }) });
    const ns = only(resources, "kubernetes:core/v1:Namespace");
    assert.equal(ns.read, false);
    assert.equal(ns.options.retainOnDelete, true);
    assert.deepEqual(ns.inputs.metadata, { name: "logs" });
    assert.deepEqual(only(resources, CHART_TYPE).options.dependsOn, [
      "kubernetes:core/v1:Namespace::alloy-logs-namespace",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::alloy-logs-pod-reader",
    ]);
    assert.equal(only(resources, CHART_TYPE).inputs.namespace, "logs");
  });

  it("grants the collector only get, list and watch on pods, instead of the chart's ClusterRole", async () => {
    const plan = await planOnce("test", { config: configWith({}) });
    assert.equal(chartValues(plan).rbac?.create, false);
    const role = only(plan.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
  });

  it("grants no access to Secrets or ConfigMaps and no write verb", async () => {
    const role = only(
      (await planOnce("test", { config: configWith({}) })).resources,
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    );
    const rules = role.inputs.rules as { resources: string[]; verbs: string[] }[];
    const readOnly = new Set(["get", "list", "watch"]);
    assert.deepEqual(
      rules.flatMap((r) => r.resources).filter((r) => /secret|configmap|\*/i.test(r)),
      [],
    );
    assert.deepEqual(
      rules.flatMap((r) => r.verbs).filter((v) => !readOnly.has(v)),
      [],
    );
  });

  it("binds the role to the chart's service account in the collector's namespace", async () => {
    const binding = only(
      (await planOnce("test", { config: configWith({}) })).resources,
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    );
    assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "alloy", namespace: "loki-v3" }]);
    assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "loki-v3-alloy-logs" });
  });

  it("rolls out a configurable share of collectors at a time and gives each time to flush", async () => {
    const values = chartValues(
      await planOnce("test", {
        config: configWith({ rollout: { maxUnavailable: 2, minReadySeconds: 30, terminationGracePeriodSeconds: 90 } }),
      }),
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
    const values = chartValues(await planOnce("test", { config: configWith({}) }));
    assert.deepEqual(values.serviceMonitor, { enabled: true, additionalLabels: { release: "kube-prometheus-stack" } });
    assert.equal(values.service?.enabled, true);
  });

  it("leaves the ServiceMonitor out when the stack disables it", async () => {
    const values = chartValues(await planOnce("test", { config: configWith({ serviceMonitor: { enabled: false } }) }));
    assert.deepEqual(values.serviceMonitor, { enabled: false });
  });

  it("annotates the pods for Datadog's openmetrics check on port 12345 when enabled", async () => {
    const datadog = { enabled: true, namespace: "logs_test", metrics: ["loki_write_.*", "alloy_build_info"] };
    const values = chartValues(await planOnce("test", { config: configWith({ datadog }) }));
    const checks: unknown = JSON.parse(values.controller?.podAnnotations?.["ad.datadoghq.com/alloy.checks"] ?? "null");
    assert.deepEqual(checks, {
      openmetrics: {
        init_config: {},
        instances: [
          { openmetrics_endpoint: "http://%%host%%:12345/metrics", namespace: "logs_test", metrics: ["loki_write_.*", "alloy_build_info"] },
        ],
      },
    });
  });

  it("adds only the prometheus.io annotations when Datadog is disabled", async () => {
    const values = chartValues(await planOnce("test", { config: configWith({}) }));
    assert.deepEqual(values.controller?.podAnnotations, { "prometheus.io/scrape": "true", "prometheus.io/port": "12345" });
  });

  it("adds no pod annotations when Datadog and prometheusAnnotations are disabled", async () => {
    const values = chartValues(await planOnce("test", { config: configWith({ prometheusAnnotations: false }) }));
    assert.equal(values.controller?.podAnnotations, undefined);
  });

  it("merges validated chart overrides into the values", async () => {
    const values = chartValues(
      await planOnce("test", { config: configWith({ chartOverrides: { controller: { podLabels: { team: "platform" } } } }) }),
    );
    assert.deepEqual(values.controller?.podLabels, { team: "platform" });
    assert.deepEqual(values.controller?.tolerations, [{ operator: "Exists" }]);
  });

  it("exports the namespace, DaemonSet name, tenant and Loki endpoint", async () => {
    const { outputs } = await planOnce("test", { config: configWith({}) });
    assert.deepEqual(
      {
        namespace: outputs.namespace,
        daemonSetName: outputs.daemonSetName,
        tenantId: outputs.tenantId,
        lokiEndpoint: outputs.lokiEndpoint,
      },
      {
        namespace: "loki-v3",
        daemonSetName: "alloy",
        tenantId: "test",
        lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
      },
    );
  });

  it("exports the seed's post-deploy checks as commands for the stack's cluster and tenant", async () => {
    const { outputs } = await planOnce("test", { config: configWith({}) });
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

  it("creates the PrometheusRule with the collectors', pipeline and events alert groups and the label kube-prometheus-stack's ruleSelector matches", async () => {
    const rule = only((await planOnce("test", { config: configWith({}) })).resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.deepEqual(rule.inputs.metadata, { name: "alloy-logs", namespace: "loki-v3", labels: { release: "kube-prometheus-stack" } });
    const groups = (rule.inputs.spec as { groups: { name: string; rules: { alert: string }[] }[] }).groups;
    assert.deepEqual(
      groups.map((g) => [g.name, g.rules.map((r) => r.alert)]),
      [...EXPECTED_ALERT_GROUPS, EXPECTED_EVENTS_ALERT_GROUP],
    );
  });

  it("leaves the events alert group out when events.enabled is false", async () => {
    const plan = await planOnce("test", { config: configWith({ events: { enabled: false } }) });
    const rule = only(plan.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.deepEqual(
      (rule.inputs.spec as { groups: { name: string; rules: { alert: string }[] }[] }).groups.map((g) => [
        g.name,
        g.rules.map((r) => r.alert),
      ]),
      EXPECTED_ALERT_GROUPS,
    );
  });

  it("leaves out AlloyJournalNotRead, the journal blocks and any journal volume when journal.enabled is false", async () => {
    const plan = await planOnce("test", { config: configWith({ journal: { enabled: false, path: "/run/log/journal" } }) });
    const rule = only(plan.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    const alerts = (rule.inputs.spec as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert));
    assert.equal(alerts.includes("AlloyJournalNotRead"), false);
    const chart = only(plan.resources, "kubernetes:helm.sh/v4:Chart");
    const text = JSON.stringify(chart.inputs.values);
    assert.equal(text.includes("loki.source.journal"), false);
    assert.equal(text.includes("node-journal"), false);
  });

  it("keeps only the kube-state-metrics alerts when nothing scrapes Alloy (ServiceMonitor off)", async () => {
    const plan = await planOnce("test", { config: configWith({ serviceMonitor: { enabled: false } }) });
    const rule = only(plan.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    const groups = (rule.inputs.spec as { groups: { name: string; rules: { alert: string }[] }[] }).groups;
    assert.deepEqual(
      groups.map((g) => g.name),
      [RULE_GROUP_NAMES.collectors, "alloy-logs.events"],
    );
    assert.deepEqual(
      groups[1].rules.map((r) => r.alert),
      ["AlloyEventsCollectorUnavailable"],
    );
  });

  it("passes the alert thresholds from the stack", async () => {
    const plan = await planOnce("test", {
      config: configWith({ alerts: { noEntriesSentMinutes: 20, memoryLimitRatio: 0.8, failedRequestRatio: 0.25 } }),
    });
    const rule = only(plan.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    const exprs = Object.fromEntries(
      (rule.inputs.spec as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) =>
        g.rules.map((r) => [r.alert, r.expr]),
      ),
    );
    assert.match(exprs.AlloyNoEntriesSent, /\[20m\]\)\) > 0\)\nunless/);
    assert.match(exprs.AlloyCollectorMemoryNearLimit, /\n\) > 0\.8\n/);
    assert.match(exprs.AlloyLokiRequestsFailing, /\n\) > 0\.25$/);
  });

  it("delivers the dashboard as a ConfigMap labelled for Grafana's sidecar", async () => {
    const cm = only((await planOnce("test", { config: configWith({ namespace: "logs" }) })).resources, "kubernetes:core/v1:ConfigMap");
    assert.deepEqual(cm.inputs.metadata, { name: "alloy-logs-dashboard", namespace: "logs", labels: { grafana_dashboard: "1" } });
    const data = cm.inputs.data as Record<string, string>;
    assert.deepEqual(Object.keys(data), ["alloy-log-pipeline.json"]);
    const dashboard = JSON.parse(data["alloy-log-pipeline.json"]) as { uid: string; title: string; panels: unknown[] };
    assert.deepEqual(
      { uid: dashboard.uid, title: dashboard.title, panels: dashboard.panels.length },
      { uid: "alloy-log-pipeline", title: "Alloy log pipeline (logs)", panels: 14 },
    );
  });

  it("adds the events collector's row to the dashboard only when events.enabled", async () => {
    const rows = async (enabled: boolean) => {
      const plan = await planOnce("test", { config: configWith({ events: { enabled } }) });
      const data = only(plan.resources, "kubernetes:core/v1:ConfigMap").inputs.data as Record<string, string>;
      const model = JSON.parse(data["alloy-log-pipeline.json"]) as { panels: { type: string; title: string }[] };
      return model.panels.filter((p) => p.type === "row").map((p) => p.title);
    };
    assert.deepEqual([await rows(true), await rows(false)], [["Kubernetes events collector (alloy-events)"], []]);
  });

  it("creates neither the PrometheusRule nor the dashboard when the stack switches them off", async () => {
    const plan = await planOnce("test", { config: configWith({ alerts: { enabled: false }, dashboard: { enabled: false } }) });
    assert.deepEqual(
      plan.resources.filter((r) => r.type.endsWith(":PrometheusRule") || r.type.endsWith(":ConfigMap")),
      [],
    );
  });

  it("registers nothing but the stack itself when the config is invalid", async () => {
    const registered: string[] = [];
    await assert.rejects(runPlan("test", { config: configWith({ tenantId: "" }), onRegister: (type) => registered.push(type) }), {
      message:
        'Invalid configuration for stack "test" (Pulumi.test.yaml), nothing was deployed:\n' +
        `  - alloy-logs:tenantId: got ""; expected a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * ' ( ) (e.g. ops)`,
    });
    assert.deepEqual(registered, ["pulumi:pulumi:Stack"]);
  });

  it("registers the component, provider, namespace and chart for a valid config (the observer sees registrations)", async () => {
    const registered: string[] = [];
    await runPlan("test", { config: configWith({}), onRegister: (type) => registered.push(type) });
    assert.deepEqual(registered.sort(), [
      "alloy-logs:index:AlloyLogCollector",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Namespace",
      CHART_TYPE,
      CHART_TYPE,
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
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
      const plan = await planOnce("test", { config: configWith(basic), secretKeys });
      const secret = only(plan.resources, "kubernetes:core/v1:Secret");
      assert.deepEqual(secret.inputs.metadata, { name: "alloy-loki-auth", namespace: "loki-v3" });
      assert.ok(secret.inputs.stringData instanceof SecretValue, "stringData is not secret");
      assert.deepEqual(secret.inputs.stringData.value, { LOKI_USERNAME: "ops-writer", LOKI_PASSWORD: PASSWORD });
    });

    it("passes them to Alloy as environment variables from the Secret", async () => {
      const values = chartValues(await planOnce("test", { config: configWith(basic), secretKeys }));
      assert.deepEqual(values.alloy?.extraEnv, [
        { name: "LOKI_USERNAME", valueFrom: { secretKeyRef: { name: "alloy-loki-auth", key: "LOKI_USERNAME" } } },
        { name: "LOKI_PASSWORD", valueFrom: { secretKeyRef: { name: "alloy-loki-auth", key: "LOKI_PASSWORD" } } },
      ]);
    });

    it("never appear in the values, the Alloy config or resources.json", async () => {
      const plan = await planOnce("test", { config: configWith(basic), secretKeys });
      for (const [what, text] of [
        ["values.yaml", valuesYaml(plan)],
        ["resources.json", resourcesJson(plan)],
      ]) {
        assert.equal(text.includes(PASSWORD), false, `${what} contains the password`);
        assert.equal(text.includes("ops-writer"), false, `${what} contains the username`);
      }
    });

    it("stay secret in Pulumi state even when the caller passes them in plain text", async () => {
      await pulumi.runtime.setMocks(ECHO_MOCKS, PROJECT, "test", false);
      // The config's credentials are plain strings once parsed: only the component makes them secret.
      const config = parseStackConfig("test", configWith(basic), { secretKeys });
      const collector = new AlloyLogCollector("alloy-logs", collectorArgs(config));
      assert.ok(collector.lokiAuthSecret, "no Secret");
      assert.equal(await pulumi.isSecret(collector.lokiAuthSecret.stringData), true);
    });

    it("hold a bearer token in the Secret under the variable the config reads", async () => {
      const plan = await planOnce("test", { config: configWith({ lokiAuth: { type: "bearer", token: PASSWORD } }), secretKeys });
      const secret = only(plan.resources, "kubernetes:core/v1:Secret");
      assert.deepEqual((secret.inputs.stringData as SecretValue).value, { LOKI_BEARER_TOKEN: PASSWORD });
      assert.deepEqual(chartValues(plan).alloy?.extraEnv, [
        { name: "LOKI_BEARER_TOKEN", valueFrom: { secretKeyRef: { name: "alloy-loki-auth", key: "LOKI_BEARER_TOKEN" } } },
      ]);
    });

    it("are read from a stack file's secure values without decrypting them offline", () => {
      const dir = mkdtempSync(path.join(tmpdir(), "stack-"));
      try {
        writeFileSync(
          path.join(dir, "Pulumi.sec.yaml"),
          "config:\n  alloy-logs:tenantId: sec\n  alloy-logs:lokiAuth:\n    type: basic\n    username: u\n    password:\n      secure: v1:AAAABBBBCCCC\n",
        );
        assert.deepEqual(readStackFile(dir, "sec"), {
          config: { "alloy-logs:tenantId": "sec", "alloy-logs:lokiAuth": '{"password":"[secret]","type":"basic","username":"u"}' },
          secretKeys: ["alloy-logs:lokiAuth"],
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("leave stacks without credentials with no Secret and no environment from one", async () => {
      const plan = await planOnce("test", { config: { ...MINIMAL_CONFIG } });
      assert.equal(plan.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
      assert.equal(chartValues(plan).alloy?.extraEnv, undefined);
    });
  });
});

describe("what each stack file registers", () => {
  for (const stack of stackNames()) {
    it(`Pulumi.${stack}.yaml: every resource's type, name, parent, options and inputs match its golden resources.json`, async () => {
      const plan = await planOnce(stack, readStackFile(ROOT, stack));
      const golden = goldenFile(stack, "resources.json");
      assert.equal(resourcesJson(plan), golden, "run `npm run golden:update` and review the diff");
    });
  }
});

describe("AlloyLogCollector args", () => {
  const required: AlloyLogCollectorArgs = (() => {
    const c = parseStackConfig("test", configWith({}));
    return { clusterName: c.clusterName, kubeconfigContext: c.kubeconfigContext, lokiEndpoint: c.lokiEndpoint, tenantId: c.tenantId };
  })();

  it("default every arg left unset to the stack schema's defaults", () => {
    assert.deepEqual(withDefaults(required), { ...required, ...PINNED_DEFAULTS });
  });

  it("refuse args the stack schema's rules refuse (a YAML program's), naming each with its value, before any child", async () => {
    await pulumi.runtime.setMocks(ECHO_MOCKS, PROJECT, "test", false);
    assert.throws(() => new AlloyLogCollector("alloy-logs", { ...required, lokiEndpoint: "http://loki:3100/", tenantId: "" }), {
      message:
        "AlloyLogCollector: invalid args, nothing was deployed:\n" +
        '  - lokiEndpoint: got "http://loki:3100/"; expected the Loki push path: the URL must end in /loki/api/v1/push\n' +
        `  - tenantId: got ""; expected a Loki tenant ID: 1-150 characters from A-Z a-z 0-9 ! - _ . * ' ( ) (e.g. ops)`,
    });
  });

  it("refuse a component with neither kubeconfigContext nor eks, instead of using the ambient kubeconfig context", async () => {
    await pulumi.runtime.setMocks(ECHO_MOCKS, PROJECT, "test", false);
    assert.throws(() => new AlloyLogCollector("alloy-logs", { ...required, kubeconfigContext: undefined }), {
      message:
        "AlloyLogCollector: set exactly one of kubeconfigContext and eks, so the cluster is never the ambient kubeconfig's current one",
    });
  });

  it("let two instances live in one stack: no two resources share a URN", async () => {
    const plan = await planOnce("test", { config: configWith({}), program: path.join(__dirname, "support", "two-collectors-program.ts") });
    const urns = matchState("test", PROJECT, plan.resources, []).matches.map((m) => m.urn);
    assert.equal(plan.resources.filter((r) => r.type === COMPONENT.split("::")[0]).length, 2);
    assert.deepEqual(
      urns.filter((urn, i) => urns.indexOf(urn) !== i),
      [],
    );
  });
});

describe("the events collector (alloy-events)", () => {
  const eventsOf = (resources: PlannedResource[], type: string) => {
    const found = resources.filter((r) => r.type === type && isEventsChild(r));
    assert.equal(found.length, 1, `expected one events ${type}, got ${found.length}`);
    return found[0];
  };

  it("installs the pinned chart as release alloy-events, object prefix alloy-events, into the collector's namespace", async () => {
    const chart = eventsOf((await planOnce("test", { config: configWith({}) })).resources, CHART_TYPE);
    assert.deepEqual(
      {
        name: chart.name,
        release: chart.inputs.name,
        resourcePrefix: chart.inputs.resourcePrefix,
        version: chart.inputs.version,
        namespace: chart.inputs.namespace,
      },
      {
        name: "alloy-logs-events-chart",
        release: "alloy-events",
        resourcePrefix: "alloy-events",
        version: ALLOY_CHART_VERSION,
        namespace: "loki-v3",
      },
    );
  });

  it("grants only get, list and watch on core events", async () => {
    const role = eventsOf(
      (await planOnce("test", { config: configWith({}) })).resources,
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    );
    assert.deepEqual(
      { metadata: role.inputs.metadata, rules: role.inputs.rules },
      {
        metadata: { name: "loki-v3-alloy-events" },
        rules: [{ apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] }],
      },
    );
  });

  it("binds that role to the chart's ServiceAccount alloy-events, and only to it", async () => {
    const { resources } = await planOnce("test", { config: configWith({}) });
    const binding = eventsOf(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "alloy-events", namespace: "loki-v3" }]);
    assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "loki-v3-alloy-events" });
  });

  it("waits for its binding and the Loki credentials' Secret before the chart", async () => {
    const { resources } = await planOnce("test", {
      config: configWith({ lokiAuth: { type: "bearer", token: "t" } }),
      secretKeys: ["alloy-logs:lokiAuth"],
    });
    const chart = eventsOf(resources, CHART_TYPE);
    assert.deepEqual([...(chart.options.dependsOn as string[])].sort(), [
      "kubernetes:core/v1:Namespace::alloy-logs-namespace",
      "kubernetes:core/v1:Secret::alloy-logs-loki-auth",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::alloy-logs-events-reader",
    ]);
  });

  it("reads the bearer token from the DaemonSet's Secret, as the DaemonSet does", async () => {
    const { resources } = await planOnce("test", {
      config: configWith({ lokiAuth: { type: "bearer", token: "t" } }),
      secretKeys: ["alloy-logs:lokiAuth"],
    });
    const values = eventsOf(resources, CHART_TYPE).inputs.values as { alloy: { extraEnv: unknown } };
    assert.deepEqual(values.alloy.extraEnv, [
      { name: "LOKI_BEARER_TOKEN", valueFrom: { secretKeyRef: { name: "alloy-loki-auth", key: "LOKI_BEARER_TOKEN" } } },
    ]);
  });

  it("events.enabled false registers none of it and changes nothing else", async () => {
    const on = await planOnce("test", { config: configWith({}) });
    const off = await planOnce("test", { config: configWith({ events: { enabled: false } }) });
    const key = (r: PlannedResource) => `${r.type}::${r.name}`;
    assert.deepEqual(on.resources.filter((r) => !off.resources.some((o) => key(o) === key(r))).map(key), [
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::alloy-logs-events-reader",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::alloy-logs-events-reader",
      `${CHART_TYPE}::alloy-logs-events-chart`,
    ]);
    assert.deepEqual(
      off.resources.filter(
        (r) =>
          !isEventsChild(r) && r.type !== "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.type !== "kubernetes:core/v1:ConfigMap",
      ),
      on.resources.filter(
        (r) =>
          !isEventsChild(r) && r.type !== "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.type !== "kubernetes:core/v1:ConfigMap",
      ),
    );
  });

  it("turned off on a deployed stack, deletes only its own three resources (pulumi up removes the release)", async () => {
    const [stack] = stackNames();
    const file = readStackFile(ROOT, stack);
    const before = await planOnce(stack, file);
    const oldUrns = matchState(stack, PROJECT, before.resources, []).matches.map((m) => m.urn);
    const after = await planOnce(stack, { ...file, config: { ...file.config, [`${PROJECT}:events`]: JSON.stringify({ enabled: false }) } });
    const { matches, deleted, conflicts } = matchState(stack, PROJECT, after.resources, oldUrns);
    assert.deepEqual(
      matches.filter((m) => m.old === undefined).map((m) => m.key),
      [],
      "created",
    );
    assert.deepEqual(
      deleted.map((urn) => urn.split("::").slice(2).join("::")),
      [
        "alloy-logs:index:AlloyLogCollector$kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::alloy-logs-events-reader",
        "alloy-logs:index:AlloyLogCollector$kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::alloy-logs-events-reader",
        `alloy-logs:index:AlloyLogCollector$${CHART_TYPE}::alloy-logs-events-chart`,
      ],
      "deleted",
    );
    assert.deepEqual(conflicts, []);
  });
});

describe("updating a stack deployed before child names derived from the component's name", () => {
  const fixture = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "urns", "before-child-names.json"), "utf8")) as {
    cases: { stack: string; config: Record<string, string>; secretKeys: string[]; urns: string[] }[];
  };

  for (const recorded of fixture.cases) {
    it(`${recorded.stack}: every resource takes over the URN it had, by name or alias (a read is read anew); nothing is created or deleted`, async () => {
      const plan = await planOnce(recorded.stack, { config: recorded.config, secretKeys: recorded.secretKeys });
      const { matches, deleted, conflicts } = matchState(recorded.stack, PROJECT, plan.resources, recorded.urns);
      // A read (Namespace.get) is read anew under its new URN, and its old entry, which owns nothing, is discarded.
      const reread = matches.filter((m) => m.old === undefined && m.read);
      // By its own type: the component's type, in the parent chain, moved to the package's token since.
      const ownType = (urn: string) => urn.split("::")[2].split("$").pop();
      const discarded = (urn: string) => reread.some((m) => ownType(m.urn) === ownType(urn));
      // Only the events collector, which those stacks did not have, is new.
      assert.deepEqual(
        matches.filter((m) => m.old === undefined && !m.read).map((m) => m.key),
        [
          "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::alloy-logs-events-reader",
          "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::alloy-logs-events-reader",
          `${CHART_TYPE}::alloy-logs-events-chart`,
        ],
        "created",
      );
      assert.deepEqual(
        deleted.filter((urn) => !discarded(urn)),
        [],
        "deleted",
      );
      assert.deepEqual(conflicts, []);
    });
  }

  it("keeps the chart's objects' URNs: the old Chart name as their prefix, and the old parent type chain as their inherited alias", async () => {
    const recorded = fixture.cases[0];
    const oldChart = recorded.urns.find((urn) => urn.includes(`$${CHART_TYPE}::`));
    assert.ok(oldChart, "no Chart in the fixture");
    const plan = await planOnce(recorded.stack, { config: recorded.config, secretKeys: recorded.secretKeys });
    const chart = only(plan.resources, CHART_TYPE);
    // The provider names each object `<resourcePrefix>:<namespace>/<name>` under the Chart (pulumi-kubernetes yaml/v2 Register).
    const objectName = (prefix: unknown) => `${String(prefix)}:loki-v3/alloy`;
    const oldObject = urnOf(
      recorded.stack,
      PROJECT,
      oldChart.split("::")[2],
      "kubernetes:apps/v1:DaemonSet",
      objectName(oldChart.split("::").pop()),
    );
    // The provider registers the object as the Chart's child, with no alias: the engine gives it the Chart's inherited one.
    const daemonSet: PlannedResource = {
      type: "kubernetes:apps/v1:DaemonSet",
      name: objectName(chart.inputs.resourcePrefix),
      parent: `${CHART_TYPE}::${chart.name}`,
      read: false,
      options: {},
      inputs: {},
    };
    const { matches } = matchState(recorded.stack, PROJECT, [...plan.resources, daemonSet], [...recorded.urns, oldObject]);
    assert.equal(matches.find((m) => m.key === `kubernetes:apps/v1:DaemonSet::${daemonSet.name}`)?.old, oldObject);
  });
});

describe("renaming the component with its old name as an alias", () => {
  it("moves every child to the new name in place: nothing is created or deleted", async () => {
    const [stack] = stackNames();
    const file = readStackFile(ROOT, stack);
    const before = await planOnce(stack, file);
    const oldUrns = matchState(stack, PROJECT, before.resources, []).matches.map((m) => m.urn);
    const after = await planOnce(stack, { ...file, program: path.join(__dirname, "support", "renamed-program.ts") });
    const componentIn = (plan: typeof before) => only(plan.resources, COMPONENT.split("::")[0]);
    assert.deepEqual(
      { name: componentIn(after).name, aliases: componentIn(after).options.aliases },
      { name: "logs", aliases: [{ name: componentIn(before).name }, { type: LEGACY_COMPONENT_TYPE }] },
    );
    const { matches, deleted, conflicts } = matchState(stack, PROJECT, after.resources, oldUrns);
    assert.deepEqual(
      matches.filter((m) => m.old === undefined).map((m) => m.key),
      [],
      "created",
    );
    assert.deepEqual(deleted, [], "deleted");
    assert.deepEqual(conflicts, []);
  });
});
