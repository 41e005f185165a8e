import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { ROOT } from "./support/stacks";

/**
 * The layering rule (docs/development.md, "Layout"): stack file -> config/ ->
 * builders (alloy-config/, chart/, monitoring/) -> components/ -> index.ts. Each
 * folder may import only the folders listed for it; lib/ is shared helpers.
 * Scripts and tests import modules, never each other.
 */
const ALLOWED: Record<string, readonly string[]> = {
  lib: [],
  config: ["lib"],
  "alloy-config": ["lib", "config"],
  chart: ["lib", "config", "alloy-config", "monitoring"],
  monitoring: ["lib", "config"],
  components: ["lib", "config", "alloy-config", "chart", "monitoring"],
  // index.ts also exports the post-deploy commands (verify/commands.ts) as the `checks` stack output.
  "index.ts": ["lib", "config", "components", "verify"],
};

function programFiles(): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, ts.sys as unknown as ts.ParseConfigFileHost);
  return (parsed?.fileNames ?? []).map((f) => path.relative(ROOT, f));
}

function layerOf(file: string): string {
  return file.includes("/") ? file.split("/")[0] : file;
}

// Each test below reads every file's imports: parsed once per file, not once per test.
const importsOf = new Map<string, string[]>();

function relativeImports(file: string): string[] {
  let found = importsOf.get(file);
  if (found === undefined) {
    found = parseRelativeImports(file);
    importsOf.set(file, found);
  }
  return found;
}

function parseRelativeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier.text
        : ts.isCallExpression(node) &&
            node.arguments.length === 1 &&
            ts.isStringLiteral(node.arguments[0]) &&
            (node.expression.getText() === "require" || node.expression.kind === ts.SyntaxKind.ImportKeyword)
          ? node.arguments[0].text
          : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)
            ? node.argument.literal.text
            : undefined;
    if (specifier?.startsWith(".")) found.push(path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), specifier)));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("layering", () => {
  const files = programFiles();

  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer} imports only ${allowed.length ? allowed.join(", ") : "itself"}`, () => {
      const violations = files
        .filter((f) => layerOf(f) === layer)
        .flatMap((f) => relativeImports(f).map((target) => [f, target] as const))
        .filter(([, target]) => layerOf(target) !== layer && !allowed.includes(layerOf(target)))
        .map(([f, target]) => `${f} -> ${target}`);
      assert.deepEqual(violations, []);
    });
  }

  it("scripts and tests never import each other", () => {
    const violations = files
      .filter((f) => layerOf(f) === "scripts" || layerOf(f) === "test")
      .flatMap((f) => relativeImports(f).map((target) => [f, target] as const))
      .filter(([f, target]) => layerOf(target) !== layerOf(f) && (layerOf(target) === "scripts" || layerOf(target) === "test"))
      .map(([f, target]) => `${f} -> ${target}`);
    assert.deepEqual(violations, []);
  });

  it("no module outside scripts/ and test/ imports them", () => {
    const violations = files
      .filter((f) => !["scripts", "test"].includes(layerOf(f)))
      .flatMap((f) => relativeImports(f).map((target) => [f, target] as const))
      .filter(([, target]) => ["scripts", "test"].includes(layerOf(target)))
      .map(([f, target]) => `${f} -> ${target}`);
    assert.deepEqual(violations, []);
  });
});
