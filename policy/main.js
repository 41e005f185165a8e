/**
 * The pack's entry point (package.json "main"): the project's TypeScript loader, then the pack.
 *
 * The Pulumi CLI starts a Node policy pack as `node <run-policy-pack> <engine> <pack dir>`
 * (pulumi/pulumi v3.248.0, sdk/nodejs/cmd/pulumi-language-nodejs/main.go, RunPlugin for kind
 * analyzer), and run-policy-pack requires the pack directory, i.e. this file. PulumiPolicy.yaml's
 * runtime options cannot choose the loader there: `nodeargs` go after the script's path, so they
 * reach run-policy-pack as its own arguments, not node's; and run-policy-pack registers ts-node
 * with typeCheck: true whatever `typescript` says (cmd/run-policy-pack/index.js passes
 * `typeScript: !process.versions.bun`). A type-check of the pack's imports took 8 to 10 s on every
 * preview and up (docs/benchmarks.md); `npm run typecheck` does it once in CI.
 *
 * So this file, which ts-node does not compile (it hooks .ts only), puts the project's loader in
 * place of ts-node's .ts hook (scripts/register-ts.js assigns require.extensions[".ts"]) before
 * anything of the pack is required: the pack then loads as `npm run plan`, the tests and
 * `pulumi up` load the program.
 */
"use strict";
require("../scripts/register-ts.js");
module.exports = require("./index.ts");
