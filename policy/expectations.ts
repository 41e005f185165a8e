/**
 * What the policy pack expects of a stack, read the way the program reads it.
 *
 * The stack is the one the engine is deploying (the stack segment of each
 * resource's URN). Its expectations come from the config the engine gives the
 * program, parsed by the program's own loader (config/load.ts with its
 * defaults): one source, no copy of the stack's settings in a policy config file
 * to drift from it.
 *
 * Under the engine that config is the pack's PULUMI_CONFIG: the Node.js language
 * host's RunPlugin sets it from the engine's ConfigureStack call (pulumi/pulumi
 * v3.248.0 sdk/nodejs/cmd/pulumi-language-nodejs/main.go), with the stack's
 * values as the engine resolved them, `pulumi config set` and --config included.
 * Reading Pulumi.<stack>.yaml from the repository instead judged a stack deployed
 * from any other directory, or with any value not in that file, against the wrong
 * settings: the real CLI showed it (test/real/cli.test.ts). Without PULUMI_CONFIG
 * for that stack (the pack's own tests), the stack file is read, an encrypted
 * value as a placeholder, as in `npm run plan`.
 */
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import { PROJECT, type StackConfig } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import type { Expectations } from "./checks";

/** The repository root: the policy pack lives in <root>/policy. */
export const ROOT = path.join(__dirname, "..");

/** The Helm release name the program installs the chart as (components/alloy-log-collector.ts). */
export const RELEASE = "alloy";

/** The only key that holds secrets (config/schema.ts). */
const LOKI_AUTH_KEY = `${PROJECT}:lokiAuth`;

/** What a parsed stack config asks the chart to render. */
export function expectationsFor(stack: string, config: StackConfig): Expectations {
  return {
    stack,
    namespace: config.namespace,
    release: RELEASE,
    resources: JSON.parse(JSON.stringify(config.resources)) as Expectations["resources"],
    // One directory per release under the stack's storageHostPath (components/alloy-log-collector.ts).
    storageHostDir: `${config.storageHostPath}/${config.namespace}-${RELEASE}`,
    serviceMonitor: { enabled: config.serviceMonitor.enabled, labels: config.serviceMonitor.labels },
    datadog: { enabled: config.datadog.enabled, namespace: config.datadog.namespace },
  };
}

/**
 * The stack's config as the engine handed it to the pack, keys as `<namespace>:<key>`
 * (the SDK's `<namespace>:config:<key>` form read too), or undefined when the pack was
 * not started for `stack`.
 */
export function engineConfig(stack: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  if (!env.PULUMI_CONFIG || env.PULUMI_NODEJS_STACK !== stack) return undefined;
  const parsed = JSON.parse(env.PULUMI_CONFIG) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(parsed)
      .map(([key, value]): [string, string] => [
        key.replace(/^([^:]+):config:/, "$1:"),
        typeof value === "string" ? value : JSON.stringify(value),
      ])
      // The engine hands the pack secrets decrypted, and no list of which keys were secret: the
      // pack judges no credential, so it does not keep them (and the loader would refuse them as plain text).
      .filter(([key]) => key !== LOKI_AUTH_KEY),
  );
}

/**
 * The expectations of a stack: from the engine's config when the pack runs under the
 * engine for that stack, else from its stack file in `rootDir`.
 * @throws StackFileError or StackConfigError, whose messages are written for people.
 */
export function loadExpectations(stack: string, rootDir: string = ROOT, env: NodeJS.ProcessEnv = process.env): Expectations {
  const fromEngine = engineConfig(stack, env);
  if (fromEngine) return expectationsFor(stack, parseStackConfig(stack, fromEngine));
  const { config, secretKeys } = readStackFile(rootDir, stack);
  return expectationsFor(stack, parseStackConfig(stack, config, { secretKeys }));
}
