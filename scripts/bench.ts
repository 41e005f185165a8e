/**
 * npm run bench [-- --runs N] [--skip-tests]
 *
 * Measures the speed targets on this machine, as wall-clock medians (what a
 * person waits for):
 *   - what `pulumi preview` waits for: from starting node to the last resource
 *     registration, on the CLI's path (node with Pulumi.yaml's nodeargs, the
 *     SDK's cmd/run, the engine stand-in of plan/engine.ts), with the loader's
 *     compile cache (.cache/ts) cleared before every run. Target: at most 1.5x
 *     the same measure for a minimal program that loads the same SDKs
 *     (@pulumi/pulumi, @pulumi/kubernetes, @pulumi/aws) and registers one
 *     Kubernetes resource, on the same path;
 *   - the policy pack's start, as every preview, up and drift run pays it: from starting
 *     node <run-policy-pack> <engine> policy (as the CLI's language host does) to the pack
 *     printing its port; for comparison, the same with ts-node type-checking policy/index.ts
 *     (what it cost before policy/main.js; its cache off, as on a fresh CI runner);
 *   - the test suite: `npm test`'s four steps timed one by one (eslint, prettier --check,
 *     tsc, mocha). Target: mocha < 15 s, as since the first version of this script. The
 *     total of `npm test` has no target of its own: lint, format check and typecheck were
 *     added to it later, and are reported so the total is known.
 * Minimal and program runs are interleaved so that machine load affects both
 * alike. Exits non-zero when a target is missed. The numbers go in docs/benchmarks.md.
 * The OS page cache is not dropped (that needs root): every run but the first reads warm files.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { readStackFile } from "../config/stack-file";
import { readProjectFile, runOnCliPath } from "../plan/cli-path";

const ROOT = path.join(__dirname, "..");
const COMPILE_CACHE = path.join(ROOT, ".cache", "ts");
const POLICY_DIR = path.join(ROOT, "policy");

/**
 * The floor: the SDK modules the program loads (the same entry points, so the
 * difference is the program's own cost), one Kubernetes resource, plain
 * JavaScript (nothing to compile).
 */
function minimalProject(): string {
  // Inside the repository, so that node_modules resolves as it does for the program.
  const dir = path.join(ROOT, ".cache", "bench", "minimal");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    "name: minimal\nmain: index.js\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
  );
  writeFileSync(
    path.join(dir, "index.js"),
    [
      'require("@pulumi/pulumi");',
      'require("@pulumi/aws/provider");',
      'require("@pulumi/aws/eks/getCluster");',
      'const k8s = require("@pulumi/kubernetes");',
      'new k8s.core.v1.ConfigMap("minimal", { data: { key: "value" } });',
      "",
    ].join("\n"),
  );
  return dir;
}

async function untilLastRegistration(
  stack: string,
  rootDir: string,
  config: Record<string, string>,
  secretKeys: string[],
  project = readProjectFile(rootDir),
): Promise<number> {
  const run = await runOnCliPath(stack, { rootDir, project, config, secretKeys });
  if (run.exitCode !== 0 || run.lastRegistrationMs === undefined) {
    throw new Error(`the run in ${rootDir} failed (${run.exitCode}):\n${run.logs.map((l) => l.message).join("\n")}${run.stderr}`);
  }
  return run.lastRegistrationMs / 1000;
}

function seconds(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${result.stderr}`);
  return elapsed;
}

/** From starting the policy pack as the CLI's language host does to its port on stdout. */
function policyPackStart(program: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_DIR] });
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [runner, "127.0.0.1:1", program], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/^\d+\n/.test(stdout)) {
        resolve(Number(process.hrtime.bigint() - start) / 1e9);
        child.kill();
      }
    });
    child.on("exit", (code) => reject(new Error(`the policy pack exited with ${code} before serving:\n${stderr}`)));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, "skip-tests": { type: "boolean", default: false } } });
  const runs = Number(values.runs);
  const loadAtStart = loadavg();
  const minimal = minimalProject();
  const { config, secretKeys } = readStackFile(ROOT, "ops");
  const program = () => untilLastRegistration("ops", ROOT, config, secretKeys);
  const floor = () => untilLastRegistration("bench", minimal, {}, []);
  // What typescript: true (the CLI's default) would cost: ts-node type-checks every file; its own cache is off.
  process.env.TS_NODE_CACHE = "false";
  const tsNodeProject = { ...readProjectFile(ROOT), runtime: { name: "nodejs", options: { typescript: true } } };
  const withTsNode = () => untilLastRegistration("ops", ROOT, config, secretKeys, tsNodeProject);
  await floor(); // the disk cache warm for both, as for every later run
  await program();
  const floorTimes: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const tsNode: number[] = [];
  for (let i = 0; i < runs; i++) {
    floorTimes.push(await floor());
    rmSync(COMPILE_CACHE, { recursive: true, force: true });
    cold.push(await program());
    warm.push(await program());
    tsNode.push(await withTsNode());
  }
  // The pack as the CLI starts it (policy/main.js: the project's loader), and as ts-node type-checks it:
  // the program policy/index.ts itself, from the root, whose tsconfig.json has the project's options.
  const packTimes: number[] = [];
  const packTsNode: number[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(COMPILE_CACHE, { recursive: true, force: true });
    packTimes.push(await policyPackStart(POLICY_DIR, POLICY_DIR));
    packTsNode.push(await policyPackStart(path.join(POLICY_DIR, "index.ts"), ROOT, { ...process.env, TS_NODE_CACHE: "false" }));
  }
  const suiteSteps: [string, string[]][] = [
    ["eslint --max-warnings 0 .", ["node_modules/eslint/bin/eslint.js", "--max-warnings", "0", "."]],
    ["prettier --check .", ["node_modules/prettier/bin/prettier.cjs", "--check", "--log-level", "warn", "."]],
    ["tsc --noEmit", ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json"]],
    ["mocha (all tests)", ["node_modules/mocha/bin/mocha.js"]],
  ];
  const suiteRuns = values["skip-tests"] ? 0 : Math.min(runs, 3);
  const suite = suiteSteps.map(([name, args]) => [name, Array.from({ length: suiteRuns }, () => seconds(args))] as const);

  const coldRatio = median(cold) / median(floorTimes);
  type Row = [string, string, string, boolean];
  const rows: Row[] = [
    ["minimal program (same SDKs, one ConfigMap): node start -> last registration", `${median(floorTimes).toFixed(2)} s`, "", true],
    [
      "index.ts, stack ops, compile cache cleared: node start -> last registration",
      `${median(cold).toFixed(2)} s`,
      `${coldRatio.toFixed(2)}x minimal (target <= 1.5x)`,
      coldRatio <= 1.5,
    ],
    [
      "index.ts, stack ops, compile cache warm: node start -> last registration",
      `${median(warm).toFixed(2)} s`,
      `${(median(warm) / median(floorTimes)).toFixed(2)}x minimal`,
      true,
    ],
    [
      "for comparison, typescript: true (ts-node type-checks): node start -> last registration",
      `${median(tsNode).toFixed(2)} s`,
      `${(median(tsNode) / median(floorTimes)).toFixed(2)}x minimal`,
      true,
    ],
    ["policy pack start (policy/main.js, the project's loader): node start -> port", `${median(packTimes).toFixed(2)} s`, "", true],
    [
      "for comparison, the pack type-checked by ts-node (its cache off): node start -> port",
      `${median(packTsNode).toFixed(2)} s`,
      `${(median(packTsNode) / median(packTimes)).toFixed(2)}x the pack's start`,
      true,
    ],
    ...(suiteRuns > 0
      ? [
          ...suite.map(([name, times]): Row =>
            name.startsWith("mocha")
              ? [`npm test: ${name}`, `${median(times).toFixed(2)} s`, "target < 15 s", median(times) < 15]
              : [`npm test: ${name}`, `${median(times).toFixed(2)} s`, "", true],
          ),
          [
            "npm test, the four steps together",
            `${suite.reduce((sum, [, times]) => sum + median(times), 0).toFixed(2)} s`,
            "",
            true,
          ] as Row,
        ]
      : []),
  ];
  const git = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  console.log(
    `node ${process.version}, ${cpus().length} cores, commit ${git}, median of ${runs} runs (tests: ${suiteRuns}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")} at the start, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} at the end\n`,
  );
  console.log("| measurement | median | target |\n|---|---|---|");
  for (const [name, value, target, ok] of rows) console.log(`| ${name} | ${value} | ${target}${target && (ok ? " ✓" : " ✗ MISSED")} |`);
  // The real pulumi preview (scripts/bench-preview.ts), when scripts/build-real-tools.sh has built the tools.
  const preview = spawnSync(
    process.execPath,
    ["--require", "./scripts/register-ts.js", "scripts/bench-preview.ts", "--runs", String(Math.min(runs, 5))],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
  if (rows.some(([, , , ok]) => !ok) || preview.status !== 0) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
