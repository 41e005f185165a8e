/**
 * npm run bench [-- --runs N]
 *
 * Measures the two speed targets on this machine, as wall-clock medians of
 * whole processes (what a person waits for):
 *   - `npm run plan` for one stack, against the floor of loading
 *     @pulumi/pulumi and @pulumi/kubernetes in a bare node process: <= 1.5x;
 *   - the whole test suite (`npm test`'s mocha run): < 15 s.
 * Floor and plan runs are interleaved so that machine load affects both alike.
 * Exits non-zero when a target is missed. The numbers go in the README.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.join(__dirname, "..");
const NODE = process.execPath;

function seconds(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(NODE, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${result.stderr}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const FLOOR = ["-e", "require('@pulumi/pulumi'); require('@pulumi/kubernetes')"];
const PLAN = ["--require", "./scripts/register-ts.js", "scripts/plan.ts", "--stack", "ops"];
const TESTS = ["node_modules/mocha/bin/mocha.js"];

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
  const runs = Number(values.runs);
  seconds(PLAN); // warm the compile cache and the disk cache, as every later run is
  const floor: number[] = [];
  const plan: number[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(seconds(FLOOR));
    plan.push(seconds(PLAN));
  }
  const tests = Array.from({ length: Math.min(runs, 3) }, () => seconds(TESTS));

  const ratio = median(plan) / median(floor);
  const rows: [string, string, string, boolean][] = [
    ["floor: node loads @pulumi/pulumi + @pulumi/kubernetes", `${median(floor).toFixed(2)} s`, "", true],
    ["npm run plan -- --stack ops (node process)", `${median(plan).toFixed(2)} s`, `${ratio.toFixed(2)}x floor (target <= 1.5x)`, ratio <= 1.5],
    ["test suite (mocha, all tests)", `${median(tests).toFixed(2)} s`, "target < 15 s", median(tests) < 15],
  ];
  const git = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  console.log(`node ${process.version}, ${cpus().length} cores, commit ${git}, median of ${runs} runs (tests: ${tests.length})\n`);
  console.log("| measurement | median | target |\n|---|---|---|");
  for (const [name, value, target, ok] of rows) console.log(`| ${name} | ${value} | ${target}${target && (ok ? " ✓" : " ✗ MISSED")} |`);
  if (rows.some(([, , , ok]) => !ok)) process.exit(1);
}

main();
