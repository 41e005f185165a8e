/**
 * npm run bench (its last part), or alone: node --require ./scripts/register-ts.js scripts/bench-preview.ts [--runs N]
 *
 * Times the real `pulumi preview --stack ops` (the CLI, engine, language host and Kubernetes
 * provider of scripts/build-real-tools.sh, against a real kube-apiserver on 127.0.0.1 and the
 * chart from a 127.0.0.1 mirror) from process start to exit, against the same CLI previewing a
 * minimal program with the same SDKs (plain JavaScript loading @pulumi/pulumi,
 * @pulumi/kubernetes and the @pulumi/aws modules index.ts loads, registering one ConfigMap
 * through an explicit provider). Target: at most 1.5 times. Runs are interleaved.
 * Prints a Markdown table for docs/benchmarks.md.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseFlags } from "../lib/cli-args";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import { requireSharedChart, startChartMirror } from "../realtools/chart-mirror";
import { startControlPlane } from "../realtools/control-plane";
import { CLI_TOOLS, missingTools, PulumiWorkspace, REAL_TOOLS_BIN } from "../realtools/real-cli";

const ROOT = path.join(__dirname, "..");
const HELM = process.env.HELM_BIN ?? path.join(ROOT, ".cache", "helm", "helm");
const KUBECTL = process.env.KUBECTL_BIN ?? path.join(ROOT, ".cache", "kubectl", "kubectl");
const CRDS = path.join(REAL_TOOLS_BIN, "..", "crds");

const MINIMAL_PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const k8s = require("@pulumi/kubernetes");
require("@pulumi/aws/provider");
require("@pulumi/aws/eks/getCluster");
const provider = new k8s.Provider("cluster", { context: new pulumi.Config().require("context") });
new k8s.core.v1.ConfigMap("minimal", { metadata: { name: "minimal", namespace: "default" }, data: { a: "b" } }, { provider });
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(ws: PulumiWorkspace, args: string[]): Promise<number> {
  const start = process.hrtime.bigint();
  await ws.pulumiOk(args);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const { runs: runsText } = parseFlags(process.argv.slice(2), { runs: { type: "string" } });
  const runs = Number(runsText ?? "5");
  const missing = missingTools([...CLI_TOOLS, "kube-apiserver"]);
  if (missing.length > 0) {
    console.log(`pulumi preview bench skipped: missing ${missing.join(", ")} (bash scripts/build-real-tools.sh)`);
    return;
  }
  const cluster = await startControlPlane({ binDir: REAL_TOOLS_BIN });
  const mirror = await startChartMirror(HELM, [requireSharedChart(ALLOY_CHART_VERSION, HELM)]);
  const ws = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
  const minimal = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
  try {
    const kubectl = (args: string[]) => spawnSync(KUBECTL, ["--kubeconfig", cluster.kubeconfig, "--context", cluster.context, ...args]);
    for (const crd of ["servicemonitors", "prometheusrules"])
      kubectl(["apply", "--server-side", "-f", path.join(CRDS, `monitoring.coreos.com_${crd}.yaml`)]);
    kubectl(["create", "namespace", "loki-v3"]);
    await ws.initStack("ops", { context: cluster.context, chartRepository: mirror.url });

    // The minimal project: its own directory, the repository's node_modules.
    writeFileSync(
      path.join(minimal.project, "Pulumi.yaml"),
      "name: minimal\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
    );
    writeFileSync(path.join(minimal.project, "index.js"), MINIMAL_PROGRAM);
    writeFileSync(path.join(minimal.project, "Pulumi.bench.yaml"), `config:\n  minimal:context: ${cluster.context}\n`);
    await minimal.pulumiOk(["stack", "init", "bench", "--secrets-provider", "passphrase"]);

    const results = { minimal: [] as number[], ops: [] as number[], opsPolicy: [] as number[] };
    // One warm-up of each (the OS page cache, the provider's chart cache), not counted.
    await timed(minimal, ["preview", "--stack", "bench"]);
    await timed(ws, ["preview", "--stack", "ops"]);
    for (let i = 0; i < runs; i++) {
      results.minimal.push(await timed(minimal, ["preview", "--stack", "bench"]));
      results.ops.push(await timed(ws, ["preview", "--stack", "ops"]));
      results.opsPolicy.push(await timed(ws, ["preview", "--stack", "ops", "--policy-pack", path.join(ROOT, "policy")]));
    }
    const floor = median(results.minimal);
    const ops = median(results.ops);
    const ratio = ops / floor;
    console.log(`\npulumi preview, process start to exit, medians of ${runs} runs (load ${os.loadavg()[0].toFixed(1)}):\n`);
    console.log("| measurement | median | target |\n|---|---|---|");
    console.log(`| minimal program (same SDKs, one ConfigMap) | ${floor.toFixed(2)} s | |`);
    console.log(
      `| \`index.ts\`, stack ops | ${ops.toFixed(2)} s | ${ratio.toFixed(2)}x minimal, target <= 1.5x ${ratio <= 1.5 ? "met" : "MISSED"} |`,
    );
    console.log(`| \`index.ts\`, stack ops, with \`--policy-pack policy\` | ${median(results.opsPolicy).toFixed(2)} s | |`);
  } finally {
    ws.dispose();
    minimal.dispose();
    await mirror.close();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
