/**
 * The stack config as the package component's args (components/stack-args.ts), and the args' own
 * documentation: every `@default` in AlloyLogCollectorArgs and its named interfaces is the value
 * withDefaults gives a field left unset.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { checkArgs, LokiAuthType, withDefaults, type AlloyLogCollectorArgs, type ResolvedArgs } from "../components/alloy-log-collector";
import { collectorArgs } from "../components/stack-args";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import { parseStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import { configWith, ROOT, stackNames } from "./support/stacks";

const RESOLVED_KEYS: readonly (keyof ResolvedArgs)[] = [
  "clusterName",
  "lokiEndpoint",
  "tenantId",
  "kubeconfigContext",
  "eks",
  "pipeline",
  "journal",
  "lokiWrite",
  "namespace",
  "createNamespace",
  "lokiAuth",
  "resources",
  "serviceMonitor",
  "datadog",
  "prometheusAnnotations",
  "storageHostPath",
  "rollout",
  "alerts",
  "dashboard",
  "events",
  "chartOverrides",
  "chartRepository",
];

/** What the component read from the config itself before the package: each of its keys, as the schema gave it. */
function asTheConfigReads(config: StackConfig): Record<string, unknown> {
  const record = config as unknown as Record<string, unknown>;
  return Object.fromEntries(RESOLVED_KEYS.filter((key) => record[key] !== undefined).map((key) => [key, record[key]]));
}

const EDGE_CASES: Record<string, Record<string, unknown>> = {
  "basic credentials": { lokiAuth: { type: "basic", username: "ops-writer", password: "pa55" } },
  "a bearer token": { lokiAuth: { type: "bearer", token: "t0ken" } },
  "maxUnavailable as a count": { rollout: { maxUnavailable: 2 } },
  "multiline rules with and without app": {
    pipeline: {
      multiline: [
        { namespace: "payments", app: "api", firstLine: "^\\d{4}-" },
        { namespace: "jobs", firstLine: "^\\[", maxWaitTime: "5s" },
      ],
    },
  },
  "a rate limit by app": { pipeline: { rateLimit: { enabled: true, by: "app", linesPerSecond: 10, burst: 20 } } },
  "a ServiceMonitor interval and chart overrides": {
    serviceMonitor: { interval: "30s" },
    chartOverrides: { controller: { podLabels: { team: "platform" } } },
  },
  "an EKS cluster with a role": {
    eks: { name: "c", region: "ap-northeast-1", roleArn: "arn:aws:iam::123456789012:role/pulumi-deploy" },
    kubeconfigContext: undefined,
  },
  "the events collector off, journal off": { events: { enabled: false }, journal: { enabled: false } },
};

describe("collectorArgs: the stack config as the package component's args", () => {
  for (const stack of stackNames()) {
    it(`Pulumi.${stack}.yaml: the component resolves its args to exactly what it read from the config before`, () => {
      const file = readStackFile(ROOT, stack);
      const config = parseStackConfig(stack, file.config, { secretKeys: file.secretKeys });
      assert.deepEqual(withDefaults(collectorArgs(config)), asTheConfigReads(config));
    });
  }

  for (const [name, extra] of Object.entries(EDGE_CASES)) {
    it(`${name}: resolved exactly as the config reads`, () => {
      const raw = configWith(Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)));
      if ("kubeconfigContext" in extra) delete raw["alloy-logs:kubeconfigContext"];
      const config = parseStackConfig("test", raw, { secretKeys: ["alloy-logs:lokiAuth"] });
      assert.deepEqual(withDefaults(collectorArgs(config)), asTheConfigReads(config));
    });
  }

  it("gives enums and strings where the schema has unions: LokiAuthType, RateLimitBy, maxUnavailable as text", () => {
    const config = parseStackConfig("test", configWith({ rollout: { maxUnavailable: 2 }, lokiAuth: { type: "bearer", token: "t" } }), {
      secretKeys: ["alloy-logs:lokiAuth"],
    });
    const args = collectorArgs(config);
    assert.equal(args.rollout?.maxUnavailable, "2");
    assert.equal(args.lokiAuth?.type, LokiAuthType.Bearer);
    assert.equal(withDefaults(args).rollout.maxUnavailable, 2);
  });
});

describe("withDefaults: args a program in another language may get wrong", () => {
  const required: AlloyLogCollectorArgs = {
    clusterName: "c",
    lokiEndpoint: "http://loki/loki/api/v1/push",
    tenantId: "t",
    kubeconfigContext: "k",
  };
  const cases: [string, Partial<AlloyLogCollectorArgs>, string][] = [
    [
      "basic without a password",
      { lokiAuth: { type: LokiAuthType.Basic, username: "u" } },
      'AlloyLogCollector: lokiAuth.password: got "[unset]"; expected a value, with lokiAuth.type basic',
    ],
    [
      "a token with type none, its value not shown",
      { lokiAuth: { type: LokiAuthType.None, token: "s3cret" } },
      'AlloyLogCollector: lokiAuth.token: got "[secret]"; expected no token with lokiAuth.type none',
    ],
    [
      "an unknown auth type",
      { lokiAuth: { type: "digest" as LokiAuthType } },
      'AlloyLogCollector: lokiAuth.type: got "digest"; expected one of "none", "basic" or "bearer"',
    ],
    [
      "maxUnavailable of 0",
      { rollout: { maxUnavailable: "0" } },
      'AlloyLogCollector: rollout.maxUnavailable: got "0"; expected a whole number of pods such as 1, or a percentage such as 10%',
    ],
  ];
  for (const [name, extra, message] of cases) {
    it(`refuses ${name}, naming the key, the value and what is expected`, () => {
      assert.throws(() => withDefaults({ ...required, ...extra }), { message });
    });
  }

  it("refuses chartOverrides at a path the chart does not read, as the stack config does: Helm would drop them silently", () => {
    assert.throws(() => withDefaults({ ...required, chartOverrides: { tolerations: [{ operator: "Exists" }] } }), {
      message:
        "AlloyLogCollector: invalid chartOverrides, nothing was deployed:\n" +
        `  - chartOverrides.tolerations: got [{"operator":"Exists"}]; expected a value path the grafana/alloy ${ALLOY_CHART_VERSION} chart reads; it does not read "tolerations", so Helm would silently ignore it. Did you mean "controller.tolerations"?`,
    });
    assert.throws(
      () => withDefaults({ ...required, chartOverrides: { controller: { priorityClassName: "other" } } }),
      /controller\.priorityClassName/,
    );
    assert.deepEqual(withDefaults({ ...required, chartOverrides: { controller: { podLabels: { team: "a" } } } }).chartOverrides, {
      controller: { podLabels: { team: "a" } },
    });
  });

  it("merges a nested arg field by field: an unset field of a given object takes its default", () => {
    const resolved = withDefaults({ ...required, pipeline: { dropProbeLogs: true, rateLimit: { enabled: true } } });
    assert.equal(resolved.pipeline.dropProbeLogs, true);
    assert.equal(resolved.pipeline.maxEntryAge, "12h");
    assert.deepEqual(resolved.pipeline.rateLimit, { enabled: true, by: "namespace", linesPerSecond: 1000, burst: 5000 });
  });
});

/** Where each named interface of the args resolves, in the resolved args of the required fields alone. */
const INTERFACE_PATHS: Record<string, (r: ResolvedArgs) => unknown> = {
  AlloyLogCollectorArgs: (r) => r,
  PipelineSettings: (r) => r.pipeline,
  RateLimitSettings: (r) => r.pipeline.rateLimit,
  JournalSettings: (r) => r.journal,
  LokiWriteSettings: (r) => r.lokiWrite,
  ServiceMonitorSettings: (r) => r.serviceMonitor,
  DatadogSettings: (r) => r.datadog,
  RolloutSettings: (r) => ({ ...r.rollout, maxUnavailable: String(r.rollout.maxUnavailable) }),
  AlertSettings: (r) => r.alerts,
  DashboardSettings: (r) => r.dashboard,
  EventsSettings: (r) => r.events,
  LokiAuth: (r) => r.lokiAuth,
};

/** A JSDoc default, written as a JavaScript literal with bare keys ({release: "kube-prometheus-stack"}), as data. */
function literal(text: string): unknown {
  return JSON.parse(text.replace(/([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:/g, '$1"$2":'));
}

/** `@default` texts that name a default rather than write it out. */
const DESCRIBED = /^(each \w+ field's default|the ten of config\/datadog-metrics\.ts)$/;

describe("the args' documentation", () => {
  const file = path.join(ROOT, "components", "alloy-log-collector.ts");
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const interfaces = source.statements.filter(ts.isInterfaceDeclaration).filter((i) => i.name.text in INTERFACE_PATHS);
  const resolved = withDefaults({ clusterName: "c", lokiEndpoint: "http://loki/loki/api/v1/push", tenantId: "t", kubeconfigContext: "k" });

  it("covers every named interface of the args", () => {
    assert.deepEqual(interfaces.map((i) => i.name.text).sort(), Object.keys(INTERFACE_PATHS).sort());
  });

  for (const declaration of interfaces) {
    it(`${declaration.name.text}: one JSDoc line per field, each optional one ending in the default withDefaults gives it`, () => {
      const at = INTERFACE_PATHS[declaration.name.text](resolved) as Record<string, unknown>;
      for (const member of declaration.members.filter(ts.isPropertySignature)) {
        const name = member.name.getText(source);
        const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
        assert.equal(docs.length, 1, `${name}: no JSDoc`);
        const text = docs[0].getText(source);
        assert.equal(text.includes("\n"), false, `${name}: its JSDoc is more than one line`);
        const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === "default");
        if (!member.questionToken) {
          assert.match(text, /Required\. \*\/$/, `${name}: a required field says so`);
          continue;
        }
        // The cluster access has no default: exactly one of the two is given (here kubeconfigContext).
        if (tag === undefined && (name === "kubeconfigContext" || name === "eks")) continue;
        if (tag === undefined) {
          // Fields with no default: unset means absent (a credential, an optional label or interval, the other cluster access).
          assert.equal(at[name], undefined, `${name}: resolves to ${JSON.stringify(at[name])} but documents no @default`);
          continue;
        }
        assert.match(text, /@default [^*]+ \*\/$/, `${name}: the @default ends the line`);
        const written = ts.getTextOfJSDocComment(tag.comment) ?? "";
        if (DESCRIBED.test(written)) continue;
        assert.deepEqual(literal(written), at[name], `${declaration.name.text}.${name}: @default ${written}`);
      }
    });
  }

  it("documents MultilineRule.maxWaitTime's default as a rule left without one gets it", () => {
    const rule = withDefaults({
      clusterName: "c",
      lokiEndpoint: "http://loki/loki/api/v1/push",
      tenantId: "t",
      kubeconfigContext: "k",
      pipeline: { multiline: [{ namespace: "n", firstLine: "^x" }] },
    }).pipeline.multiline[0];
    const declaration = source.statements.filter(ts.isInterfaceDeclaration).find((i) => i.name.text === "MultilineRule");
    const member = declaration?.members.filter(ts.isPropertySignature).find((m) => m.name.getText(source) === "maxWaitTime");
    const tag = member && ts.getJSDocTags(member).find((t) => t.tagName.text === "default");
    assert.equal(JSON.parse(ts.getTextOfJSDocComment(tag?.comment) ?? ""), rule.maxWaitTime);
  });
});

describe("checkArgs: the package's args judged by the stack schema's rules (a YAML program has no stack schema in front)", () => {
  const valid = (extra: Record<string, unknown> = {}) =>
    withDefaults(collectorArgs(parseStackConfig("test", configWith(extra), { secretKeys: ["alloy-logs:lokiAuth"] })));

  for (const stack of stackNames()) {
    it(`Pulumi.${stack}.yaml: its args pass`, () => {
      const file = readStackFile(ROOT, stack);
      assert.deepEqual(checkArgs(withDefaults(collectorArgs(parseStackConfig(stack, file.config, { secretKeys: file.secretKeys })))), []);
    });
  }

  for (const [name, extra] of Object.entries(EDGE_CASES)) {
    it(`${name}: the args pass`, () => {
      assert.deepEqual(checkArgs(valid(extra)), []);
    });
  }

  it("names a Loki URL without the push path, with its value", () => {
    assert.deepEqual(checkArgs({ ...valid(), lokiEndpoint: "http://loki:3100/" }), [
      'lokiEndpoint: got "http://loki:3100/"; expected the Loki push path: the URL must end in /loki/api/v1/push',
    ]);
  });

  it("names a duration Go's time.ParseDuration refuses", () => {
    const args = valid();
    assert.deepEqual(checkArgs({ ...args, lokiWrite: { ...args.lokiWrite, batchWait: "1 second" } }), [
      'lokiWrite.batchWait: got "1 second"; expected a Go duration such as 1s (units ns, us, ms, s, m, h; no d): unknown unit " second" in duration',
    ]);
  });

  it("names a multiline regular expression RE2 cannot compile", () => {
    const args = valid();
    const rule = { namespace: "payments", firstLine: "(?<=x)", maxWaitTime: "3s" };
    assert.deepEqual(checkArgs({ ...args, pipeline: { ...args.pipeline, multiline: [rule] } }), [
      'pipeline.multiline.0.firstLine: got "(?<=x)"; expected the first line\'s regular expression in Go RE2 syntax: invalid named capture: `(?<=x)`',
    ]);
  });

  it("never judges or shows a credential (it may be an output): beside basic credentials, only the bad URL is named", () => {
    const args = { ...valid(), lokiEndpoint: "http://loki:3100/" };
    const problems = checkArgs({ ...args, lokiAuth: { type: "basic", username: "ops-writer", password: "hunter2" } });
    assert.deepEqual(problems, [
      'lokiEndpoint: got "http://loki:3100/"; expected the Loki push path: the URL must end in /loki/api/v1/push',
    ]);
  });

  it("leaves 'exactly one of kubeconfigContext and eks' to the component's own message", () => {
    assert.deepEqual(checkArgs({ ...valid(), kubeconfigContext: undefined }), []);
  });
});
