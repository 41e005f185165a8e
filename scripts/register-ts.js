/**
 * Loads the project's TypeScript files in Node (`node --require ./scripts/register-ts.js`).
 *
 * Why not tsx or ts-node: they hook every `require`, including the thousands of
 * JavaScript files of @pulumi/pulumi, which doubled the cost of `npm run plan`.
 * This hook handles `.ts` files only: esbuild strips the types (no type check;
 * `npm run typecheck` does that), and the output is cached on disk by content
 * hash, so a warm run does not even load esbuild. Stack traces show TypeScript
 * lines through source-map-support, as the SDK's cmd/run formats them (below).
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const CACHE_DIR = path.join(ROOT, ".cache", "ts");
const OPTIONS = { loader: "ts", format: "cjs", target: "node20", sourcemap: "inline", sourcesContent: false };
/** Folders of the program (index.ts and what it loads): compiled in one esbuild call on the first miss. */
const PROGRAM_DIRS = ["alloy-config", "chart", "components", "config", "lib", "monitoring", "verify"];
let esbuild;
let batched = false;

const cachePath = (source, filename) =>
  path.join(CACHE_DIR, `${crypto.createHash("sha256").update(filename).update("\0").update(source).digest("hex").slice(0, 32)}.js`);

function store(cached, code) {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Write-then-rename, so a concurrent reader never sees half a file.
  const temporary = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, code);
  fs.renameSync(temporary, cached);
}

function tsFiles(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.join(dir, e.name)] : [],
  );
}

/**
 * On the first cache miss, the program's uncached files are compiled in one esbuild
 * call: one round trip to esbuild's service instead of one per file (docs/benchmarks.md).
 * If any of them does not compile, nothing is stored, and each file is compiled alone
 * when it is loaded, so the error names the file actually loaded.
 */
function compileProgram() {
  batched = true;
  precompile([path.join(ROOT, "index.ts"), ...PROGRAM_DIRS.flatMap((dir) => tsFiles(path.join(ROOT, dir)))]);
}

/**
 * Compiles the given .ts files not yet in the cache in one esbuild call, as compileProgram does for the
 * program. scripts/test-fast.ts calls it with every .ts file before mocha starts, so that mocha's
 * parallel workers find everything compiled and none of them starts esbuild (on a cold cache, each
 * would otherwise compile the program and then each test file one by one).
 */
function precompile(files) {
  esbuild ??= require("esbuild");
  const pending = files
    .filter((file) => fs.existsSync(file))
    .map((file) => {
      const source = fs.readFileSync(file, "utf8");
      return { file, cached: cachePath(source, file) };
    })
    .filter(({ cached }) => !fs.existsSync(cached));
  if (pending.length === 0) return;
  let outputs;
  try {
    ({ outputFiles: outputs } = esbuild.buildSync({
      ...OPTIONS,
      loader: undefined,
      entryPoints: pending.map((p) => p.file),
      outbase: ROOT,
      outdir: ROOT,
      write: false,
      logLevel: "silent",
    }));
  } catch {
    return;
  }
  const byOutput = new Map(outputs.map((output) => [output.path, output.text]));
  for (const { file, cached } of pending) {
    const code = byOutput.get(file.replace(/\.ts$/, ".js"));
    if (code !== undefined) store(cached, code);
  }
}

function compile(source, filename) {
  const cached = cachePath(source, filename);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    if (!batched) {
      compileProgram();
      try {
        return fs.readFileSync(cached, "utf8");
      } catch {
        // Not one of the program's files, or the batch did not compile: compiled alone below.
      }
    }
    let code;
    try {
      ({ code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename }));
    } catch (error) {
      throw syntaxError(error);
    }
    store(cached, code);
    return code;
  }
}

/**
 * esbuild's errors as a SyntaxError naming file, line and column, like node's own for
 * JavaScript: cmd/run (and the plan) print a SyntaxError's message without a stack trace.
 */
function syntaxError(error) {
  if (!Array.isArray(error.errors)) return error;
  const lines = error.errors.map(({ text, location }) =>
    location
      ? `${path.relative(process.cwd(), location.file)}:${location.line}:${location.column + 1}: ${text}\n    ${location.lineText}`
      : text,
  );
  const syntax = new SyntaxError(lines.join("\n"));
  // The message says where the error is; frames of the loader would only hide it. (cmd/run prints
  // a SyntaxError without its stack, but formats it once in full, which a long stack makes slow.)
  syntax.stack = `SyntaxError: ${syntax.message}`;
  return syntax;
}

/** The code each .ts file was compiled to, whose inline source map gives TypeScript positions. */
const compiled = new Map();

// Stack traces with TypeScript lines: the SDK's cmd/run formats them with source-map-support
// (required by @pulumi/pulumi cmd/run/index.ts), which reads a file's source map from the file on
// disk, the .ts without one. Handing it the compiled code lets it find the inline map. The same
// module instance is shared with cmd/run, so its own install() later keeps this handler.
try {
  require("source-map-support").install({ retrieveFile: (file) => compiled.get(file) ?? null, handleUncaughtExceptions: false });
} catch {
  // Not installed (no @pulumi/pulumi): positions are those of the compiled code.
}

module.exports = { precompile, tsFiles };

require.extensions[".ts"] = (module, filename) => {
  const code = compile(fs.readFileSync(filename, "utf8"), filename);
  compiled.set(filename, code);
  module._compile(code, filename);
};
