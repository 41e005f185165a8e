/**
 * Runs the policy pack (policy/) the way the Pulumi CLI does, and talks to it as
 * the engine does: no stand-in for the pack's loading or for @pulumi/policy.
 *
 * The CLI's Node.js language host (pulumi/pulumi v3.248.0,
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go, RunPlugin for kind analyzer) starts a pack with
 *   node <run-policy-pack> <PulumiPolicy.yaml nodeargs> <engine address> <pack dir>
 * in the pack's directory, with PULUMI_NODEJS_TYPESCRIPT=true unless `typescript: false`.
 * languageHostCommand builds exactly that from the pack's PulumiPolicy.yaml. run-policy-pack
 * registers ts-node (type-checking) and requires the pack directory: package.json's main,
 * policy/main.js, which puts the project's loader in ts-node's place and loads policy/index.ts.
 * @pulumi/policy then serves the Analyzer gRPC service and prints its port. The engine calls
 * Analyze for each resource before its step and AnalyzeStack at the end.
 * Here the engine's side is these gRPC calls, with the SDK's own generated
 * client (@pulumi/pulumi/proto). The engine address is never dialled by a pack
 * that reports no error, so a closed port stands in for it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ROOT } from "./stacks";

/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb") as AnalyzerPb;
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as {
  AnalyzerClient: new (address: string, credentials: unknown) => AnalyzerClient;
};
const structPb = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(value: unknown): unknown } };

/** The few generated message classes used here (analyzer.proto). */
interface Message {
  [setter: string]: (value: never) => unknown;
}
interface AnalyzerPb {
  AnalyzeRequest: new () => Message;
  AnalyzeStackRequest: new () => Message;
  AnalyzerResource: new () => Message;
  AnalyzerResourceOptions: new () => Message;
}
interface DiagnosticPb {
  getPolicyname(): string;
  getMessage(): string;
  getEnforcementlevel(): number;
}
interface AnalyzeResponsePb {
  getDiagnosticsList(): DiagnosticPb[];
}
type Callback = (error: Error | null, response: AnalyzeResponsePb) => void;
interface AnalyzerClient {
  analyze(request: Message, callback: Callback): void;
  analyzeStack(request: Message, callback: Callback): void;
  close(): void;
}

export const POLICY_DIR = path.join(ROOT, "policy");

/** A resource as the engine describes it to an analyzer. */
export interface EngineResource {
  type: string;
  name: string;
  urn: string;
  properties: Record<string, unknown>;
}

export interface Diagnostic {
  policy: string;
  message: string;
  /** EnforcementLevel of analyzer.proto: 0 advisory, 1 mandatory. */
  enforcementLevel: number;
}

/** `urn:pulumi:<stack>::alloy-logs::<type>::<name>` */
export function urnOf(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::alloy-logs::${type}::${name}`;
}

/** A resource of the kubernetes provider for a rendered object, typed and named as helm.v4.Chart's children are. */
export function chartChild(
  stack: string,
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
): EngineResource {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["core", object.apiVersion];
  const type = `kubernetes:${group}/${version}:${object.kind}`;
  const name = `alloy:${object.metadata.namespace ?? ""}/${object.metadata.name}`;
  return { type, name, urn: urnOf(stack, type, name), properties: object };
}

function set(message: Message, field: string, value: unknown): Message {
  (message[`set${field}`] as (v: unknown) => unknown)(value);
  return message;
}

/** An AnalyzeRequest or AnalyzerResource describing a resource (the two share these fields). */
function describing(message: Message, resource: EngineResource): Message {
  set(message, "Type", resource.type);
  set(message, "Name", resource.name);
  set(message, "Urn", resource.urn);
  set(message, "Properties", structPb.Struct.fromJavaScript(resource.properties));
  return set(message, "Options", new analyzerPb.AnalyzerResourceOptions());
}

function diagnostics(response: AnalyzeResponsePb): Diagnostic[] {
  return response
    .getDiagnosticsList()
    .map((d) => ({ policy: d.getPolicyname(), message: d.getMessage(), enforcementLevel: d.getEnforcementlevel() }));
}

/** A command as the language host runs it: program, arguments, working directory, the variables it adds. */
export interface Command {
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * What the language host runs for a Node policy pack (RunPlugin, kind analyzer): the runtime
 * options of PulumiPolicy.yaml decide `nodeargs` (split on spaces; the host uses shlex) and
 * PULUMI_NODEJS_TYPESCRIPT (typescript defaults to true).
 */
export function languageHostCommand(packDir: string, engineAddress: string): Command {
  const { runtime } = parse(readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8")) as {
    runtime: string | { name: string; options?: { typescript?: boolean; nodeargs?: string } };
  };
  const options = typeof runtime === "string" ? {} : (runtime.options ?? {});
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
  const nodeargs = options.nodeargs?.split(" ").filter(Boolean) ?? [];
  return {
    args: [runner, ...nodeargs, engineAddress, packDir],
    cwd: packDir,
    env: options.typescript === false ? {} : { PULUMI_NODEJS_TYPESCRIPT: "true" },
  };
}

export class RunningPolicyPack {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: AnalyzerClient,
    readonly stderr: () => string,
  ) {}

  /** Starts the pack (policy/, or another pack directory) as the language host does and waits for its port. */
  static async start(timeoutMs: number, packDir = POLICY_DIR): Promise<RunningPolicyPack> {
    const { args, cwd, env } = languageHostCommand(packDir, "127.0.0.1:1");
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the policy pack printed no port within ${timeoutMs} ms; stderr:\n${stderr}`)),
        timeoutMs,
      );
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = /^(\d+)\n/.exec(stdout);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the policy pack exited with ${code} before serving; stdout:\n${stdout}\nstderr:\n${stderr}`));
      });
    });
    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new RunningPolicyPack(child, client, () => stderr);
  }

  /** The engine's Analyze call for one resource, before its step. */
  analyze(resource: EngineResource): Promise<Diagnostic[]> {
    const request = describing(new analyzerPb.AnalyzeRequest(), resource);
    return new Promise((resolve, reject) =>
      this.client.analyze(request, (error, response) => (error ? reject(error) : resolve(diagnostics(response)))),
    );
  }

  /** The engine's AnalyzeStack call, with every resource of the stack. */
  analyzeStack(resources: readonly EngineResource[]): Promise<Diagnostic[]> {
    const request = new analyzerPb.AnalyzeStackRequest();
    set(
      request,
      "ResourcesList",
      resources.map((r) => describing(new analyzerPb.AnalyzerResource(), r)),
    );
    return new Promise((resolve, reject) =>
      this.client.analyzeStack(request, (error, response) => (error ? reject(error) : resolve(diagnostics(response)))),
    );
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }
}
