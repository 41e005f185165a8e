/**
 * `npm run verify`: the checks on recorded API responses (test/fixtures/verify/<scenario>/, kubectl -o json
 * output of a 10-node cluster modelled on the seed's), the data source with a fake kubectl runner, and the
 * CLI end to end with a fake `kubectl` on PATH and a local Loki.
 *
 * Scenarios: healthy (two tainted nodes, a collector on all ten) and untolerated-taint (the seed's
 * incident: one node tainted node.kubernetes.io/unschedulable:NoSchedule, its pod Pending, the DaemonSet's
 * desired count 9). Other cases are one change to a healthy response, made in the test.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import {
  checkCollectorPods,
  checkDaemonSet,
  checkLoki,
  checkResourceUsage,
  checkRestarts,
  checkServiceMonitor,
  lokiQuery,
} from "../verify/checks";
import { formatReport } from "../verify/report";
import { runVerify } from "../verify/run";
import { kubectlCommands, KubectlError, lokiQueryUrl, queryLoki, readCluster, type FetchLike, type KubectlResult, type KubectlRunner } from "../verify/source";
import { verifyTarget, type VerifyTarget } from "../verify/target";
import type { DaemonSet, List, LokiQueryResponse, Node, Pod, PodMetrics, ServiceMonitor } from "../verify/types";
import { ROOT } from "./support/stacks";

const FIXTURES = path.join(__dirname, "fixtures", "verify");
type Scenario = "healthy" | "untolerated-taint";

/** The recorded response, parsed afresh so a test can change it. */
function load<T>(scenario: Scenario, file: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, scenario, file), "utf8")) as T;
}
const nodes = (s: Scenario = "healthy") => load<List<Node>>(s, "nodes.json").items;
const pods = (s: Scenario = "healthy") => load<List<Pod>>(s, "pods.json").items;
const daemonSet = (s: Scenario = "healthy") => load<DaemonSet>(s, "daemonset.json");
const podMetrics = (s: Scenario = "healthy") => load<List<PodMetrics>>(s, "podmetrics.json").items;
const serviceMonitor = (s: Scenario = "healthy") => load<ServiceMonitor>(s, "servicemonitor.json");
const lokiAnswer = (s: Scenario = "healthy") => load<LokiQueryResponse>(s, "loki.json");

/** The node ip-10-11-12-<octet>. */
const N = (octet: number) => `ip-10-11-12-${octet}.ap-northeast-1.compute.internal`;
const podOn = (list: Pod[], octet: number) => list.find((p) => p.spec.nodeName === N(octet))!;
const nodeNamed = (list: Node[], octet: number) => list.find((n) => n.metadata.name === N(octet))!;

/** ops as Pulumi.ops.yaml sets it (eks stack), written out so these tests do not move with the file. */
const OPS_CONFIG: Record<string, string> = {
  "alloy-logs:clusterName": "buzzvil-eks-ops",
  "alloy-logs:eks": JSON.stringify({ name: "buzzvil-eks-ops", region: "ap-northeast-1" }),
  "alloy-logs:namespace": "loki-v3",
  "alloy-logs:lokiEndpoint": "http://loki-v3-distributor.loki-v3.svc.cluster.local:3100/loki/api/v1/push",
  "alloy-logs:tenantId": "ops",
};
const opsConfig = (extra: Record<string, unknown> = {}): StackConfig =>
  parseStackConfig("ops", { ...OPS_CONFIG, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`alloy-logs:${k}`, JSON.stringify(v)])) });
const TARGET: VerifyTarget = verifyTarget("ops", opsConfig());
const NOW = new Date("2025-12-05T06:30:00Z");

const FILES = { nodes: "nodes.json", pods: "pods.json", daemonSet: "daemonset.json", serviceMonitor: "servicemonitor.json", podMetrics: "podmetrics.json" } as const;
type Read = keyof typeof FILES;

/** A kubectl runner serving a scenario's recorded responses; `answers` replaces some of them. */
function fakeKubectl(scenario: Scenario, answers: Partial<Record<Read, KubectlResult>> = {}, target: VerifyTarget = TARGET) {
  const calls: string[][] = [];
  const commands = kubectlCommands(target);
  const runner: KubectlRunner = async (args) => {
    calls.push([...args]);
    const read = (Object.keys(FILES) as Read[]).find((r) => commands[r].join("\0") === args.join("\0"));
    if (read === undefined) return { code: 64, stdout: "", stderr: `unexpected kubectl ${args.join(" ")}` };
    return answers[read] ?? { code: 0, stdout: readFileSync(path.join(FIXTURES, scenario, FILES[read]), "utf8"), stderr: "" };
  };
  return { runner, calls };
}

/** A Loki answering every query with `body` (JSON unless a string), recording the requests. */
function fakeLoki(body: unknown, status = 200) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const fetchImpl: FetchLike = async (url, init) => {
    requests.push({ url, headers: init.headers });
    return { ok: status < 300, status, statusText: STATUS_CODES[status] ?? "", text: async () => (typeof body === "string" ? body : JSON.stringify(body)) };
  };
  return { fetchImpl, requests };
}

const HEALTHY_REPORT = `Verifying stack "ops": cluster buzzvil-eks-ops, kubeconfig context buzzvil-eks-ops, namespace loki-v3
✓ DaemonSet loki-v3/alloy: desired=current=ready=up-to-date=available=10, one per node
✓ Collector pods: Running and Ready on all 10 nodes, 2 of them tainted
✓ Restarts: no container restarted more than 3 times
✓ Resource usage (container alloy): highest cpu 90m (request 250m), highest memory 272Mi (limit 700Mi), 10 pods
✓ ServiceMonitor loki-v3/alloy: present, labelled release=kube-prometheus-stack
✓ Loki (tenant ops): lines from all 10 nodes in the last 5m
6 of 6 checks passed.
`;

const SCHEDULER_MESSAGE =
  "0/10 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unschedulable: }, 9 node(s) didn't match Pod's node affinity/selector. " +
  "preemption: 0/10 nodes are available: 10 Preemption is not helpful for scheduling.";

const UNTOLERATED_TAINT_REPORT = `Verifying stack "ops": cluster buzzvil-eks-ops, kubeconfig context buzzvil-eks-ops, namespace loki-v3
✗ DaemonSet loki-v3/alloy: desired=current=ready=up-to-date=available=9; expected 10 (one per node)
    the DaemonSet counts 9 of 10 nodes: a node whose taints it does not tolerate is left out of desired, so its own status looks complete (see Collector pods)
✗ Collector pods: 1 of 10 nodes without a Running, Ready collector
    ip-10-11-12-106.ap-northeast-1.compute.internal (taints: node.kubernetes.io/unschedulable:NoSchedule): pod alloy-dslcw Pending, not scheduled: ${SCHEDULER_MESSAGE}
✓ Restarts: no container restarted more than 3 times
✓ Resource usage (container alloy): highest cpu 83m (request 250m), highest memory 259Mi (limit 700Mi), 9 pods
✓ ServiceMonitor loki-v3/alloy: present, labelled release=kube-prometheus-stack
✗ Loki (tenant ops): no lines in the last 5m from 1 of 10 nodes
    ip-10-11-12-106.ap-northeast-1.compute.internal (taints: node.kubernetes.io/unschedulable:NoSchedule)
    query: count by (node_name) (count_over_time({cluster="buzzvil-eks-ops"}[5m]))
3 of 6 checks failed: DaemonSet loki-v3/alloy, Collector pods, Loki (tenant ops).
`;

describe("verify: whole runs on recorded clusters", () => {
  it("passes every check on the healthy 10-node cluster and exits 0", async () => {
    const outcome = await runVerify(TARGET, { kubectl: fakeKubectl("healthy").runner, lokiUrl: "http://loki.test", fetch: fakeLoki(lokiAnswer()).fetchImpl, now: NOW });
    assert.equal(outcome.report, HEALTHY_REPORT);
    assert.equal(outcome.exitCode, 0);
  });

  it("reports the tainted node without a collector, with its taint, when desired leaves it out, and exits 1", async () => {
    const outcome = await runVerify(TARGET, {
      kubectl: fakeKubectl("untolerated-taint").runner,
      lokiUrl: "http://loki.test",
      fetch: fakeLoki(lokiAnswer("untolerated-taint")).fetchImpl,
      now: NOW,
    });
    assert.equal(outcome.report, UNTOLERATED_TAINT_REPORT);
    assert.equal(outcome.exitCode, 1);
  });
});

describe("verify: reading the cluster", () => {
  it("names the stack's kubeconfig context in every kubectl command", async () => {
    const { runner, calls } = fakeKubectl("healthy");
    await readCluster(TARGET, runner);
    assert.deepEqual(calls, [
      ["--context", "buzzvil-eks-ops", "--request-timeout=30s", "get", "nodes", "-o", "json"],
      ["--context", "buzzvil-eks-ops", "--request-timeout=30s", "--namespace", "loki-v3", "get", "pods", "--selector", "app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy", "-o", "json"],
      ["--context", "buzzvil-eks-ops", "--request-timeout=30s", "--namespace", "loki-v3", "get", "daemonset", "alloy", "-o", "json"],
      ["--context", "buzzvil-eks-ops", "--request-timeout=30s", "--namespace", "loki-v3", "get", "servicemonitors.monitoring.coreos.com", "alloy", "-o", "json"],
      [
        "--context",
        "buzzvil-eks-ops",
        "--request-timeout=30s",
        "get",
        "--raw",
        "/apis/metrics.k8s.io/v1beta1/namespaces/loki-v3/pods?labelSelector=app.kubernetes.io%2Fname%3Dalloy%2Capp.kubernetes.io%2Finstance%3Dalloy",
      ],
    ]);
  });

  it("uses kubeconfigContext when the stack sets it, and the EKS cluster's name (the update-kubeconfig alias) for an eks stack", () => {
    const { "alloy-logs:eks": _eks, ...withoutEks } = OPS_CONFIG;
    const byContext = verifyTarget("ops", parseStackConfig("ops", { ...withoutEks, "alloy-logs:kubeconfigContext": "ops-admin" }));
    assert.deepEqual([byContext.kubeconfigContext, byContext.contextSetup], ["ops-admin", undefined]);
    assert.deepEqual(
      [TARGET.kubeconfigContext, TARGET.contextSetup],
      ["buzzvil-eks-ops", "aws eks update-kubeconfig --name buzzvil-eks-ops --region ap-northeast-1 --alias buzzvil-eks-ops"],
    );
  });

  it("does not read the ServiceMonitor when the stack disables it, and skips its check", async () => {
    const target = verifyTarget("ops", opsConfig({ serviceMonitor: { enabled: false } }));
    const { runner, calls } = fakeKubectl("healthy", {}, target);
    const state = await readCluster(target, runner);
    assert.equal(calls.some((args) => args.includes("servicemonitors.monitoring.coreos.com")), false);
    assert.deepEqual(checkServiceMonitor(target, state.serviceMonitor), {
      name: "ServiceMonitor loki-v3/alloy",
      status: "skip",
      summary: "skipped: alloy-logs:serviceMonitor.enabled is false",
      details: [],
      warnings: [],
    });
  });

  it("fails with kubectl's own message when the nodes cannot be read", async () => {
    const stderr = "error: context was not found for specified context: buzzvil-eks-ops\n";
    const { runner } = fakeKubectl("healthy", { nodes: { code: 1, stdout: "", stderr } });
    await assert.rejects(readCluster(TARGET, runner), (error: Error) => {
      assert.ok(error instanceof KubectlError);
      assert.equal(
        error.message,
        "kubectl --context buzzvil-eks-ops --request-timeout=30s get nodes -o json failed (exit code 1): error: context was not found for specified context: buzzvil-eks-ops",
      );
      return true;
    });
  });
});

describe("verify: DaemonSet counts", () => {
  it("fails when the DaemonSet does not exist", async () => {
    const { runner } = fakeKubectl("healthy", { daemonSet: { code: 1, stdout: "", stderr: 'Error from server (NotFound): daemonsets.apps "alloy" not found\n' } });
    const state = await readCluster(TARGET, runner);
    assert.deepEqual(checkDaemonSet(TARGET, state.nodes, state.daemonSet), {
      name: "DaemonSet loki-v3/alloy",
      status: "fail",
      summary: "not found",
      details: [],
      warnings: [],
    });
  });

  it("fails when ready falls short of the nodes, showing each count", () => {
    const ds = daemonSet();
    ds.status!.numberReady = 8;
    ds.status!.numberAvailable = 8;
    const result = checkDaemonSet(TARGET, nodes(), { found: true, value: ds });
    assert.equal(result.status, "fail");
    assert.equal(result.summary, "desired=10 current=10 ready=8 up-to-date=10 available=8; expected 10 (one per node)");
    assert.deepEqual(result.details, []);
  });

  it("fails when its status is of an older generation than its spec", () => {
    const ds = daemonSet();
    ds.metadata.generation = 4;
    const result = checkDaemonSet(TARGET, nodes(), { found: true, value: ds });
    assert.equal(result.status, "fail");
    assert.deepEqual(result.details, ["status is of generation 3, the DaemonSet is at generation 4: the controller has not caught up yet"]);
  });

  it("expects a NotReady node to be scheduled but not ready or available", () => {
    const list = nodes();
    nodeNamed(list, 79).status!.conditions!.find((c) => c.type === "Ready")!.status = "Unknown";
    const ds = daemonSet();
    ds.status!.numberReady = 9;
    ds.status!.numberAvailable = 9;
    const result = checkDaemonSet(TARGET, list, { found: true, value: ds });
    assert.equal(result.status, "pass");
    assert.equal(result.summary, "desired=current=up-to-date=10, one per node; ready=available=9, one per Ready node");
  });
});

describe("verify: a collector on every node", () => {
  it("counts tainted nodes that have a collector as covered", () => {
    assert.deepEqual(checkCollectorPods(nodes(), pods()), {
      name: "Collector pods",
      status: "pass",
      summary: "Running and Ready on all 10 nodes, 2 of them tainted",
      details: [],
      warnings: [],
    });
  });

  it("names a node whose only pod is Running but not Ready, with the container's state", () => {
    const list = pods();
    const pod = podOn(list, 159);
    pod.status!.conditions!.find((c) => c.type === "Ready")!.status = "False";
    pod.status!.containerStatuses![0] = { name: "alloy", ready: false, restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 20s restarting failed container" } } };
    const result = checkCollectorPods(nodes(), list);
    assert.equal(result.summary, "1 of 10 nodes without a Running, Ready collector");
    assert.deepEqual(result.details, [`${N(159)} (no taints): pod ${pod.metadata.name} Running, not Ready: container alloy waiting: CrashLoopBackOff`]);
  });

  it("names a node that has no collector pod at all", () => {
    const list = pods().filter((p) => p.spec.nodeName !== N(41));
    const result = checkCollectorPods(nodes(), list);
    assert.equal(result.status, "fail");
    assert.deepEqual(result.details, [`${N(41)} (taints: dedicated=monitoring:NoSchedule): no collector pod`]);
  });

  it("warns about a NotReady node instead of failing on it", () => {
    const list = nodes();
    const ready = nodeNamed(list, 79).status!.conditions!.find((c) => c.type === "Ready")!;
    Object.assign(ready, { status: "Unknown", reason: "NodeStatusUnknown" });
    const result = checkCollectorPods(list, pods().filter((p) => p.spec.nodeName !== N(79)));
    assert.equal(result.status, "pass");
    assert.equal(result.summary, "Running and Ready on all 9 Ready nodes, 2 of them tainted");
    assert.deepEqual(result.warnings, [`${N(79)} (no taints) is not Ready (Ready=Unknown (NodeStatusUnknown)): no collector is expected to be Ready there`]);
  });

  it("warns about a Pending pod that names no node", () => {
    const stray = pods("untolerated-taint").find((p) => p.status?.phase === "Pending")!;
    delete stray.spec.affinity;
    const result = checkCollectorPods(nodes(), [...pods(), stray]);
    assert.equal(result.status, "pass");
    assert.deepEqual(result.warnings, [`pod alloy-dslcw Pending, not scheduled: ${SCHEDULER_MESSAGE}; it names no node`]);
  });
});

describe("verify: restarts", () => {
  const restarted = (count: number, finishedAt?: string) => {
    const list = pods();
    const status = podOn(list, 72).status!.containerStatuses![0];
    status.restartCount = count;
    if (finishedAt === undefined) delete status.lastState;
    else status.lastState = { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt } };
    return list;
  };

  it("fails on a container over 3 restarts whose last restart is within the hour", () => {
    assert.deepEqual(checkRestarts(restarted(7, "2025-12-05T06:18:00Z"), NOW), {
      name: "Restarts",
      status: "fail",
      summary: "1 container restarted more than 3 times, the last time within the hour",
      details: [`alloy-22n9j on ${N(72)}: container alloy restarted 7 times, last 12m ago (OOMKilled, exit code 137)`],
      warnings: [],
    });
  });

  it("only warns about a container over 3 restarts that has been stable for over an hour", () => {
    assert.deepEqual(checkRestarts(restarted(5, "2025-12-03T02:00:00Z"), NOW), {
      name: "Restarts",
      status: "pass",
      summary: "no container restarted more than 3 times within the hour",
      details: [],
      warnings: [`alloy-22n9j on ${N(72)}: container alloy restarted 5 times, last 2d ago (OOMKilled, exit code 137)`],
    });
  });

  it("does not report 3 restarts", () => {
    const result = checkRestarts(restarted(3, "2025-12-05T06:29:00Z"), NOW);
    assert.deepEqual([result.status, result.details, result.warnings], ["pass", [], []]);
  });

  it("counts a restart with no recorded last termination as recent", () => {
    assert.deepEqual(checkRestarts(restarted(4), NOW).details, [`alloy-22n9j on ${N(72)}: container alloy restarted 4 times`]);
  });
});

describe("verify: resource usage", () => {
  it("is skipped with a note when the cluster does not serve the metrics API", async () => {
    const { runner } = fakeKubectl("healthy", { podMetrics: { code: 1, stdout: "", stderr: "Error from server (NotFound): the server could not find the requested resource\n" } });
    const outcome = await runVerify(TARGET, { kubectl: runner, fetch: fakeLoki(lokiAnswer()).fetchImpl, now: NOW });
    const lines = outcome.report.split("\n");
    assert.equal(lines[4], "- Resource usage (container alloy): skipped: the metrics API (metrics.k8s.io) is not served by this cluster");
    assert.equal(lines[7], "4 of 6 checks passed, 2 skipped.");
    assert.equal(outcome.exitCode, 0);
  });

  it("is skipped with a note when the metrics API is registered but not answering", async () => {
    const stderr = "Error from server (ServiceUnavailable): the server is currently unable to handle the request\n";
    const state = await readCluster(TARGET, fakeKubectl("healthy", { podMetrics: { code: 1, stdout: "", stderr } }).runner);
    assert.equal(
      checkResourceUsage(TARGET, state.pods, state.podMetrics).summary,
      "skipped: the metrics API (metrics.k8s.io) is registered but not answering: Error from server (ServiceUnavailable): the server is currently unable to handle the request",
    );
  });

  it("fails on memory at 90% of the limit or more (alerts.memoryLimitRatio)", () => {
    const metrics = podMetrics();
    metrics.find((m) => m.metadata.name === "alloy-lvdjp")!.containers[0].usage.memory = "645Mi";
    const result = checkResourceUsage(TARGET, pods(), { found: true, value: metrics });
    assert.equal(result.status, "fail");
    assert.equal(result.summary, "1 pod near the memory limit");
    assert.deepEqual(result.details, [`alloy-lvdjp on ${N(230)}: memory 645Mi is 92% of the 700Mi limit (fails at 90%)`]);
    assert.deepEqual(result.warnings, []);
  });

  it("warns, without failing, on cpu over the request and memory over the request", () => {
    const metrics = podMetrics();
    metrics.find((m) => m.metadata.name === "alloy-btdg5")!.containers[0].usage = { cpu: "312417002n", memory: "402Mi" };
    const result = checkResourceUsage(TARGET, pods(), { found: true, value: metrics });
    assert.equal(result.status, "pass");
    assert.equal(result.summary, "highest cpu 312m (request 250m), highest memory 402Mi (limit 700Mi), 10 pods");
    assert.deepEqual(result.warnings, [
      `alloy-btdg5 on ${N(203)}: memory 402Mi is over the 300Mi request`,
      `alloy-btdg5 on ${N(203)}: cpu 312m is over the 250m request`,
    ]);
  });

  it("warns about a Running pod without a usage sample", () => {
    const metrics = podMetrics().filter((m) => m.metadata.name !== "alloy-rlzd2");
    const result = checkResourceUsage(TARGET, pods(), { found: true, value: metrics });
    assert.equal(result.status, "pass");
    assert.match(result.summary, /, 9 pods$/);
    assert.deepEqual(result.warnings, [`alloy-rlzd2 on ${N(88)}: no usage sample yet`]);
  });
});

describe("verify: ServiceMonitor", () => {
  it("fails when it lacks the label Prometheus selects on", () => {
    const monitor = serviceMonitor();
    delete monitor.metadata.labels!.release;
    assert.deepEqual(checkServiceMonitor(TARGET, { found: true, value: monitor }), {
      name: "ServiceMonitor loki-v3/alloy",
      status: "fail",
      summary: "present, without the labels Prometheus selects it by",
      details: ['label release: expected "kube-prometheus-stack", got none'],
      warnings: [],
    });
  });

  it("fails when it does not exist", async () => {
    const stderr = 'Error from server (NotFound): servicemonitors.monitoring.coreos.com "alloy" not found\n';
    const state = await readCluster(TARGET, fakeKubectl("healthy", { serviceMonitor: { code: 1, stdout: "", stderr } }).runner);
    assert.deepEqual([checkServiceMonitor(TARGET, state.serviceMonitor).status, checkServiceMonitor(TARGET, state.serviceMonitor).summary], ["fail", "not found"]);
  });

  it("fails naming the missing CRDs when the cluster has no ServiceMonitor type", async () => {
    const stderr = 'error: the server doesn\'t have a resource type "servicemonitors"\n';
    const state = await readCluster(TARGET, fakeKubectl("healthy", { serviceMonitor: { code: 1, stdout: "", stderr } }).runner);
    assert.equal(
      checkServiceMonitor(TARGET, state.serviceMonitor).summary,
      "the cluster has no ServiceMonitor resource type (the monitoring.coreos.com CRDs are not installed)",
    );
  });
});

describe("verify: Loki", () => {
  it("asks /loki/api/v1/query under the stack's tenant for lines per node over 5 minutes", async () => {
    const { fetchImpl, requests } = fakeLoki(lokiAnswer());
    await queryLoki(TARGET, "https://loki.example/gateway/", fetchImpl);
    assert.equal(lokiQuery(TARGET), 'count by (node_name) (count_over_time({cluster="buzzvil-eks-ops"}[5m]))');
    assert.deepEqual(requests, [
      {
        url: "https://loki.example/gateway/loki/api/v1/query?query=count+by+%28node_name%29+%28count_over_time%28%7Bcluster%3D%22buzzvil-eks-ops%22%7D%5B5m%5D%29%29",
        headers: { "X-Scope-OrgID": "ops" },
      },
    ]);
    assert.equal(new URL(lokiQueryUrl("http://loki:3100", "up")).pathname, "/loki/api/v1/query");
  });

  it("fails naming the one node, with its taints, that has no lines", () => {
    const answer = lokiAnswer();
    answer.data!.result = answer.data!.result.filter((r) => r.metric.node_name !== N(41));
    assert.deepEqual(checkLoki(TARGET, nodes(), { ok: true, response: answer }), {
      name: "Loki (tenant ops)",
      status: "fail",
      summary: "no lines in the last 5m from 1 of 10 nodes",
      details: [`${N(41)} (taints: dedicated=monitoring:NoSchedule)`, 'query: count by (node_name) (count_over_time({cluster="buzzvil-eks-ops"}[5m]))'],
      warnings: [],
    });
  });

  it("fails with Loki's status and answer when the query is refused", async () => {
    const outcome = await queryLoki(TARGET, "http://loki.test", fakeLoki("no org id\n", 401).fetchImpl);
    assert.equal(checkLoki(TARGET, nodes(), outcome).summary, "query failed: HTTP 401 Unauthorized: no org id");
  });

  it("fails naming the address when Loki cannot be reached", async () => {
    const refused: FetchLike = async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    };
    const outcome = await queryLoki(TARGET, "http://127.0.0.1:9/", refused);
    assert.equal(checkLoki(TARGET, nodes(), outcome).summary, "query failed: could not reach http://127.0.0.1:9: ECONNREFUSED");
  });

  it("is skipped without a query URL", () => {
    assert.equal(checkLoki(TARGET, nodes(), undefined).summary, "skipped: no query URL (--loki-url <url> or LOKI_QUERY_URL)");
  });

  it("is skipped, without asking Loki, when node_name is not an index label", async () => {
    const target = verifyTarget("ops", opsConfig({ pipeline: { indexLabels: ["namespace", "app"] } }));
    const { fetchImpl, requests } = fakeLoki(lokiAnswer());
    const outcome = await runVerify(target, { kubectl: fakeKubectl("healthy", {}, target).runner, lokiUrl: "http://loki.test", fetch: fetchImpl, now: NOW });
    assert.equal(outcome.results[5].summary, "skipped: node_name is not an index label of this stack (alloy-logs:pipeline.indexLabels)");
    assert.equal(requests.length, 0);
  });
});

describe("verify: report", () => {
  it("prints warnings under their check and counts skipped checks apart", () => {
    const report = formatReport(TARGET, [
      { name: "A", status: "pass", summary: "fine", details: [], warnings: ["look at this"] },
      { name: "B", status: "skip", summary: "skipped: why", details: [], warnings: [] },
    ]);
    assert.equal(report, `${HEALTHY_REPORT.split("\n")[0]}\n✓ A: fine\n    warning: look at this\n- B: skipped: why\n1 of 2 checks passed, 1 skipped.\n`);
  });
});

describe("npm run verify (the CLI, with a fake kubectl on PATH and a local Loki)", function () {
  // The fake serves test/fixtures/verify/$VERIFY_FIXTURES by exact arguments: any other command fails,
  // so a command without the stack's context (or with another) cannot pass.
  const FAKE_KUBECTL = `#!/bin/sh
cluster="--context buzzvil-eks-ops --request-timeout=30s"
namespaced="$cluster --namespace loki-v3"
if [ -n "$FAKE_KUBECTL_ERROR" ]; then echo "$FAKE_KUBECTL_ERROR" >&2; exit 1; fi
case "$*" in
  "$cluster get nodes -o json") file=nodes.json ;;
  "$namespaced get pods --selector app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy -o json") file=pods.json ;;
  "$namespaced get daemonset alloy -o json") file=daemonset.json ;;
  "$namespaced get servicemonitors.monitoring.coreos.com alloy -o json") file=servicemonitor.json ;;
  "$cluster get --raw /apis/metrics.k8s.io/v1beta1/namespaces/loki-v3/pods?labelSelector=app.kubernetes.io%2Fname%3Dalloy%2Capp.kubernetes.io%2Finstance%3Dalloy") file=podmetrics.json ;;
  *) echo "fake kubectl: unexpected arguments: $*" >&2; exit 64 ;;
esac
exec cat "$VERIFY_FIXTURES/$file"
`;
  type Run = { status: number | null; stdout: string; stderr: string };
  let bin: string;
  let server: Server;
  let loki: string;
  const lokiRequests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const runs: Record<string, Run> = {};

  function verify(args: string[], env: Record<string, string>): Promise<Run> {
    const { LOKI_QUERY_URL: _unset, ...inherited } = process.env;
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/verify.ts", ...args], {
        cwd: ROOT,
        env: { ...inherited, PATH: `${bin}${path.delimiter}${process.env.PATH}`, ...env },
        timeout: 10_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  before(async () => {
    bin = mkdtempSync(path.join(tmpdir(), "verify-bin-"));
    writeFileSync(path.join(bin, "kubectl"), FAKE_KUBECTL);
    chmodSync(path.join(bin, "kubectl"), 0o755);
    // Loki at http://127.0.0.1:<port>/<scenario>: answers that scenario's recorded query result.
    server = createServer((request, response) => {
      lokiRequests.push({ url: request.url ?? "", headers: request.headers });
      const [, scenario, rest] = /^\/([^/]+)(\/[^?]*)/.exec(request.url ?? "") ?? [];
      if (rest !== "/loki/api/v1/query" || !["healthy", "untolerated-taint"].includes(scenario)) {
        response.writeHead(404).end("404 page not found\n");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(readFileSync(path.join(FIXTURES, scenario, "loki.json")));
    });
    server.requestTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    loki = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The processes run side by side: each spends most of its time loading.
    const [healthy, tainted, noContext, usage] = await Promise.all([
      verify(["--stack", "ops", "--loki-url", `${loki}/healthy`], { VERIFY_FIXTURES: path.join(FIXTURES, "healthy") }),
      verify(["--stack", "ops"], { VERIFY_FIXTURES: path.join(FIXTURES, "untolerated-taint"), LOKI_QUERY_URL: `${loki}/untolerated-taint` }),
      verify(["--stack", "ops"], { FAKE_KUBECTL_ERROR: "error: context was not found for specified context: buzzvil-eks-ops" }),
      verify([], {}),
    ]);
    Object.assign(runs, { healthy, tainted, noContext, usage });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(bin, { recursive: true, force: true });
  });

  it("prints the passing report and exits 0 on the healthy cluster (Loki from --loki-url)", () => {
    assert.equal(runs.healthy.stderr, "");
    assert.equal(runs.healthy.stdout, HEALTHY_REPORT);
    assert.equal(runs.healthy.status, 0);
  });

  it("prints the failing report and exits 1 on the cluster with the untolerated taint (Loki from LOKI_QUERY_URL)", () => {
    assert.equal(runs.tainted.stderr, "");
    assert.equal(runs.tainted.stdout, UNTOLERATED_TAINT_REPORT);
    assert.equal(runs.tainted.status, 1);
  });

  it("sends Loki the stack's tenant as X-Scope-OrgID", () => {
    const expected = "/loki/api/v1/query?query=count+by+%28node_name%29+%28count_over_time%28%7Bcluster%3D%22buzzvil-eks-ops%22%7D%5B5m%5D%29%29";
    assert.deepEqual(
      lokiRequests.map((r) => [r.url, r.headers["x-scope-orgid"]]).sort(),
      [
        [`/healthy${expected}`, "ops"],
        [`/untolerated-taint${expected}`, "ops"],
      ],
    );
  });

  it("exits 2 with kubectl's error and how to create the EKS context when the context is missing", () => {
    assert.equal(runs.noContext.stdout, "");
    assert.equal(
      runs.noContext.stderr,
      "verify: kubectl --context buzzvil-eks-ops --request-timeout=30s get nodes -o json failed (exit code 1): error: context was not found for specified context: buzzvil-eks-ops\n" +
        '(stack "ops" reaches its EKS cluster through the kubeconfig context buzzvil-eks-ops; create it with: aws eks update-kubeconfig --name buzzvil-eks-ops --region ap-northeast-1 --alias buzzvil-eks-ops)\n',
    );
    assert.equal(runs.noContext.status, 2);
  });

  it("exits 2 with usage when --stack is missing", () => {
    assert.equal(runs.usage.stderr, "usage: npm run verify -- --stack <name> [--loki-url <Loki query URL; default: env LOKI_QUERY_URL>]\n");
    assert.equal(runs.usage.status, 2);
  });
});
