/**
 * The policy pack (policy/): its checks on hand-made objects, what it expects of
 * each stack, and how the Pulumi CLI starts it (the pack started so and asked as
 * the engine asks is test/process/policy-pack.test.ts, in the real-tool tier). The checks on objects rendered by the real helm from the
 * real chart are in test/policy-render.test.ts.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { checkObject, checkRelease, kubeObjectOf, stackOfUrn, type Expectations, type KubeObject } from "../policy/checks";
import { loadExpectations } from "../policy/expectations";
import { languageHostCommand, POLICY_DIR } from "./support/policy-pack";
import { CHART_FIX, goodDaemonSet, goodServiceMonitor } from "./support/policy-objects";
import { ROOT } from "./support/stacks";

/** What Pulumi.ops.yaml asks for, written out (not computed by the pack). */
const OPS: Expectations = {
  stack: "ops",
  namespace: "loki-v3",
  release: "alloy",
  resources: { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "700Mi" } },
  storageHostDir: "/var/lib/alloy-logs/loki-v3-alloy",
  serviceMonitor: { enabled: true, labels: { release: "kube-prometheus-stack" } },
  datadog: { enabled: true, namespace: "loki_v3" },
};

function messages(object: KubeObject, expected: Expectations = OPS): string[] {
  return checkObject(object, expected).map((v) => `${v.policy}: ${v.message}`);
}

describe("policy pack checks (policy/checks.ts)", () => {
  describe("the collector DaemonSet", () => {
    it("passes every check when it is as the chart renders it for the stack", () => {
      assert.deepEqual(messages(goodDaemonSet()), []);
    });

    it("fails a DaemonSet without tolerations, naming the chart path and the stack key", () => {
      const ds = goodDaemonSet();
      delete (ds.spec.template.spec as { tolerations?: unknown }).tolerations;
      assert.deepEqual(messages(ds), [
        "collector-tolerates-every-taint: DaemonSet loki-v3/alloy has no toleration for all taints: got tolerations nothing; " +
          'expected one {"operator":"Exists"}, or the collector stays off every tainted node (the seed incident); fix: ' +
          CHART_FIX("controller.tolerations"),
      ]);
    });

    it("fails tolerations that match only some taints (a key or an effect)", () => {
      const ds = goodDaemonSet();
      ds.spec.template.spec.tolerations = [
        { operator: "Exists", effect: "NoSchedule" },
        { key: "dedicated", operator: "Exists" },
      ];
      assert.deepEqual(
        checkObject(ds, OPS).map((v) => v.policy),
        ["collector-tolerates-every-taint"],
      );
    });

    it("fails another priority class, naming controller.priorityClassName", () => {
      const ds = goodDaemonSet();
      ds.spec.template.spec.priorityClassName = "low";
      assert.deepEqual(messages(ds), [
        'collector-priority-class: DaemonSet loki-v3/alloy has priorityClassName "low"; expected "system-node-critical", or a full node has no room for its collector; fix: ' +
          CHART_FIX("controller.priorityClassName"),
      ]);
    });

    it("fails resources other than the stack's, naming alloy-logs:resources", () => {
      const ds = goodDaemonSet();
      ds.spec.template.spec.containers[0].resources = { requests: { cpu: "100m", memory: "128Mi" } };
      assert.deepEqual(messages(ds), [
        'collector-resources: container alloy of DaemonSet loki-v3/alloy has resources {"requests":{"cpu":"100m","memory":"128Mi"}}; ' +
          'expected alloy-logs:resources of Pulumi.ops.yaml, {"requests":{"cpu":"250m","memory":"300Mi"},"limits":{"memory":"700Mi"}}; ' +
          "fix: set alloy-logs:resources in Pulumi.ops.yaml (not alloy.resources under alloy-logs:chartOverrides)",
      ]);
    });

    it("fails a writable /var/log", () => {
      const ds = goodDaemonSet();
      ds.spec.template.spec.containers[0].volumeMounts[1].readOnly = false;
      assert.deepEqual(messages(ds), [
        "collector-reads-var-log-read-only: container alloy of DaemonSet loki-v3/alloy mounts /var/log with readOnly false; " +
          "expected readOnly true: the collector must never write the node's logs; fix: " +
          CHART_FIX("alloy.mounts.varlog"),
      ]);
    });

    it("fails a DaemonSet that does not mount /var/log", () => {
      const ds = goodDaemonSet();
      ds.spec.template.spec.containers[0].volumeMounts.splice(1, 1);
      assert.deepEqual(messages(ds), [
        "collector-reads-var-log-read-only: container alloy of DaemonSet loki-v3/alloy does not mount /var/log; " +
          "expected a read-only mount of the node's /var/log, where the pod logs are; fix: " +
          CHART_FIX("alloy.mounts.varlog"),
      ]);
    });

    it("fails positions kept off the stack's hostPath directory, naming alloy-logs:storageHostPath", () => {
      const ds = goodDaemonSet();
      ds.spec.template.spec.volumes[2] = { name: "alloy-storage", emptyDir: {} } as never;
      assert.deepEqual(messages(ds), [
        'collector-keeps-positions-on-host: Alloy\'s storage path /var/lib/alloy in DaemonSet loki-v3/alloy is volume {"name":"alloy-storage","emptyDir":{}}; ' +
          "expected a hostPath volume of /var/lib/alloy-logs/loki-v3-alloy, or read positions are lost with the pod and logs are sent twice or lost; " +
          "fix: set alloy-logs:storageHostPath in Pulumi.ops.yaml, and nothing under alloy-logs:chartOverrides that moves alloy.storagePath",
      ]);
    });

    it("fails a storage path that is no mount at all (the chart's default /tmp/alloy)", () => {
      const ds = goodDaemonSet();
      ds.spec.template.spec.containers[0].args = ["run", "/etc/alloy/config.alloy", "--storage.path=/tmp/alloy"];
      assert.deepEqual(
        checkObject(ds, OPS).map((v) => v.message.split(";")[0]),
        ["Alloy's storage path /tmp/alloy in DaemonSet loki-v3/alloy is not a mount"],
      );
    });

    it("fails pods without the Datadog check when the stack enables Datadog, naming alloy-logs:datadog", () => {
      const ds = goodDaemonSet();
      ds.spec.template.metadata.annotations = {} as never;
      assert.deepEqual(messages(ds), [
        "collector-monitoring-annotations: pods of DaemonSet loki-v3/alloy have ad.datadoghq.com/alloy.checks nothing; " +
          'expected an openmetrics check of http://%%host%%:12345/metrics with namespace "loki_v3" (alloy-logs:datadog.enabled is true in Pulumi.ops.yaml); ' +
          "fix: set alloy-logs:datadog in Pulumi.ops.yaml",
      ]);
    });

    it("fails pods with a Datadog check the stack disables", () => {
      assert.deepEqual(messages(goodDaemonSet(), { ...OPS, datadog: { enabled: false, namespace: "loki_v3" } }), [
        "collector-monitoring-annotations: pods of DaemonSet loki-v3/alloy carry ad.datadoghq.com/alloy.checks although alloy-logs:datadog.enabled is false in Pulumi.ops.yaml; " +
          "expected no Datadog check; fix: set alloy-logs:datadog in Pulumi.ops.yaml",
      ]);
    });

    it("judges only the release's DaemonSet in the stack's namespace", () => {
      const other = goodDaemonSet();
      other.metadata = { name: "node-exporter", namespace: "loki-v3" };
      delete (other.spec.template.spec as { tolerations?: unknown }).tolerations;
      assert.deepEqual(messages(other), []);
    });

    it("reports, never throws, on an object of an unexpected shape", () => {
      const odd = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "alloy", namespace: "loki-v3" }, spec: "?" };
      assert.deepEqual(
        checkObject(odd, OPS).map((v) => v.policy),
        [
          "collector-tolerates-every-taint",
          "collector-priority-class",
          "collector-resources",
          "collector-reads-var-log-read-only",
          "collector-keeps-positions-on-host",
          "collector-monitoring-annotations",
        ],
      );
    });
  });

  describe("the ServiceMonitor", () => {
    it("passes with the stack's selector labels", () => {
      assert.deepEqual(messages(goodServiceMonitor()), []);
    });

    it("fails without the labels Prometheus selects by, naming alloy-logs:serviceMonitor.labels", () => {
      const sm = goodServiceMonitor();
      delete sm.metadata.labels.release;
      assert.deepEqual(messages(sm), [
        'service-monitor-selector-labels: ServiceMonitor loki-v3/alloy has labels {"app.kubernetes.io/name":"alloy"}; expected {"release":"kube-prometheus-stack"} too, ' +
          "or Prometheus never selects it and nothing scrapes Alloy; fix: set alloy-logs:serviceMonitor.labels in Pulumi.ops.yaml to the labels of the Prometheus serviceMonitorSelector",
      ]);
    });
  });

  describe("the release as a whole", () => {
    it("passes one DaemonSet and the ServiceMonitor the stack enables", () => {
      assert.deepEqual(checkRelease([goodDaemonSet(), goodServiceMonitor()], OPS), []);
    });

    it("fails a stack whose collector DaemonSet was renamed (e.g. fullnameOverride)", () => {
      const renamed = goodDaemonSet();
      renamed.metadata.name = "logs";
      assert.deepEqual(checkRelease([renamed, goodServiceMonitor()], OPS), [
        "the stack renders 0 DaemonSet loki-v3/alloy (DaemonSets: DaemonSet loki-v3/logs); expected exactly one, the collector on every node; " +
          "fix: set alloy-logs:namespace in Pulumi.ops.yaml, and nothing under alloy-logs:chartOverrides that renames the release's objects",
      ]);
    });

    it("fails a collector rendered as a Deployment", () => {
      const deployment = { ...goodDaemonSet(), kind: "Deployment" };
      assert.deepEqual(checkRelease([deployment, goodServiceMonitor()], OPS).slice(1), [
        "the stack renders a Deployment loki-v3/alloy; expected the collector only as a DaemonSet, one pod per node; fix: " +
          CHART_FIX("controller.type"),
      ]);
    });

    it("fails a missing ServiceMonitor when the stack enables it, naming alloy-logs:serviceMonitor", () => {
      assert.deepEqual(checkRelease([goodDaemonSet()], OPS), [
        "the stack renders 0 ServiceMonitor loki-v3/alloy; expected one, as alloy-logs:serviceMonitor.enabled is true in Pulumi.ops.yaml; fix: set alloy-logs:serviceMonitor in Pulumi.ops.yaml",
      ]);
    });
  });

  describe("reading the engine's resources", () => {
    it("takes the stack from a URN", () => {
      assert.equal(
        stackOfUrn("urn:pulumi:prod::alloy-logs::kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:DaemonSet::alloy:loki-v3/alloy"),
        "prod",
      );
    });

    it("reads a DaemonSet and a ServiceMonitor of the kubernetes provider, and opens no other resource", () => {
      const props = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "alloy" }, spec: {} };
      assert.deepEqual(kubeObjectOf("kubernetes:apps/v1:DaemonSet", props), props);
      assert.equal(kubeObjectOf("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", { metadata: {} })?.kind, "ServiceMonitor");
      const untouchable = new Proxy({}, { get: () => assert.fail("a Secret's properties were read") });
      assert.equal(kubeObjectOf("kubernetes:core/v1:Secret", untouchable), undefined);
      assert.equal(kubeObjectOf("aws:iam/role:Role", untouchable), undefined);
    });
  });
});

describe("what the policy pack expects of each stack (policy/expectations.ts)", () => {
  it("reads Pulumi.ops.yaml with the program's loader and defaults", () => {
    assert.deepEqual(loadExpectations("ops"), OPS);
  });

  it("takes the config the engine handed the pack (PULUMI_CONFIG) over the stack file, for the stack it was started for", () => {
    const env = {
      PULUMI_NODEJS_STACK: "ops",
      // As the language host's RunPlugin writes it: the engine's keys, objects as JSON text.
      PULUMI_CONFIG: JSON.stringify({
        "alloy-logs:clusterName": "buzzvil-eks-ops",
        "alloy-logs:kubeconfigContext": "e2e",
        "alloy-logs:lokiEndpoint": "http://loki:3100/loki/api/v1/push",
        "alloy-logs:tenantId": "ops",
        "alloy-logs:namespace": "logging",
        "alloy-logs:resources": '{"requests":{"cpu":"250m","memory":"300Mi"},"limits":{"memory":"800Mi"}}',
        // Decrypted by the engine, with no list of secret keys: not kept, not refused.
        "alloy-logs:lokiAuth": '{"type":"bearer","token":"plain-text-token"}',
      }),
    };
    const expectations = loadExpectations("ops", undefined, env);
    assert.equal(expectations.namespace, "logging");
    assert.deepEqual(expectations.resources, { requests: { cpu: "250m", memory: "300Mi" }, limits: { memory: "800Mi" } });
    assert.equal(expectations.storageHostDir, "/var/lib/alloy-logs/logging-alloy");
  });

  it("reads the stack file when PULUMI_CONFIG was given for another stack", () => {
    const env = { PULUMI_NODEJS_STACK: "dev", PULUMI_CONFIG: JSON.stringify({ "alloy-logs:namespace": "elsewhere" }) };
    assert.deepEqual(loadExpectations("ops", undefined, env), OPS);
  });

  it("names the stack file when a stack has none", () => {
    // Not a plausible next cluster (staging, qa): adding one must not break this test.
    assert.throws(() => loadExpectations("no-such-stack"), {
      message: 'No stack file Pulumi.no-such-stack.yaml: is "no-such-stack" a stack of this project?',
    });
  });
});

describe("how the Pulumi CLI starts the policy pack (policy/PulumiPolicy.yaml, policy/main.js)", () => {
  it("is node <run-policy-pack> <engine> <pack dir> in the pack's directory, as the language host builds it", () => {
    const runner = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack", "index.js");
    assert.deepEqual(languageHostCommand(POLICY_DIR, "127.0.0.1:1"), {
      args: [runner, "127.0.0.1:1", POLICY_DIR],
      cwd: POLICY_DIR,
      env: { PULUMI_NODEJS_TYPESCRIPT: "true" },
    });
  });
});

// The pack started as the CLI starts it (a node process loading @pulumi/policy, seconds here) is in
// test/process/policy-pack.test.ts, in the real-tool tier.
