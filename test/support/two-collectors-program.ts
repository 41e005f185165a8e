/**
 * A program with two collectors in one stack, in two namespaces (the chart's
 * objects are named `alloy:<namespace>/<object>`, so that is what keeps them
 * apart). Run by runPlan in place of index.ts.
 */
import { collectorArgs } from "../../components/stack-args";
import * as pulumi from "@pulumi/pulumi";
import { AlloyLogCollector } from "../../components/alloy-log-collector";
import { parseStackConfig } from "../../config/load";

const config = parseStackConfig(pulumi.getStack(), pulumi.runtime.allConfig());
new AlloyLogCollector("first", { ...collectorArgs(config), namespace: "logs-a" });
new AlloyLogCollector("second", { ...collectorArgs(config), namespace: "logs-b" });
