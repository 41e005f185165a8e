/**
 * The package's postinstall: installs the repository's packages (npm ci at the repository root) when they are not
 * installed yet. The package's code is the repository's (index.ts imports ../components/), so it resolves its
 * modules from the root's node_modules; the Pulumi CLI installs a package from git by cloning the repository and
 * running npm install in the package's directory only (pkg/workspace/plugin.go, installDependenciesForPluginSpec).
 * A root already installed (a checkout of this repository, where `pulumi package add ./pulumi-package` also runs
 * that npm install) is left as it is: reinstalling it would pull node_modules from under whatever runs from it.
 */
"use strict";
const { execFileSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
if (!existsSync(path.join(root, "node_modules", "@pulumi", "pulumi", "package.json"))) {
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}
