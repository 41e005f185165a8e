/**
 * The real Pulumi CLI for the real-tool tier: the binaries scripts/build-real-tools.sh
 * builds (the CLI, the Node.js language host beside it, the Kubernetes provider), run
 * against a project directory of their own with isolated state:
 *
 * - a file backend (`file://<temp>/state`) and the passphrase secrets provider;
 * - HOME and PULUMI_HOME in the same temporary directory, so the user's ~/.pulumi,
 *   cloud login and ~/.kube are never read or written;
 * - PATH starting with the tools' directory, where the engine takes the provider from,
 *   and automatic plugin downloads off (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).
 *
 * A derived test stack is the repository's Pulumi.<stack>.yaml with only the cluster
 * access (kubeconfigContext instead of eks) and the chart repository changed; the
 * project directory links to the repository's program, so what runs is this checkout.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Document, parseDocument } from "yaml";
import { ROOT } from "../plan/cli-path";

export const REAL_TOOLS_BIN = process.env.REAL_TOOLS_BIN ?? path.join(ROOT, ".cache", "real-tools", "bin");
export const CLI_TOOLS = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"] as const;
/** The YAML language host, for the package's YAML consumer (test/real/package.test.ts). */
export const YAML_TOOLS = ["pulumi-language-yaml"] as const;
export const CONTROL_PLANE_TOOLS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

/** The passphrase of every test stack's secrets provider. */
export const TEST_PASSPHRASE = "alloy-logs-e2e-passphrase";

/** helm and kubectl as .ci/run installs them (scripts/fetch-helm.sh, scripts/fetch-kubectl.sh), unless the caller set them. */
export const HELM = process.env.HELM_BIN ?? path.join(ROOT, ".cache", "helm", "helm");
export const KUBECTL = process.env.KUBECTL_BIN ?? path.join(ROOT, ".cache", "kubectl", "kubectl");
/** The prometheus-operator CRDs scripts/build-real-tools.sh generates. */
export const CRDS = path.join(REAL_TOOLS_BIN, "..", "crds");

/**
 * What a suite on the control plane needs besides the built tools, not there: helm, kubectl, the CRDs, and etcd and
 * openssl from Debian (the control plane's store and its certificates, realtools/control-plane.ts).
 */
export function missingHostTools(): string[] {
  const missing: string[] = [];
  for (const [name, file] of [
    ["helm (scripts/fetch-helm.sh)", HELM],
    ["kubectl (scripts/fetch-kubectl.sh)", KUBECTL],
    ["the prometheus-operator CRDs", path.join(CRDS, "monitoring.coreos.com_servicemonitors.yaml")],
  ]) {
    if (!existsSync(file)) missing.push(name);
  }
  if (spawnSync("etcd", ["--version"]).status !== 0) missing.push("etcd (apt-get install etcd-server)");
  if (spawnSync("openssl", ["version"]).status !== 0) missing.push("openssl");
  return missing;
}

/** Tools of `names` not built yet. */
export function missingTools(names: readonly string[]): string[] {
  return names.filter((name) => !existsSync(path.join(REAL_TOOLS_BIN, name)));
}

/**
 * In a `before` hook: skip the suite when a tool is missing, or fail under REQUIRE_REAL=1
 * (.ci/run and the GitHub workflow), where a skipped real-tool tier is a failed one.
 */
export function requireTools(context: Mocha.Context, names: readonly string[], also: string[] = []): void {
  const missing = [...missingTools(names), ...also];
  if (missing.length === 0) return;
  const message = `missing ${missing.join(", ")} (build them with bash scripts/build-real-tools.sh)`;
  if (process.env.REQUIRE_REAL === "1") throw new Error(`real-tool tier required (REQUIRE_REAL=1) but ${message}`);
  console.log(`      skipped: ${message}`);
  context.skip();
}

/** The program's files and folders the project directory links to (or copies). */
const PROGRAM_ENTRIES = [
  "index.ts", "alloy-config", "chart", "components", "config", "lib", "monitoring", "verify", "scripts", "policy",
  "node_modules", "package.json", "tsconfig.json",
]; // prettier-ignore

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface WorkspaceOptions {
  /** The KUBECONFIG the provider reads; a path that does not exist means no cluster. */
  kubeconfig: string;
  /**
   * Copy the program instead of linking to it, so that a test can change it (the chart
   * upgrade regenerates config/chart/alloy-values.generated.ts). node_modules stays a link.
   * Node resolves a linked module by its real path, so a changed copy of one file behind
   * links would not be the one the program loads. @default false
   */
  copyProgram?: boolean;
  /**
   * Copy the program from this directory instead (a checkout of another commit, such as the
   * one before the package, whose state a test then previews this checkout against); implies
   * copyProgram. node_modules stays the repository's.
   */
  programDir?: string;
}

export interface PulumiOptions {
  /** Killed with SIGKILL after this long. @default 300000 */
  timeoutMs?: number;
  /** Added to the workspace's environment. */
  env?: NodeJS.ProcessEnv;
  /** Where the CLI runs: another program (a package consumer) with this workspace's state and HOME. @default the project directory */
  cwd?: string;
}

export class PulumiWorkspace {
  readonly root: string;
  readonly project: string;
  readonly state: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(options: WorkspaceOptions) {
    this.root = mkdtempSync(path.join(tmpdir(), "alloy-logs-pulumi-"));
    this.project = path.join(this.root, "project");
    this.state = path.join(this.root, "state");
    const home = path.join(this.root, "home");
    for (const dir of [this.project, this.state, home]) mkdirSync(dir, { recursive: true });
    const programDir = options.programDir ?? ROOT;
    for (const entry of PROGRAM_ENTRIES) {
      const [from, to] = [path.join(entry === "node_modules" ? ROOT : programDir, entry), path.join(this.project, entry)];
      if ((options.copyProgram || options.programDir) && entry !== "node_modules")
        cpSync(from, to, { recursive: true, filter: (f) => !f.includes("node_modules") });
      else symlinkSync(from, to);
    }
    copyFileSync(path.join(programDir, "Pulumi.yaml"), path.join(this.project, "Pulumi.yaml"));
    // Nothing of the caller's Pulumi, AWS or Kubernetes setup reaches the CLI.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(PULUMI_|AWS_|KUBECONFIG$|HOME$|REQUIRE_)/.test(key)),
    );
    this.env = {
      ...inherited,
      HOME: home,
      PULUMI_HOME: path.join(home, ".pulumi"),
      PULUMI_BACKEND_URL: `file://${this.state}`,
      PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      KUBECONFIG: options.kubeconfig,
      PATH: `${REAL_TOOLS_BIN}:${path.dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    };
  }

  /** Replaces the project's program with links to this checkout's, keeping the stacks and their state. */
  linkProgram(): void {
    for (const entry of [...PROGRAM_ENTRIES, "Pulumi.yaml"]) {
      const to = path.join(this.project, entry);
      rmSync(to, { recursive: true, force: true });
      symlinkSync(path.join(ROOT, entry), to);
    }
  }

  /** Runs the real CLI in the project directory. */
  pulumi(args: string[], options: PulumiOptions = {}): Promise<RunResult> {
    return this.start(args, options).done;
  }

  /** Starts the real CLI and returns its process (for a fault test to kill) and its result. */
  start(args: string[], options: PulumiOptions = {}): { child: ChildProcess; done: Promise<RunResult> } {
    const child = spawn(path.join(REAL_TOOLS_BIN, "pulumi"), [...args, "--non-interactive", "--color", "never"], {
      cwd: options.cwd ?? this.project,
      env: { ...this.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const done = new Promise<RunResult>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    return { child, done };
  }

  /** Like pulumi(), but fails with the CLI's output unless it exits 0. */
  async pulumiOk(args: string[], options: PulumiOptions = {}): Promise<RunResult> {
    const result = await this.pulumi(args, options);
    if (result.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    }
    return result;
  }

  stackFile(stack: string): string {
    return path.join(this.project, `Pulumi.${stack}.yaml`);
  }

  /**
   * Writes the derived stack file: the repository's Pulumi.<stack>.yaml with the cluster
   * reached through `context` and the chart pulled from `chartRepository`, then edited
   * by `edit` (a stack-file change under test), and creates the stack with the
   * passphrase secrets provider (which adds its encryptionsalt to the file).
   */
  async initStack(stack: string, change: { context: string; chartRepository: string; edit?: (doc: Document) => void }): Promise<void> {
    const doc = parseDocument(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    doc.deleteIn(["config", "alloy-logs:eks"]);
    doc.setIn(["config", "alloy-logs:kubeconfigContext"], change.context);
    doc.setIn(["config", "alloy-logs:chartRepository"], change.chartRepository);
    change.edit?.(doc);
    writeFileSync(this.stackFile(stack), doc.toString());
    await this.pulumiOk(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  }

  /** The stack's checkpoint as the file backend wrote it. */
  checkpoint(stack: string): string {
    const file = path.join(this.state, ".pulumi", "stacks", "alloy-logs", `${stack}.json`);
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
  op: string;
  urn: string;
  newState?: { type: string; custom?: boolean; inputs?: Record<string, unknown>; parent?: string };
  oldState?: { type: string; inputs?: Record<string, unknown> };
}

export interface PreviewJson {
  steps?: PreviewStep[];
  diagnostics?: { message: string; severity: string; urn?: string }[];
  changeSummary?: Record<string, number>;
}

/** `pulumi preview --json` writes its JSON document to stdout. */
export function parsePreviewJson(stdout: string): PreviewJson {
  const start = stdout.indexOf("{");
  if (start === -1) throw new Error(`no JSON in preview output:\n${stdout}`);
  return JSON.parse(stdout.slice(start)) as PreviewJson;
}
