import assert from "node:assert/strict";
import { buildAlloyConfig, type PipelineInput } from "../alloy/pipeline";
import { checkAlloyConfig } from "./support/alloy-components";
import { formatValue, literalValue, parseAlloy, type Block, type Statement } from "./support/alloy-syntax";
import { applyRules, publicLabels, rulesOf } from "./support/relabel";

const OPS: PipelineInput = {
  clusterName: "buzzvil-eks-ops",
  tenantId: "ops",
  lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
};

function component(statements: Statement[], name: string, label: string): Block {
  const found = statements.find((s): s is Block => s.kind === "block" && s.name === name && s.label === label);
  assert.ok(found, `no ${name} "${label}" block`);
  return found;
}

function attribute(b: Block, name: string) {
  const found = b.body.find((s) => s.kind === "attribute" && s.name === name);
  assert.ok(found && found.kind === "attribute", `no attribute ${name} in ${b.name}`);
  return found.value;
}

function child(b: Block, name: string): Block {
  const found = b.body.find((s): s is Block => s.kind === "block" && s.name === name);
  assert.ok(found, `no block ${name} in ${b.name}`);
  return found;
}

describe("Alloy pipeline builder", () => {
  const config = parseAlloy(buildAlloyConfig(OPS));

  it("uses only Alloy v1.11.3 components and arguments, with every reference defined", () => {
    assert.deepEqual(checkAlloyConfig(config), []);
  });

  it("is deterministic", () => {
    assert.equal(buildAlloyConfig(OPS), buildAlloyConfig({ ...OPS }));
  });

  it("wires discovery -> relabel -> file match -> tail -> process -> write", () => {
    const flow = [
      ["discovery.relabel", "pod_logs", "targets", "discovery.kubernetes.pods.targets"],
      ["local.file_match", "pod_logs", "path_targets", "discovery.relabel.pod_logs.output"],
      ["loki.source.file", "pod_logs", "targets", "local.file_match.pod_logs.targets"],
      ["loki.source.file", "pod_logs", "forward_to", "[loki.process.pod_logs.receiver]"],
      ["loki.process", "pod_logs", "forward_to", "[loki.write.loki.receiver]"],
    ];
    for (const [name, label, attr, expected] of flow) {
      assert.equal(formatValue(attribute(component(config, name, label), attr)), expected, `${name}.${attr}`);
    }
  });

  it("discovers only the pods of the collector's own node, via the non-deprecated sys.env", () => {
    const discovery = component(config, "discovery.kubernetes", "pods");
    assert.equal(literalValue(attribute(discovery, "role")), "pod");
    const selectors = child(discovery, "selectors");
    assert.equal(literalValue(attribute(selectors, "role")), "pod");
    assert.equal(formatValue(attribute(selectors, "field")), '"spec.nodeName=" + sys.env("HOSTNAME")');
  });

  describe("labels (Promtail-compatible relabeling)", () => {
    const rules = rulesOf(component(config, "discovery.relabel", "pod_logs"));
    const pod = {
      __meta_kubernetes_namespace: "payments",
      __meta_kubernetes_pod_name: "api-7d9c6b5f8-x2k4q",
      __meta_kubernetes_pod_uid: "0b1c2d3e-1111-2222-3333-444455556666",
      __meta_kubernetes_pod_node_name: "ip-10-11-12-106.ap-northeast-1.compute.internal",
      __meta_kubernetes_pod_container_name: "api",
      __meta_kubernetes_pod_controller_name: "api-7d9c6b5f8",
    };

    it("yields exactly app, component, instance, node_name, namespace, pod, container and job", () => {
      const labels = publicLabels(
        applyRules(rules, {
          ...pod,
          __meta_kubernetes_pod_label_app_kubernetes_io_name: "api",
          __meta_kubernetes_pod_label_app_kubernetes_io_instance: "api-prod",
          __meta_kubernetes_pod_label_app_kubernetes_io_component: "server",
        }),
      );
      assert.deepEqual(labels, {
        app: "api",
        component: "server",
        instance: "api-prod",
        node_name: "ip-10-11-12-106.ap-northeast-1.compute.internal",
        namespace: "payments",
        pod: "api-7d9c6b5f8-x2k4q",
        container: "api",
        job: "payments/api",
      });
    });

    it("takes app from the app label when app.kubernetes.io/name is empty", () => {
      const labels = applyRules(rules, { ...pod, __meta_kubernetes_pod_label_app_kubernetes_io_name: "", __meta_kubernetes_pod_label_app: "legacy" });
      assert.equal(labels.app, "legacy");
      assert.equal(labels.job, "payments/legacy");
    });

    it("falls back to the controller name with its pod-template hash stripped", () => {
      assert.equal(applyRules(rules, pod).app, "api");
    });

    it("falls back to the pod name when there is no label and no controller", () => {
      const { __meta_kubernetes_pod_controller_name: _, ...bare } = pod;
      assert.equal(applyRules(rules, bare).app, "api-7d9c6b5f8-x2k4q");
    });

    it("takes instance and component from their plain labels when the app.kubernetes.io ones are absent", () => {
      const labels = applyRules(rules, { ...pod, __meta_kubernetes_pod_label_instance: "blue", __meta_kubernetes_pod_label_component: "worker" });
      assert.equal(labels.instance, "blue");
      assert.equal(labels.component, "worker");
    });

    it("points __path__ at the container's log files under /var/log/pods", () => {
      assert.equal(applyRules(rules, pod).__path__, "/var/log/pods/*0b1c2d3e-1111-2222-3333-444455556666/api/*.log");
    });

    it("points a static pod's __path__ at its config hash, the directory the kubelet writes", () => {
      const labels = applyRules(rules, {
        ...pod,
        __meta_kubernetes_pod_container_name: "kube-proxy",
        __meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash: "true",
        __meta_kubernetes_pod_annotation_kubernetes_io_config_hash: "5b2f8a9c1d",
      });
      assert.equal(labels.__path__, "/var/log/pods/*5b2f8a9c1d/kube-proxy/*.log");
    });
  });

  it("parses CRI lines, takes the timestamp from them and drops the filename label, in that order", () => {
    const stages = component(config, "loki.process", "pod_logs").body.filter((s): s is Block => s.kind === "block");
    assert.deepEqual(stages.map((s) => s.name), ["stage.cri", "stage.timestamp", "stage.label_drop"]);
    assert.equal(literalValue(attribute(stages[1], "source")), "time");
    assert.equal(literalValue(attribute(stages[1], "format")), "RFC3339");
    assert.deepEqual(literalValue(attribute(stages[2], "values")), ["filename"]);
  });

  it("writes to the stack's endpoint and tenant with the cluster as an external label", () => {
    const write = component(config, "loki.write", "loki");
    const endpoint = child(write, "endpoint");
    assert.equal(literalValue(attribute(endpoint, "url")), OPS.lokiEndpoint);
    assert.equal(literalValue(attribute(endpoint, "tenant_id")), "ops");
    assert.deepEqual(literalValue(attribute(write, "external_labels")), { cluster: "buzzvil-eks-ops" });
  });

  it("escapes every config string, so hostile input stays one string literal", () => {
    const hostile: PipelineInput = {
      clusterName: 'x", injected = "1\n}\nloki.write "evil" {',
      tenantId: 'a"b\\c\nd{{ .Values }}${x}\u0000',
      lokiEndpoint: 'http://e/loki/api/v1/push"\n  tenant_id = "other',
    };
    const parsed = parseAlloy(buildAlloyConfig(hostile));
    assert.deepEqual(
      parsed.map((s) => (s.kind === "block" ? `${s.name}.${s.label}` : s.name)),
      ["discovery.kubernetes.pods", "discovery.relabel.pod_logs", "local.file_match.pod_logs", "loki.source.file.pod_logs", "loki.process.pod_logs", "loki.write.loki"],
    );
    const write = component(parsed, "loki.write", "loki");
    const endpoint = child(write, "endpoint");
    assert.equal(literalValue(attribute(endpoint, "url")), hostile.lokiEndpoint);
    assert.equal(literalValue(attribute(endpoint, "tenant_id")), hostile.tenantId);
    assert.deepEqual(literalValue(attribute(write, "external_labels")), { cluster: hostile.clusterName });
    assert.deepEqual(checkAlloyConfig(parsed), []);
  });
});
