import assert from "node:assert/strict";
import * as path from "node:path";
import { annotationMetaLabel, buildAlloyConfig, type PipelineInput } from "../alloy-config/pipeline";
import { parseStackConfig } from "../config/load";
import { checkAlloyConfig } from "./support/alloy-components";
import { formatValue, literalValue, parseAlloy, type Block, type Statement } from "./support/alloy-syntax";
import { applyRules, publicLabels, rulesOf } from "./support/relabel";
import { lineOf } from "./support/source-lines";
import { MINIMAL_CONFIG } from "./support/stacks";

/** The schema's defaults for the pipeline and the Loki client. */
const DEFAULTS = parseStackConfig("test", MINIMAL_CONFIG);

const OPS: PipelineInput = {
  clusterName: "buzzvil-eks-ops",
  tenantId: "ops",
  lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
  pipeline: DEFAULTS.pipeline,
  journal: DEFAULTS.journal,
  write: DEFAULTS.lokiWrite,
  auth: "none",
};

function withPipeline(pipeline: Partial<PipelineInput["pipeline"]>): PipelineInput {
  return { ...OPS, pipeline: { ...OPS.pipeline, ...pipeline } };
}

function processStages(input: PipelineInput): Block[] {
  return component(parseAlloy(buildAlloyConfig(input)), "loki.process", "pod_logs").body.filter((s): s is Block => s.kind === "block");
}

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
      const labels = applyRules(rules, {
        ...pod,
        __meta_kubernetes_pod_label_app_kubernetes_io_name: "",
        __meta_kubernetes_pod_label_app: "legacy",
      });
      assert.equal(labels?.app, "legacy");
      assert.equal(labels?.job, "payments/legacy");
    });

    it("falls back to the controller name with its pod-template hash stripped", () => {
      assert.equal(applyRules(rules, pod)?.app, "api");
    });

    it("falls back to the pod name when there is no label and no controller", () => {
      const { __meta_kubernetes_pod_controller_name: _, ...bare } = pod;
      assert.equal(applyRules(rules, bare)?.app, "api-7d9c6b5f8-x2k4q");
    });

    it("takes instance and component from their plain labels when the app.kubernetes.io ones are absent", () => {
      const labels = applyRules(rules, {
        ...pod,
        __meta_kubernetes_pod_label_instance: "blue",
        __meta_kubernetes_pod_label_component: "worker",
      });
      assert.equal(labels?.instance, "blue");
      assert.equal(labels?.component, "worker");
    });

    it("points __path__ at the container's log files under /var/log/pods", () => {
      assert.equal(applyRules(rules, pod)?.__path__, "/var/log/pods/*0b1c2d3e-1111-2222-3333-444455556666/api/*.log");
    });

    it("points a static pod's __path__ at its config hash, the directory the kubelet writes", () => {
      const labels = applyRules(rules, {
        ...pod,
        __meta_kubernetes_pod_container_name: "kube-proxy",
        __meta_kubernetes_pod_annotationpresent_kubernetes_io_config_hash: "true",
        __meta_kubernetes_pod_annotation_kubernetes_io_config_hash: "5b2f8a9c1d",
      });
      assert.equal(labels?.__path__, "/var/log/pods/*5b2f8a9c1d/kube-proxy/*.log");
    });
  });

  it("by default parses CRI lines, drops entries over the maximum age, then keeps only the index labels", () => {
    const stages = component(config, "loki.process", "pod_logs").body.filter((s): s is Block => s.kind === "block");
    assert.deepEqual(
      stages.map((s) => s.name),
      ["stage.cri", "stage.timestamp", "stage.drop", "stage.label_drop", "stage.label_keep"],
    );
    assert.equal(literalValue(attribute(stages[1], "source")), "time");
    assert.equal(literalValue(attribute(stages[1], "format")), "RFC3339");
    assert.deepEqual(literalValue(attribute(stages[2], "older_than")), "12h");
    assert.deepEqual(literalValue(attribute(stages[2], "drop_counter_reason")), "too_old");
    assert.deepEqual(literalValue(attribute(stages[3], "values")), ["filename"]);
    assert.deepEqual(literalValue(attribute(stages[4], "values")), [
      "app",
      "component",
      "container",
      "instance",
      "job",
      "namespace",
      "node_name",
      "pod",
      "stream",
    ]);
  });

  it("reads new files from their start", () => {
    assert.equal(literalValue(attribute(component(config, "loki.source.file", "pod_logs"), "tail_from_end")), false);
  });

  it("skips files untouched for longer than the maximum entry age", () => {
    const match = component(parseAlloy(buildAlloyConfig(withPipeline({ maxEntryAge: "6h" }))), "local.file_match", "pod_logs");
    assert.equal(literalValue(attribute(match, "ignore_older_than")), "6h");
  });

  it("matches each container's live log file only, not rotated or compressed ones", () => {
    const rules = rulesOf(component(config, "discovery.relabel", "pod_logs"));
    const glob = applyRules(rules, { __meta_kubernetes_pod_uid: "u1", __meta_kubernetes_pod_container_name: "api" })?.__path__ ?? "";
    // The kubelet's layout: the live file, a rotation, a compressed rotation, a restart's file.
    const files = ["0.log", "0.log.20251205-101500", "0.log.20251205-091500.gz", "1.log"].map(
      (f) => `/var/log/pods/payments_api-0_u1/api/${f}`,
    );
    const pattern = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
    assert.deepEqual(
      files.filter((f) => pattern.test(f)).map((f) => path.basename(f)),
      ["0.log", "1.log"],
    );
  });

  it("drops pods annotated with the opt-out annotation set to true, and only those", () => {
    const rules = rulesOf(component(config, "discovery.relabel", "pod_logs"));
    const pod = { __meta_kubernetes_namespace: "ns", __meta_kubernetes_pod_name: "p", __meta_kubernetes_pod_container_name: "c" };
    assert.equal(applyRules(rules, { ...pod, __meta_kubernetes_pod_annotation_alloy_logs_exclude: "true" }), undefined);
    assert.equal(applyRules(rules, { ...pod, __meta_kubernetes_pod_annotation_alloy_logs_exclude: "false" })?.pod, "p");
    assert.equal(applyRules(rules, pod)?.pod, "p");
  });

  it("derives the opt-out meta label from a custom annotation key", () => {
    assert.equal(annotationMetaLabel("example.com/no-logs"), "__meta_kubernetes_pod_annotation_example_com_no_logs");
  });

  it("excludes namespaces in the API server's field selector", () => {
    const parsed = parseAlloy(buildAlloyConfig(withPipeline({ excludeNamespaces: ["kube-system", "istio-system"] })));
    const selectors = child(component(parsed, "discovery.kubernetes", "pods"), "selectors");
    assert.equal(
      formatValue(attribute(selectors, "field")),
      '"spec.nodeName=" + sys.env("HOSTNAME") + ",metadata.namespace!=kube-system,metadata.namespace!=istio-system"',
    );
  });

  it("refuses a namespace that would change the field selector", () => {
    assert.throws(() => buildAlloyConfig(withPipeline({ excludeNamespaces: ["a,spec.nodeName!=x"] })), {
      message: 'not a namespace name: "a,spec.nodeName!=x"',
    });
  });

  it("drops kubelet probe and health-check lines when enabled, counted as reason probe", () => {
    const stages = processStages(withPipeline({ dropProbeLogs: true }));
    const probe = stages.find((s) => s.name === "stage.drop" && literalValue(attribute(s, "drop_counter_reason")) === "probe");
    assert.ok(probe, "no probe stage.drop");
    const expression = new RegExp(literalValue(attribute(probe, "expression")) as string);
    const lines = [
      '10.0.1.5 - - [05/Dec/2025:10:15:00 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.31"',
      '10.0.1.5 - - [05/Dec/2025:10:15:00 +0000] "GET /ready HTTP/1.1" 200 2 "-" "Go-http-client/1.1"',
      'level=info msg="GET /readyz" status=200',
      '10.0.2.9 - - [05/Dec/2025:10:15:01 +0000] "GET /api/orders HTTP/1.1" 200 512 "-" "curl/8.5"',
      'level=error msg="health check of upstream payments failed"',
      "GET /healthcheck-report 200",
    ];
    assert.deepEqual(
      lines.map((l) => expression.test(l)),
      [true, true, true, false, false, false],
    );
  });

  it("keeps probe lines by default", () => {
    assert.equal(processStages(OPS).filter((s) => s.name === "stage.drop").length, 1);
  });

  it("rate-limits per namespace with a burst, dropping excess lines instead of blocking", () => {
    const stages = processStages(withPipeline({ rateLimit: { enabled: true, by: "namespace", linesPerSecond: 200, burst: 1000 } }));
    const limit = stages.find((s) => s.name === "stage.limit");
    assert.ok(limit, "no stage.limit");
    assert.deepEqual(Object.fromEntries(["rate", "burst", "by_label_name", "drop"].map((a) => [a, literalValue(attribute(limit, a))])), {
      rate: 200,
      burst: 1000,
      by_label_name: "namespace",
      drop: true,
    });
  });

  it("joins multiline entries of the chosen workloads from a first-line regex", () => {
    const stages = processStages(
      withPipeline({ multiline: [{ namespace: "payments", app: "api", firstLine: String.raw`^\d{4}-\d{2}-\d{2}`, maxWaitTime: "3s" }] }),
    );
    const match = stages.find((s) => s.name === "stage.match");
    assert.ok(match, "no stage.match");
    assert.equal(literalValue(attribute(match, "selector")), '{namespace="payments", app="api"}');
    const multiline = child(match, "stage.multiline");
    assert.equal(literalValue(attribute(multiline, "firstline")), String.raw`^\d{4}-\d{2}-\d{2}`);
    assert.equal(literalValue(attribute(multiline, "max_wait_time")), "3s");
  });

  it("keeps exactly the configured index labels, last", () => {
    const stages = processStages(withPipeline({ indexLabels: ["namespace", "app"] }));
    assert.equal(stages[stages.length - 1].name, "stage.label_keep");
    assert.deepEqual(literalValue(attribute(stages[stages.length - 1], "values")), ["namespace", "app"]);
  });

  it("retries 429 and 5xx with the configured backoff and batches as configured", () => {
    const endpoint = child(component(config, "loki.write", "loki"), "endpoint");
    const names = [
      "batch_size",
      "batch_wait",
      "remote_timeout",
      "retry_on_http_429",
      "min_backoff_period",
      "max_backoff_period",
      "max_backoff_retries",
    ];
    assert.deepEqual(Object.fromEntries(names.map((n) => [n, literalValue(attribute(endpoint, n))])), {
      batch_size: "1MiB",
      batch_wait: "1s",
      remote_timeout: "10s",
      retry_on_http_429: true,
      min_backoff_period: "500ms",
      max_backoff_period: "5m",
      max_backoff_retries: 15,
    });
  });

  it("reads basic-auth credentials from the environment, never holding them", () => {
    const endpoint = child(component(parseAlloy(buildAlloyConfig({ ...OPS, auth: "basic" })), "loki.write", "loki"), "endpoint");
    const basic = child(endpoint, "basic_auth");
    assert.equal(formatValue(attribute(basic, "username")), 'sys.env("LOKI_USERNAME")');
    assert.equal(formatValue(attribute(basic, "password")), 'sys.env("LOKI_PASSWORD")');
  });

  it("reads a bearer token from the environment", () => {
    const endpoint = child(component(parseAlloy(buildAlloyConfig({ ...OPS, auth: "bearer" })), "loki.write", "loki"), "endpoint");
    assert.equal(formatValue(attribute(endpoint, "bearer_token")), 'sys.env("LOKI_BEARER_TOKEN")');
  });

  it("sends no credentials when the stack sets none", () => {
    assert.doesNotMatch(buildAlloyConfig(OPS), /basic_auth|bearer_token/);
  });

  describe("the config check", () => {
    // Every combination of the pipeline's switches, each of which adds or changes blocks.
    const combinations: Partial<PipelineInput["pipeline"]>[] = [];
    for (const dropProbeLogs of [false, true])
      for (const rateLimit of [undefined, "namespace", "app"] as const)
        for (const multiline of [0, 2])
          for (const excludeNamespaces of [[], ["kube-system", "istio-system"]])
            combinations.push({
              dropProbeLogs,
              excludeNamespaces,
              ...(rateLimit && { rateLimit: { enabled: true, by: rateLimit, linesPerSecond: 50.5, burst: 100 } }),
              multiline: [
                { namespace: "payments", app: "api", firstLine: String.raw`^\d{4}-`, maxWaitTime: "3s" },
                { namespace: "jobs", firstLine: "^[A-Z]", maxWaitTime: "500ms" },
              ].slice(0, multiline),
            });

    it(`passes all ${combinations.length * 3} combinations of the pipeline options and credential kinds`, () => {
      const failures = combinations
        .flatMap((c) => (["none", "basic", "bearer"] as const).map((auth) => ({ ...withPipeline(c), auth })))
        .map((input) => ({ input, problems: checkAlloyConfig(parseAlloy(buildAlloyConfig(input))) }))
        .filter((r) => r.problems.length > 0);
      assert.deepEqual(failures, []);
    });

    it("rejects a deliberately misspelt attribute", () => {
      const text = buildAlloyConfig(OPS).replace("drop_counter_reason", "drop_counter_reasn");
      assert.deepEqual(checkAlloyConfig(parseAlloy(text)), [
        `line ${lineOf(text, "drop_counter_reasn")}: loki.process "pod_logs" > stage.drop > drop_counter_reasn: unknown attribute "drop_counter_reasn" (did you mean "drop_counter_reason"?)`,
      ]);
    });
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
      ...OPS,
      clusterName: 'x", injected = "1\n}\nloki.write "evil" {',
      tenantId: 'a"b\\c\nd{{ .Values }}${x}\u0000',
      lokiEndpoint: 'http://e/loki/api/v1/push"\n  tenant_id = "other',
      journal: { ...OPS.journal, path: '/j"\n}\nloki.write "evil" {', units: ['a"b\\.service'] },
    };
    const parsed = parseAlloy(buildAlloyConfig(hostile));
    assert.deepEqual(
      parsed.map((s) => (s.kind === "block" ? `${s.name}.${s.label}` : s.name)),
      [
        "discovery.kubernetes.pods",
        "discovery.relabel.pod_logs",
        "local.file_match.pod_logs",
        "loki.source.file.pod_logs",
        "loki.process.pod_logs",
        "discovery.relabel.node_journal",
        "loki.source.journal.node_journal",
        "loki.write.loki",
      ],
    );
    assert.equal(literalValue(attribute(component(parsed, "loki.source.journal", "node_journal"), "path")), hostile.journal.path);
    const write = component(parsed, "loki.write", "loki");
    const endpoint = child(write, "endpoint");
    assert.equal(literalValue(attribute(endpoint, "url")), hostile.lokiEndpoint);
    assert.equal(literalValue(attribute(endpoint, "tenant_id")), hostile.tenantId);
    assert.deepEqual(literalValue(attribute(write, "external_labels")), { cluster: hostile.clusterName });
    assert.deepEqual(checkAlloyConfig(parsed), []);
  });
});
