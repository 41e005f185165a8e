/**
 * npm run plan -- --stack <name> [--out <dir>]
 *
 * The offline plan: runs the program with Pulumi.<name>.yaml under the Pulumi
 * engine's mocks and prints the resources it would create. With --out, writes
 * <dir>/values.yaml, <dir>/config.alloy and <dir>/resources.json for review,
 * the way `helm template` output was reviewed before.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { readStackFile, stackFilePath, StackFileError } from "../config/stack-file";

const ROOT = path.join(__dirname, "..");

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stack: { type: "string" }, out: { type: "string" } } });
  if (!values.stack) {
    console.error("usage: npm run plan -- --stack <name> [--out <dir>]");
    process.exit(2);
  }
  const { config, secretKeys } = readStackFile(ROOT, values.stack);
  // Loaded only once the arguments are known good: loading the Pulumi SDK is most of a plan's time.
  // (require, not import(): the .ts loader hooks require only.)
  const { runPlan } = require("../plan/run") as typeof import("../plan/run");
  const { alloyConfig, resourcesJson, summary, valuesYaml } = require("../plan/output") as typeof import("../plan/output");
  const plan = await runPlan(values.stack, { config, secretKeys });
  console.log(summary(plan, path.relative(process.cwd(), stackFilePath(ROOT, values.stack))));
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    const files: [string, string][] = [
      ["values.yaml", valuesYaml(plan)],
      ["config.alloy", alloyConfig(plan)],
      ["resources.json", resourcesJson(plan)],
    ];
    for (const [name, text] of files) writeFileSync(path.join(values.out, name), text);
    console.log(`\nWrote ${files.map(([name]) => path.join(values.out!, name)).join(", ")}`);
  }
}

main().catch((error: Error) => {
  // Config errors are written for people: show the message, not a stack trace.
  const forPeople = "__pulumiRunError" in error || error instanceof StackFileError;
  console.error(forPeople ? error.message : error);
  process.exit(1);
});
