/**
 * What the Pulumi CLI loads (package.json main): the repository's TypeScript loader, then the package's
 * entry point, index.ts. The CLI's run-plugin would compile it with ts-node under the consuming program's
 * tsconfig.json, whatever that says (its working directory's: pulumi/pulumi sdk/nodejs/cmd/run-plugin/run.ts),
 * so a consumer's `module: commonjs` or an older target broke the package's own code. This loader
 * (scripts/register-ts.js, the one `pulumi up` of this repository uses) replaces ts-node's hook for .ts files:
 * no consumer setting reaches it. The schema is still inferred from index.ts (the SDK's analyzer maps
 * index.js to index.ts).
 */
"use strict";
require("../scripts/register-ts.js");
module.exports = require("./index.ts");
