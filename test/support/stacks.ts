/** Shared fixtures: a minimal valid stack config, and the stacks this project has. */
import { stackNamesIn } from "../../config/stack-file";
import * as path from "node:path";

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

/** Every Pulumi.<stack>.yaml in the repository. */
export function stackNames(): string[] {
  return stackNamesIn(ROOT);
}
