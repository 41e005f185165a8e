/**
 * The fast tier's typecheck and lint, in one process over one TypeScript program (npm run test:fast runs it as a
 * step; `node --require ./scripts/register-ts.js scripts/typecheck-lint.ts` alone).
 *
 * tsc and typescript-eslint's type-aware rules each need the whole program: every file of tsconfig.json with the
 * types of the SDKs it imports (@pulumi/aws's alone are tens of megabytes). Run apart, as `tsc -b` and
 * `eslint --cache .`, each parses, binds and type-checks it: about 12 s of CPU each on a 2-core machine, a third
 * of a cold fast tier. Here tsc's build (the SolutionBuilder API, which is `tsc -b`) makes the program and reports
 * its errors, and eslint lints with that same program (parserOptions.programs, instead of its project service
 * building its own: https://typescript-eslint.io/packages/parser#programs), so its rules ask the checker tsc has
 * already filled.
 *
 * Warm, each keeps what `tsc -b` and `eslint --cache` keep: tsc's build info in .cache/fast-tier/ (when no input is
 * newer, no program is made at all) and eslint's results per file, by content. When tsc made no program and a
 * .ts file still needs linting (eslint's config changed, say), eslint falls back to its project service
 * (eslint.config.mjs), exactly as `eslint .` does.
 *
 * Prints tsc's errors as `tsc -b` does and eslint's results with its stylish formatter; exits 1 if either
 * found anything (eslint --max-warnings 0). An argument names another project directory to check, with its own
 * tsconfig.json, tsconfig.fast-tier.json and eslint config (test/process/typecheck-lint.test.ts); the default is
 * this repository.
 */
import { ESLint } from "eslint";
import * as path from "node:path";
import * as ts from "typescript";

const REPOSITORY = path.join(__dirname, "..");
/** The build `tsc -b` runs: tsconfig.json, incremental, its build info in .cache/fast-tier/. */
export const TSCONFIG = "tsconfig.fast-tier.json";
export const ESLINT_CACHE = ".cache/fast-tier/eslint/";

/** tsc -b over the project's TSCONFIG: the errors it found, formatted as tsc prints them, and the programs it made (none when up to date). */
export function typecheck(root: string): { errors: string[]; programs: ts.Program[] } {
  const formatHost: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  };
  const errors: string[] = [];
  const report = (diagnostic: ts.Diagnostic) => {
    if (diagnostic.category === ts.DiagnosticCategory.Error) errors.push(ts.formatDiagnostic(diagnostic, formatHost).trimEnd());
  };
  const host = ts.createSolutionBuilderHost(ts.sys, undefined, report, () => {});
  const builder = ts.createSolutionBuilder(host, [path.join(root, TSCONFIG)], {});
  const programs: ts.Program[] = [];
  for (let project = builder.getNextInvalidatedProject(); project; project = builder.getNextInvalidatedProject()) {
    if (project.kind === ts.InvalidatedProjectKind.Build) {
      const program = project.getProgram();
      if (program) programs.push(program);
    }
    // Reports the project's diagnostics (through `report`) and writes its build info, as tsc -b does.
    project.done();
  }
  return { errors, programs };
}

/** tsconfig.json's files and options, as tsc reads them (no program is made). */
function parseTsconfig(root: string): ts.ParsedCommandLine {
  const host = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d: ts.Diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  };
  return ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, host)!;
}

/**
 * The program typescript-eslint is handed, made only when a rule first asks for it: from tsc's build when it made
 * one, otherwise from tsconfig.json afresh (a .ts file whose lint result is not cached, with tsc up to date).
 * Its toJSON keeps eslint's cache key the same whichever way the program was made, and whether it was made at all.
 */
function lazyProgram(parsed: ts.ParsedCommandLine, fromBuild: ts.Program | undefined): ts.Program {
  let program = fromBuild;
  const made = () => (program ??= ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options }));
  return new Proxy({} as ts.Program, {
    get: (_target, key) => {
      if (key === "toJSON") return () => "the program of tsconfig.json (scripts/typecheck-lint.ts)";
      const value: unknown = Reflect.get(made(), key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(made()) : value;
    },
  });
}

/**
 * eslint --cache --cache-strategy content --max-warnings 0 ., the .ts files of tsconfig.json (`files`) typed by the
 * given program. Any other .ts file keeps the eslint config's own parser options (its project service), as
 * `eslint .` lints it.
 */
export async function lint(root: string, files: readonly string[], program: ts.Program): Promise<{ output: string; ok: boolean }> {
  const programs = Object.assign([program], { toJSON: () => ["the program of tsconfig.json (scripts/typecheck-lint.ts)"] });
  const eslint = new ESLint({
    cwd: root,
    cache: true,
    cacheStrategy: "content",
    cacheLocation: path.join(root, ESLINT_CACHE),
    overrideConfig: [
      {
        files: files.map((file) => path.relative(root, file)),
        languageOptions: { parserOptions: { projectService: false, programs } },
      },
    ],
  });
  const results = await eslint.lintFiles(["."]);
  const formatter = await eslint.loadFormatter("stylish");
  const output = await formatter.format(results);
  const problems = results.reduce((sum, r) => sum + r.errorCount + r.warningCount + r.fatalErrorCount, 0);
  return { output, ok: problems === 0 };
}

async function main(root: string): Promise<number> {
  const { errors, programs } = typecheck(root);
  for (const error of errors) console.log(error);
  if (errors.length) console.log(`tsc: ${errors.length} error${errors.length === 1 ? "" : "s"}`);
  const parsed = parseTsconfig(root);
  const { output, ok } = await lint(root, parsed.fileNames, lazyProgram(parsed, programs[0]));
  if (output) console.log(output);
  return errors.length === 0 && ok ? 0 : 1;
}

if (require.main === module) {
  main(path.resolve(process.argv[2] ?? REPOSITORY)).then(
    (status) => process.exit(status),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
