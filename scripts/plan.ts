/**
 * npm run plan -- --stack <name> [--out <dir>]
 *
 * The offline plan: runs the program with Pulumi.<name>.yaml exactly as
 * `pulumi preview` does (node with Pulumi.yaml's nodeargs, the SDK's cmd/run),
 * against an offline stand-in for the engine (plan/engine.ts), and prints the
 * resources it would create. With --out, writes
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
  // Loaded only once the arguments are known good.
  // (require, not import(): the .ts loader hooks require only.)
  const { planOnCliPath } = require("../plan/cli-path") as typeof import("../plan/cli-path");
  const { alloyConfig, resourcesJson, summary, valuesYaml } = require("../plan/output") as typeof import("../plan/output");
  const plan = await planOnCliPath(values.stack, { config, secretKeys });
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
  // A failed program run carries what `pulumi preview` would show: the program's error diagnostics.
  const forPeople = error instanceof StackFileError || error.name === "ProgramRunError";
  console.error(forPeople ? error.message : error);
  process.exit(1);
});
