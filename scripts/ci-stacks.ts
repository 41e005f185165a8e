/**
 * node --require ./scripts/register-ts.js scripts/ci-stacks.ts [<project dir>] >> "$GITHUB_OUTPUT"
 *
 * Prints `matrix=<JSON>`: a GitHub Actions matrix with one entry per stack
 * (verify/ci-stacks.ts, used by stacks.yml), so the deploy, pull-request and
 * drift workflows run one job per stack file with no workflow edit. A stack
 * whose config is invalid, or that CI cannot reach, fails here (exit 1).
 */
import * as path from "node:path";
import { ciStacks } from "../verify/ci-stacks";

if (require.main === module) {
  try {
    const include = ciStacks(process.argv[2] ?? path.join(__dirname, ".."));
    process.stdout.write(`matrix=${JSON.stringify({ include })}\n`);
  } catch (error) {
    const named = ["CiStackError", "StackConfigError", "StackFileError"].includes((error as Error).name);
    console.error(named ? `ci-stacks: ${(error as Error).message}` : error);
    process.exit(1);
  }
}
