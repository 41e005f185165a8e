/**
 * npm run golden:update
 *
 * Regenerates test/golden/<stack>/{config.alloy,values.yaml,resources.json}, and
 * events-config.alloy and events-values.yaml where the stack runs the events collector,
 * from every Pulumi.<stack>.yaml. The tests fail on any drift (config.alloy and
 * values.yaml in test/stacks.test.ts, resources.json in test/component.test.ts),
 * so every change to what gets deployed shows up as a diff in review.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseFlags, UsageError } from "../lib/cli-args";
import { alloyConfig, eventsAlloyConfig, eventsValuesYaml, resourcesJson, valuesYaml } from "../plan/output";
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
    // The events collector's files exist exactly when the stack runs it.
    const events = { "events-config.alloy": eventsAlloyConfig(plan), "events-values.yaml": eventsValuesYaml(plan) };
    for (const [file, text] of Object.entries(events)) {
      if (text === undefined) rmSync(path.join(dir, file), { force: true });
      else writeFileSync(path.join(dir, file), text);
    }
    const written = [
      "config.alloy",
      "values.yaml",
      "resources.json",
      ...Object.keys(events).filter((f) => events[f as keyof typeof events]),
    ];
    console.log(`updated ${path.relative(ROOT, dir)}/{${written.join(",")}}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
