/**
 * Entry point of `pulumi up --stack <cluster>`: validate the stack's config
 * once, deploy the collector, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlloyLogCollector } from "./components/alloy-log-collector";
import { parseStackConfig, StackConfigError } from "./config/load";

function loadConfig() {
  try {
    return parseStackConfig(pulumi.getStack(), pulumi.runtime.allConfig());
  } catch (error) {
    // RunError prints the message alone, without a stack trace.
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const config = loadConfig();
const collector = new AlloyLogCollector("alloy-logs", config);

export const namespace = collector.namespace;
export const daemonSetName = collector.daemonSetName;
export const tenantId = config.tenantId;
export const lokiEndpoint = config.lokiEndpoint;
