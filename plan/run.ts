/**
 * Runs the real program (index.ts) with a stack's config inside this process,
 * against the engine stand-in (plan/engine.ts), and records every resource it
 * registers: type, name, parent, options and inputs, as the engine receives
 * them. No cluster, no CLI and no network are needed.
 *
 * This is the fast way, for the many unit-level tests: the SDK in this process
 * is pointed at the stand-in with pulumi.runtime.resetOptions, as the Automation
 * API does for an inline program. `npm run plan` and test/process/cli-path.test.ts run
 * the program on the CLI's own path instead (plan/cli-path.ts: node, the
 * Pulumi.yaml loader and the SDK's cmd/run); a test proves both record the
 * same resources for every stack.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../config/schema";
import { EngineStandIn } from "./engine";
import { planResources, revive, type PlanResult } from "./resources";

export { SECRET_TEXT, SecretValue, type PlannedAlias, type PlannedResource, type PlanResult } from "./resources";

export interface PlanOptions {
  /** Config as `pulumi.runtime.allConfig()` returns it. */
  config: Record<string, string>;
  secretKeys?: readonly string[];
  /** The program to run. @default the project's index.ts */
  program?: string;
  /** Called as the engine receives each resource registration. */
  onRegister?: (type: string, name: string) => void;
}

/**
 * When the program throws (a bad config), the SDK's stack resource rejects
 * some internal promises nobody awaits. cmd/run logs and ignores those; here
 * they would reach the host process (or mocha) as unhandled rejections. So
 * while the program runs, rejections carrying the very error the program
 * threw are absorbed; any other one is re-raised.
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
    // Re-raised as it came: the reason of someone else's rejection is theirs to choose.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (unexpected !== undefined) process.nextTick(() => Promise.reject(unexpected));
  }
}

export async function runPlan(stack: string, options: PlanOptions): Promise<PlanResult> {
  const program = options.program ?? path.join(__dirname, "..", "index.ts");
  const engine = new EngineStandIn(PROJECT, stack);
  engine.onRegister = (registration) => options.onRegister?.(registration.type, registration.name);
  const savedSecretKeys = process.env.PULUMI_CONFIG_SECRET_KEYS;
  try {
    // What setMocks does, with the stand-in as the monitor; no engine: the SDK logs to the console.
    pulumi.runtime.resetOptions(PROJECT, stack, 1, "", "", /*preview*/ true, "organization");
    pulumi.runtime.setMockOptions(engine.monitorClient(), PROJECT, stack, /*preview*/ true, "organization");
    pulumi.runtime.setAllConfig(options.config, [...(options.secretKeys ?? [])]);
    // Where the language host puts the secret keys, and where index.ts reads them.
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(options.secretKeys ?? []);
    // The program reads its config when it is loaded: load it afresh for every plan.
    delete require.cache[require.resolve(program)];
    try {
      await withProgramFailureCaptured(() => pulumi.runtime.runInPulumiStack(() => Promise.resolve(require(program) as unknown)));
    } finally {
      // Waits for every registration to reach the engine.
      await pulumi.runtime.disconnect();
    }
  } finally {
    if (savedSecretKeys === undefined) delete process.env.PULUMI_CONFIG_SECRET_KEYS;
    else process.env.PULUMI_CONFIG_SECRET_KEYS = savedSecretKeys;
  }
  return { stack, resources: planResources(engine.registrations), outputs: revive(engine.stackOutputs()) as Record<string, unknown> };
}
