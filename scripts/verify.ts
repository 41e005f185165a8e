/**
 * npm run verify -- --stack <name> [--loki-url <url>]
 *
 * Checks a live cluster after a deploy: the seed's post-deploy checks by
 * machine (README, "Post-deploy checks"). The DaemonSet's counts against the
 * nodes, a Running, Ready collector on every node, restarts, resource use,
 * the ServiceMonitor and, given Loki's query URL (--loki-url, or the
 * LOKI_QUERY_URL environment variable), lines from every node in Loki under
 * the stack's tenant. kubectl always runs with the stack's context
 * (kubeconfigContext, or for an eks stack the context named after the cluster).
 *
 * Exit codes: 0 every check passed or was skipped; 1 a check failed;
 * 2 verify could not run (usage, stack config, kubectl).
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { KubectlRunner } from "../verify/source";

const ROOT = path.join(__dirname, "..");
const USAGE = "usage: npm run verify -- --stack <name> [--loki-url <Loki query URL; default: env LOKI_QUERY_URL>]";

/** Errors written for people: their message is the whole story. */
const FOR_PEOPLE = new Set(["StackFileError", "StackConfigError", "KubectlError"]);

/** kubectl from PATH. A non-zero exit is a result for the data source to read; only a kubectl that cannot start rejects. */
const kubectl: KubectlRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile("kubectl", [...args], { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        const { KubectlError } = require("../verify/source") as typeof import("../verify/source");
        reject(new KubectlError(`could not run kubectl: ${error.message}`));
      } else {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      }
    });
  });

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(USAGE);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { stack?: string; "loki-url"?: string } = {};
  try {
    ({ values } = parseArgs({ options: { stack: { type: "string" }, "loki-url": { type: "string" } } }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (!values.stack) usage();
  const lokiUrl = values["loki-url"] ?? (process.env.LOKI_QUERY_URL || undefined);
  if (lokiUrl !== undefined && !/^https?:\/\/[^/]/.test(lokiUrl)) {
    usage(`Loki query URL: got ${JSON.stringify(lokiUrl)}; expected an http(s) URL, logcli's --addr (e.g. http://loki-v3-query-frontend.loki-v3:3100)`);
  }

  // Loaded once the arguments are known good (require, not import(): the .ts loader hooks require only).
  const { readStackFile } = require("../config/stack-file") as typeof import("../config/stack-file");
  const { parseStackConfig } = require("../config/load") as typeof import("../config/load");
  const { verifyTarget } = require("../verify/target") as typeof import("../verify/target");
  const { runVerify } = require("../verify/run") as typeof import("../verify/run");

  const { config, secretKeys } = readStackFile(ROOT, values.stack);
  const target = verifyTarget(values.stack, parseStackConfig(values.stack, config, { secretKeys }));
  try {
    const outcome = await runVerify(target, { kubectl, lokiUrl, fetch, now: new Date() });
    process.stdout.write(outcome.report);
    process.exitCode = outcome.exitCode;
  } catch (error) {
    if ((error as Error).name === "KubectlError" && target.contextSetup && /context was not found/.test((error as Error).message)) {
      (error as Error).message +=
        `\n(stack "${target.stack}" reaches its EKS cluster through the kubeconfig context ${target.kubeconfigContext}; create it with: ${target.contextSetup})`;
    }
    throw error;
  }
}

main().catch((error: Error) => {
  console.error(FOR_PEOPLE.has(error.name) ? `verify: ${error.message}` : error);
  process.exit(2);
});
