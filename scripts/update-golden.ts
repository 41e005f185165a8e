/**
 * npm run golden:update
 *
 * Regenerates test/golden/<stack>/{config.alloy,values.yaml,resources.json}
 * from every Pulumi.<stack>.yaml. The tests fail on any drift (config.alloy and
 * values.yaml in test/stacks.test.ts, resources.json in test/component.test.ts),
 * so every change to what gets deployed shows up as a diff in review.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseFlags, UsageError } from "../lib/cli-args";
import { alloyConfig, resourcesJson, valuesYaml } from "../plan/output";
import { runPlan } from "../plan/run";
import { readStackFile, stackNamesIn } from "../config/stack-file";

const ROOT = path.join(__dirname, "..");
const GOLDEN_DIR = path.join(ROOT, "test", "golden");

async function main(): Promise<void> {
  try {
    parseFlags(process.argv.slice(2), {});
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // Nothing is rewritten on a command line it does not understand.
    console.error(error.message);
    console.error("usage: npm run golden:update");
    process.exit(2);
  }
  for (const stack of stackNamesIn(ROOT)) {
    const plan = await runPlan(stack, readStackFile(ROOT, stack));
    const dir = path.join(GOLDEN_DIR, stack);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "config.alloy"), alloyConfig(plan));
    writeFileSync(path.join(dir, "values.yaml"), valuesYaml(plan));
    writeFileSync(path.join(dir, "resources.json"), resourcesJson(plan));
    console.log(`updated ${path.relative(ROOT, dir)}/{config.alloy,values.yaml,resources.json}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
