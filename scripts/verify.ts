/**
 * npm run verify -- --stack <name> [--loki-url <url>] [--prometheus-url <url>] [--skip <check>[,<check>]]...
 *
 * Checks a live cluster after a deploy: the seed's post-deploy checklist by machine (docs/deploying.md,
 * "Post-deploy checks (from the seed)"; one line per check in docs/runbook.md, "When `verify` fails"). kubectl always runs with the stack's context
 * (kubeconfigContext, or for an eks stack the context named after the cluster).
 *
 * Inputs (flags win over the environment; an empty variable counts as unset, as GitHub gives an unset one):
 *   --loki-url, LOKI_QUERY_URL             Loki's query URL (logcli's --addr)
 *   LOKI_QUERY_TOKEN, or LOKI_QUERY_USERNAME and LOKI_QUERY_PASSWORD   Loki query credentials; default the stack's own
 *   --prometheus-url, PROMETHEUS_URL       Prometheus's URL
 *   DD_API_KEY and DD_APP_KEY, DD_SITE     Datadog API (site default datadoghq.com)
 *   DD_TAG_FILTER                          Datadog tags of this cluster's metrics (default kube_cluster_name:<clusterName>)
 *   --skip, VERIFY_SKIP                    checks not to run, by name (comma-separated)
 *
 * Exit codes: 0 every check passed or was skipped; 1 a check failed; 2 verify could not run (usage, stack
 * config, kubectl); 3 no check failed, but one could not run (no URL, no keys, no metrics API).
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CHECK_IDS, type CheckId } from "../verify/checks";
import type { KubectlRunner } from "../verify/source";

const ROOT = path.join(__dirname, "..");
const USAGE = `usage: npm run verify -- --stack <name> [--loki-url <url>] [--prometheus-url <url>] [--skip <check>[,<check>]]...
checks: ${CHECK_IDS.join(", ")}`;

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

/** An environment variable, undefined when unset or empty. */
function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

function httpUrl(what: string, value: string | undefined, example: string): string | undefined {
  if (value !== undefined && !/^https?:\/\/[^/]/.test(value))
    usage(`${what}: got ${JSON.stringify(value)}; expected an http(s) URL such as ${example}`);
  return value;
}

async function main(): Promise<void> {
  let values: { stack?: string; "loki-url"?: string; "prometheus-url"?: string; skip?: string[] } = {};
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string" },
        "loki-url": { type: "string" },
        "prometheus-url": { type: "string" },
        skip: { type: "string", multiple: true },
      },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (!values.stack) usage();
  const lokiUrl = httpUrl(
    "Loki query URL",
    values["loki-url"] ?? env("LOKI_QUERY_URL"),
    "http://loki-v3-query-frontend.loki-v3:3100 (logcli's --addr)",
  );
  const prometheusUrl = httpUrl(
    "Prometheus URL",
    values["prometheus-url"] ?? env("PROMETHEUS_URL"),
    "http://kube-prometheus-stack-prometheus.monitoring:9090",
  );
  const skipNames = [...(values.skip ?? []), ...(env("VERIFY_SKIP") === undefined ? [] : [env("VERIFY_SKIP")!])]
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const unknown = skipNames.filter((s) => !(CHECK_IDS as readonly string[]).includes(s));
  if (unknown.length > 0) usage(`--skip: got ${unknown.map((s) => JSON.stringify(s)).join(", ")}; expected check names`);
  const [apiKey, appKey] = [env("DD_API_KEY"), env("DD_APP_KEY")];
  if ((apiKey === undefined) !== (appKey === undefined))
    usage(
      `Datadog: ${apiKey ? "DD_API_KEY is set but DD_APP_KEY is not" : "DD_APP_KEY is set but DD_API_KEY is not"}; set both, or neither`,
    );

  // Loaded once the arguments are known good (require, not import(): the .ts loader hooks require only).
  const { readStackFile } = require("../config/stack-file") as typeof import("../config/stack-file");
  const { parseStackConfig } = require("../config/load") as typeof import("../config/load");
  const { verifyTarget } = require("../verify/target") as typeof import("../verify/target");
  const { runVerify } = require("../verify/run") as typeof import("../verify/run");

  const { config, secretKeys } = readStackFile(ROOT, values.stack);
  const target = verifyTarget(values.stack, parseStackConfig(values.stack, config, { secretKeys }));
  try {
    const outcome = await runVerify(target, {
      kubectl,
      fetch,
      now: new Date(),
      lokiUrl,
      lokiEnv: { username: env("LOKI_QUERY_USERNAME"), password: env("LOKI_QUERY_PASSWORD"), token: env("LOKI_QUERY_TOKEN") },
      prometheusUrl,
      ...(apiKey && appKey && { datadog: { apiKey, appKey, site: env("DD_SITE") } }),
      datadogTagFilter: env("DD_TAG_FILTER"),
      skip: new Set(skipNames as CheckId[]),
    });
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
