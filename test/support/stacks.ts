/** Shared fixtures: a minimal valid stack config, and the stacks this project has. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { stackNamesIn } from "../../config/stack-file";
import { deployOrder } from "../../verify/ci-stacks";

export const ROOT = path.join(__dirname, "..", "..");

/** Reviewed copies of what each stack deploys; regenerate with `npm run golden:update`. */
export const GOLDEN_DIR = path.join(ROOT, "test", "golden");

/** The four required keys, as `pulumi.runtime.allConfig()` returns them. */
export const MINIMAL_CONFIG: Readonly<Record<string, string>> = {
  "alloy-logs:clusterName": "test-cluster",
  "alloy-logs:kubeconfigContext": "test-context",
  "alloy-logs:lokiEndpoint": "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
  "alloy-logs:tenantId": "test",
};

/** `alloy-logs:<key>` -> JSON or string, merged over MINIMAL_CONFIG. */
export function configWith(extra: Record<string, unknown>, without: string[] = []): Record<string, string> {
  const config: Record<string, string> = { ...MINIMAL_CONFIG };
  for (const [key, value] of Object.entries(extra)) {
    config[`alloy-logs:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  for (const key of without) delete config[`alloy-logs:${key}`];
  return config;
}

/** Every Pulumi.<stack>.yaml in the repository, sorted by name. */
export function stackNames(): string[] {
  return stackNamesIn(ROOT);
}

/** Every stack, in the order CI deploys them (ops, dev, prod, then any other by name). */
export function stacksInDeployOrder(): string[] {
  return deployOrder(stackNames());
}

/** The stacks that have a test/golden/<stack>/ directory. */
export function goldenStacks(): string[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * The reviewed golden copy of one file of a stack. A stack file without golden files fails here with what to do:
 * every stack present is compared, a new one included.
 */
export function goldenFile(stack: string, file: string): string {
  const golden = path.join(GOLDEN_DIR, stack, file);
  if (!existsSync(golden)) {
    throw new Error(
      `Pulumi.${stack}.yaml has no golden ${path.relative(ROOT, golden)}: run \`npm run golden:update\`, review test/golden/${stack}/ and commit it`,
    );
  }
  return readFileSync(golden, "utf8");
}
