/**
 * Entry point of `pulumi up --stack <cluster>`: validate the stack's config
 * once, deploy the collector, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlloyLogCollector } from "./components/alloy-log-collector";
import { collectorArgs } from "./components/stack-args";
import { withReadableErrors } from "./components/program-errors";
import { parseStackConfig } from "./config/load";
import { otherStacks } from "./config/stack-file";
import { postDeployChecks } from "./verify/commands";

/**
 * The keys whose values the CLI decrypted from `secure:` values. The SDK has no
 * public API for this; the language host passes the list to every program in
 * this variable (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * pulumiConfigSecretKeysVar), beside the values in PULUMI_CONFIG.
 */
function secretConfigKeys(): string[] {
  const keys: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS || "[]");
  return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === "string") : [];
}

function loadConfig() {
  const stack = pulumi.getStack();
  return parseStackConfig(stack, pulumi.runtime.allConfig(), {
    secretKeys: secretConfigKeys(),
    otherStacks: otherStacks(__dirname, stack),
    warn: (message) => void pulumi.log.warn(message),
  });
}

const { config, collector } = withReadableErrors(() => {
  const config = loadConfig();
  // The component of the package (pulumi-package/), given the validated config field for field
  // (collectorArgs, the compiler checks each one); it holds the Loki credentials as secrets.
  return { config, collector: new AlloyLogCollector("alloy-logs", collectorArgs(config)) };
});

export const namespace = collector.namespace;
export const daemonSetName = collector.daemonSetName;
export const tenantId = config.tenantId;
export const lokiEndpoint = config.lokiEndpoint;

/** The seed's post-deploy checks, ready to run against this stack's cluster. */
export const checks = postDeployChecks(config);
