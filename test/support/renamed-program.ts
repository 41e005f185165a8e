/**
 * The program with its component renamed the way docs/design.md ("Resource names, and renaming") says to rename it:
 * a new name, and the old one (index.ts's) as an alias. Run by runPlan in place
 * of index.ts; the test checks both names against the two plans.
 */
import { collectorArgs } from "../../components/stack-args";
import * as pulumi from "@pulumi/pulumi";
import { AlloyLogCollector } from "../../components/alloy-log-collector";
import { parseStackConfig } from "../../config/load";

const config = parseStackConfig(pulumi.getStack(), pulumi.runtime.allConfig());
new AlloyLogCollector("logs", collectorArgs(config), { aliases: [{ name: "alloy-logs" }] });
