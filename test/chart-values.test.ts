import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { parse } from "yaml";
import { CHART_TYPE, valuesYaml } from "../plan/output";
import type { PlanResult } from "../plan/run";
import { ALLOY_APP_VERSION, ALLOY_CHART_PATHS, ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import { mergeChartOverrides } from "../chart/merge";
import { checkChartOverrides, OVERRIDE_LIMITS, suggestChartPath } from "../config/chart/overrides";
import { PROGRAM_OWNED_PATHS } from "../config/chart/owned";
import { buildChartValues, escapeHelmTemplate, unescapeHelmTemplate, type ChartValuesInput } from "../chart/values";
import { parseStackConfig, StackConfigError } from "../config/load";
import { ALLOY_VERSION } from "./support/alloy-components";
import { chartValuesInput } from "./support/chart-input";
import { MINIMAL_CONFIG, ROOT } from "./support/stacks";

const INPUT = chartValuesInput();

/** Every set path: map entries (podAnnotations keys) count as paths of their own. */
function setPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = [...prefix, k];
    return ALLOY_CHART_PATHS[p.join(".")] === "map" && typeof v === "object" && v !== null
      ? Object.keys(v as object).map((e) => [...p, e])
      : setPaths(v, p);
  });
}

describe("chart values builder", () => {
  const values = buildChartValues(INPUT);

  it(`sets only paths that the grafana/alloy ${ALLOY_CHART_VERSION} chart reads`, () => {
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
    const checks = JSON.parse(values.controller?.podAnnotations?.["ad.datadoghq.com/alloy.checks"] ?? "{}") as {
      openmetrics: { instances: { metrics: string[] }[] };
    };
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
      resources: [{ type: CHART_TYPE, name: "alloy", read: false, options: {}, inputs: { name: "alloy", values } }],
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
      {
        path: ["agent"],
        message: `expected a value path the grafana/alloy ${ALLOY_CHART_VERSION} chart reads; it does not read "agent", so Helm would silently ignore it. Did you mean "alloy"?`,
      },
    ]);
  });

  it("refuses an entry the program sets inside a free-form map, and accepts its neighbours", () => {
    const owned = [{ path: ["controller", "podAnnotations", "ad.datadoghq.com/alloy.checks"], reason: "set alloy-logs:datadog instead" }];
    assert.deepEqual(checkChartOverrides({ controller: { podAnnotations: { team: "a", "ad.datadoghq.com/alloy.checks": "{}" } } }, owned), [
      {
        path: ["controller", "podAnnotations", "ad.datadoghq.com/alloy.checks"],
        message:
          'expected no override of chart value "controller.podAnnotations.ad.datadoghq.com/alloy.checks": set alloy-logs:datadog instead',
      },
    ]);
  });

  it("refuses replacing a whole subtree that contains a program-owned value", () => {
    const owned = [{ path: ["controller", "tolerations"], reason: "r" }];
    assert.deepEqual(checkChartOverrides({ controller: null }, owned), [
      { path: ["controller"], message: 'expected a map at chart value "controller"' },
    ]);
  });

  it("merges maps key by key and replaces lists, like a later Helm values file", () => {
    const merged = mergeChartOverrides(
      { controller: { tolerations: [{ operator: "Exists" }], podAnnotations: { a: "1" } } },
      { controller: { podAnnotations: { b: "2" }, extraContainers: [{ name: "x" }] } },
    );
    assert.deepEqual(merged, {
      controller: { tolerations: [{ operator: "Exists" }], podAnnotations: { a: "1", b: "2" }, extraContainers: [{ name: "x" }] },
    });
  });
});

describe("monitoring annotations of the pods", () => {
  const annotations = (input: Partial<ChartValuesInput>) => buildChartValues({ ...INPUT, ...input }).controller?.podAnnotations;

  it('puts prometheus.io/scrape "true" and prometheus.io/port "12345" beside the Datadog check, as the seed did', () => {
    assert.deepEqual(Object.keys(annotations({}) ?? {}), ["ad.datadoghq.com/alloy.checks", "prometheus.io/scrape", "prometheus.io/port"]);
    assert.equal(annotations({})?.["prometheus.io/scrape"], "true");
    assert.equal(annotations({})?.["prometheus.io/port"], "12345");
  });

  it("leaves the prometheus.io annotations out when prometheusAnnotations is false", () => {
    assert.deepEqual(Object.keys(annotations({ prometheusAnnotations: false }) ?? {}), ["ad.datadoghq.com/alloy.checks"]);
  });

  it("sets no podAnnotations at all when Datadog and the prometheus.io annotations are both off", () => {
    const controller =
      buildChartValues({ ...INPUT, prometheusAnnotations: false, datadog: { ...INPUT.datadog, enabled: false } }).controller ?? {};
    assert.equal("podAnnotations" in controller, false);
  });

  it("writes no key for an unset ServiceMonitor interval", () => {
    const monitor = buildChartValues({ ...INPUT, serviceMonitor: { enabled: true, labels: {} } }).serviceMonitor ?? {};
    assert.deepEqual(monitor, { enabled: true, additionalLabels: {} });
  });
});

describe("chart overrides the program refuses", () => {
  const refusals: [string, Record<string, unknown>, { path: string[]; message: string }[]][] = [
    [
      "fullnameOverride",
      { fullnameOverride: "collector" },
      [
        {
          path: ["fullnameOverride"],
          message:
            'expected no override of chart value "fullnameOverride": renaming is not offered, because the program\'s ClusterRoleBinding, alerts, dashboard and verify find the DaemonSet, its pods, Service and ServiceAccount by the names the chart derives from the release',
        },
      ],
    ],
    [
      "nameOverride",
      { nameOverride: "collector" },
      [
        {
          path: ["nameOverride"],
          message:
            'expected no override of chart value "nameOverride": renaming is not offered, because the program\'s ClusterRoleBinding, alerts, dashboard and verify find the DaemonSet, its pods, Service and ServiceAccount by the names the chart derives from the release',
        },
      ],
    ],
    [
      "namespaceOverride",
      { namespaceOverride: "logs" },
      [
        {
          path: ["namespaceOverride"],
          message: 'expected no override of chart value "namespaceOverride": set alloy-logs:namespace instead',
        },
      ],
    ],
    [
      "serviceAccount.name and serviceAccount.annotations",
      { serviceAccount: { name: "other", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x" } } },
      ["name", "annotations"].map((key) => ({
        path: ["serviceAccount", key],
        message:
          "expected no override of chart value \"serviceAccount\": it is not offered, because the program's ClusterRoleBinding grants the chart's ServiceAccount, named after the release, its read access to pods, and Alloy needs no cloud identity to write to Loki",
      })),
    ],
    [
      "controller.nodeSelector",
      { controller: { nodeSelector: { "kubernetes.io/os": "linux" } } },
      [
        {
          path: ["controller", "nodeSelector"],
          message:
            "expected no override of chart value \"controller.nodeSelector\": it is not offered, because it would take the collector off nodes and lose their pods' logs, the seed incident by another road (to leave some pods' logs out, set alloy-logs:pipeline.excludeNamespaces or annotate those pods with the key alloy-logs:pipeline.excludeAnnotation names)",
        },
      ],
    ],
    [
      "controller.affinity",
      { controller: { affinity: { nodeAffinity: {} } } },
      [
        {
          path: ["controller", "affinity"],
          message:
            "expected no override of chart value \"controller.affinity\": it is not offered, because it would take the collector off nodes and lose their pods' logs, the seed incident by another road (to leave some pods' logs out, set alloy-logs:pipeline.excludeNamespaces or annotate those pods with the key alloy-logs:pipeline.excludeAnnotation names)",
        },
      ],
    ],
    [
      "controller.tolerations",
      { controller: { tolerations: [] } },
      [
        {
          path: ["controller", "tolerations"],
          message:
            'expected no override of chart value "controller.tolerations": it is not offered, because the collector tolerates every taint so that it runs on every node (to leave some pods\' logs out, set alloy-logs:pipeline.excludeNamespaces or annotate those pods with the key alloy-logs:pipeline.excludeAnnotation names)',
        },
      ],
    ],
    [
      "controller.topologySpreadConstraints",
      { controller: { topologySpreadConstraints: [{ maxSkew: 1 }] } },
      [
        {
          path: ["controller", "topologySpreadConstraints"],
          message:
            'expected no override of chart value "controller.topologySpreadConstraints": it is not offered, because it can leave nodes without a schedulable collector (to leave some pods\' logs out, set alloy-logs:pipeline.excludeNamespaces or annotate those pods with the key alloy-logs:pipeline.excludeAnnotation names)',
        },
      ],
    ],
    [
      "the pod selector labels, but not another pod label",
      { controller: { podLabels: { team: "platform", "app.kubernetes.io/instance": "x" } } },
      [
        {
          path: ["controller", "podLabels", "app.kubernetes.io/instance"],
          message:
            'expected no override of chart value "controller.podLabels.app.kubernetes.io/instance": it is not offered, because the chart\'s Service, the alerts and verify select the collector pods by this label',
        },
      ],
    ],
    [
      "the prometheus.io annotations, but not another annotation",
      { controller: { podAnnotations: { team: "platform", "prometheus.io/port": "8080" } } },
      [
        {
          path: ["controller", "podAnnotations", "prometheus.io/port"],
          message:
            'expected no override of chart value "controller.podAnnotations.prometheus.io/port": set alloy-logs:prometheusAnnotations instead',
        },
      ],
    ],
    [
      "a --storage.path in alloy.extraArgs, in either form, but not another argument",
      { alloy: { extraArgs: ["--stability.level=experimental", "--storage.path", "/tmp/alloy", "--storage.path=/tmp/alloy"] } },
      ["1", "3"].map((i) => ({
        path: ["alloy", "extraArgs", i],
        message:
          'expected no "--storage.path" in chart value "alloy.extraArgs": set alloy-logs:storageHostPath instead, the hostPath directory where the read positions live',
      })),
    ],
    [
      "a --server.http.listen-addr in alloy.extraArgs",
      { alloy: { extraArgs: ["--server.http.listen-addr=127.0.0.1:9999"] } },
      [
        {
          path: ["alloy", "extraArgs", "0"],
          message:
            'expected no "--server.http.listen-addr" in chart value "alloy.extraArgs": it is not offered, because the ServiceMonitor, the Datadog check and the prometheus.io annotations scrape http on port 12345 of every pod',
        },
      ],
    ],
    [
      "alloy.listenAddr",
      { alloy: { listenAddr: "127.0.0.1" } },
      [
        {
          path: ["alloy", "listenAddr"],
          message:
            'expected no override of chart value "alloy.listenAddr": it is not offered, because the ServiceMonitor, the Datadog check and the prometheus.io annotations scrape http on port 12345 of every pod',
        },
      ],
    ],
    [
      "image.tag",
      { image: { tag: "v1.0.0", registry: "mirror.example.com" } },
      [
        {
          path: ["image", "tag"],
          message:
            'expected no override of chart value "image.tag": upgrade the chart instead (docs/runbook.md, Upgrading the chart version), because the collector runs the pinned chart\'s Alloy version, the one the generated configuration is checked against',
        },
      ],
    ],
    [
      "extraObjects",
      { extraObjects: [{ kind: "ClusterRoleBinding" }] },
      [
        {
          path: ["extraObjects"],
          message:
            'expected no override of chart value "extraObjects": add them as resources of the program instead, because here they would be Kubernetes objects, RBAC among them, that no check of the program sees',
        },
      ],
    ],
    [
      "rbac.create",
      { rbac: { create: true } },
      [
        {
          path: ["rbac", "create"],
          message:
            'expected no override of chart value "rbac": it is not offered, because the program grants only what the pipeline uses (docs/design.md, Security)',
        },
      ],
    ],
  ];
  for (const [what, overrides, expected] of refusals) {
    it(`refuses ${what}`, () => {
      assert.deepEqual(checkChartOverrides(overrides, PROGRAM_OWNED_PATHS), expected);
    });
  }

  it("accepts settings the program neither sets nor relies on", () => {
    const overrides = {
      controller: { podAnnotations: { team: "platform" }, podLabels: { team: "platform" }, hostNetwork: false, extraContainers: [] },
      alloy: { extraArgs: ["--stability.level=experimental"], mounts: { dockercontainers: true } },
      image: { registry: "mirror.example.com" },
      configReloader: { resources: { requests: { cpu: "10m" } } },
    };
    assert.deepEqual(checkChartOverrides(overrides, PROGRAM_OWNED_PATHS), []);
  });
});

describe("chart overrides a user might type by accident or on purpose", () => {
  const unknown = (dotted: string, suggestion?: string) =>
    `expected a value path the grafana/alloy ${ALLOY_CHART_VERSION} chart reads; it does not read "${dotted}", so Helm would silently ignore it.` +
    (suggestion ? ` Did you mean "${suggestion}"?` : "");

  const NO_PROTO = "expected no __proto__ key: no chart value, Kubernetes field, label or annotation is named so";

  for (const key of ["constructor", "toString", "hasOwnProperty", "valueOf"]) {
    it(`reports a top-level ${key} as an unknown chart path`, () => {
      const overrides = JSON.parse(`{"${key}": {"polluted": true}}`) as Record<string, unknown>;
      assert.deepEqual(checkChartOverrides(overrides, PROGRAM_OWNED_PATHS), [{ path: [key], message: unknown(key) }]);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }

  it("refuses a top-level __proto__ key", () => {
    const overrides = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    assert.deepEqual(checkChartOverrides(overrides, PROGRAM_OWNED_PATHS), [{ path: ["__proto__"], message: NO_PROTO }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("refuses a nested __proto__ key", () => {
    const overrides = JSON.parse('{"controller": {"__proto__": {"type": "deployment"}}}') as Record<string, unknown>;
    assert.deepEqual(checkChartOverrides(overrides, PROGRAM_OWNED_PATHS), [{ path: ["controller", "__proto__"], message: NO_PROTO }]);
  });

  it("refuses a __proto__ key inside a free-form map", () => {
    const overrides = JSON.parse('{"controller": {"podAnnotations": {"team": "a", "__proto__": "x"}}}') as Record<string, unknown>;
    assert.deepEqual(checkChartOverrides(overrides, PROGRAM_OWNED_PATHS), [
      {
        path: ["controller", "podAnnotations", "__proto__"],
        message: NO_PROTO,
      },
    ]);
  });

  it("merges a __proto__ key inside a free-form map as plain data, never as the prototype", () => {
    const merged = mergeChartOverrides(
      buildChartValues(INPUT),
      JSON.parse('{"controller": {"podAnnotations": {"__proto__": {"polluted": "yes"}}}}') as Record<string, unknown>,
    );
    const annotations = merged.controller?.podAnnotations as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(annotations), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(annotations, "__proto__")?.value, { polluted: "yes" });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("refuses a list where the chart has a map", () => {
    assert.deepEqual(checkChartOverrides({ controller: [{ type: "deployment" }] }, PROGRAM_OWNED_PATHS), [
      { path: ["controller"], message: 'expected a map at chart value "controller"' },
    ]);
  });

  it(`refuses a value nested deeper than ${OVERRIDE_LIMITS.depth} levels, without showing it`, () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [problem, ...rest] = checkChartOverrides({ controller: { extraContainers: deep } }, PROGRAM_OWNED_PATHS);
    assert.deepEqual(rest, []);
    assert.deepEqual(problem.path.slice(0, 3), ["controller", "extraContainers", "0"]);
    assert.equal(problem.path.length, OVERRIDE_LIMITS.depth);
    assert.equal(problem.shown, "a value nested deeper still");
    assert.equal(problem.message, "expected at most 32 levels of nesting in chartOverrides; no value of the chart is nested that deep");
  });

  it(`refuses more than ${OVERRIDE_LIMITS.values} values in all`, () => {
    const podAnnotations = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`a${i}`, "x"]));
    assert.deepEqual(checkChartOverrides({ controller: { podAnnotations } }, PROGRAM_OWNED_PATHS), [
      {
        path: [],
        message: "expected at most 10000 keys and list items in chartOverrides; a larger change to the chart belongs in the program",
        shown: "more than 10000 values",
      },
    ]);
  });

  it(`reports at most ${OVERRIDE_LIMITS.problems} problems, however many keys are wrong`, () => {
    const overrides = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`unknownKey${i}`, i]));
    assert.equal(checkChartOverrides(overrides, PROGRAM_OWNED_PATHS).length, 20);
  });

  it("shortens an over-long key in the path and the message, and shows no value for it", () => {
    const key = "k".repeat(1_000_000);
    assert.deepEqual(checkChartOverrides({ [key]: 1 }, PROGRAM_OWNED_PATHS), [
      {
        path: [`${"k".repeat(40)}...(1000000 characters)`],
        shown: "a value under that key",
        message: unknown(`${"k".repeat(40)}...(1000000 characters)`),
      },
    ]);
  });

  it("refuses a top-level __proto__ in the stack config in one line (through config/load.ts)", () => {
    assert.throws(
      () => parseStackConfig("t", { ...MINIMAL_CONFIG, "alloy-logs:chartOverrides": '{"__proto__": {"x": 1}}' }),
      (error: unknown) =>
        error instanceof StackConfigError &&
        error.problems.length === 1 &&
        error.problems[0] === `alloy-logs:chartOverrides.__proto__: got {"x":1}; ${NO_PROTO}`,
    );
  });

  it("reports a deeply nested stack config value as one line, with no stack trace (through config/load.ts)", () => {
    const raw = `{"controller":{"extraContainers":${"[".repeat(200_000)}${"]".repeat(200_000)}}}`;
    const config = { ...MINIMAL_CONFIG, "alloy-logs:chartOverrides": raw };
    assert.throws(
      () => parseStackConfig("t", config),
      (error: unknown) =>
        error instanceof StackConfigError &&
        error.problems.length === 1 &&
        error.problems[0] ===
          `alloy-logs:chartOverrides.controller.extraContainers${".0".repeat(30)}: got a value nested deeper still; expected at most 32 levels of nesting in chartOverrides; no value of the chart is nested that deep`,
    );
  });
});

describe("chart values types", () => {
  const tsconfig = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  // The project's options, without the ambient type packages (tsconfig's types: node, mocha): the builders and
  // snippets checked here use neither (each builder must compile unchanged, below), and leaving them out of this
  // program of mutants saves about a third of its time. tsc checks the builders with every option (npm run typecheck).
  const options: ts.CompilerOptions = { ...tsconfig!.options, noEmit: true, noUnusedLocals: false, types: [] };

  /** Type-checks in-memory files (absolute path -> text) with the project's compiler options; diagnostics by file. */
  function typecheck(files: ReadonlyMap<string, string>): Map<string, string[]> {
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (name) => files.get(path.resolve(name)) ?? readFile(name);
    host.fileExists = (name) => files.has(path.resolve(name)) || fileExists(name);
    const program = ts.createProgram([...files.keys()], options, host);
    const out = new Map<string, string[]>();
    for (const file of files.keys()) {
      const source = program.getSourceFile(file)!;
      const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      out.set(
        file,
        diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
      );
    }
    return out;
  }

  // Snippets checked against config/chart/alloy-values.generated.ts, compiled in the same program as the mutants below.
  const SNIPPETS = {
    controllerTolerations: 'const v: AlloyChartValues = { controller: { tolerations: [{ operator: "Exists" }] } };\nvoid v;',
    rootTolerations: 'const v: AlloyChartValues = { tolerations: [{ operator: "Exists" }] };\nvoid v;',
    wrongType: 'const v: AlloyChartValues = { controller: { type: "replicaset" } };\nvoid v;',
    misspeltToleration: 'const v: AlloyChartValues = { controller: { tolerations: [{ operater: "Exists" }] } };\nvoid v;',
  };
  const snippetFile = (name: string) => path.join(ROOT, "chart", `__snippet_${name}__.ts`);
  const snippetFiles = Object.entries(SNIPPETS).map(([name, snippet]): [string, string] => [
    snippetFile(name),
    `import type { AlloyChartValues } from "../config/chart/alloy-values.generated";\n${snippet}\n`,
  ]);
  let results: Map<string, string[]>;
  const snippetDiagnostics = (name: keyof typeof SNIPPETS) => results.get(snippetFile(name))!;

  it("accepts tolerations at controller.tolerations", () => {
    assert.deepEqual(snippetDiagnostics("controllerTolerations"), []);
  });

  it("makes a root-level tolerations a compile error (the seed incident)", () => {
    const errors = snippetDiagnostics("rootTolerations");
    assert.equal(errors.length, 1);
    assert.match(errors[0], /Object literal may only specify known properties, and 'tolerations' does not exist in type/);
  });

  it("makes a value of the wrong type a compile error", () => {
    const errors = snippetDiagnostics("wrongType");
    assert.equal(errors.length, 1);
    assert.match(errors[0], /Type '"replicaset"' is not assignable to type '"daemonset" \| "deployment" \| "statefulset"/);
  });

  it("types a Kubernetes shape with @pulumi/kubernetes: a misspelt toleration field is a compile error", () => {
    const errors = snippetDiagnostics("misspeltToleration");
    assert.equal(errors.length, 1);
    assert.match(errors[0], /'operater' does not exist in type 'UnwrappedObject<Toleration>'. Did you mean to write 'operator'\?/);
  });

  // The guarantee itself, on the builders' own source: every key of every object
  // literal in chart/values.ts and in the Datadog check it annotates the pods with
  // is misspelt in turn, and each misspelling must fail to compile.
  const files: [string, string][] = [...snippetFiles];
  before(function () {
    this.timeout(120_000);
    results = typecheck(new Map(files));
  });

  const eachKeyMisspelt = (relative: string, keysThatUsedToEscape: readonly string[]) =>
    describe(`${relative}, each key misspelt in turn`, function () {
      const builderFile = path.join(ROOT, relative);
      const text = readFileSync(builderFile, "utf8");
      const source = ts.createSourceFile(builderFile, text, ts.ScriptTarget.ES2022, true);
      interface Mutation {
        key: string;
        line: string;
        file: string;
        text: string;
      }
      const mutations: Mutation[] = [];
      const holes: string[] = [];
      const visit = (node: ts.Node) => {
        if (ts.isObjectLiteralExpression(node)) {
          for (const property of node.properties) {
            const position = source.getLineAndCharacterOfPosition(property.getStart());
            const line = `${position.line + 1}:${position.character + 1}`;
            if (ts.isSpreadAssignment(property) || (property.name !== undefined && ts.isComputedPropertyName(property.name))) {
              holes.push(`line ${line}: ${property.getText()}`);
              continue;
            }
            const name = property.name;
            const key = ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : name.getText();
            const replacement = ts.isShorthandPropertyAssignment(property)
              ? `${key}Typo: ${key}`
              : ts.isStringLiteral(name)
                ? `"${key}Typo"`
                : `${key}Typo`;
            const start = ts.isShorthandPropertyAssignment(property) ? property.getStart() : name.getStart();
            const end = ts.isShorthandPropertyAssignment(property) ? property.getEnd() : name.getEnd();
            const file = path.join(path.dirname(builderFile), `__mutant_${path.basename(relative, ".ts")}_${mutations.length}__.ts`);
            mutations.push({ key, line, file, text: text.slice(0, start) + replacement + text.slice(end) });
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      files.push([builderFile, text], ...mutations.map((m): [string, string] => [m.file, m.text]));

      it("compiles unchanged", () => {
        assert.deepEqual(results.get(builderFile), []);
      });

      it("has no spread or computed key in an object literal, where TypeScript checks no key", () => {
        assert.deepEqual(holes, []);
      });

      it(`misspells the keys that used to escape the check: ${keysThatUsedToEscape.join(", ")}`, () => {
        const keys = new Set(mutations.map((m) => m.key));
        for (const key of keysThatUsedToEscape) assert.ok(keys.has(key), `no literal key ${key} found in ${relative}`);
      });

      for (const mutation of mutations) {
        it(`fails to compile with ${mutation.key}Typo for ${mutation.key} (line ${mutation.line})`, () => {
          const errors = results.get(mutation.file) ?? [];
          const expected = new RegExp(
            `Object literal may only specify known properties, (and|but) '${mutation.key}Typo' does not exist in type`,
          );
          assert.ok(
            errors.some((e) => expected.test(e)),
            `expected "Object literal may only specify known properties ... '${mutation.key}Typo'", got:\n${errors.join("\n")}`,
          );
        });
      }
    });

  eachKeyMisspelt("chart/values.ts", ["extraEnv", "valueFrom", "secretKeyRef", "hostPath", "podAnnotations", "interval", "tolerations"]);
  eachKeyMisspelt("monitoring/datadog-check.ts", [
    "openmetrics",
    "init_config",
    "instances",
    "openmetrics_endpoint",
    "namespace",
    "metrics",
  ]);
});

describe("the pinned chart", () => {
  it("runs the Alloy version whose component schema the generated configs are checked against (test/support/alloy-components.ts)", () => {
    assert.equal(
      ALLOY_VERSION,
      ALLOY_APP_VERSION,
      "after a chart upgrade, update test/support/alloy-components.ts from the new Alloy tag (docs/runbook.md, Upgrading the chart version)",
    );
  });

  const docs = ["README.md", "Pulumi.yaml", ...readdirDocs()];
  function readdirDocs(): string[] {
    try {
      return readdirSync(path.join(ROOT, "docs"), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join("docs", f));
    } catch {
      return [];
    }
  }
  const CHART_MENTION = /(?:grafana\/alloy(?: chart)?|helm-chart\/|--version|pinned to)\s+?(\d+\.\d+\.\d+)/g;
  const CHART_MENTION_TAG = /helm-chart\/(\d+\.\d+\.\d+)/g;
  const APP_MENTION = /(?:Alloy|from|the|grafana\/alloy:)\s?(v\d+\.\d+\.\d+)/g;
  for (const doc of docs) {
    it(`is the only grafana/alloy chart version and Alloy version ${doc} names`, () => {
      const text = readFileSync(path.join(ROOT, doc), "utf8");
      const chart = [...text.matchAll(CHART_MENTION), ...text.matchAll(CHART_MENTION_TAG)].map((m) => m[1]);
      const app = [...text.matchAll(APP_MENTION)].map((m) => m[1]);
      assert.deepEqual(
        [...new Set(chart)].filter((v) => v !== ALLOY_CHART_VERSION),
        [],
        `chart versions in ${doc} other than ${ALLOY_CHART_VERSION}`,
      );
      assert.deepEqual(
        [...new Set(app)].filter((v) => v !== ALLOY_APP_VERSION),
        [],
        `Alloy versions in ${doc} other than ${ALLOY_APP_VERSION}`,
      );
    });
  }
});
