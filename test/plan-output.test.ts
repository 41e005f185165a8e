/** What the plan writes, in-process (npm run plan itself is run in test/process/plan-cli.test.ts). */
import assert from "node:assert/strict";
import { resourcesJson, SECRET_TEXT } from "../plan/output";
import { SecretValue, type PlanResult } from "../plan/resources";

describe("resources.json", () => {
  it("redacts secret inputs", () => {
    const plan: PlanResult = {
      stack: "t",
      outputs: {},
      resources: [{ type: "t:m:R", name: "r", read: false, options: {}, inputs: { password: new SecretValue("hunter2"), user: "u" } }],
    };
    const text = resourcesJson(plan);
    assert.equal(text.includes("hunter2"), false);
    assert.deepEqual((JSON.parse(text) as { inputs: unknown }[])[0].inputs, { password: SECRET_TEXT, user: "u" });
  });
});
