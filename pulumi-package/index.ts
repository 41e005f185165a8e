/**
 * The alloy-logs component package: AlloyLogCollector (components/alloy-log-collector.ts, the class this
 * repository's stacks use too) served to Pulumi programs in any language. The Pulumi CLI starts this file
 * as a provider (PulumiPlugin.yaml); the SDK infers the schema from the class and its args' declarations
 * (pulumi/pulumi sdk/nodejs/provider/experimental/analyzer.ts), and a program's AlloyLogCollector is
 * constructed here, in this process, as the provider's Construct.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { AlloyLogCollector } from "../components/alloy-log-collector";

export { AlloyLogCollector };

void componentProviderHost({ components: [AlloyLogCollector], name: "alloy-logs", dirname: __dirname });
