import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
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

/** The text of each heading of a Markdown file, as written (backticks kept). */
function headingsIn(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, "");
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim()));
}

/** Every file of the repository but Markdown, dependencies, caches and build output. */
function nonMarkdownFiles(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return [".git", ".cache", "node_modules", "out"].includes(name) ? [] : nonMarkdownFiles(full);
    return name.endsWith(".md") ? [] : [path.relative(ROOT, full)];
  });
}

/**
 * Where code, comments, workflows and scripts send a reader to a section by name:
 * `README, "Heading"`, `README's "Heading"`, `README runbook, "Heading"`, `docs/x.md, "Heading"`
 * (the quotes may be escaped, as in a shell string).
 */
const SECTION_REFERENCE = /\b(README(?:\.md)?|docs\/[\w-]+\.md)(?:'s)?(?=[ ,])[^"\n]{0,24}?\\?"([^"\\\n]+)\\?"/g;

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

  it('every section a non-Markdown file names (README, "Heading" or docs/x.md, "Heading") exists there', () => {
    const headings = new Map<string, Set<string>>();
    const missing: string[] = [];
    // This file is skipped: its own pattern and examples are not references.
    for (const file of nonMarkdownFiles().filter((f) => f !== path.join("test", "docs.test.ts"))) {
      for (const [, doc, heading] of readFileSync(path.join(ROOT, file), "utf8").matchAll(SECTION_REFERENCE)) {
        const target = doc.startsWith("README") ? "README.md" : doc;
        if (!headings.has(target)) {
          headings.set(target, existsSync(path.join(ROOT, target)) ? headingsIn(readFileSync(path.join(ROOT, target), "utf8")) : new Set());
        }
        if (!headings.get(target)!.has(heading)) missing.push(`${file}: ${doc}, "${heading}" (no such heading in ${target})`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("no non-Markdown file names a README section without quoting its heading (README, Section)", () => {
    const unquoted = nonMarkdownFiles()
      .filter((f) => f !== path.join("test", "docs.test.ts"))
      .flatMap((file) =>
        [...readFileSync(path.join(ROOT, file), "utf8").matchAll(/\bREADME(?:\.md)?, (?!")[^\n]{0,40}/g)].map((m) => `${file}: ${m[0]}`),
      );
    assert.deepEqual(unquoted, []);
  });

  it("documents every required key in Pulumi.yaml's config block", () => {
    const pulumiYaml = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    const required = [...configReference().matchAll(/^\| `(alloy-logs:[A-Za-z]+)` \| [^|]+ \| \*\*required\*\*/gm)].map((m) => m[1]);
    assert.deepEqual(required, ["alloy-logs:clusterName", "alloy-logs:lokiEndpoint", "alloy-logs:tenantId"]);
    for (const key of required) assert.match(pulumiYaml, new RegExp(`^  ${key}:\\n    type: string\\n    description: `, "m"), key);
  });
});
