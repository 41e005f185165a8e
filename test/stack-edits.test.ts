/**
 * Malformed and hostile edits of Pulumi.ops.yaml, as a careful user would try
 * them: every key, every type error, every bound, hostile strings. Each edit
 * goes the whole way a real one goes: the stack file text is converted as the
 * Pulumi CLI delivers it (config/engine-form.ts), the program runs under the
 * engine's mocks (plan/run.ts), and the test asserts the exact message and
 * that nothing but the stack itself was registered.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseStackFileText, StackFileError } from "../config/stack-file";
import { runPlan } from "../plan/run";
import { EDITS, editedOpsFile } from "./support/stack-edits";
import { ROOT } from "./support/stacks";

const HEADER = 'Invalid configuration for stack "ops" (Pulumi.ops.yaml), nothing was deployed:\n';
const STACK_ONLY = ["pulumi:pulumi:Stack::alloy-logs-ops"];

/** The error a stack file gives on the whole path, and what was registered meanwhile. */
async function attempt(text: string): Promise<{ message: string; registered: string[] }> {
  const registered: string[] = [];
  let config;
  try {
    config = parseStackFileText("Pulumi.ops.yaml", text);
  } catch (error) {
    assert.ok(error instanceof StackFileError, `not a message for people: ${String(error)}`);
    return { message: error.message, registered };
  }
  try {
    await runPlan("ops", { ...config, onRegister: (type, name) => registered.push(`${type}::${name}`) });
  } catch (error) {
    assert.ok("__pulumiRunError" in (error as object), `not a RunError (it would print a stack trace): ${String(error)}`);
    return { message: (error as Error).message, registered };
  }
  return { message: "(accepted)", registered };
}

describe(`stack-file edits (${EDITS.length} malformed or hostile edits of Pulumi.ops.yaml)`, () => {
  it("are at least 100, and as many as docs/development.md says", () => {
    assert.ok(EDITS.length >= 100, String(EDITS.length));
    const documented = /makes (\d+) malformed or hostile edits/.exec(readFileSync(path.join(ROOT, "docs", "development.md"), "utf8"))?.[1];
    assert.equal(Number(documented), EDITS.length, "update the count in docs/development.md");
  });

  it("start from a stack file the program accepts", async () => {
    const { message, registered } = await attempt(editedOpsFile({}));
    assert.equal(message, "(accepted)");
    assert.ok(registered.length > 1);
  });

  for (const [what, edits, expected] of EDITS) {
    it(`reject ${what}, registering nothing`, async () => {
      const text = "file" in edits ? (edits.file as string) : editedOpsFile(edits);
      const { message, registered } = await attempt(text);
      assert.equal(message, Array.isArray(expected) ? HEADER + expected.map((p) => `  - ${p}`).join("\n") : expected.fileError);
      assert.deepEqual(registered, Array.isArray(expected) ? STACK_ONLY : []);
    });
  }
});
