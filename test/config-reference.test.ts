import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { configReference } from "../config/reference";
import { END, START } from "../scripts/update-readme";
import { ROOT } from "./support/stacks";

describe("README configuration reference", () => {
  it("lists every stack key with its type and default, exactly as the schema enforces them", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.split(START)[1]?.split(END)[0]?.trim();
    assert.equal(section, configReference(), "run `npm run docs:update`");
  });

  it("documents every required key in Pulumi.yaml's config block", () => {
    const pulumiYaml = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    const required = [...configReference().matchAll(/^\| `(alloy-logs:[A-Za-z]+)` \| [^|]+ \| \*\*required\*\*/gm)].map((m) => m[1]);
    assert.deepEqual(required, ["alloy-logs:clusterName", "alloy-logs:kubeconfigContext", "alloy-logs:lokiEndpoint", "alloy-logs:tenantId"]);
    for (const key of required) assert.match(pulumiYaml, new RegExp(`^  ${key}:\\n    type: string\\n    description: `, "m"), key);
  });
});
