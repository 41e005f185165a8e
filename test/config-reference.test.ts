import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { configReference } from "../config/reference";
import { GENERATED_SECTIONS, README, sectionOf } from "../scripts/update-readme";
import { ROOT } from "./support/stacks";

describe("README generated sections", () => {
  const readme = readFileSync(README, "utf8");
  for (const [name, generate] of Object.entries(GENERATED_SECTIONS)) {
    it(`has the ${name} section exactly as its source generates it`, () => {
      assert.equal(sectionOf(readme, name), generate().trim(), "run `npm run docs:update`");
    });
  }

  it("documents every required key in Pulumi.yaml's config block", () => {
    const pulumiYaml = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    const required = [...configReference().matchAll(/^\| `(alloy-logs:[A-Za-z]+)` \| [^|]+ \| \*\*required\*\*/gm)].map((m) => m[1]);
    assert.deepEqual(required, ["alloy-logs:clusterName", "alloy-logs:lokiEndpoint", "alloy-logs:tenantId"]);
    for (const key of required) assert.match(pulumiYaml, new RegExp(`^  ${key}:\\n    type: string\\n    description: `, "m"), key);
  });
});
