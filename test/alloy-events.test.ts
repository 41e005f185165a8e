import assert from "node:assert/strict";
import { buildEventsAlloyConfig, type EventsPipelineInput } from "../alloy-config/events";
import { checkAlloyConfig } from "./support/alloy-components";
import { formatValue, literalValue, parseAlloy, type Block, type Statement } from "./support/alloy-syntax";

const OPS: EventsPipelineInput = {
  clusterName: "buzzvil-eks-ops",
  tenantId: "ops",
  lokiEndpoint: "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
  write: { batchSize: "1MiB", batchWait: "1s", timeout: "10s", minBackoff: "500ms", maxBackoff: "5m", maxRetries: 15 },
  auth: "none",
  kindLabel: true,
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

function stages(statements: Statement[]): Block[] {
  return component(statements, "loki.process", "events").body.filter((s): s is Block => s.kind === "block");
}

/**
 * Labels a line gets from the generated stages, applied as loki.process does:
 * stage.logfmt reads keys of the line into extracted values (mapping
 * <extracted> = <logfmt key or "" for the same>), stage.labels copies extracted
 * values into labels, stage.label_keep keeps the listed ones.
 */
function labelsOf(config: Statement[], line: string, sourceLabels: Record<string, string>): Record<string, string> {
  const fields = Object.fromEntries([...line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((m) => [m[1], m[2]]));
  const extracted: Record<string, string> = {};
  const labels = { ...sourceLabels };
  for (const stage of stages(config)) {
    if (stage.name === "stage.logfmt") {
      for (const [name, key] of Object.entries(literalValue(attribute(stage, "mapping")) as Record<string, string>)) {
        if (fields[key || name] !== undefined) extracted[name] = fields[key || name];
      }
    } else if (stage.name === "stage.labels") {
      for (const [name, from] of Object.entries(literalValue(attribute(stage, "values")) as Record<string, string>)) {
        if (extracted[from || name] !== undefined) labels[name] = extracted[from || name];
      }
    } else if (stage.name === "stage.label_keep") {
      const keep = literalValue(attribute(stage, "values")) as string[];
      for (const name of Object.keys(labels)) if (!keep.includes(name)) delete labels[name];
    }
  }
  return labels;
}

/**
 * The seed's event, as v1.11.3's parseEvent writes it in logfmt
 * (event_controller.go: name, kind, objectAPIversion, objectRV, eventRV,
 * reportingcontroller, reportinginstance, reason, type, count, then msg quoted).
 */
const FAILED_SCHEDULING =
  "name=api-7d9f-x2 kind=Pod action=Scheduling objectAPIversion=v1 objectRV=4711 eventRV=4712 " +
  "reportinginstance=default-scheduler-ip-10-0-1-2 reportingcontroller=default-scheduler reason=FailedScheduling type=Warning " +
  'msg="0/10 nodes are available: 3 node(s) had untolerated taint {dedicated: batch}." ';
/** The labels loki.source.kubernetes_events gives it (parseEvent: namespace, job, instance). */
const SOURCE_LABELS = {
  namespace: "payments",
  job: "integrations/kubernetes/eventhandler",
  instance: "loki.source.kubernetes_events.cluster",
};

describe("Alloy events pipeline builder", () => {
  const config = parseAlloy(buildEventsAlloyConfig(OPS));

  it("uses only Alloy v1.11.3 components and arguments, with every reference defined", () => {
    assert.deepEqual(checkAlloyConfig(config), []);
  });

  it("watches every namespace's events in logfmt under a fixed job name, with no clustering block", () => {
    const source = component(config, "loki.source.kubernetes_events", "cluster");
    assert.deepEqual(
      source.body.map((s) => (s.kind === "attribute" ? `${s.name} = ${formatValue(s.value)}` : s.name)),
      ['job_name = "integrations/kubernetes/eventhandler"', 'log_format = "logfmt"', "forward_to = [loki.process.events.receiver]"],
    );
  });

  it("labels the seed's FailedScheduling event with job, namespace, level, reason and kind", () => {
    assert.deepEqual(labelsOf(config, FAILED_SCHEDULING, SOURCE_LABELS), {
      job: "integrations/kubernetes/eventhandler",
      namespace: "payments",
      level: "Warning",
      reason: "FailedScheduling",
      kind: "Pod",
    });
  });

  it("leaves kind out when kindLabel is off", () => {
    const withoutKind = parseAlloy(buildEventsAlloyConfig({ ...OPS, kindLabel: false }));
    assert.deepEqual(labelsOf(withoutKind, FAILED_SCHEDULING, SOURCE_LABELS), {
      job: "integrations/kubernetes/eventhandler",
      namespace: "payments",
      level: "Warning",
      reason: "FailedScheduling",
    });
  });

  it("never keeps the object's name, the message or the component's instance as a label", () => {
    const keep = stages(config).find((s) => s.name === "stage.label_keep");
    assert.ok(keep);
    assert.deepEqual(literalValue(attribute(keep, "values")), ["job", "namespace", "level", "reason", "kind"]);
  });

  it("writes to the same endpoint and tenant, with the cluster label, as the DaemonSet", () => {
    const write = component(config, "loki.write", "loki");
    const endpoint = write.body.find((s): s is Block => s.kind === "block" && s.name === "endpoint");
    assert.ok(endpoint);
    assert.equal(literalValue(attribute(endpoint, "url")), OPS.lokiEndpoint);
    assert.equal(literalValue(attribute(endpoint, "tenant_id")), "ops");
    assert.deepEqual(literalValue(attribute(write, "external_labels")), { cluster: "buzzvil-eks-ops" });
  });

  it("reads basic-auth credentials from the environment, as the DaemonSet does", () => {
    const text = buildEventsAlloyConfig({ ...OPS, auth: "basic" });
    assert.ok(
      text.includes('    basic_auth {\n      username = sys.env("LOKI_USERNAME")\n      password = sys.env("LOKI_PASSWORD")\n    }\n'),
      text,
    );
  });

  it("is deterministic and ends in a newline", () => {
    const text = buildEventsAlloyConfig(OPS);
    assert.equal(text, buildEventsAlloyConfig(OPS));
    assert.ok(text.endsWith("}\n"));
  });
});
