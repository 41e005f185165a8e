/**
 * The TypeScript rules in config/ against the Go code they stand in for:
 * gopkg.in/yaml.v3 and encoding/json (how the Pulumi CLI turns a stack file
 * into the strings the program gets), time.ParseDuration, net/url, regexp
 * and alecthomas/units (how Alloy reads the values). The Go side is a small
 * program on the real libraries (test/support/go-oracle/main.go), built with
 * Debian's Go and its packaged yaml.v3 3.0.1 (the version the Pulumi CLI
 * pins) and units. .ci/run installs them; without Go this test is skipped
 * (and fails under CI=true).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseBase2Bytes, parseGoDuration, parseHttpUrl, re2Error } from "../config/go-rules";
import { parseStackFileText, StackFileError } from "../config/stack-file";
import { EDITS, editedOpsFile } from "./support/stack-edits";
import { ROOT } from "./support/stacks";

const SOURCE = path.join(ROOT, "test", "support", "go-oracle", "main.go");
const GOPATH = "/usr/share/gocode";

interface Answer {
  value?: unknown;
  error?: string;
}

/** Builds the oracle once per source version into .cache/, or undefined without Go and the packages. */
function oracle(): string | undefined {
  const hasGo = spawnSync("go", ["version"], { encoding: "utf8" }).status === 0;
  if (
    !hasGo ||
    !existsSync(path.join(GOPATH, "src", "gopkg.in", "yaml.v3")) ||
    !existsSync(path.join(GOPATH, "src", "github.com", "alecthomas", "units"))
  ) {
    return undefined;
  }
  const hash = createHash("sha256").update(readFileSync(SOURCE)).digest("hex").slice(0, 12);
  const binary = path.join(ROOT, ".cache", "go-oracle", `oracle-${hash}`);
  if (!existsSync(binary)) {
    mkdirSync(path.dirname(binary), { recursive: true });
    execFileSync("go", ["build", "-o", binary, "."], {
      cwd: path.dirname(SOURCE),
      env: { ...process.env, GO111MODULE: "off", GOPATH, GOFLAGS: "", GOCACHE: path.join(ROOT, ".cache", "go-build") },
      stdio: "pipe",
    });
  }
  return binary;
}

function ask(binary: string, requests: { kind: string; input: string }[]): Answer[] {
  const output = execFileSync(binary, { input: requests.map((r) => JSON.stringify(r)).join("\n") + "\n", encoding: "utf8" });
  return output
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Answer);
}

/** What the TypeScript conversion delivers for `alloy-logs:v: <text>`, or its error. */
function delivered(text: string): Answer {
  try {
    return { value: parseStackFileText("Pulumi.t.yaml", `config:\n  alloy-logs:v: ${text}\n`).config["alloy-logs:v"] };
  } catch (error) {
    if (error instanceof StackFileError) return { error: error.message };
    throw error;
  }
}

const YAML_VALUES = [
  "ops",
  "",
  "~",
  "null",
  "'null'",
  "123",
  "0123",
  "0777",
  "08",
  "0x1F",
  "0o17",
  "0b101",
  "1_000",
  "+5",
  "-0",
  "1.50",
  ".5",
  "1e3",
  "1e21",
  "1e400",
  "1e-7",
  "99999999999999999999",
  "18446744073709551615",
  "-9223372036854775809",
  "true",
  "True",
  "yes",
  "on",
  "off",
  "2024-01-01",
  "'2024-01-01'",
  "2024-1-2",
  "2024-02-30",
  "2001-12-14t21:59:43.10-05:00",
  "2001-12-14T21:59:43Z",
  "2001-12-14 21:59:43.123000",
  "{d: 2024-01-01}",
  "250m",
  "1Gi",
  '"x\\ty"',
  "'it''s'",
  "{a: 1, b: [yes, 08, 1.0], c: '<&>', d: ~, e: 1e400}",
  "[1, '2', 3.5, null]",
  "{z: 1, a: {y: 2, b: 3}}",
  "{secure: v1:AAAA, other: 1}",
  "{k: .inf}",
  ".nan",
  "{1: one, true: yes}",
  '{u: "\\u2028"}',
];
const DURATIONS = ["1h30m", ".5s", "5.s", "-1s", "+2m", "0", "0s", "1µs", "1μs", "300ms", "1d", "10", "", ".s", "1 s", "1h-1m", "3000000h"];
const SIZES = ["1MiB", "1MB", "1.5KiB", "1MiB512KiB", "0", "0B", "16KiB", "1kB", "1024", "1MiB512KB", "-1KiB", "1.KiB", "KiB"];
// Debian's Go is 1.19; Alloy v1.11.3 is built with Go 1.24, whose regexp also takes (?<name>...) (Go 1.22)
// and so words a lookbehind "(?<=" as an invalid named capture. Those forms are checked against Go 1.24's
// behaviour in test/engine-form.test.ts instead.
const REGEXPS = [
  String.raw`(?P<verb>GET)`,
  "(?i)abc",
  String.raw`\bping\b`,
  "[[:alpha:]]+",
  String.raw`\pL`,
  "x{1,1000}",
  "x{1,1001}",
  "x{1,2000}",
  String.raw`\z`,
  String.raw`\Z`,
  String.raw`\u0041`,
  String.raw`\x41`,
  "(?=x)",
  "(?!x)",
  String.raw`(a)\1`,
  "^(x",
  "a**",
  "a{2}{3}",
  String.raw`\C`,
  "(?U)a+",
  String.raw`kube-probe/|\b(GET|HEAD) /(healthz?|readyz?|livez?|ping)\b`,
];
const URLS = [
  "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
  "https://loki.example.com/loki/api/v1/push",
  "http://10.0.0.1:3100/loki/api/v1/push",
  "https://[fd00::1]:3100/loki/api/v1/push",
  "http:loki:3100/loki/api/v1/push",
  "http:/loki:3100/loki/api/v1/push",
  "http:///loki/api/v1/push",
  "https://u:p@loki/loki/api/v1/push",
  "http://loki:3100/loki/api/v1/push?x=1",
];

describe("the TypeScript rules agree with the Go code they stand in for", function () {
  let binary: string | undefined;
  before(function () {
    this.timeout(120_000);
    binary = oracle();
    if (!binary && process.env.CI === "true") {
      throw new Error(
        "Go with yaml.v3 and alecthomas/units is missing: in CI, .ci/run must install golang-go, golang-gopkg-yaml.v3-dev and golang-github-alecthomas-units-dev before npm test.",
      );
    }
    if (!binary) this.skip();
  });

  it("delivers each stack-file value as yaml.v3 and encoding/json make it (or fails where the CLI fails)", () => {
    const answers = ask(
      binary!,
      YAML_VALUES.map((input) => ({ kind: "yaml", input })),
    );
    YAML_VALUES.forEach((text, i) => {
      const ours = delivered(text);
      if (answers[i].error !== undefined)
        assert.ok(ours.error !== undefined, `${text}: Go fails (${answers[i].error}), we deliver ${String(ours.value)}`);
      else assert.deepEqual(ours, { value: answers[i].value }, text);
    });
  });

  it("delivers every edited stack file of test/stack-edits.test.ts as the CLI does (or fails where the CLI fails)", () => {
    const files = EDITS.map(([, edits]) => ("file" in edits ? (edits.file as string) : editedOpsFile(edits)));
    const answers = ask(
      binary!,
      files.map((input) => ({ kind: "stackfile", input })),
    );
    files.forEach((text, i) => {
      let ours: Answer;
      try {
        const { config, secretKeys } = parseStackFileText("Pulumi.ops.yaml", text);
        ours = { value: { config, secretKeys: [...secretKeys].sort() } };
      } catch (error) {
        if (!(error instanceof StackFileError)) throw error;
        ours = { error: error.message };
      }
      if (answers[i].error !== undefined) assert.ok(ours.error !== undefined, `${EDITS[i][0]}: Go fails (${answers[i].error}), we deliver`);
      else assert.deepEqual(ours, { value: answers[i].value }, EDITS[i][0]);
    });
  });

  it("reads durations as time.ParseDuration does, with its error text", () => {
    const answers = ask(
      binary!,
      DURATIONS.map((input) => ({ kind: "duration", input })),
    );
    DURATIONS.forEach((text, i) => {
      const ours = parseGoDuration(text);
      if ("ns" in ours) assert.deepEqual({ value: ours.ns }, answers[i], text);
      else assert.deepEqual({ error: `time: ${ours.error} ${JSON.stringify(text)}` }, answers[i], text);
    });
  });

  it("reads byte sizes as units.ParseBase2Bytes does", () => {
    const answers = ask(
      binary!,
      SIZES.map((input) => ({ kind: "bytes", input })),
    );
    SIZES.forEach((text, i) => {
      const ours = parseBase2Bytes(text);
      if ("bytes" in ours) assert.deepEqual({ value: ours.bytes }, answers[i], text);
      else assert.ok(answers[i].error !== undefined, `${text}: Go reads ${String(answers[i].value)}, we refuse: ${ours.error}`);
    });
  });

  it("compiles regular expressions as Go's regexp does, with its error text", () => {
    const answers = ask(
      binary!,
      REGEXPS.map((input) => ({ kind: "regexp", input })),
    );
    REGEXPS.forEach((pattern, i) => {
      const ours = re2Error(pattern);
      assert.deepEqual(ours === undefined ? { value: "ok" } : { error: `error parsing regexp: ${ours}` }, answers[i], pattern);
    });
  });

  it("accepts only URLs whose host, port and path Go's net/url reads as written, without credentials or query", () => {
    const answers = ask(
      binary!,
      URLS.map((input) => ({ kind: "url", input })),
    );
    URLS.forEach((text, i) => {
      const ours = parseHttpUrl(text);
      const go = answers[i].value as {
        scheme: string;
        host: string;
        port: string;
        path: string;
        opaque: string;
        user: boolean;
        query: boolean;
      };
      const goUsable = go.host !== "" && go.opaque === "" && !go.user && !go.query;
      assert.equal("error" in ours, !goUsable, `${text}: Go reads ${JSON.stringify(go)}`);
      if (!("error" in ours)) {
        assert.deepEqual(
          { scheme: ours.scheme, host: ours.host.replace(/^\[|\]$/g, ""), port: ours.port ?? "", path: ours.path },
          { scheme: go.scheme, host: go.host, port: go.port, path: go.path },
          text,
        );
      }
    });
  });
});
