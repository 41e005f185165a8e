/**
 * What the policy pack expects of a stack, read the way the program reads it.
 *
 * The stack is the one the engine is deploying (the stack segment of each
 * resource's URN). Its expectations come from that stack's Pulumi.<stack>.yaml,
 * the file the Pulumi CLI itself reads, parsed by the program's own loader
 * (config/stack-file.ts, then config/load.ts with its defaults): one source, no
 * copy of the stack's settings in a policy config file to drift from it. The
 * pack needs no secret: an encrypted value reads as a placeholder, as in
 * `npm run plan`.
 */
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import type { Expectations } from "./checks";

/** The repository root: the policy pack lives in <root>/policy. */
export const ROOT = path.join(__dirname, "..");

/** The Helm release name the program installs the chart as (components/alloy-log-collector.ts). */
export const RELEASE = "alloy";

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
 * The expectations of a stack from its stack file in `rootDir`.
 * @throws StackFileError or StackConfigError, whose messages are written for people.
 */
export function loadExpectations(stack: string, rootDir: string = ROOT): Expectations {
  const { config, secretKeys } = readStackFile(rootDir, stack);
  return expectationsFor(stack, parseStackConfig(stack, config, { secretKeys }));
}
