/**
 * The stack file as the Pulumi CLI 3.248 delivers it, and the Go rules values
 * are judged by. Expected values come from the Go sources named in each
 * group (gopkg.in/yaml.v3 resolve.go, pulumi sdk/go/common/resource/config,
 * time.ParseDuration, alecthomas/units, regexp/syntax, net/url), not from the
 * code under test.
 */
import assert from "node:assert/strict";
import { resolvePlain, type GoValue } from "../config/engine-form";
import { parseBase2Bytes, parseGoDuration, parseHttpUrl, re2Error } from "../config/go-rules";
import { parseStackConfig } from "../config/load";
import { parseStackFileText } from "../config/stack-file";
import { configWith } from "./support/stacks";

describe("plain YAML scalars, resolved as yaml.v3 resolves them into any", () => {
  const cases: [string, GoValue][] = [
    ["1e400", { kind: "string", value: "1e400" }], // ParseFloat overflows: the text stays a string
    ["0777", { kind: "int", value: 511n }], // ParseInt base 0: a leading 0 is octal
    ["0o17", { kind: "int", value: 15n }],
    ["0x1F", { kind: "int", value: 31n }],
    ["0b101", { kind: "int", value: 5n }],
    ["1_000", { kind: "int", value: 1000n }], // underscores are removed first
    ["08", { kind: "float", value: 8 }], // not octal, but yamlStyleFloat
    ["+5", { kind: "int", value: 5n }],
    ["18446744073709551615", { kind: "int", value: 18446744073709551615n }], // ParseUint
    ["-9223372036854775809", { kind: "float", value: -(2 ** 63) }], // below int64: the nearest float64
    ["1.5", { kind: "float", value: 1.5 }],
    [".5", { kind: "float", value: 0.5 }],
    ["1e3", { kind: "float", value: 1000 }],
    [".inf", { kind: "float", value: Infinity }],
    ["-.Inf", { kind: "float", value: -Infinity }],
    ["yes", { kind: "string", value: "yes" }], // YAML 1.1 booleans are strings in v3
    ["on", { kind: "string", value: "on" }],
    ["True", { kind: "bool", value: true }],
    ["FALSE", { kind: "bool", value: false }],
    ["~", { kind: "null" }],
    ["", { kind: "null" }],
    ["Null", { kind: "null" }],
    ["2024-01-01", { kind: "string", value: "2024-01-01 00:00:00 +0000 UTC" }], // a time.Time, which Pulumi turns into t.String()
    ["2001-12-14t21:59:43.10-05:00", { kind: "string", value: "2001-12-14 21:59:43.1 -0500 -0500" }],
    ["2024-02-30", { kind: "string", value: "2024-02-30" }], // no such day: not a timestamp
    ["250m", { kind: "string", value: "250m" }],
    ["1.2.3", { kind: "string", value: "1.2.3" }],
    ["0x", { kind: "string", value: "0x" }],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)} as ${expected.kind}`, () => {
      assert.deepEqual(resolvePlain(text), expected);
    });
  }
});

describe("Pulumi.<stack>.yaml as the engine delivers it (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS)", () => {
  const deliver = (body: string) => parseStackFileText("Pulumi.t.yaml", `config:\n${body}`);

  it("delivers an empty value as the empty string, never the text null", () => {
    assert.deepEqual(deliver("  alloy-logs:tenantId:\n  alloy-logs:namespace: ~\n").config, {
      "alloy-logs:tenantId": "",
      "alloy-logs:namespace": "",
    });
  });

  it("keeps null inside an object", () => {
    assert.equal(deliver("  alloy-logs:eks: {name: c, roleArn: }\n").config["alloy-logs:eks"], '{"name":"c","roleArn":null}');
  });

  it("delivers a scalar as its text and an integer or boolean as its JSON text", () => {
    assert.deepEqual(
      deliver("  alloy-logs:tenantId: ops\n  alloy-logs:a: 0777\n  alloy-logs:b: 1.50\n  alloy-logs:c: True\n  alloy-logs:d: 1e400\n")
        .config,
      {
        "alloy-logs:tenantId": "ops",
        "alloy-logs:a": "511",
        "alloy-logs:b": "1.5",
        "alloy-logs:c": "true",
        "alloy-logs:d": "1e400",
      },
    );
  });

  it("delivers integers set with pulumi config set --path as numbers inside the object, fractions as text", () => {
    // `pulumi config set --path alloy-logs:lokiWrite.maxRetries 20` and `... pipeline.rateLimit.linesPerSecond 0.5`
    // write these lines: the CLI coerces only integers and booleans (config/object.go coerce).
    assert.equal(
      deliver(
        '  alloy-logs:lokiWrite:\n    maxRetries: 20\n  alloy-logs:pipeline:\n    rateLimit:\n      linesPerSecond: "0.5"\n      enabled: true\n',
      ).config["alloy-logs:pipeline"],
      '{"rateLimit":{"enabled":true,"linesPerSecond":"0.5"}}',
    );
  });

  it("sorts object keys and escapes < > & as Go's encoding/json does", () => {
    assert.equal(
      deliver("  alloy-logs:x: {b: '<a&b>', a: 1.0, c: [yes, 08]}\n").config["alloy-logs:x"],
      '{"a":1,"b":"\\u003ca\\u0026b\\u003e","c":["yes",8]}',
    );
  });

  it("gives keys without a namespace the project's, and keeps other namespaces", () => {
    assert.deepEqual(Object.keys(deliver("  tenantId: ops\n  aws:region: ap-northeast-1\n").config), ["alloy-logs:tenantId", "aws:region"]);
  });

  it("lists a key holding a secure value anywhere as secret, the ciphertext unread", () => {
    assert.deepEqual(deliver("  alloy-logs:lokiAuth:\n    type: bearer\n    token:\n      secure: v1:AAAA\n"), {
      config: { "alloy-logs:lokiAuth": '{"token":"[secret]","type":"bearer"}' },
      secretKeys: ["alloy-logs:lokiAuth"],
    });
  });

  it("reads a whole-key secret (pulumi config set --secret alloy-logs:lokiAuth '<json>') as a secret it cannot decrypt", () => {
    assert.deepEqual(deliver("  alloy-logs:lokiAuth:\n    secure: v1:AAAA\n"), {
      config: { "alloy-logs:lokiAuth": "[secret]" },
      secretKeys: ["alloy-logs:lokiAuth"],
    });
  });

  it("does not take a map with a secure key and another key for a secret", () => {
    assert.deepEqual(deliver("  alloy-logs:x: {secure: v1:AAAA, other: 1}\n"), {
      config: { "alloy-logs:x": '{"other":1,"secure":"v1:AAAA"}' },
      secretKeys: [],
    });
  });

  it("reads an empty file and an empty config as no keys", () => {
    assert.deepEqual(parseStackFileText("Pulumi.t.yaml", ""), { config: {}, secretKeys: [] });
    assert.deepEqual(parseStackFileText("Pulumi.t.yaml", "config:\n"), { config: {}, secretKeys: [] });
  });
});

describe("values the engine delivers, accepted", () => {
  it("takes a number where a quantity is expected (cpu: 1) as its text", () => {
    const config = parseStackConfig(
      "t",
      configWith({ resources: { requests: { cpu: 1, memory: "300Mi" }, limits: { cpu: 2, memory: "1Gi" } } }),
    );
    assert.deepEqual(config.resources, { requests: { cpu: "1", memory: "300Mi" }, limits: { cpu: "2", memory: "1Gi" } });
  });

  it("takes a number where a label value is expected (grafana_dashboard: 1) as its text", () => {
    assert.deepEqual(parseStackConfig("t", configWith({ dashboard: { labels: { grafana_dashboard: 1 } } })).dashboard.labels, {
      grafana_dashboard: "1",
    });
  });

  it("takes a fraction stored as text by config set --path where a number is expected", () => {
    assert.equal(
      parseStackConfig("t", configWith({ pipeline: { rateLimit: { linesPerSecond: "0.5" } } })).pipeline.rateLimit.linesPerSecond,
      0.5,
    );
  });

  it("takes an integer tenant as Go reads it: 0123 is octal, delivered as 83 (quote it to keep 0123)", () => {
    const { config } = parseStackFileText("Pulumi.t.yaml", "config:\n  alloy-logs:tenantId: 0123\n");
    assert.equal(parseStackConfig("t", { ...configWith({}), ...config }).tenantId, "83");
  });

  it("takes the RE2 named group (?P<verb>...) and Go 1.22's (?<verb>...)", () => {
    const probe = String.raw`(?P<verb>GET|HEAD) /(?<path>healthz?)\b`;
    assert.equal(parseStackConfig("t", configWith({ pipeline: { probeExpression: probe } })).pipeline.probeExpression, probe);
  });

  it("takes a whole-key secret it cannot decrypt, planning without credentials and saying so without a value", () => {
    const warnings: string[] = [];
    const config = parseStackConfig(
      "t",
      { ...configWith({}), "alloy-logs:lokiAuth": "[secret]" },
      { secretKeys: ["alloy-logs:lokiAuth"], warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(config.lokiAuth, { type: "none" });
    assert.deepEqual(warnings, [
      "alloy-logs:lokiAuth is a secret encrypted as a whole, which only the Pulumi engine can decrypt: this plan is made without Loki credentials. " +
        "Set the type in plain text and each credential as a secret to see it planned: pulumi config set --path alloy-logs:lokiAuth.type basic; " +
        "pulumi config set --secret --path alloy-logs:lokiAuth.password <value>",
    ]);
  });
});

describe("Go's time.ParseDuration", () => {
  const cases: [string, ReturnType<typeof parseGoDuration>][] = [
    ["1h30m", { ns: 5400e9 }],
    [".5s", { ns: 0.5e9 }],
    ["5.s", { ns: 5e9 }],
    ["-1s", { ns: -1e9 }],
    ["0", { ns: 0 }],
    ["1µs", { ns: 1e3 }],
    ["1μs", { ns: 1e3 }],
    ["300ms", { ns: 300e6 }],
    ["1d", { error: 'unknown unit "d" in duration' }],
    ["10", { error: "missing unit in duration" }],
    ["", { error: "invalid duration" }],
    [".s", { error: "invalid duration" }],
    ["1 s", { error: 'unknown unit " s" in duration' }],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseGoDuration(text), expected));
  }
});

describe("alecthomas/units ParseBase2Bytes (loki.write batch_size)", () => {
  const cases: [string, ReturnType<typeof parseBase2Bytes>][] = [
    ["1MiB", { bytes: 1048576 }],
    ["1MB", { bytes: 1048576 }],
    ["1.5KiB", { bytes: 1536 }],
    ["1MiB512KiB", { bytes: 1572864 }],
    ["0", { bytes: 0 }],
    ["1kB", { error: "unknown unit kB in 1kB" }],
    ["1024", { error: "missing unit in 1024" }],
    ["1MiB512KB", { error: "unknown unit MiB in 1MiB512KB" }],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseBase2Bytes(text), expected));
  }
});

describe("Go's regexp syntax (re2js)", () => {
  for (const pattern of [
    String.raw`(?P<verb>GET)`,
    String.raw`(?<verb>GET)`,
    "(?i)abc",
    String.raw`\bping\b`,
    "[[:alpha:]]+",
    String.raw`\pL`,
    "x{1,1000}",
    String.raw`\z`,
  ]) {
    it(`accepts ${pattern}`, () => assert.equal(re2Error(pattern), undefined));
  }
  const rejected: [string, string][] = [
    ["x{1,2000}", "invalid repeat count: `{1,2000}`"],
    [String.raw`\Z`, "invalid escape sequence: `\\Z`"],
    [String.raw`\u0041`, "invalid escape sequence: `\\u`"],
    ["(?=x)", "invalid or unsupported Perl syntax: `(?=`"],
    ["(?<=x)", "invalid named capture: `(?<=x)`"], // Go 1.22+ reads (?< as a named capture
    [String.raw`(a)\1`, "invalid escape sequence: `\\1`"],
  ];
  for (const [pattern, error] of rejected) {
    it(`rejects ${pattern} with Go's message`, () => assert.equal(re2Error(pattern), error));
  }
});

describe("http(s) URLs as Go's net/url and loki.write read them", () => {
  it("reads host, port and path as written", () => {
    assert.deepEqual(parseHttpUrl("http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push"), {
      scheme: "http",
      host: "loki-v3-distributor.loki-v3.svc.cluster.local",
      port: "3100",
      path: "/loki/api/v1/push",
    });
  });

  it("reads an IPv6 host", () => {
    assert.deepEqual(parseHttpUrl("https://[fd00::1]:3100/loki/api/v1/push"), {
      scheme: "https",
      host: "[fd00::1]",
      port: "3100",
      path: "/loki/api/v1/push",
    });
  });

  it("refuses http:host, which a browser repairs and Go reads as having no host", () => {
    assert.deepEqual(parseHttpUrl("http:loki/loki/api/v1/push"), {
      error: 'http:// followed by a host: Go\'s net/url finds no host in "http:" without "//", so every push would fail',
    });
  });
});
