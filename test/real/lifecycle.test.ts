/**
 * The lifecycle on the real CLI and provider against a real control plane on 127.0.0.1
 * (etcd, kube-apiserver, kube-controller-manager, kube-scheduler; no kubelet: the fake
 * kubelet of realtools/fake-kubelet.ts only marks bound pods Running and Ready) with
 * the seed's ops cluster: 10 nodes, 3 of them tainted as in the incident.
 *
 * ops: pulumi up, the scheduler placing one collector on every node, a second preview
 * with no changes, the collector's RBAC answered by the real authorizer, drift caught
 * by the drift workflow's own command, destroy leaving the namespace Loki runs in.
 * dev: up and destroy of a stack that creates its namespace, which destroy retains.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ALLOY_CHART_VERSION } from "../../config/chart/alloy-values.generated";
import { ROOT } from "../../plan/cli-path";
import { requireSharedChart, startChartMirror, type ChartMirror } from "../../realtools/chart-mirror";
import { startControlPlane, type ControlPlane } from "../../realtools/control-plane";
import { kubectlAsync, registerNodes, SEED_NODES, startFakeKubelet, type FakeKubelet } from "../../realtools/fake-kubelet";
import { CLI_TOOLS, CONTROL_PLANE_TOOLS, PulumiWorkspace, REAL_TOOLS_BIN, requireTools, type RunResult } from "../../realtools/real-cli";

const HELM = process.env.HELM_BIN ?? path.join(ROOT, ".cache", "helm", "helm");
const KUBECTL = process.env.KUBECTL_BIN ?? path.join(ROOT, ".cache", "kubectl", "kubectl");
const CRDS = path.join(REAL_TOOLS_BIN, "..", "crds");
const POLICY_PACK = path.join(ROOT, "policy");
const COLLECTOR_SA = "system:serviceaccount:loki-v3:alloy";
const printed = (result: RunResult) => `${result.stdout}\n${result.stderr}`;

/** Polls until `done` holds, for at most two minutes. */
async function until(done: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("timed out");
}

function missingHostTools(): string[] {
  const missing: string[] = [];
  if (!existsSync(HELM)) missing.push("helm (scripts/fetch-helm.sh)");
  if (!existsSync(KUBECTL)) missing.push("kubectl (scripts/fetch-kubectl.sh)");
  if (!existsSync(path.join(CRDS, "monitoring.coreos.com_servicemonitors.yaml"))) missing.push("the prometheus-operator CRDs");
  if (spawnSync("etcd", ["--version"]).status !== 0) missing.push("etcd (apt-get install etcd-server)");
  return missing;
}

describe("the lifecycle on a real control plane: up, no-op, RBAC, drift, destroy", function () {
  let cluster: ControlPlane;
  let mirror: ChartMirror;
  let kubelet: FakeKubelet;
  let ws: PulumiWorkspace;
  const kubectl = (args: string[], input?: string) => kubectlAsync(cluster, KUBECTL, args, input);
  const pods = async () =>
    (
      JSON.parse(await kubectl(["get", "pods", "-n", "loki-v3", "-l", "app.kubernetes.io/name=alloy", "-o", "json"])) as {
        items: { spec: { nodeName?: string }; status: { phase?: string } }[];
      }
    ).items;

  /**
   * npm run verify -- --stack ops with the real kubectl against this cluster, reached through the
   * context the ops stack names (its EKS cluster's name). The checks that need Loki, Prometheus,
   * Datadog, kubelet logs or a metrics API, none of which this cluster has, are skipped by name.
   */
  const verify = () => {
    const config = JSON.parse(readFileSync(cluster.kubeconfig, "utf8")) as { contexts: { name: string }[]; "current-context": string };
    config.contexts[0].name = "buzzvil-eks-ops";
    const kubeconfig = path.join(cluster.dir, "verify.kubeconfig");
    writeFileSync(kubeconfig, JSON.stringify(config));
    return spawnSync(
      process.execPath,
      [
        "--require",
        "./scripts/register-ts.js",
        "scripts/verify.ts",
        "--stack",
        "ops",
        "--skip",
        "logs,resources,prometheus,datadog,datadog-metrics,loki",
      ],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `${path.dirname(KUBECTL)}:${process.env.PATH ?? ""}` },
      },
    );
  };

  before(async function () {
    requireTools(this, [...CLI_TOOLS, ...CONTROL_PLANE_TOOLS], missingHostTools());
    cluster = await startControlPlane({ binDir: REAL_TOOLS_BIN, full: true });
    for (const crd of ["servicemonitors", "prometheusrules"]) {
      await kubectl(["apply", "--server-side", "-f", path.join(CRDS, `monitoring.coreos.com_${crd}.yaml`)]);
    }
    await registerNodes(cluster, KUBECTL);
    kubelet = startFakeKubelet(cluster, KUBECTL);
    mirror = await startChartMirror(HELM, [requireSharedChart(ALLOY_CHART_VERSION, HELM)]);
    ws = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
    // Loki already runs in loki-v3 on ops: the stack only reads the namespace.
    await kubectl(["create", "namespace", "loki-v3"]);
    await ws.initStack("ops", { context: cluster.context, chartRepository: mirror.url });
  });

  after(async function () {
    await kubelet?.stop();
    ws?.dispose();
    await mirror?.close();
    await cluster?.stop();
  });

  it("the seed's incident, reproduced: its values (tolerations at the chart's root) leave the nodes with a taint of their own without a collector, and npm run verify names them", async function () {
    const work = mkdtempSync(path.join(tmpdir(), "alloy-logs-seed-"));
    try {
      // The seed's values (../shared/seeds/001_*.txt): tolerations at the root, where the chart never reads them.
      const values = path.join(work, "values.yaml");
      writeFileSync(
        values,
        "tolerations:\n  - operator: Exists\ncontroller:\n  type: daemonset\n  priorityClassName: system-node-critical\n",
      );
      const helm = (args: string[]) => {
        const r = spawnSync(HELM, [...args, "--kubeconfig", cluster.kubeconfig, "--kube-context", cluster.context], { encoding: "utf8" });
        assert.equal(r.status, 0, `helm ${args.join(" ")}: ${r.stderr}`);
      };
      helm(["install", "alloy", requireSharedChart(ALLOY_CHART_VERSION, HELM), "--namespace", "loki-v3", "-f", values]);
      // The DaemonSet controller schedules what the tolerations allow; the fake kubelet makes them Ready.
      await until(async () => {
        const s = JSON.parse(await kubectl(["get", "daemonset", "-n", "loki-v3", "alloy", "-o", "jsonpath={.status}"])) as Record<
          string,
          number
        >;
        return s.desiredNumberScheduled === 8 && s.numberReady === 8;
      });
      const placed = new Set((await pods()).map((p) => p.spec.nodeName));
      const missing = SEED_NODES.filter((n) => !placed.has(n.name)).map((n) => n.name);
      assert.deepEqual(missing, [SEED_NODES[8].name, SEED_NODES[9].name]);

      const result = verify();
      assert.equal(result.status, 1, result.stdout + result.stderr);
      assert.ok(result.stdout.includes("2 of 10 nodes without a Running, Ready collector"), result.stdout);
      assert.ok(result.stdout.includes(`${SEED_NODES[8].name} (taints: dedicated=batch:NoSchedule): no collector pod`), result.stdout);
      assert.ok(result.stdout.includes(`${SEED_NODES[9].name} (taints: dedicated=monitoring:NoExecute): no collector pod`), result.stdout);

      // The old install goes before the program's (docs/runbook.md, First deploy).
      helm(["uninstall", "alloy", "--namespace", "loki-v3", "--wait"]);
      await until(async () => (await pods()).length === 0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("ops: pulumi up creates every object, and the real scheduler puts one collector on each of the 10 nodes, the 3 tainted included", async function () {
    await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview", "--policy-pack", POLICY_PACK], { timeoutMs: 600_000 });
    const placed = (await pods()).map((p) => p.spec.nodeName).sort();
    assert.deepEqual(placed, SEED_NODES.map((n) => n.name).sort());
    const status = JSON.parse(await kubectl(["get", "daemonset", "-n", "loki-v3", "alloy", "-o", "jsonpath={.status}"])) as Record<
      string,
      number
    >;
    assert.deepEqual(
      [status.desiredNumberScheduled, status.currentNumberScheduled, status.numberReady, status.numberMisscheduled],
      [10, 10, 10, 0],
    );
    for (const [kind, name] of [
      ["configmap", "alloy"],
      ["serviceaccount", "alloy"],
      ["service", "alloy"],
      ["servicemonitor", "alloy"],
      ["prometheusrule", "alloy-logs"],
      ["configmap", "alloy-logs-dashboard"],
    ]) {
      await kubectl(["get", "-n", "loki-v3", kind, name]);
    }
    await kubectl(["get", "clusterrolebinding", "loki-v3-alloy-logs"]);
    // The seed's post-deploy checks now pass: a Running, Ready collector on every node.
    const result = verify();
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /all 10 nodes/);
  });

  it("ops: a second pulumi preview --expect-no-changes passes: no perpetual diff from the chart, server-side apply or defaults", async function () {
    await ws.pulumiOk(["preview", "--stack", "ops", "--expect-no-changes", "--policy-pack", POLICY_PACK]);
    await ws.pulumiOk(["preview", "--stack", "ops", "--refresh", "--expect-no-changes", "--policy-pack", POLICY_PACK]);
  });

  it("lets the collector's service account list and watch pods, and read no Secret or ConfigMap in any namespace (the real authorizer)", function () {
    const canI = (args: string[]) =>
      spawnSync(
        KUBECTL,
        ["--kubeconfig", cluster.kubeconfig, "--context", cluster.context, "auth", "can-i", ...args, `--as=${COLLECTOR_SA}`],
        {
          encoding: "utf8",
        },
      ).stdout.trim();
    assert.equal(canI(["list", "pods", "--all-namespaces"]), "yes");
    assert.equal(canI(["watch", "pods", "--all-namespaces"]), "yes");
    for (const resource of ["secrets", "configmaps"]) {
      for (const scope of [["--all-namespaces"], ["-n", "loki-v3"], ["-n", "kube-system"]]) {
        assert.equal(canI(["get", resource, ...scope]), "no", `get ${resource} ${scope.join(" ")}`);
        assert.equal(canI(["list", resource, ...scope]), "no", `list ${resource} ${scope.join(" ")}`);
      }
    }
  });

  it("ops: an out-of-band edit and a deleted ServiceMonitor make the drift workflow's command fail, naming both objects", async function () {
    await kubectl(["patch", "daemonset", "-n", "loki-v3", "alloy", "--type=merge", "-p", '{"spec":{"minReadySeconds":99}}']);
    await kubectl(["delete", "servicemonitor", "-n", "loki-v3", "alloy"]);
    // .github/workflows/drift.yml, step "pulumi preview --refresh --expect-no-changes".
    const drift = await ws.pulumi([
      "preview",
      "--stack",
      "ops",
      "--refresh",
      "--expect-no-changes",
      "--policy-pack",
      POLICY_PACK,
      "--diff",
    ]);
    assert.notEqual(drift.code, 0, printed(drift));
    const out = printed(drift);
    // The diff names both objects and the field: what the drift issue shows.
    assert.match(out, /~ kubernetes:apps\/v1:DaemonSet: \(update\)\n\s+\[id=loki-v3\/alloy\]/);
    assert.match(out, /~ minReadySeconds: 99 => 10/);
    assert.match(
      out,
      /\+ kubernetes:monitoring.coreos.com\/v1:ServiceMonitor: \(create\)\n\s+\[urn=[^\]]*ServiceMonitor::alloy:loki-v3\/alloy\]/,
    );
    // kubectl now owns .spec.minReadySeconds (server-side apply): the provider says so.
    assert.ok(out.includes('conflict with "kubectl-patch" using apps/v1: .spec.minReadySeconds'), out);
    // As the runbook says (Drift, step 3): pulumi up takes the field back with patch force, and recreates the ServiceMonitor.
    await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview", "--refresh"], {
      timeoutMs: 600_000,
      env: { PULUMI_K8S_ENABLE_PATCH_FORCE: "true" },
    });
    await kubectl(["get", "servicemonitor", "-n", "loki-v3", "alloy"]);
    assert.equal((await kubectl(["get", "daemonset", "-n", "loki-v3", "alloy", "-o", "jsonpath={.spec.minReadySeconds}"])).trim(), "10");
  });

  it("ops: pulumi destroy removes everything the stack created and leaves the loki-v3 namespace it only read", async function () {
    await ws.pulumiOk(["destroy", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    const left = await kubectl([
      "get",
      "daemonsets,configmaps,services,serviceaccounts,servicemonitors,prometheusrules",
      "-n",
      "loki-v3",
      "-o",
      "name",
    ]);
    // The namespace's own root CA ConfigMap and default ServiceAccount are the controllers', not the stack's.
    assert.deepEqual(left.trim().split("\n").sort(), ["configmap/kube-root-ca.crt", "serviceaccount/default"]);
    assert.doesNotMatch(await kubectl(["get", "clusterroles,clusterrolebindings", "-o", "name"]), /loki-v3-alloy-logs/);
    assert.equal((await kubectl(["get", "namespace", "loki-v3", "-o", "jsonpath={.status.phase}"])).trim(), "Active");
  });

  it("dev: pulumi up creates the namespace, and pulumi destroy removes the release but retains the namespace, as the docs promise", async function () {
    await kubectl(["delete", "namespace", "loki-v3", "--wait=true", "--timeout=120s"]);
    const dev = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
    try {
      await dev.initStack("dev", { context: cluster.context, chartRepository: mirror.url });
      await dev.pulumiOk(["up", "--stack", "dev", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      assert.equal((await pods()).length, 10);
      await dev.pulumiOk(["destroy", "--stack", "dev", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      assert.equal((await kubectl(["get", "namespace", "loki-v3", "-o", "jsonpath={.status.phase}"])).trim(), "Active");
      assert.equal((await kubectl(["get", "daemonsets", "-n", "loki-v3", "-o", "name"])).trim(), "");
    } finally {
      dev.dispose();
    }
  });
});
