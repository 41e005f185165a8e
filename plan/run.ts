/**
 * Runs the real program (index.ts) with a stack's real config under the
 * Pulumi engine's mocks, and records every resource it registers: type, name,
 * parent, options and inputs. No cluster, no CLI and no network are needed.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../config/schema";
import { SECRET_TEXT } from "../config/stack-file";

export interface PlannedResource {
  type: string;
  name: string;
  /** `type::name` of the parent; absent for the stack itself. */
  parent?: string;
  /** true for a resource that is only read (`.get`), never created or deleted. */
  read: boolean;
  /** Resource options that change what a destroy or a rename does. */
  options: { retainOnDelete?: boolean; protect?: boolean; provider?: string; dependsOn?: string[]; aliases?: PlannedAlias[] };
  /** Inputs as the engine receives them, secrets kept as SecretValue. */
  inputs: Record<string, unknown>;
}

/** An `aliases` entry: a URN, or the parts of the old URN that differ (a parent as `type::name`). */
export type PlannedAlias = string | { name?: string; type?: string; parent?: string; noParent?: boolean; stack?: string; project?: string };

export { SECRET_TEXT };

/** A value Pulumi holds as secret; serialized as SECRET_TEXT by the plan writers. */
export class SecretValue {
  constructor(readonly value: unknown) {}
  toJSON(): string {
    return SECRET_TEXT;
  }
}

export interface PlanResult {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export interface PlanOptions {
  /** Config as `pulumi.runtime.allConfig()` returns it. */
  config: Record<string, string>;
  secretKeys?: string[];
  /** The program to run. @default the project's index.ts */
  program?: string;
  /** Called as the engine receives each resource registration. */
  onRegister?: (type: string, name: string) => void;
}

// The mocks serialize secrets with this signature (sdk/nodejs/runtime/rpc.ts specialSigKey/specialSecretSig).
const SPECIAL_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SPECIAL_SIG] === SECRET_SIG) return new SecretValue(revive(record.value));
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

const key = (type: string, name: string) => `${type}::${name}`;

function resourceKey(resource: pulumi.Resource | undefined): string | undefined {
  // __pulumiType/__name are set by the SDK's Resource constructor on every resource.
  const r = resource as unknown as { __pulumiType?: string; __name?: string } | undefined;
  return r?.__pulumiType && r.__name ? key(r.__pulumiType, r.__name) : undefined;
}

/** The program's aliases are plain values (no Outputs), so they can be shown as given. */
function plannedAlias(alias: pulumi.Input<pulumi.URN | pulumi.Alias>): PlannedAlias {
  if (typeof alias === "string") return alias;
  const { parent, ...rest } = alias as pulumi.Alias;
  const parentKey = pulumi.Resource.isInstance(parent) ? resourceKey(parent) : (parent as string | undefined);
  return JSON.parse(JSON.stringify({ ...rest, ...(parentKey !== undefined && { parent: parentKey }) })) as PlannedAlias;
}

const settings = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };

/**
 * When the program throws (a bad config), the SDK's stack resource rejects
 * some internal promises nobody awaits. The Pulumi CLI's language host logs
 * and ignores those; here they would reach the host process (or mocha) as
 * unhandled rejections. So while the program runs, rejections carrying the
 * very error the program threw are absorbed; any other one is re-raised.
 */
async function withProgramFailureCaptured<T>(run: () => Promise<T>): Promise<T> {
  const saved = process.listeners("unhandledRejection");
  const rejections: unknown[] = [];
  const capture = (reason: unknown) => void rejections.push(reason);
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", capture);
  let failure: unknown = undefined;
  try {
    return await run();
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await new Promise((resolve) => setImmediate(resolve));
    process.removeListener("unhandledRejection", capture);
    for (const listener of saved) process.on("unhandledRejection", listener);
    const unexpected = rejections.find((reason) => reason !== failure);
    if (unexpected !== undefined) process.nextTick(() => Promise.reject(unexpected));
  }
}

export async function runPlan(stack: string, options: PlanOptions): Promise<PlanResult> {
  const program = options.program ?? path.join(__dirname, "..", "index.ts");
  const inputs = new Map<string, { inputs: Record<string, unknown>; read: boolean }>();
  const resources: PlannedResource[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        options.onRegister?.(args.type, args.name);
        inputs.set(key(args.type, args.name), { inputs: revive(args.inputs) as Record<string, unknown>, read: Boolean(args.id) });
        // A read resource's state is what the cluster would return: its name.
        const state = args.id ? { ...args.inputs, metadata: { name: args.id } } : args.inputs;
        return { id: args.id || `${args.name}-id`, state };
      },
      call(args) {
        // No AWS offline: the plan shows where the EKS endpoint and CA will come from.
        if (args.token === "aws:eks/getCluster:getCluster") {
          const { name, region } = args.inputs as { name: string; region: string };
          return { ...args.inputs, endpoint: `https://${name}.eks.${region}.amazonaws.com.offline-plan`, certificateAuthorities: [{ data: "offline-plan" }] };
        }
        return args.inputs;
      },
    },
    PROJECT,
    stack,
    true,
  );
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);

  // The program reads its config when it is loaded: load it afresh for every plan.
  delete require.cache[require.resolve(program)];
  const outputs = await withProgramFailureCaptured(() => pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const opts = args.opts as pulumi.CustomResourceOptions;
      resources.push({
        type: args.type,
        name: args.name,
        // Without an explicit parent a resource belongs to the stack (sdk/nodejs/resource.ts).
        parent: resourceKey(opts.parent ?? pulumi.runtime.getStackResource()),
        read: false,
        options: {
          ...(opts.retainOnDelete !== undefined && { retainOnDelete: opts.retainOnDelete }),
          ...(opts.protect !== undefined && { protect: opts.protect }),
          ...(opts.provider && { provider: resourceKey(opts.provider) }),
          ...(Array.isArray(opts.dependsOn) && { dependsOn: opts.dependsOn.map((d) => resourceKey(d as pulumi.Resource) ?? "?") }),
          ...(opts.aliases?.length && { aliases: opts.aliases.map(plannedAlias) }),
        },
        inputs: {},
      });
      return undefined;
    });
    return require(program);
  }));
  await settings.waitForRPCs();

  for (const resource of resources) {
    const registered = inputs.get(key(resource.type, resource.name));
    if (registered) Object.assign(resource, registered);
  }
  return { stack, resources, outputs: (revive(outputs ?? {}) as Record<string, unknown>) };
}
