import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { configReference } from "../docs/config-reference";
import { DOCS_DIR, GENERATED_SECTIONS, sectionOf } from "../docs/generated";
import { ROOT } from "./support/stacks";

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchorsIn(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, "");
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1].trim())));
}

const MARKDOWN_FILES = [
  "README.md",
  ...readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith(".md"))
    .map((f) => path.join("docs", f)),
];

describe("docs", () => {
  for (const { name, file, generate } of GENERATED_SECTIONS) {
    it(`${path.relative(ROOT, file)} has the ${name} section exactly as its source generates it`, () => {
      assert.equal(sectionOf(readFileSync(file, "utf8"), name), generate().trim(), "run `npm run docs:update`");
    });
  }

  for (const file of MARKDOWN_FILES) {
    it(`${file}: every relative link reaches an existing file and heading`, () => {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [filePart, anchor] = target.split("#");
        const linked = filePart ? path.join(path.dirname(path.join(ROOT, file)), filePart) : path.join(ROOT, file);
        if (!existsSync(linked)) broken.push(`${target} (no such file)`);
        else if (anchor && !anchorsIn(readFileSync(linked, "utf8")).has(anchor)) broken.push(`${target} (no such heading)`);
      }
      assert.deepEqual(broken, []);
    });
  }

  it("README.md links every document in docs/", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const unlinked = MARKDOWN_FILES.filter((f) => f !== "README.md" && !readme.includes(`](${f})`));
    assert.deepEqual(unlinked, []);
  });

  it("documents every required key in Pulumi.yaml's config block", () => {
    const pulumiYaml = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    const required = [...configReference().matchAll(/^\| `(alloy-logs:[A-Za-z]+)` \| [^|]+ \| \*\*required\*\*/gm)].map((m) => m[1]);
    assert.deepEqual(required, ["alloy-logs:clusterName", "alloy-logs:lokiEndpoint", "alloy-logs:tenantId"]);
    for (const key of required) assert.match(pulumiYaml, new RegExp(`^  ${key}:\\n    type: string\\n    description: `, "m"), key);
  });
});
