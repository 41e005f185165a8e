/**
 * scripts/typecheck-lint.ts, the fast tier's tsc + eslint step, run as scripts/test-fast.ts runs it (a node process)
 * on a project of one file: this repository's eslint config and compiler options, its own caches. In the real-tool
 * tier: each run is a process start and a type-checked program, seconds on a 2-core machine.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "../support/stacks";

/** A project of one file, a.ts, checked as the repository is: its tsconfig.json's options, its eslint.config.mjs. */
function project(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "typecheck-lint-"));
  const { compilerOptions } = JSON.parse(readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as { compilerOptions: object };
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { ...compilerOptions, types: ["node"] }, include: ["a.ts"] }),
  );
  copyFileSync(path.join(ROOT, "tsconfig.fast-tier.json"), path.join(dir, "tsconfig.fast-tier.json"));
  copyFileSync(path.join(ROOT, "eslint.config.mjs"), path.join(dir, "eslint.config.mjs"));
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  mkdirSync(path.join(dir, ".cache"));
  writeFileSync(path.join(dir, "a.ts"), source);
  return dir;
}

function check(dir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/typecheck-lint.ts", dir], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** A promise left floating: no type error, but typescript-eslint's type-aware no-floating-promises rejects it. */
const FLOATING_PROMISE = "async function later(): Promise<void> {}\nexport function now(): void {\n  later();\n}\n";

describe("scripts/typecheck-lint.ts (the fast tier's tsc + eslint step), run for real", function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const fresh = (source: string) => {
    const dir = project(source);
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("exits 0 and prints nothing for a project with no type error and no lint finding", () => {
    assert.deepEqual(check(fresh("export const one: number = 1;\n")), { status: 0, output: "" });
  });

  it("prints a type error as tsc does and exits 1, on the first run and again once tsc's build info is written", () => {
    const dir = fresh('export const one: number = "1";\n');
    const expected = "a.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.\ntsc: 1 error\n";
    assert.deepEqual(check(dir), { status: 1, output: expected });
    assert.deepEqual(check(dir), { status: 1, output: expected });
  });

  it("reports a type-aware lint finding from tsc's program, and from its own when tsc is up to date and the lint cache gone", () => {
    const dir = fresh(FLOATING_PROMISE);
    const first = check(dir);
    assert.equal(first.status, 1, first.output);
    assert.match(first.output, /a\.ts\n\s+3:3\s+error\s+Promises must be awaited[^\n]*@typescript-eslint\/no-floating-promises\n/);
    assert.match(first.output, /✖ 1 problem \(1 error, 0 warnings\)/);
    // tsc's build info says nothing changed, so its build makes no program; eslint, with no cached result, needs one.
    rmSync(path.join(dir, ".cache", "fast-tier", "eslint"), { recursive: true, force: true });
    const second = check(dir);
    assert.equal(second.status, 1, second.output);
    assert.equal(second.output, first.output);
  });

  it("keeps a lint finding in eslint's cache: an unchanged file still fails", () => {
    const dir = fresh(FLOATING_PROMISE);
    const first = check(dir);
    assert.equal(first.status, 1, first.output);
    assert.deepEqual(check(dir), first);
  });
});
