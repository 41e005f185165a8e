/**
 * npm run bench [-- --runs N] [--skip-tests] [--fast-tier-only] [--fast-runs N]
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
 *   - the fast tier (npm run test:fast, scripts/test-fast.ts: tsc + eslint, prettier --check and
 *     mocha at once), cold (.cache/fast-tier and the loader's .cache/ts deleted, as in a clean
 *     clone) and warm (the run after), each step's wall time and the load average of each run;
 *     then mocha alone (nothing beside it), cold and warm. Targets (issue 23): the fast tier at
 *     most 30 s and mocha at most 15 s, cold and warm, with every test passing; tests slower
 *     than mocha's slow threshold (.mocharc.js) are listed by name. --fast-tier-only measures
 *     just this; --skip-tests skips it.
 * Minimal and program runs are interleaved so that machine load affects both
 * alike. Exits non-zero when a target is missed. The numbers go in docs/benchmarks.md.
 * The OS page cache is not dropped (that needs root): every run but the first reads warm files.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { readStackFile } from "../config/stack-file";
import { readProjectFile, runOnCliPath } from "../plan/cli-path";
import { runFastTier } from "./test-fast";

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

/** What mocha's JSON reporter writes (the parts read here). */
interface MochaJson {
  stats: { tests: number; passes: number; pending: number; failures: number };
  tests: { fullTitle: string; file?: string; duration?: number }[];
}

/** Mocha's slow threshold for the fast tier (.mocharc.js). */
const SLOW_MS = (require(path.join(ROOT, ".mocharc.js")) as { slow: number }).slow;

/**
 * CPU seconds used so far by this process and every descendant it (or they) waited for: utime, stime, cutime and
 * cstime of /proc/self/stat, in USER_HZ (100 on Linux: https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html).
 * On a loaded machine a run's wall time says how much of the machine it got; its CPU seconds, what it cost. Undefined
 * off Linux.
 */
function cpuSeconds(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // The fields after the command name, which is in parentheses and may hold spaces: field 3 (state) first.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [14, 15, 16, 17].reduce((sum, field) => sum + Number(fields[field - 3]), 0) / 100;
  } catch {
    return undefined;
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/**
 * The fast tier, `runs` times cold then warm (interleaved, so that load changes touch both), and mocha alone, cold
 * and warm. Prints every run's step times and load average, then the medians against the targets, the passing
 * count, and the tests slower than mocha's slow threshold by name. Returns whether every target was met.
 */
async function benchFastTier(runs: number): Promise<boolean> {
  const report = path.join(ROOT, ".cache", "bench", "mocha.json");
  const mochaJson = ["--reporter", "json", "--reporter-option", `output=${report}`];
  const readReport = () => JSON.parse(readFileSync(report, "utf8")) as MochaJson;
  type Run = {
    kind: string;
    steps: Record<string, number>;
    cpu?: number;
    ok: boolean;
    stats: MochaJson["stats"];
    loadBefore: string;
    loadAfter: string;
  };
  const cpuSince = (before: number | undefined) => {
    const after = cpuSeconds();
    return before === undefined || after === undefined ? undefined : after - before;
  };
  const all: Run[] = [];
  let slow: MochaJson["tests"] = [];
  console.log(`
The fast tier (npm run test:fast), ${runs} cold and warm runs, then mocha alone:`);
  for (let i = 0; i < runs; i++) {
    for (const kind of ["cold", "warm"]) {
      const loadBefore = load();
      const cpuBefore = cpuSeconds();
      const results = await runFastTier({ cold: kind === "cold", mochaArgs: mochaJson, print: false });
      const steps = Object.fromEntries(results.map((r) => [r.name, r.seconds]));
      const { stats, tests } = readReport();
      slow = tests.filter((t) => (t.duration ?? 0) > SLOW_MS);
      for (const r of results.filter((r) => r.status !== 0 && r.name !== "all"))
        console.log(`${kind}: ${r.name} failed:
${r.output}`);
      const cpu = cpuSince(cpuBefore);
      all.push({ kind, steps, cpu, ok: results.every((r) => r.status === 0), stats, loadBefore, loadAfter: load() });
    }
  }
  // mocha alone: its own workers compile what they load (cold: the loader's cache deleted first).
  for (let i = 0; i < runs; i++) {
    for (const kind of ["mocha alone, cold", "mocha alone, warm"]) {
      if (kind.endsWith("cold")) rmSync(path.join(ROOT, ".cache", "ts"), { recursive: true, force: true });
      const loadBefore = load();
      const cpuBefore = cpuSeconds();
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, ["node_modules/mocha/bin/mocha.js", ...mochaJson], { cwd: ROOT, stdio: "ignore" });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpu = cpuSince(cpuBefore);
      all.push({ kind, steps: { mocha: seconds }, cpu, ok: result.status === 0, stats: readReport().stats, loadBefore, loadAfter: load() });
    }
  }
  const names = ["tsc + eslint", "prettier --check", "mocha", "all"];
  console.log(`
| run | ${names.join(" | ")} | CPU, all processes | tests passing | load average before, after |
|---|${names.map(() => "---|").join("")}---|---|---|`);
  for (const r of all) {
    const cells = names.map((n) => (r.steps[n] === undefined ? "" : `${r.steps[n].toFixed(1)} s`));
    const passing = `${r.stats.passes} of ${r.stats.tests} (${r.stats.pending} pending, ${r.stats.failures} failing)`;
    const cpu = r.cpu === undefined ? "" : `${r.cpu.toFixed(1)} s`;
    console.log(`| ${r.kind}${r.ok ? "" : " FAILED"} | ${cells.join(" | ")} | ${cpu} | ${passing} | ${r.loadBefore}; ${r.loadAfter} |`);
  }
  const med = (kind: string, step: string) => median(all.filter((r) => r.kind === kind).map((r) => r.steps[step]));
  // Issue 23's targets: the fast tier at most 30 s, mocha alone at most 15 s. Inside the fast tier mocha shares the
  // two cores with the other steps, so its step there is shown, not held to mocha's target.
  const targets: [string, number, number | undefined][] = [
    ["fast tier, cold: wall", med("cold", "all"), 30],
    ["fast tier, warm: wall", med("warm", "all"), 30],
    ["mocha alone, cold", med("mocha alone, cold", "mocha"), 15],
    ["mocha alone, warm", med("mocha alone, warm", "mocha"), 15],
    ["fast tier, cold: its mocha step, beside the others", med("cold", "mocha"), undefined],
    ["fast tier, warm: its mocha step, beside the others", med("warm", "mocha"), undefined],
  ];
  console.log(`
| measurement (median of ${runs}) | median | target |
|---|---|---|`);
  for (const [name, value, target] of targets)
    console.log(
      `| ${name} | ${value.toFixed(2)} s | ${target === undefined ? "" : `<= ${target} s${value <= target ? " ✓" : " ✗ MISSED"}`} |`,
    );
  console.log(`
Tests slower than ${SLOW_MS} ms (slow in .mocharc.js), last warm run:`);
  for (const t of slow.sort((a, b) => (b.duration ?? 0) - (a.duration ?? 0)))
    console.log(`  ${String(t.duration)} ms  ${path.relative(ROOT, t.file ?? "")}: ${t.fullTitle}`);
  if (slow.length === 0) console.log("  none");
  const everyRunPassed = all.every((r) => r.ok && r.stats.failures === 0);
  return everyRunPassed && targets.every(([, value, target]) => target === undefined || value <= target);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "7" },
      "skip-tests": { type: "boolean", default: false },
      "fast-tier-only": { type: "boolean", default: false },
      "fast-runs": { type: "string", default: "3" },
    },
  });
  const runs = Number(values.runs);
  if (values["fast-tier-only"]) {
    process.exit((await benchFastTier(Number(values["fast-runs"]))) ? 0 : 1);
  }
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
  ];
  const git = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  console.log(
    `node ${process.version}, ${cpus().length} cores, commit ${git}, median of ${runs} runs, load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")} at the start, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} at the end\n`,
  );
  console.log("| measurement | median | target |\n|---|---|---|");
  for (const [name, value, target, ok] of rows) console.log(`| ${name} | ${value} | ${target}${target && (ok ? " ✓" : " ✗ MISSED")} |`);
  const fastTierOk = values["skip-tests"] ? true : await benchFastTier(Number(values["fast-runs"]));
  // The real pulumi preview (scripts/bench-preview.ts), when scripts/build-real-tools.sh has built the tools.
  const preview = spawnSync(
    process.execPath,
    ["--require", "./scripts/register-ts.js", "scripts/bench-preview.ts", "--runs", String(Math.min(runs, 5))],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
  if (rows.some(([, , , ok]) => !ok) || !fastTierOk || preview.status !== 0) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
