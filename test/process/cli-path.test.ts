/**
 * The program on the Pulumi CLI's own path: node with Pulumi.yaml's nodeargs,
 * the SDK's real cmd/run, the arguments and environment the language host
 * passes (plan/cli-path.ts), against the engine stand-in (plan/engine.ts).
 * Every other test runs the program in-process (runPlan); these prove that
 * path records what `pulumi preview` would send the engine. In the real-tool
 * tier (npm run test:real): seven node processes, one type-checking with
 * ts-node, tens of CPU seconds on a 2-core machine.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { readStackFile } from "../../config/stack-file";
import { alloyConfig, valuesYaml } from "../../plan/output";
import { planOnCliPath, readProjectFile, runOnCliPath, type CliRun } from "../../plan/cli-path";
import type { PlanResult } from "../../plan/resources";
import { runPlan } from "../../plan/run";
import { GOLDEN_DIR, ROOT, stackNames } from "../support/stacks";

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
async function unwrap<T>(settled: Promise<Settled<T>>): Promise<T> {
  const result = await settled;
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * A copy of the project in .cache/ (inside the repository, so node_modules
 * resolves as it does for the project): every top-level entry linked, except
 * the files given, which are written as given.
 */
function projectCopy(name: string, files: Record<string, string>): string {
  const dir = path.join(ROOT, ".cache", "cli-path-test", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if (entry === ".git" || entry === ".cache" || entry in files) continue;
    symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

const OPS = () => readStackFile(ROOT, "ops");

// Started when mocha loads this file: each is a node process of its own, which
// runs on the second core while the in-process tests run on the first.
const onCliPath = new Map(stackNames().map((stack) => [stack, settle(planOnCliPath(stack, readStackFile(ROOT, stack)))]));
// typescript: true, the CLI's default, which the issue found broken: the SDK's
// vendored ts-node type-checks each file with the project's TypeScript and
// tsconfig, reading none of tsconfig's `include` files.
const withTsNode = settle(
  planOnCliPath("ops", { ...OPS(), project: { ...readProjectFile(ROOT), runtime: { name: "nodejs", options: { typescript: true } } } }),
);

const configError = settle(
  runOnCliPath("ops", { config: { ...OPS().config, "alloy-logs:lokiEndpoint": "http://loki:3100/push" }, secretKeys: OPS().secretKeys }),
);
const syntaxError = settle(
  (async () => {
    const source = readFileSync(path.join(ROOT, "index.ts"), "utf8");
    const broken = source.replace("const config = loadConfig();", "const config = loadConfig(;");
    assert.notEqual(broken, source, "index.ts no longer has the line this test breaks");
    const dir = projectCopy("syntax-error", { "index.ts": broken });
    const lines = broken.split("\n");
    const at = lines.findIndex((l) => l.includes("const config = loadConfig(;"));
    return {
      dir,
      line: at + 1,
      column: lines[at].indexOf("(;") + 2,
      sourceLine: lines[at],
      run: await runOnCliPath("ops", { ...OPS(), rootDir: dir }),
    };
  })(),
);
const programBug = settle(
  (async () => {
    const source = readFileSync(path.join(ROOT, "index.ts"), "utf8");
    const statement = 'return { config, collector: new AlloyLogCollector("alloy-logs", collectorArgs(config)) };';
    assert.ok(source.includes(statement), "index.ts no longer has the statement this test breaks");
    const dir = projectCopy("program-bug", { "index.ts": source.replace(statement, 'throw new TypeError("a bug in the program");') });
    return { dir, run: await runOnCliPath("ops", { ...OPS(), rootDir: dir }) };
  })(),
);
const missingLoader = settle(
  (async () => {
    const pulumiYaml = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").replace(
      "./scripts/register-ts.js",
      "./scripts/no-such-loader.js",
    );
    const dir = projectCopy("missing-loader", { "Pulumi.yaml": pulumiYaml });
    return runOnCliPath("ops", { ...OPS(), rootDir: dir });
  })(),
);

describe("pulumi preview's path: node, Pulumi.yaml's loader and the SDK's cmd/run, against the engine stand-in", function () {
  this.timeout(60_000);

  it("is declared by Pulumi.yaml: main index.ts, loaded with scripts/register-ts.js, no ts-node", () => {
    assert.deepEqual(readProjectFile(ROOT), {
      name: "alloy-logs",
      main: "index.ts",
      runtime: { name: "nodejs", options: { typescript: false, nodeargs: "--require ./scripts/register-ts.js" } },
    });
  });

  for (const stack of stackNames()) {
    describe(`Pulumi.${stack}.yaml`, () => {
      let cli: PlanResult;
      before(async () => {
        cli = await unwrap(onCliPath.get(stack)!);
      });

      it("registers the same resources, with the same options and inputs, as the in-process runPlan", async () => {
        const inProcess = await runPlan(stack, readStackFile(ROOT, stack));
        assert.deepEqual(cli.resources, inProcess.resources);
      });

      it("exports the same outputs as the in-process runPlan", async () => {
        const inProcess = await runPlan(stack, readStackFile(ROOT, stack));
        assert.deepEqual(cli.outputs, inProcess.outputs);
      });

      it("gives the chart its golden values.yaml and config.alloy", () => {
        assert.equal(valuesYaml(cli), readFileSync(path.join(GOLDEN_DIR, stack, "values.yaml"), "utf8"));
        assert.equal(alloyConfig(cli), readFileSync(path.join(GOLDEN_DIR, stack, "config.alloy"), "utf8"));
      });
    });
  }

  it("loads the program with ts-node too (typescript: true), type-checking it: the same resources as Pulumi.yaml's loader", async () => {
    const [tsNode, declared] = await Promise.all([unwrap(withTsNode), unwrap(onCliPath.get("ops")!)]);
    assert.deepEqual(tsNode.resources, declared.resources);
  });

  it("fails a config error with the error pulumi preview shows, and nothing else", async () => {
    const run = await unwrap(configError);
    assert.deepEqual(errorsOf(run), [
      'Invalid configuration for stack "ops" (Pulumi.ops.yaml), nothing was deployed:\n' +
        '  - alloy-logs:lokiEndpoint: got "http://loki:3100/push"; expected the Loki push path: the URL must end in /loki/api/v1/push',
    ]);
    assert.equal(run.exitCode, 32, "32: cmd/run has shown the user the error; the language host adds nothing");
    assert.deepEqual(
      run.registrations.map((r) => r.type),
      ["pulumi:pulumi:Stack"],
    );
  });

  it("fails a syntax error in the program with the loader's file, line, column and source line, without a stack trace", async () => {
    const { dir, line, column, sourceLine, run } = await unwrap(syntaxError);
    assert.deepEqual(errorsOf(run), [
      `Running program '${path.join(dir, "index.ts")}' failed with an unhandled exception:\n` +
        `SyntaxError: index.ts:${line}:${column}: Unexpected ";"\n    ${sourceLine}`,
    ]);
    assert.equal(run.exitCode, 32);
  });

  it("fails a bug in the program at once with its TypeScript stack, as a RunError (never through cmd/run's util.inspect, which hangs on Node 20)", async () => {
    const { dir, run } = await unwrap(programBug);
    const [error, ...others] = errorsOf(run);
    assert.deepEqual(others, []);
    const [first, second, third] = (error ?? "").split("\n");
    assert.equal(first, "alloy-logs failed with an unexpected error, a bug in the program rather than in the stack file:");
    assert.equal(second, "TypeError: a bug in the program");
    // The frame in index.ts, at its TypeScript line (source-map-support reads the loader's inline map).
    const line =
      readFileSync(path.join(dir, "index.ts"), "utf8")
        .split("\n")
        .findIndex((l) => l.includes("a bug in the program")) + 1;
    const frame = `${path.join(dir, "index.ts")}:${line}:`;
    assert.ok(third?.startsWith("    at ") && third.includes(frame), `expected a frame at ${frame}, got: ${third}`);
    assert.equal(run.exitCode, 32);
  });

  it("fails with Node's own error when Pulumi.yaml's nodeargs names a loader that does not exist", async () => {
    const run = await unwrap(missingLoader);
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /^Error: Cannot find module '\.\/scripts\/no-such-loader\.js'\nRequire stack:\n- internal\/preload$/m);
    assert.deepEqual(run.registrations, []);
  });

  after(() => rmSync(path.join(ROOT, ".cache", "cli-path-test"), { recursive: true, force: true }));
});

/** The error diagnostics the engine received: what `pulumi preview` prints under "error:". */
function errorsOf(run: CliRun): string[] {
  return run.logs.filter((l) => l.severity === "error").map((l) => l.message.trimEnd());
}
