/**
 * npm run golden:update
 *
 * Regenerates test/golden/<stack>/{config.alloy,values.yaml,resources.json}, and
 * events-config.alloy and events-values.yaml where the stack runs the events collector,
 * from every Pulumi.<stack>.yaml. The tests fail on any drift (config.alloy and
 * values.yaml in test/stacks.test.ts, resources.json in test/component.test.ts),
 * so every change to what gets deployed shows up as a diff in review.
 *
 * And pulumi-package/schema.json, the component package's schema, as the real Pulumi CLI gives it
 * (`pulumi package get-schema ./pulumi-package`; test/real/package.test.ts compares the two), when
 * scripts/build-real-tools.sh has built the CLI; without it, says so and leaves the file.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseFlags, UsageError } from "../lib/cli-args";
import { alloyConfig, eventsAlloyConfig, eventsValuesYaml, resourcesJson, valuesYaml } from "../plan/output";
import { runPlan } from "../plan/run";
import { readStackFile, stackNamesIn } from "../config/stack-file";
import { missingTools, PulumiWorkspace } from "../realtools/real-cli";

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
  await updateSchema();
}

/** pulumi-package/schema.json from the real CLI, in a workspace of its own (no ~/.pulumi is read). */
async function updateSchema(): Promise<void> {
  const missing = missingTools(["pulumi", "pulumi-language-nodejs"]);
  if (missing.length > 0) {
    console.log(
      `pulumi-package/schema.json not updated: ${missing.join(", ")} not built (bash scripts/build-real-tools.sh pulumi language-nodejs)`,
    );
    return;
  }
  const ws = new PulumiWorkspace({ kubeconfig: path.join(ROOT, ".cache", "no-cluster") });
  try {
    const schema = await ws.pulumiOk(["package", "get-schema", path.join(ROOT, "pulumi-package")], { cwd: ws.root });
    writeFileSync(path.join(ROOT, "pulumi-package", "schema.json"), schema.stdout);
    console.log("updated pulumi-package/schema.json");
  } finally {
    ws.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
