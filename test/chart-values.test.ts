import assert from "node:assert/strict";
import * as path from "node:path";
import ts from "typescript";
import { parse } from "yaml";
import { CHART_TYPE, valuesYaml } from "../plan/output";
import type { PlanResult } from "../plan/run";
import { ALLOY_CHART_PATHS } from "../chart/alloy-values.generated";
import { checkChartOverrides, mergeChartOverrides, suggestChartPath } from "../chart/overrides";
import { buildChartValues, escapeHelmTemplate, PROGRAM_OWNED_PATHS, unescapeHelmTemplate } from "../chart/values";
import { chartValuesInput } from "./support/chart-input";

const INPUT = chartValuesInput();

/** Every set path: map entries (podAnnotations keys) count as paths of their own. */
function setPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = [...prefix, k];
    return ALLOY_CHART_PATHS[p.join(".")] === "map" && typeof v === "object" && v !== null ? Object.keys(v).map((e) => [...p, e]) : setPaths(v, p);
  });
}

describe("chart values builder", () => {
  const values = buildChartValues(INPUT);

  it("sets only paths that the grafana/alloy 1.4.0 chart reads", () => {
    const unknown = setPaths(values).filter((p) => !(p.join(".") in ALLOY_CHART_PATHS) && !(p.slice(0, -1).join(".") in ALLOY_CHART_PATHS));
    assert.deepEqual(unknown, []);
  });

  it("declares every path it sets as program-owned, so chartOverrides cannot set it a second way", () => {
    const isPrefix = (a: readonly string[], b: readonly string[]) => a.every((x, i) => b[i] === x);
    const unowned = setPaths(values).filter((p) => !PROGRAM_OWNED_PATHS.some((o) => isPrefix(o.path, p)));
    assert.deepEqual(unowned, []);
  });

  it("tolerates every taint at controller.tolerations", () => {
    assert.deepEqual(values.controller?.tolerations, [{ operator: "Exists" }]);
  });

  it("passes the ServiceMonitor interval when one is set", () => {
    assert.equal(values.serviceMonitor?.interval, "30s");
  });

  it("passes the Datadog metric list into the check", () => {
    const checks = JSON.parse(values.controller?.podAnnotations?.["ad.datadoghq.com/alloy.checks"] ?? "{}");
    assert.deepEqual(checks.openmetrics.instances[0].metrics, ["loki_write_.*"]);
  });

  it("escapes {{ in the Alloy config so Helm's tpl prints it back unchanged", () => {
    const config = 'stage.template { template = "{{ .Value }}" }\n// {{ .Release.Name }}';
    const content = buildChartValues({ ...INPUT, alloyConfig: config }).alloy?.configMap?.content ?? "";
    assert.equal(content, 'stage.template { template = "{{ "{{" }} .Value }}" }\n// {{ "{{" }} .Release.Name }}');
    assert.equal(unescapeHelmTemplate(content), config);
  });

  it("writes hostile strings to values.yaml so that it parses back to exactly the same values", () => {
    const hostile = 'x: "1"\n---\n- {{ .Values }} # \\ \' \t %%host%% &anchor *ref';
    const values = buildChartValues({ ...INPUT, alloyConfig: hostile, overrides: { controller: { podAnnotations: { team: hostile } } } });
    const plan: PlanResult = {
      stack: "t",
      outputs: {},
      resources: [{ type: CHART_TYPE, name: "alloy", read: false, options: {}, inputs: { values } }],
    };
    assert.deepEqual(parse(valuesYaml(plan)), values);
  });

  it("leaves text without {{ unchanged", () => {
    assert.equal(escapeHelmTemplate("a } }} b"), "a } }} b");
  });
});

describe("chart overrides", () => {
  const suggestions: [string, string | undefined][] = [
    ["tolerations", "controller.tolerations"],
    ["nodeSelector", "controller.nodeSelector"],
    ["priorityClassName", "controller.priorityClassName"],
    ["resources", "alloy.resources"],
    ["controler.tolerations", "controller.tolerations"],
    ["controller.tolerationz", "controller.tolerations"],
    ["serviceMonitor.labels", "serviceMonitor.additionalLabels"],
    ["loki.endpoint", undefined],
    ["agent.resources", "alloy.resources"],
  ];
  for (const [input, expected] of suggestions) {
    it(`suggests ${expected ?? "nothing"} for ${input}`, () => {
      assert.equal(suggestChartPath(input.split(".")), expected);
    });
  }

  it("treats the deprecated `agent` alias as unknown, pointing at alloy", () => {
    assert.deepEqual(checkChartOverrides({ agent: { extraArgs: [] } }, []), [
      { path: ["agent"], message: 'expected a value path the grafana/alloy 1.4.0 chart reads; it does not read "agent", so Helm would silently ignore it. Did you mean "alloy"?' },
    ]);
  });

  it("refuses an entry the program sets inside a free-form map, and accepts its neighbours", () => {
    const owned = [{ path: ["controller", "podAnnotations", "ad.datadoghq.com/alloy.checks"], reason: "set alloy-logs:datadog instead" }];
    assert.deepEqual(checkChartOverrides({ controller: { podAnnotations: { team: "a", "ad.datadoghq.com/alloy.checks": "{}" } } }, owned), [
      {
        path: ["controller", "podAnnotations", "ad.datadoghq.com/alloy.checks"],
        message: 'expected no override of chart value "controller.podAnnotations.ad.datadoghq.com/alloy.checks": set alloy-logs:datadog instead',
      },
    ]);
  });

  it("refuses replacing a whole subtree that contains a program-owned value", () => {
    const owned = [{ path: ["controller", "tolerations"], reason: "r" }];
    assert.deepEqual(checkChartOverrides({ controller: null }, owned), [{ path: ["controller"], message: 'expected a map at chart value "controller"' }]);
  });

  it("merges maps key by key and replaces lists, like a later Helm values file", () => {
    const merged = mergeChartOverrides(
      { controller: { tolerations: [{ operator: "Exists" }], podAnnotations: { a: "1" } } },
      { controller: { podAnnotations: { b: "2" }, extraContainers: [{ name: "x" }] } },
    );
    assert.deepEqual(merged, { controller: { tolerations: [{ operator: "Exists" }], podAnnotations: { a: "1", b: "2" }, extraContainers: [{ name: "x" }] } });
  });
});

describe("chart values types", () => {
  // Type-checks a snippet against chart/alloy-values.generated.ts with the real compiler.
  function diagnostics(snippet: string): string[] {
    const file = path.join(__dirname, "..", "chart", "__snippet__.ts");
    const source = `import type { AlloyChartValues } from "./alloy-values.generated";\n${snippet}\n`;
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], types: [], skipLibCheck: true };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => (path.resolve(name) === file ? source : readFile(name));
    host.fileExists = ((exists) => (name: string) => path.resolve(name) === file || exists(name))(host.fileExists.bind(host));
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }

  it("accepts tolerations at controller.tolerations", () => {
    assert.deepEqual(diagnostics('const v: AlloyChartValues = { controller: { tolerations: [{ operator: "Exists" }] } };\nvoid v;'), []);
  });

  it("makes a root-level tolerations a compile error (the seed incident)", () => {
    const errors = diagnostics('const v: AlloyChartValues = { tolerations: [{ operator: "Exists" }] };\nvoid v;');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /Object literal may only specify known properties, and 'tolerations' does not exist in type/);
  });

  it("makes a value of the wrong type a compile error", () => {
    const errors = diagnostics('const v: AlloyChartValues = { controller: { type: "replicaset" } };\nvoid v;');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /Type '"replicaset"' is not assignable to type '"daemonset" \| "deployment" \| "statefulset"/);
  });
});
