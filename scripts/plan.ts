/**
 * npm run plan -- --stack <name> [--out <dir>]
 *
 * The offline plan: runs the program with Pulumi.<name>.yaml exactly as
 * `pulumi preview` does (node with Pulumi.yaml's nodeargs, the SDK's cmd/run),
 * against an offline stand-in for the engine (plan/engine.ts), and prints the
 * resources it would create. With --out, writes
 * <dir>/values.yaml, <dir>/config.alloy and <dir>/resources.json (and, with the events
 * collector, <dir>/events-values.yaml and <dir>/events-config.alloy) for review,
 * the way `helm template` output was reviewed before. The program's warnings
 * go to stderr as `pulumi preview` prints them (`warning: ...`).
 *
 * Exit codes: 0 planned; 1 the stack file or the program failed; 2 usage.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseFlags, UsageError } from "../lib/cli-args";
import { readStackFile, stackFilePath, StackFileError } from "../config/stack-file";

const ROOT = path.join(__dirname, "..");
const USAGE = "usage: npm run plan -- --stack <name> [--out <dir>]";

function usage(problem?: string): never {
  if (problem) console.error(problem);
  console.error(USAGE);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { stack?: string; out?: string } = {};
  try {
    values = parseFlags(process.argv.slice(2), { stack: { type: "string" }, out: { type: "string" } });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    usage(error.message);
  }
  if (!values.stack) usage();
  const { config, secretKeys } = readStackFile(ROOT, values.stack);
  // Loaded only once the arguments are known good.
  // (require, not import(): the .ts loader hooks require only.)
  const { planOnCliPath, ProgramRunError, shownDiagnostics } = require("../plan/cli-path") as typeof import("../plan/cli-path");
  const { alloyConfig, eventsAlloyConfig, eventsValuesYaml, resourcesJson, summary, valuesYaml } =
    require("../plan/output") as typeof import("../plan/output");
  let plan;
  try {
    plan = await planOnCliPath(values.stack, { config, secretKeys });
  } catch (error) {
    if (error instanceof ProgramRunError) for (const line of shownDiagnostics(error.run.logs)) console.error(line);
    throw error;
  }
  for (const line of shownDiagnostics(plan.run.logs)) console.error(line);
  console.log(summary(plan, path.relative(process.cwd(), stackFilePath(ROOT, values.stack))));
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    const files: [string, string][] = [
      ["values.yaml", valuesYaml(plan)],
      ["config.alloy", alloyConfig(plan)],
      ["resources.json", resourcesJson(plan)],
    ];
    // The events collector's (alloy-events) values and config, when the stack runs it.
    const eventsValues = eventsValuesYaml(plan);
    const eventsConfig = eventsAlloyConfig(plan);
    if (eventsValues !== undefined && eventsConfig !== undefined)
      files.push(["events-values.yaml", eventsValues], ["events-config.alloy", eventsConfig]);
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
