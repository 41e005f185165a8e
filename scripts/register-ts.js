/**
 * Loads the project's TypeScript files in Node (`node --require ./scripts/register-ts.js`).
 *
 * Why not tsx or ts-node: they hook every `require`, including the thousands of
 * JavaScript files of @pulumi/pulumi, which doubled the cost of `npm run plan`.
 * This hook handles `.ts` files only: esbuild strips the types (no type check;
 * `npm run typecheck` does that), and the output is cached on disk by content
 * hash, so a warm run does not even load esbuild. For TypeScript line numbers
 * in stack traces, run node with --enable-source-maps (the output has inline maps).
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const CACHE_DIR = path.join(__dirname, "..", ".cache", "ts");
let esbuild;

function compile(source, filename) {
  const key = crypto.createHash("sha256").update(filename).update("\0").update(source).digest("hex").slice(0, 32);
  const cached = path.join(CACHE_DIR, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    let code;
    try {
      ({ code } = esbuild.transformSync(source, {
        loader: "ts",
        format: "cjs",
        target: "node20",
        sourcefile: filename,
        sourcemap: "inline",
      }));
    } catch (error) {
      throw syntaxError(error);
    }
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Write-then-rename, so a concurrent reader never sees half a file.
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
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

require.extensions[".ts"] = (module, filename) => {
  module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
};
