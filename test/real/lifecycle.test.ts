/**
 * The lifecycle on the real CLI and provider against a real control plane on 127.0.0.1
 * (etcd, kube-apiserver, kube-controller-manager, kube-scheduler; no kubelet: the fake
 * kubelet of realtools/fake-kubelet.ts only marks bound pods Running and Ready) with
 * the seed's ops cluster: 10 nodes, 3 of them tainted as in the incident.
 *
 * ops: pulumi up, the scheduler placing one collector on every node, a second preview
 * with no changes, the collector's RBAC answered by the real authorizer, drift caught
 * by the drift workflow's own command, the chart upgrade to 1.11.1 and the rollback,
 * destroy leaving the namespace Loki runs in, then the faults: the API server killed in
 * the middle of pulumi up, and pulumi itself killed (pending operations, a stale lock).
 * dev: up and destroy of a stack that creates its namespace, which destroy retains.
 *
 * npm run verify runs with the real kubectl against this cluster, and against the Loki,
 * Prometheus and Datadog stand-ins of realtools/observability.ts, which answer from what
 * the cluster holds. Its logs and resources checks are skipped: no kubelet serves
 * container logs and no metrics API serves usage here.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { ALLOY_CHART_VERSION } from "../../config/chart/alloy-values.generated";
import { ROOT } from "../../plan/cli-path";
import { requireSharedChart, startChartMirror, type ChartMirror } from "../../realtools/chart-mirror";
import { startObservabilityStandIns, type ClusterView, type ObservabilityStandIns } from "../../realtools/observability";
import { startControlPlane, type ControlPlane } from "../../realtools/control-plane";
import { kubectlAsync, registerNodes, SEED_NODES, startFakeKubelet, type FakeKubelet } from "../../realtools/fake-kubelet";
import {
  CLI_TOOLS,
  CONTROL_PLANE_TOOLS,
  parsePreviewJson,
  PulumiWorkspace,
  REAL_TOOLS_BIN,
  requireTools,
  type RunResult,
  CRDS,
  HELM,
  KUBECTL,
  missingHostTools,
} from "../../realtools/real-cli";

const POLICY_PACK = path.join(ROOT, "policy");
const COLLECTOR_SA = "system:serviceaccount:loki-v3:alloy";
const EVENTS_SA = "system:serviceaccount:loki-v3:alloy-events";
/** The chart the upgrade goes to and back from (../shared/charts). */
const UPGRADE_CHART_VERSION = "1.11.1";
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

describe("the lifecycle on a real control plane: up, no-op, RBAC, drift, destroy", function () {
  let cluster: ControlPlane;
  let mirror: ChartMirror;
  let kubelet: FakeKubelet;
  let ws: PulumiWorkspace;
  const kubectl = (args: string[], input?: string) => kubectlAsync(cluster, KUBECTL, args, input);
  const pods = async () =>
    (
      JSON.parse(
        await kubectl([
          "get",
          "pods",
          "-n",
          "loki-v3",
          "-l",
          "app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy",
          "-o",
          "json",
        ]),
      ) as {
        items: { metadata: { name: string; uid: string }; spec: { nodeName?: string }; status: { phase?: string } }[];
      }
    ).items;

  let observability: ObservabilityStandIns;

  /**
   * npm run verify -- --stack ops with the real kubectl against this cluster, reached through the
   * context the ops stack names (its EKS cluster's name), and Loki, Prometheus and Datadog through
   * the stand-ins. The checks that need kubelet logs or a metrics API, which this cluster has not,
   * are skipped by name.
   */
  const verify = async (): Promise<RunResult> => {
    // An Event 5 minutes old, as a cluster in use always has: the events-loki check then has one to look for whatever
    // this run's timing (the control plane's own Events may all be younger than the check's one-minute grace).
    const at = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
    await kubectl(
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: "verify-e2e.", namespace: "default" },
        involvedObject: { apiVersion: "v1", kind: "Node", name: SEED_NODES[0].name },
        reason: "NodeHasSufficientMemory",
        message: `Node ${SEED_NODES[0].name} status is now: NodeHasSufficientMemory`,
        type: "Normal",
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
        source: { component: "kubelet", host: SEED_NODES[0].name },
      }),
    );
    const config = JSON.parse(readFileSync(cluster.kubeconfig, "utf8")) as { contexts: { name: string }[]; "current-context": string };
    config.contexts[0].name = "buzzvil-eks-ops";
    const kubeconfig = path.join(cluster.dir, "verify.kubeconfig");
    writeFileSync(kubeconfig, JSON.stringify(config));
    // Not spawnSync: the stand-ins answer from this process.
    const child = spawn(
      process.execPath,
      [
        "--require",
        "./scripts/register-ts.js",
        "scripts/verify.ts",
        "--stack",
        "ops",
        "--loki-url",
        observability.url,
        "--prometheus-url",
        observability.url,
        "--skip",
        "logs,resources",
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          KUBECONFIG: kubeconfig,
          PATH: `${path.dirname(KUBECTL)}:${process.env.PATH ?? ""}`,
          DD_API_KEY: "dd-api-e2e",
          DD_APP_KEY: "dd-app-e2e",
          DD_SITE: observability.url,
        },
      },
    );
    let [stdout, stderr] = ["", ""];
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { code, stdout, stderr };
  };

  /** The stack's Kubernetes objects in the state (kind/namespace/name), and the pending operations. */
  const stateObjects = async (workspace: PulumiWorkspace) => {
    const exported = JSON.parse((await workspace.pulumiOk(["stack", "export", "--stack", "ops"])).stdout) as {
      deployment: {
        resources?: { type: string; custom?: boolean; id?: string; inputs?: { kind?: string } }[];
        pending_operations?: { type: string; resource: { urn: string } }[];
      };
    };
    const objects = (exported.deployment.resources ?? [])
      .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:core/v1:Namespace")
      .filter((r) => !r.type.startsWith("pulumi:providers:"))
      .map((r) => `${r.type.split(":").at(-1)}/${r.id}`)
      .sort();
    return { objects, pending: exported.deployment.pending_operations ?? [] };
  };

  /** The same objects, as the API server has them: everything in loki-v3 but what its controllers made, and the cluster RBAC. */
  const clusterObjects = async () => {
    const namespaced = JSON.parse(
      await kubectl([
        "get",
        "daemonsets,deployments,configmaps,services,serviceaccounts,servicemonitors,prometheusrules,secrets",
        "-n",
        "loki-v3",
        "-o",
        "json",
      ]),
    ) as { items: { kind: string; metadata: { name: string; namespace: string } }[] };
    const cluster = JSON.parse(await kubectl(["get", "clusterroles,clusterrolebindings", "-o", "json"])) as {
      items: { kind: string; metadata: { name: string } }[];
    };
    return [
      ...namespaced.items
        .filter((o) => !["kube-root-ca.crt", "default"].includes(o.metadata.name))
        .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
      ...cluster.items.filter((o) => o.metadata.name.startsWith("loki-v3-")).map((o) => `${o.kind}/${o.metadata.name}`),
    ].sort();
  };

  before(async function () {
    requireTools(this, [...CLI_TOOLS, ...CONTROL_PLANE_TOOLS], missingHostTools());
    cluster = await startControlPlane({ binDir: REAL_TOOLS_BIN, full: true });
    for (const crd of ["servicemonitors", "prometheusrules"]) {
      await kubectl(["apply", "--server-side", "-f", path.join(CRDS, `monitoring.coreos.com_${crd}.yaml`)]);
    }
    await registerNodes(cluster, KUBECTL);
    kubelet = startFakeKubelet(cluster, KUBECTL);
    mirror = await startChartMirror(HELM, [requireSharedChart(ALLOY_CHART_VERSION, HELM), requireSharedChart(UPGRADE_CHART_VERSION)]);
    observability = await startObservabilityStandIns({
      serviceMonitorSelector: { release: "kube-prometheus-stack" },
      read: async () => {
        const [list, events] = await Promise.all([
          kubectl(["get", "pods,services,servicemonitors,configmaps", "-n", "loki-v3", "-o", "json"]),
          kubectl(["get", "events", "--all-namespaces", "-o", "json"]),
        ]);
        const items = (JSON.parse(list) as { items: { kind: string }[] }).items;
        const of = <T>(kind: string) => items.filter((i) => i.kind === kind) as T[];
        return {
          pods: of("Pod"),
          services: of("Service"),
          serviceMonitors: of("ServiceMonitor"),
          configMaps: of("ConfigMap"),
          events: (JSON.parse(events) as { items: unknown[] }).items,
        } satisfies ClusterView;
      },
    });
    // A copy of the program, which the chart upgrade regenerates the chart's types in.
    ws = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig, copyProgram: true });
    // Loki already runs in loki-v3 on ops: the stack only reads the namespace.
    await kubectl(["create", "namespace", "loki-v3"]);
    await ws.initStack("ops", { context: cluster.context, chartRepository: mirror.url });
  });

  after(async function () {
    await kubelet?.stop();
    ws?.dispose();
    await observability?.close();
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

      const result = await verify();
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.ok(result.stdout.includes("2 of 10 nodes without a Running, Ready collector"), result.stdout);
      assert.ok(result.stdout.includes(`${SEED_NODES[8].name} (taints: dedicated=batch:NoSchedule): no collector pod`), result.stdout);
      assert.ok(result.stdout.includes(`${SEED_NODES[9].name} (taints: dedicated=monitoring:NoExecute): no collector pod`), result.stdout);
      // The seed's values turn on no ServiceMonitor, no Datadog check and no Loki pipeline, pods' or journal's (the chart's
      // default config.alloy): the stand-ins see none. Nor had the seed an events collector: no Event reaches Loki.
      assert.ok(result.stdout.includes("✗ Events collector Deployment loki-v3/alloy-events: not found"), result.stdout);
      assert.match(
        result.stdout,
        /✗ Kubernetes events in Loki \(last 15m\): no lines in the last 15m, against the \d+ Events? the cluster recorded/,
      );
      assert.equal(
        result.stdout.split("\n").at(-2),
        "10 of 13 checks failed: daemonset, pods, servicemonitor, prometheus, datadog, datadog-metrics, loki, journal, events, events-loki.",
      );

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
    // The events release: one replica, Available, on a node without a taint (it tolerates none).
    const events = JSON.parse(await kubectl(["get", "deployment", "-n", "loki-v3", "alloy-events", "-o", "json"])) as {
      spec: { replicas: number };
      status: { availableReplicas?: number; updatedReplicas?: number };
    };
    assert.deepEqual([events.spec.replicas, events.status.availableReplicas, events.status.updatedReplicas], [1, 1, 1]);
    const eventsPods = (
      JSON.parse(await kubectl(["get", "pods", "-n", "loki-v3", "-l", "app.kubernetes.io/instance=alloy-events", "-o", "json"])) as {
        items: { metadata: { name: string }; spec: { nodeName?: string; priorityClassName?: string } }[];
      }
    ).items;
    assert.equal(eventsPods.length, 1);
    assert.equal(eventsPods[0].spec.priorityClassName, "system-cluster-critical");
    assert.ok(
      SEED_NODES.filter((n) => n.taints.length === 0)
        .map((n) => n.name)
        .includes(eventsPods[0].spec.nodeName ?? ""),
      `events collector on ${eventsPods[0].spec.nodeName}`,
    );
    // The seed's post-deploy checks now pass: a Running, Ready collector on every node.
    const result = await verify();
    const counts = /Kubernetes events in Loki \(last 15m\): (\d+) lines in the last 15m, for the (\d+ Events?) the cluster/.exec(
      result.stdout,
    );
    assert.ok(counts, result.stdout);
    const eventLines = { lines: Number(counts[1]), recorded: counts[2] };
    assert.ok(eventLines.lines >= Number.parseInt(eventLines.recorded), result.stdout);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(
      result.stdout,
      [
        'Verifying stack "ops": cluster buzzvil-eks-ops, kubeconfig context buzzvil-eks-ops, namespace loki-v3',
        "✓ DaemonSet loki-v3/alloy: desired=current=ready=up-to-date=available=10, one per node",
        "✓ Collector pods: Running and Ready on all 10 nodes, 3 of them tainted",
        "✓ Restarts: no container restarted more than 3 times",
        "- Collector logs (last 15m): skipped (--skip logs)",
        "- Resource usage: skipped (--skip resources)",
        "✓ ServiceMonitor loki-v3/alloy: present, labelled release=kube-prometheus-stack",
        "✓ Prometheus targets (job alloy): all 10 collectors are targets with up == 1",
        "✓ Datadog openmetrics check: all 10 pods carry it (namespace loki_v3, 10 metrics)",
        "✓ Datadog metrics (loki_v3.*): 10 of 10 configured metrics reported in the last 15m",
        "✓ Loki (tenant ops): lines from all 10 nodes in the last 5m",
        "✓ Node journal in Loki (last 15m): journal lines from all 10 nodes",
        `✓ Events collector Deployment loki-v3/alloy-events: 1 of 1 replica available: pod ${eventsPods[0].metadata.name} on ${eventsPods[0].spec.nodeName}`,
        // The stand-in gives a line for every Event the API server holds, as the collector sends once it starts.
        `✓ Kubernetes events in Loki (last 15m): ${eventLines.lines} lines in the last 15m, for the ${eventLines.recorded} the cluster recorded from 15m to 1m ago`,
        "11 of 13 checks passed, 2 skipped.",
        "",
      ].join("\n"),
    );
    // The stand-ins were asked as verify asks the real ones: Loki under the stack's tenant, Datadog with both keys.
    const loki = observability.requests.filter((r) => r.path === "/loki/api/v1/query").at(-1);
    assert.equal(loki?.headers["x-scope-orgid"], "ops");
    const datadog = observability.requests.filter((r) => r.path === "/api/v1/metrics").at(-1);
    assert.deepEqual([datadog?.headers["dd-api-key"], datadog?.headers["dd-application-key"]], ["dd-api-e2e", "dd-app-e2e"]);
  });

  it("ops: a second pulumi preview --expect-no-changes passes: no perpetual diff from the chart, server-side apply or defaults", async function () {
    await ws.pulumiOk(["preview", "--stack", "ops", "--expect-no-changes", "--policy-pack", POLICY_PACK]);
    await ws.pulumiOk(["preview", "--stack", "ops", "--refresh", "--expect-no-changes", "--policy-pack", POLICY_PACK]);
  });

  it("lets the collector's service account list and watch pods, the events collector's watch events, and neither read a Secret or ConfigMap in any namespace (the real authorizer)", function () {
    const canI = (args: string[]) =>
      spawnSync(
        KUBECTL,
        ["--kubeconfig", cluster.kubeconfig, "--context", cluster.context, "auth", "can-i", ...args, `--as=${COLLECTOR_SA}`],
        {
          encoding: "utf8",
        },
      ).stdout.trim();
    assert.equal(canI(["list", "pods", "--all-namespaces"]), "yes");
    // The events collector's own service account: events only.
    const eventsCanI = (args: string[]) =>
      spawnSync(
        KUBECTL,
        ["--kubeconfig", cluster.kubeconfig, "--context", cluster.context, "auth", "can-i", ...args, `--as=${EVENTS_SA}`],
        {
          encoding: "utf8",
        },
      ).stdout.trim();
    for (const verb of ["get", "list", "watch"]) assert.equal(eventsCanI([verb, "events", "--all-namespaces"]), "yes", `${verb} events`);
    for (const [verb, resource] of [
      ["get", "secrets"],
      ["list", "secrets"],
      ["get", "configmaps"],
      ["list", "pods"],
    ]) {
      assert.equal(eventsCanI([verb, resource, "--all-namespaces"]), "no", `events collector: ${verb} ${resource}`);
      assert.equal(eventsCanI([verb, resource, "-n", "loki-v3"]), "no", `events collector: ${verb} ${resource} -n loki-v3`);
    }
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
    const tail = out.slice(-6000);
    assert.match(out, /~ kubernetes:apps\/v1:DaemonSet: \(update\)\n\s+\[id=loki-v3\/alloy\]/, tail);
    assert.match(out, /~ minReadySeconds: 99 => 10/, tail);
    // The refresh finds the ServiceMonitor gone. (Whether the create that would follow is printed depends on how far the
    // preview got before the DaemonSet's field conflict below stopped it.)
    assert.match(
      out,
      /~ kubernetes:monitoring.coreos.com\/v1:ServiceMonitor: \(refresh\)\n\s+\[id=loki-v3\/alloy\][^]*?--outputs:--\n\s+- apiVersion: "monitoring.coreos.com\/v1"/,
      tail,
    );
    // The workflow's next steps: verify (which fails too: without its ServiceMonitor no Prometheus scrapes the collectors),
    // then scripts/drift-issue.sh with both step outputs, here with a gh that keeps the body of the issue it would open.
    const report = await verify();
    assert.equal(report.code, 1, report.stdout);
    const work = mkdtempSync(path.join(tmpdir(), "alloy-logs-drift-"));
    try {
      mkdirSync(path.join(work, "out", "drift"), { recursive: true });
      mkdirSync(path.join(work, "bin"));
      writeFileSync(path.join(work, "out", "drift", "preview.txt"), out);
      writeFileSync(path.join(work, "out", "drift", "verify.txt"), report.stdout);
      writeFileSync(
        path.join(work, "bin", "gh"),
        '#!/bin/sh\nprev=""\nfor arg in "$@"; do [ "$prev" = "--body-file" ] && cp "$arg" "$GH_BODY"; prev="$arg"; done\nexit 0\n',
        { mode: 0o755 },
      );
      const body = path.join(work, "body.md");
      const issue = spawnSync("bash", [path.join(ROOT, "scripts", "drift-issue.sh"), "ops", "failure", "failure"], {
        cwd: work,
        encoding: "utf8",
        env: {
          ...process.env,
          PATH: `${path.join(work, "bin")}:${process.env.PATH ?? ""}`,
          GH_BODY: body,
          GITHUB_REPOSITORY: "acme/alloy-logs",
        },
      });
      assert.equal(issue.status, 0, issue.stderr);
      const text = readFileSync(body, "utf8");
      assert.ok(text.includes("## `pulumi preview --refresh --expect-no-changes`: failure"), text);
      assert.ok(text.includes("~ minReadySeconds: 99 => 10"), text.slice(-3000));
      assert.ok(text.includes("~ kubernetes:monitoring.coreos.com/v1:ServiceMonitor: (refresh)"), text.slice(-3000));
      assert.ok(text.includes("## `npm run verify -- --stack ops`: failure"), text);
      assert.ok(text.includes("✗ ServiceMonitor loki-v3/alloy: not found"), text);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
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

  it("ops: a chart upgrade (types regenerated from chart 1.11.1, pulumi up) updates the DaemonSet in place with the stack's rolling update, and the rollback does too", async function () {
    const daemonSet = async () =>
      JSON.parse(await kubectl(["get", "daemonset", "-n", "loki-v3", "alloy", "-o", "json"])) as {
        metadata: { uid: string; labels: Record<string, string> };
        spec: { updateStrategy: unknown; template: { spec: { containers: { name: string; image: string }[] } } };
        status: Record<string, number>;
      };
    const image = async () => (await daemonSet()).spec.template.spec.containers.find((c) => c.name === "alloy")!.image;
    const generated = path.join(ws.project, "config", "chart", "alloy-values.generated.ts");
    const original = readFileSync(generated, "utf8");
    const unpacked = mkdtempSync(path.join(tmpdir(), "alloy-logs-upgrade-"));
    // The runbook (Upgrading the chart version, step 2): the generator, run on the new chart.
    const generate = (chart: string) => {
      const dir = path.join(unpacked, chart.replace(/\W/g, ""));
      execFileSync("mkdir", ["-p", dir]);
      execFileSync("tar", ["-xzf", chart, "-C", dir]);
      execFileSync(
        process.execPath,
        ["--require", "./scripts/register-ts.js", "scripts/generate-chart-types.ts", path.join(dir, "alloy")],
        {
          cwd: ws.project,
          encoding: "utf8",
        },
      );
    };
    /** Runs pulumi up and samples the DaemonSet meanwhile: the most pods it had unavailable at once. */
    const upSampling = async () => {
      const run = ws.start(["up", "--stack", "ops", "--yes", "--skip-preview", "--policy-pack", POLICY_PACK], { timeoutMs: 600_000 });
      let mostUnavailable = 0;
      let done = false;
      void run.done.then(() => (done = true));
      while (!done) {
        const status = (await daemonSet().catch(() => undefined))?.status;
        mostUnavailable = Math.max(mostUnavailable, status?.numberUnavailable ?? 0);
        await new Promise((r) => setTimeout(r, 300));
      }
      const result = await run.done;
      assert.equal(result.code, 0, printed(result));
      return mostUnavailable;
    };
    /** The preview's operations on the chart's objects: only updates, never a replacement. */
    const previewOps = async () => {
      const preview = parsePreviewJson((await ws.pulumiOk(["preview", "--stack", "ops", "--json"])).stdout);
      return Object.fromEntries(
        (preview.steps ?? [])
          .filter((s) => s.op !== "same" && s.op !== "read")
          .map((s) => {
            const [, , types, name] = s.urn.split("::");
            return [`${types.split("$").at(-1)} ${name}`, s.op];
          }),
      );
    };
    try {
      // The ops rolling update (10%: one node at a time, 10 s apart) would take minutes here: 50% and 1 s show the same
      // in seconds, and changing them alone rolls no pod.
      await ws.pulumiOk(["config", "set", "--stack", "ops", "--path", "alloy-logs:rollout.maxUnavailable", "50%"]);
      await ws.pulumiOk(["config", "set", "--stack", "ops", "--path", "alloy-logs:rollout.minReadySeconds", "1"]);
      await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      const before = await daemonSet();
      assert.deepEqual(before.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "50%", maxSurge: 0 } });
      assert.equal(await image(), "docker.io/grafana/alloy:v1.11.3");

      generate(requireSharedChart(UPGRADE_CHART_VERSION));
      assert.match(readFileSync(generated, "utf8"), /export const ALLOY_CHART_VERSION = "1\.11\.1";/);
      // Every object of the chart carries its version in a label: each one is updated, none replaced.
      assert.deepEqual(await previewOps(), {
        "kubernetes:apps/v1:DaemonSet alloy:loki-v3/alloy": "update",
        "kubernetes:core/v1:ConfigMap alloy:loki-v3/alloy": "update",
        "kubernetes:core/v1:Service alloy:loki-v3/alloy": "update",
        "kubernetes:core/v1:ServiceAccount alloy:loki-v3/alloy": "update",
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor alloy:loki-v3/alloy": "update",
        "kubernetes:apps/v1:Deployment alloy-events:loki-v3/alloy-events": "update",
        "kubernetes:core/v1:ConfigMap alloy-events:loki-v3/alloy-events": "update",
        "kubernetes:core/v1:Service alloy-events:loki-v3/alloy-events": "update",
        "kubernetes:core/v1:ServiceAccount alloy-events:loki-v3/alloy-events": "update",
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor alloy-events:loki-v3/alloy-events": "update",
      });
      const mostUnavailable = await upSampling();
      const after = await daemonSet();
      assert.equal(after.metadata.uid, before.metadata.uid, "the DaemonSet was replaced, not updated");
      assert.equal(after.metadata.labels["helm.sh/chart"], "alloy-1.11.1");
      assert.equal(await image(), "docker.io/grafana/alloy:v1.18.1");
      assert.deepEqual([after.status.desiredNumberScheduled, after.status.updatedNumberScheduled, after.status.numberReady], [10, 10, 10]);
      assert.ok(mostUnavailable <= 5, `${mostUnavailable} pods unavailable at once, over maxUnavailable 50% of 10`);
      await ws.pulumiOk(["preview", "--stack", "ops", "--expect-no-changes"]);

      // The rollback: the types of the pinned chart again, byte for byte what is committed.
      generate(requireSharedChart(ALLOY_CHART_VERSION, HELM));
      assert.equal(readFileSync(generated, "utf8"), original);
      await upSampling();
      const back = await daemonSet();
      assert.equal(back.metadata.uid, before.metadata.uid, "the rollback replaced the DaemonSet");
      assert.equal(await image(), "docker.io/grafana/alloy:v1.11.3");
      assert.equal(back.metadata.labels["helm.sh/chart"], "alloy-1.4.0");
      await ws.pulumiOk(["preview", "--stack", "ops", "--refresh", "--expect-no-changes", "--policy-pack", POLICY_PACK]);
    } finally {
      writeFileSync(generated, original);
      rmSync(unpacked, { recursive: true, force: true });
    }
  });

  it("ops: a config.alloy change patches the ConfigMap in place, no collector restarted; a stack deployed before enableConfigMapMutable takes it with no replacement", async function () {
    const cluster_ts = path.join(ws.project, "components", "cluster.ts");
    const original = readFileSync(cluster_ts, "utf8");
    const changes = async () => {
      const preview = parsePreviewJson((await ws.pulumiOk(["preview", "--stack", "ops", "--json"])).stdout);
      return Object.fromEntries(
        (preview.steps ?? [])
          .filter((s) => s.op !== "same" && s.op !== "read")
          .map((s) => {
            const [, , types, name] = s.urn.split("::");
            return [`${types.split("$").at(-1)} ${name}`, s.op];
          }),
      );
    };
    const collectorPods = async () => (await pods()).map((p) => `${p.metadata.name} ${p.metadata.uid}`).sort();
    try {
      // The program as it was before the option: the provider replaces a ConfigMap whose data changes.
      assert.match(original, /const options = \{ enableConfigMapMutable: true \};/);
      writeFileSync(cluster_ts, original.replace("const options = { enableConfigMapMutable: true };", "const options = {};"));
      await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      await ws.pulumiOk(["config", "set", "--stack", "ops", "--path", "alloy-logs:lokiWrite.batchWait", "2s"]);
      // Both releases push with lokiWrite, so both configs change.
      assert.deepEqual(await changes(), {
        "kubernetes:core/v1:ConfigMap alloy:loki-v3/alloy": "replace",
        "kubernetes:core/v1:ConfigMap alloy-events:loki-v3/alloy-events": "replace",
      });

      // Today's program on that state: the provider takes the option as an update, and the ConfigMap is patched.
      writeFileSync(cluster_ts, original);
      assert.deepEqual(await changes(), {
        "pulumi:providers:kubernetes alloy-logs-cluster": "update",
        "kubernetes:core/v1:ConfigMap alloy:loki-v3/alloy": "update",
        "kubernetes:core/v1:ConfigMap alloy-events:loki-v3/alloy-events": "update",
      });
      const [podsBefore, configMapUid] = [
        await collectorPods(),
        (await kubectl(["get", "configmap", "-n", "loki-v3", "alloy", "-o", "jsonpath={.metadata.uid}"])).trim(),
      ];
      await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      const configMap = JSON.parse(await kubectl(["get", "configmap", "-n", "loki-v3", "alloy", "-o", "json"])) as {
        metadata: { uid: string };
        data: Record<string, string>;
      };
      assert.equal(configMap.metadata.uid, configMapUid, "the ConfigMap was replaced, not patched");
      assert.match(configMap.data["config.alloy"], /batch_wait\s*=\s*"2s"/);
      // The DaemonSet's pod template does not change with the config (config-reloader reloads it): no pod is replaced.
      assert.deepEqual(await collectorPods(), podsBefore);
      await ws.pulumiOk(["preview", "--stack", "ops", "--expect-no-changes"]);
    } finally {
      writeFileSync(cluster_ts, original);
      await ws.pulumiOk(["config", "rm", "--stack", "ops", "alloy-logs:lokiWrite"]);
      await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    }
  });

  it("ops: events.enabled false removes the alloy-events release with pulumi up, leaving the DaemonSet's untouched; true brings it back", async function () {
    const dsUid = async () => (await kubectl(["get", "daemonset", "-n", "loki-v3", "alloy", "-o", "jsonpath={.metadata.uid}"])).trim();
    const before = await dsUid();
    await ws.pulumiOk(["config", "set", "--stack", "ops", "--path", "alloy-logs:events.enabled", "false"]);
    const off = await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    const summary = off.stdout.slice(off.stdout.lastIndexOf("Resources:"), off.stdout.lastIndexOf("Duration:")).trim();
    // The release's 8 resources go; the alert rules and the dashboard lose the events collector's group and row (both
    // updated in place: the provider patches ConfigMaps, enableConfigMapMutable). The DaemonSet's release is untouched.
    assert.equal(summary, "Resources:\n    ~ 2 updated\n    - 8 deleted\n    10 changes. 11 unchanged", off.stdout.slice(-2500));
    const gone = await kubectl(["get", "deployments,services,serviceaccounts,configmaps,servicemonitors", "-n", "loki-v3", "-o", "name"]);
    assert.doesNotMatch(gone, /alloy-events/);
    assert.doesNotMatch(await kubectl(["get", "clusterroles,clusterrolebindings", "-o", "name"]), /loki-v3-alloy-events/);
    assert.equal(await dsUid(), before);
    await ws.pulumiOk(["config", "set", "--stack", "ops", "--path", "alloy-logs:events.enabled", "true"]);
    await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    assert.equal(
      (await kubectl(["get", "deployment", "-n", "loki-v3", "alloy-events", "-o", "jsonpath={.status.availableReplicas}"])).trim(),
      "1",
    );
    await ws.pulumiOk(["preview", "--stack", "ops", "--expect-no-changes"]);
  });

  it("ops: pulumi destroy removes everything the stack created and leaves the loki-v3 namespace it only read", async function () {
    await ws.pulumiOk(["destroy", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    const left = await kubectl([
      "get",
      "daemonsets,deployments,configmaps,services,serviceaccounts,servicemonitors,prometheusrules",
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

  it("ops: the API server killed in the middle of pulumi up and started again: that up or the next converges, with no duplicate or orphaned object", async function () {
    const run = ws.start(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 420_000 });
    // Some objects exist, the DaemonSet's rollout is not done: the API server goes.
    await until(
      async () => (await kubectl(["get", "configmaps", "-n", "loki-v3", "-o", "name"])).includes("configmap/alloy-logs-dashboard"),
      60_000,
    );
    await cluster.stopApiServer();
    await new Promise((r) => setTimeout(r, 20_000));
    await cluster.startApiServer();
    const interrupted = await run.done;
    // The provider's await resumes once the API server is back (watch retried), so this up usually finishes; when a
    // create failed meanwhile it exits non-zero with the provider's error. Either way it is not killed and leaves no pending operation.
    assert.notEqual(interrupted.code, null, `pulumi up was killed by the test's timeout:\n${printed(interrupted)}`);
    await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    await ws.pulumiOk(["preview", "--stack", "ops", "--refresh", "--expect-no-changes"]);
    const state = await stateObjects(ws);
    assert.deepEqual(state.pending, []);
    assert.deepEqual(state.objects, await clusterObjects());
    assert.deepEqual((await pods()).map((p) => p.spec.nodeName).sort(), SEED_NODES.map((n) => n.name).sort());
  });

  it("ops: pulumi killed in the middle of up (a cancelled deploy job) leaves a lock and pending creates, which the runbook's steps clear", async function () {
    await ws.pulumiOk(["destroy", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    const run = ws.start(["up", "--stack", "ops", "--yes", "--skip-preview"]);
    await until(
      async () => (await kubectl(["get", "configmaps", "-n", "loki-v3", "-o", "name"])).includes("configmap/alloy-logs-dashboard"),
      60_000,
    );
    run.child.kill("SIGKILL");
    await run.done;
    // The next run is refused: the killed one still holds the stack's lock.
    const locked = await ws.pulumi(["up", "--stack", "ops", "--yes", "--skip-preview"]);
    assert.notEqual(locked.code, 0);
    assert.match(
      printed(locked),
      /the stack is currently locked by 1 lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`\./,
    );
    const interrupted = await stateObjects(ws);
    assert.ok(interrupted.pending.length > 0, "no pending operation in the state");
    assert.deepEqual([...new Set(interrupted.pending.map((p) => p.type))], ["creating"]);

    // docs/runbook.md, "A deploy was interrupted", steps 2 to 5.
    await ws.pulumiOk(["cancel", "--stack", "ops", "--yes"]);
    const refreshed = await ws.pulumiOk(["refresh", "--stack", "ops", "--yes", "--skip-preview", "--clear-pending-creates"]);
    assert.match(printed(refreshed), /Resources:/);
    assert.deepEqual((await stateObjects(ws)).pending, []);
    await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], {
      timeoutMs: 600_000,
      env: { PULUMI_K8S_ENABLE_PATCH_FORCE: "true" },
    });
    await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    await ws.pulumiOk(["preview", "--stack", "ops", "--refresh", "--expect-no-changes"]);
    const state = await stateObjects(ws);
    assert.deepEqual(state.objects, await clusterObjects());
    assert.deepEqual((await pods()).map((p) => p.spec.nodeName).sort(), SEED_NODES.map((n) => n.name).sort());
    await ws.pulumiOk(["destroy", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    assert.deepEqual(await clusterObjects(), []);
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
