/**
 * npm run golden:update
 *
 * Regenerates test/golden/<stack>/{config.alloy,values.yaml} from every
 * Pulumi.<stack>.yaml. test/stacks.test.ts fails on any drift, so every change
 * to what gets deployed shows up as a diff in review.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { alloyConfig, valuesYaml } from "../plan/output";
import { runPlan } from "../plan/run";
import { readStackFile } from "../config/stack-file";
import { GOLDEN_DIR, ROOT, stackNames } from "../test/support/stacks";

async function main(): Promise<void> {
  for (const stack of stackNames()) {
    const plan = await runPlan(stack, readStackFile(ROOT, stack));
    const dir = path.join(GOLDEN_DIR, stack);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "config.alloy"), alloyConfig(plan));
    writeFileSync(path.join(dir, "values.yaml"), valuesYaml(plan));
    console.log(`updated ${path.relative(ROOT, dir)}/{config.alloy,values.yaml}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
