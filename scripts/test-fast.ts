/**
 * npm run test:fast [-- --cold] [--reporter <mocha reporter>]
 *
 * The fast tier, the suite a developer runs before every commit: lint, format check, typecheck and mocha over
 * test/*.test.ts, the four at once (on 2 cores one step's waits are another's CPU), each failing the whole.
 * Target (issue 23): at most 30 s wall, mocha at most 15 s, cold and warm, on a 2-core machine (npm run bench).
 *
 * - tsc and eslint run in one process on one program (scripts/typecheck-lint.ts). eslint's cache and prettier
 *   --cache keep what they found per file (by content) in .cache/fast-tier/, and tsc its build info there (build
 *   mode, tsconfig.fast-tier.json: when no input is newer, it stops at once), so a second run redoes only the files that
 *   changed; after npm installs anything, both start cold (dependenciesChanged). A cold run
 *   (a clean clone; --cold deletes .cache/fast-tier and the loader's .cache/ts) does everything.
 *   eslint's cache knows each file's content and the config, not what its types depend on: a change in one
 *   file that makes a type-aware rule fail in another, unchanged one is found by the next cold run (.ci/run
 *   runs in a clean clone, so CI always lints cold) or by tsc when it is a type error.
 * - Every .ts file is compiled first, in one esbuild call in mocha's main process (scripts/mocha-precompile.ts,
 *   a global setup), so no test file waits for esbuild.
 * - mocha runs in one process here (--no-parallel), though .mocharc.js gives it two workers when it runs alone:
 *   beside tsc + eslint and prettier both cores are already busy, and a second worker only loads the SDK, the
 *   program and helm's renders a second time (3 to 6 s of CPU; the cold fast tier 27 to 32 s with one process
 *   against 31 to 34 s with two, 8 December, quiet). slow: 1000 prints a test slower than a second with its
 *   time, by name. Tests that start whole processes live in
 *   test/process/ and run in the real-tool tier (npm run test:real).
 *
 * Prints each step's output when it ends and a line per step with its wall time, so a run on a quiet machine
 * can be compared with one on a loaded one (docs/benchmarks.md). Exits 1 if any step failed.
 */
import { spawn } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.join(__dirname, "..");
const FAST_TIER_CACHE = path.join(ROOT, ".cache", "fast-tier");

/** name, node script and arguments: what each step runs, from the repository root. */
export const STEPS: readonly { name: string; args: string[] }[] = [
  // tsc -b and eslint --cache in one process over one TypeScript program (scripts/typecheck-lint.ts): run apart,
  // each made its own program of the same 1500 files, about 12 s of CPU each.
  { name: "tsc + eslint", args: ["--require", "./scripts/register-ts.js", "scripts/typecheck-lint.ts"] },
  {
    name: "prettier --check",
    args: [
      "node_modules/prettier/bin/prettier.cjs",
      "--check",
      "--log-level",
      "warn",
      "--cache",
      "--cache-strategy",
      "content",
      "--cache-location",
      ".cache/fast-tier/prettier",
      ".",
    ],
  },
];

export interface StepResult {
  name: string;
  seconds: number;
  status: number | null;
  output: string;
}

/**
 * Whether npm installed anything since the caches were written: tsc's build mode and eslint's cache compare the
 * project's own files only, not the packages' types, so after npm ci or npm install both start cold.
 */
function dependenciesChanged(): boolean {
  const mtime = (file: string) => {
    try {
      return statSync(path.join(ROOT, file)).mtimeMs;
    } catch {
      return undefined;
    }
  };
  const written = mtime(".cache/fast-tier/tsconfig.tsbuildinfo");
  const installed = Math.max(mtime("node_modules/.package-lock.json") ?? 0, mtime("package-lock.json") ?? 0);
  return written === undefined || installed > written;
}

function run(name: string, args: string[]): Promise<StepResult> {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return new Promise((resolve) =>
    child.on("close", (status) => resolve({ name, status, output, seconds: Number(process.hrtime.bigint() - start) / 1e9 })),
  );
}

/** Runs the fast tier; mochaArgs go to mocha after its config (.mocharc.js). */
export async function runFastTier(options: { cold?: boolean; mochaArgs?: string[]; print?: boolean } = {}): Promise<StepResult[]> {
  const print = options.print ?? true;
  const start = process.hrtime.bigint();
  if (options.cold) {
    rmSync(FAST_TIER_CACHE, { recursive: true, force: true });
    rmSync(path.join(ROOT, ".cache", "ts"), { recursive: true, force: true });
  } else if (dependenciesChanged()) rmSync(FAST_TIER_CACHE, { recursive: true, force: true });
  const checks = STEPS.map(({ name, args }) => run(name, args));
  const mocha = run("mocha", ["node_modules/mocha/bin/mocha.js", "--no-parallel", ...(options.mochaArgs ?? [])]);
  const results: StepResult[] = [];
  await Promise.all(
    [...checks, mocha].map((step) =>
      step.then((result) => {
        results.push(result);
        if (print)
          process.stdout.write(
            `\n== ${result.name} (${result.seconds.toFixed(1)} s, ${result.status === 0 ? "ok" : "FAILED"})\n${result.output}`,
          );
      }),
    ),
  );
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  if (print) {
    console.log("\nfast tier:");
    for (const r of results)
      console.log(`  ${r.name.padEnd(20)}  ${r.seconds.toFixed(1)} s  ${r.status === 0 ? "ok" : `FAILED (exit ${r.status})`}`);
    console.log(`  all, wall             ${total.toFixed(1)} s`);
  }
  return [...results, { name: "all", seconds: total, status: results.every((r) => r.status === 0) ? 0 : 1, output: "" }];
}

if (require.main === module) {
  const { values } = parseArgs({ options: { cold: { type: "boolean", default: false }, reporter: { type: "string" } } });
  runFastTier({ cold: values.cold, mochaArgs: values.reporter ? ["--reporter", values.reporter] : [] }).then(
    (results) => process.exit(results.every((r) => r.status === 0) ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
