/**
 * Runs the program the way `pulumi preview` does: the Pulumi CLI's Node.js
 * language host (pulumi/pulumi v3.248.0 sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * execRuntime and constructArguments) starts
 *
 *     node <runtime.options.nodeargs> <resolved @pulumi/pulumi/cmd/run> --monitor <addr> --engine <addr>
 *          --organization <org> --project <name> --root-directory <dir> --stack <stack> --pwd <dir>
 *          --dry-run --parallel <n> <main>
 *
 * in the program's directory, with the stack's config in PULUMI_CONFIG (keys as
 * `<namespace>:config:<name>`), its secret keys in PULUMI_CONFIG_SECRET_KEYS, and
 * PULUMI_NODEJS_TYPESCRIPT / PULUMI_NODEJS_TSCONFIG_PATH from `typescript` and
 * `tsconfig`. This module does the same, from Pulumi.yaml, against the engine
 * stand-in of plan/engine.ts, so what is recorded is what the engine would receive.
 *
 * Left out, because this program uses none of them: `--sync` (the pipes for
 * synchronous invokes), `--tracing`, and the proxy the language host puts
 * between the program and the engine (it forwards every call untouched).
 */
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { cpus } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { EngineStandIn, type EngineLog } from "./engine";
import { planResources, revive, type PlanResult, type Registration } from "./resources";

export const ROOT = path.join(__dirname, "..");

/** What Pulumi.yaml tells the language host. */
export interface ProjectFile {
  name: string;
  main?: string;
  runtime: { name: string; options: { typescript?: boolean; nodeargs?: string; tsconfig?: string } };
}

export function readProjectFile(rootDir: string): ProjectFile {
  const document = parse(readFileSync(path.join(rootDir, "Pulumi.yaml"), "utf8")) as {
    name: string;
    main?: string;
    runtime: string | ProjectFile["runtime"];
  };
  const runtime =
    typeof document.runtime === "string"
      ? { name: document.runtime, options: {} }
      : { ...document.runtime, options: document.runtime.options ?? {} };
  return { name: document.name, main: document.main, runtime };
}

/**
 * `nodeargs` split into words as the language host does (github.com/google/shlex):
 * whitespace separates, quotes group, backslash escapes.
 */
export function splitNodeArgs(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i];
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

export interface LaunchInput {
  rootDir: string;
  project: ProjectFile;
  stack: string;
  monitor: string;
  config: Record<string, string>;
  secretKeys: readonly string[];
}

/** The command line, working directory and environment the language host uses for this Pulumi.yaml. */
export function languageHostLaunch(input: LaunchInput): { args: string[]; cwd: string; env: Record<string, string> } {
  const { project, rootDir } = input;
  // engine/project.go getPwdMain: a file `main` runs in its directory, a directory `main` (or none) as ".".
  const main = path.resolve(rootDir, project.main ?? ".");
  const isFile = project.main !== undefined && !statSync(main).isDirectory();
  const pwd = isFile ? path.dirname(main) : main;
  const entryPoint = isFile ? path.basename(main) : ".";
  // locateModule: `require.resolve('@pulumi/pulumi/cmd/run')` from the program directory.
  const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [pwd] });
  // constructConfig: the language host still writes the old `<namespace>:config:<name>` form of each key.
  const config = Object.fromEntries(
    Object.entries(input.config).map(([key, value]) => {
      const at = key.indexOf(":");
      return [`${key.slice(0, at)}:config:${key.slice(at + 1)}`, value];
    }),
  );
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("PULUMI_")) env[key] = value;
  }
  Object.assign(env, {
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(input.secretKeys),
    ...(project.runtime.options.typescript !== false && { PULUMI_NODEJS_TYPESCRIPT: "true" }),
    ...(project.runtime.options.tsconfig && { PULUMI_NODEJS_TSCONFIG_PATH: project.runtime.options.tsconfig }),
  });
  const args = [
    ...splitNodeArgs(project.runtime.options.nodeargs ?? ""),
    runPath,
    "--monitor",
    input.monitor,
    "--engine",
    input.monitor,
    // What a DIY backend (pulumi login --local) calls the organization.
    "--organization",
    "organization",
    "--project",
    project.name,
    "--root-directory",
    rootDir,
    "--stack",
    input.stack,
    "--pwd",
    pwd,
    "--dry-run",
    // The CLI's default --parallel (pkg/cmd/pulumi/operations/up.go defaultParallel).
    "--parallel",
    String(cpus().length * 4),
    entryPoint,
  ];
  return { args, cwd: pwd, env };
}

export interface CliRun {
  exitCode: number | null;
  /** What the program logged through the Engine service: what `pulumi preview` shows as diagnostics. */
  logs: EngineLog[];
  registrations: Registration[];
  outputs: Record<string, unknown>;
  /** The node process's own stderr (Node prints errors there before the SDK is loaded). */
  stderr: string;
  stdout: string;
  /** Milliseconds from spawning node to the last resource registration. */
  lastRegistrationMs?: number;
}

export interface CliRunOptions {
  config: Record<string, string>;
  secretKeys?: readonly string[];
  rootDir?: string;
  /** Replaces what Pulumi.yaml says, e.g. to run a copy of the program. */
  project?: ProjectFile;
  onRegister?: (type: string, name: string) => void;
}

/** Runs the program under the SDK's cmd/run against the engine stand-in, as `pulumi preview --stack <stack>`. */
export async function runOnCliPath(stack: string, options: CliRunOptions): Promise<CliRun> {
  const rootDir = options.rootDir ?? ROOT;
  const project = options.project ?? readProjectFile(rootDir);
  const engine = new EngineStandIn(project.name, stack);
  try {
    const address = await engine.serve();
    const { args, cwd, env } = languageHostLaunch({
      rootDir,
      project,
      stack,
      monitor: address,
      config: options.config,
      secretKeys: options.secretKeys ?? [],
    });
    const started = process.hrtime.bigint();
    let lastRegistrationMs: number | undefined;
    engine.onRegister = (registration) => {
      lastRegistrationMs = Number(process.hrtime.bigint() - started) / 1e6;
      options.onRegister?.(registration.type, registration.name);
    };
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    return {
      exitCode,
      logs: engine.logs,
      registrations: engine.registrations,
      outputs: engine.stackOutputs(),
      stdout,
      stderr,
      lastRegistrationMs,
    };
  } finally {
    await engine.close();
  }
}

/**
 * A failed run, with what `pulumi preview` would show: the program's error
 * diagnostics, or when it did not get as far as the SDK, node's own stderr.
 */
export class ProgramRunError extends Error {
  override name = "ProgramRunError";
  constructor(readonly run: CliRun) {
    const errors = run.logs.filter((l) => l.severity === "error").map((l) => l.message.trimEnd());
    super(errors.length > 0 ? errors.join("\n") : run.stderr.trim() || `Program exited with non-zero exit code: ${run.exitCode}`);
  }
}

/**
 * The diagnostics other than errors as `pulumi preview` prints them (pkg/diag/sink.go Stringify):
 * a warning prefixed `warning: `, an info message as it is; debug messages only show with --debug.
 * Errors are the failure itself (ProgramRunError).
 */
export function shownDiagnostics(logs: readonly EngineLog[]): string[] {
  return logs
    .filter((l) => l.severity === "warning" || l.severity === "info")
    .map((l) => `${l.severity === "warning" ? "warning: " : ""}${l.message.trimEnd()}`);
}

/** The plan of a stack, from a run on the CLI's path. Rejects with ProgramRunError when the program fails. */
export async function planOnCliPath(stack: string, options: CliRunOptions): Promise<PlanResult & { run: CliRun }> {
  const run = await runOnCliPath(stack, options);
  if (run.exitCode !== 0) throw new ProgramRunError(run);
  return { stack, resources: planResources(run.registrations), outputs: revive(run.outputs) as Record<string, unknown>, run };
}
