/**
 * `npm run verify`: the checks on recorded API responses (test/fixtures/verify/<scenario>/: kubectl -o json output
 * of a 10-node cluster modelled on the seed's, each collector's `kubectl logs`, Loki's, Prometheus's and Datadog's
 * answers), and the data source with a fake kubectl runner and a fake fetch. The CLI end to end, with a fake
 * `kubectl` on PATH and a local HTTP server standing in for Loki, Prometheus and Datadog, is
 * test/process/verify-cli.test.ts (a process per case, in the real-tool tier).
 *
 * Scenarios: healthy (two tainted nodes, a collector on all ten) and untolerated-taint (the seed's incident: one
 * node tainted node.kubernetes.io/unschedulable:NoSchedule, its pod Pending, the DaemonSet's desired count 9).
 * test/fixtures/verify/collector-logs/ holds collector logs with the lines Alloy v1.11.3 writes when logs are lost.
 * Other cases are one change to a healthy response, made in the test.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { STATUS_CODES } from "node:http";
import * as path from "node:path";
import { parseStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import {
  checkCollectorLogs,
  checkCollectorPods,
  checkDaemonSet,
  checkDatadogAnnotations,
  checkDatadogMetrics,
  checkEventsCollector,
  checkEventsInLoki,
  checkJournal,
  checkLoki,
  checkPrometheus,
  checkResourceUsage,
  checkRestarts,
  checkServiceMonitor,
  lokiQuery,
  prometheusJob,
  type CheckResult,
  type PodLogs,
} from "../verify/checks";
import { classifyLine, parseLogLine } from "../verify/collector-logs";
import { exitCode, formatReport } from "../verify/report";
import { runVerify, type VerifyDependencies } from "../verify/run";
import {
  datadogApiBase,
  kubectlCommands,
  kubectlLogsCommand,
  KubectlError,
  lokiAuthorization,
  lokiQueryUrl,
  queryLoki,
  readCluster,
  readCollectorLogs,
  type FetchLike,
  type KubectlResult,
  type KubectlRunner,
} from "../verify/source";
import { verifyTarget, type VerifyTarget } from "../verify/target";
import type {
  CoreEvent,
  DaemonSet,
  DatadogActiveMetrics,
  Deployment,
  List,
  LokiQueryResponse,
  Node,
  Pod,
  PodMetrics,
  PrometheusQueryResponse,
  ServiceMonitor,
} from "../verify/types";
import {
  EVENTS_MATCHER,
  FIXTURES,
  HEALTHY_REPORT,
  JOURNAL_MATCHER,
  NOW,
  SCHEDULER_MESSAGE,
  UNTOLERATED_TAINT_REPORT,
  type Scenario,
} from "./support/verify-fixtures";

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
/** Loki's answer to the events-loki check's query (the cluster's event lines). */
const eventsAnswer = (s: Scenario = "healthy") => load<LokiQueryResponse>(s, "loki-events.json");
const clusterEvents = (s: Scenario = "healthy") => load<List<CoreEvent>>(s, "events.json").items;
const eventsDeployment = (s: Scenario = "healthy") => load<Deployment>(s, "events-deployment.json");
const eventsPods = (s: Scenario = "healthy") => load<List<Pod>>(s, "events-pods.json").items;

/** Loki's answer to the journal check's query (journal lines per node, job="systemd-journal"). */
const journalAnswer = (s: Scenario = "healthy") => load<LokiQueryResponse>(s, "loki-journal.json");
const prometheusAnswer = (s: Scenario = "healthy") => load<PrometheusQueryResponse>(s, "prometheus.json");
const datadogAnswer = (s: Scenario = "healthy") => load<DatadogActiveMetrics>(s, "datadog-metrics.json");
/** A recorded collector log (test/fixtures/verify/collector-logs/<name>.txt: `kubectl logs` output; not .log, which .gitignore ignores), as lines. */
const collectorLog = (name: string) =>
  readFileSync(path.join(FIXTURES, "collector-logs", `${name}.txt`), "utf8")
    .split("\n")
    .filter((l) => l !== "");

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
  "alloy-logs:datadog": JSON.stringify({ enabled: true, namespace: "loki_v3" }),
};
const opsConfig = (extra: Record<string, unknown> = {}, secretKeys: string[] = []): StackConfig =>
  parseStackConfig(
    "ops",
    { ...OPS_CONFIG, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`alloy-logs:${k}`, JSON.stringify(v)])) },
    { secretKeys },
  );
const TARGET: VerifyTarget = verifyTarget("ops", opsConfig());

const FILES = {
  nodes: "nodes.json",
  pods: "pods.json",
  daemonSet: "daemonset.json",
  serviceMonitor: "servicemonitor.json",
  service: "service.json",
  podMetrics: "podmetrics.json",
  lokiAuthSecret: "secret.json",
  eventsDeployment: "events-deployment.json",
  eventsPods: "events-pods.json",
  events: "events.json",
} as const;
type Read = keyof typeof FILES;

const ok = (stdout: string): KubectlResult => ({ code: 0, stdout, stderr: "" });

/**
 * A kubectl runner serving a scenario's recorded responses, and each pod's recorded log for `kubectl logs`;
 * `answers` replaces some reads, `logs` some pods' logs. Any other command fails.
 */
function fakeKubectl(
  scenario: Scenario,
  answers: Partial<Record<Read, KubectlResult>> = {},
  target: VerifyTarget = TARGET,
  logs: Record<string, KubectlResult> = {},
) {
  const calls: string[][] = [];
  const commands = kubectlCommands(target);
  const answer = (args: readonly string[]): KubectlResult => {
    calls.push([...args]);
    const read = (Object.keys(FILES) as Read[]).find((r) => commands[r].join("\0") === args.join("\0"));
    if (read !== undefined) return answers[read] ?? ok(readFileSync(path.join(FIXTURES, scenario, FILES[read]), "utf8"));
    const pod = pods(scenario).find((p) => kubectlLogsCommand(target, p.metadata.name).join("\0") === args.join("\0"));
    if (pod !== undefined)
      return logs[pod.metadata.name] ?? ok(readFileSync(path.join(FIXTURES, scenario, "logs", `${pod.metadata.name}.txt`), "utf8"));
    return { code: 64, stdout: "", stderr: `unexpected kubectl ${args.join(" ")}` };
  };
  const runner: KubectlRunner = (args) => Promise.resolve().then(() => answer(args));
  return { runner, calls };
}

const LOKI = "http://loki.test";
const PROMETHEUS = "http://prometheus.test";
const DATADOG = "https://api.datadoghq.com";

/** An HTTP answer: a JSON body (a string is sent as it is) and a status. */
type Answer = { body: unknown; status?: number };

/** Loki, Prometheus and Datadog at LOKI, PROMETHEUS and DATADOG, answering with a scenario's recordings; `answers` replaces one. */
function fakeHttp(
  scenario: Scenario = "healthy",
  answers: { loki?: Answer; journal?: Answer; events?: Answer; prometheus?: Answer; datadog?: Answer } = {},
) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const respond = (url: string, init: { headers: Record<string, string> }) => {
    requests.push({ url, headers: init.headers });
    const which = url.startsWith(LOKI)
      ? url.includes(JOURNAL_MATCHER)
        ? "journal"
        : url.includes(EVENTS_MATCHER)
          ? "events"
          : "loki"
      : url.startsWith(PROMETHEUS)
        ? "prometheus"
        : url.startsWith(DATADOG)
          ? "datadog"
          : undefined;
    if (which === undefined) throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND" } });
    const recorded = {
      loki: () => lokiAnswer(scenario),
      journal: () => journalAnswer(scenario),
      events: () => eventsAnswer(scenario),
      prometheus: () => prometheusAnswer(scenario),
      datadog: () => datadogAnswer(scenario),
    }[which];
    const { body, status = 200 } = answers[which] ?? { body: recorded() };
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return { ok: status < 300, status, statusText: STATUS_CODES[status] ?? "", text: () => Promise.resolve(text) };
  };
  // A promise, as fetch: an unknown host rejects it.
  const fetchImpl: FetchLike = (url, init) => Promise.resolve().then(() => respond(url, init));
  return { fetchImpl, requests };
}

/** Every input given: Loki, Prometheus and Datadog answer. */
function allInputs(kubectl: KubectlRunner, fetchImpl: FetchLike): VerifyDependencies {
  return {
    kubectl,
    fetch: fetchImpl,
    now: NOW,
    lokiUrl: LOKI,
    prometheusUrl: PROMETHEUS,
    datadog: { apiKey: "dd-api-fixture", appKey: "dd-app-fixture" },
  };
}

/** The result of one check of a whole run. */
async function runCheck(id: string, deps: VerifyDependencies, target: VerifyTarget = TARGET) {
  const outcome = await runVerify(target, deps);
  return { result: outcome.results.find((r) => r.id === id)!, outcome };
}

describe("verify: whole runs on recorded clusters", () => {
  it("passes every check on the healthy 10-node cluster and exits 0", async () => {
    const outcome = await runVerify(TARGET, allInputs(fakeKubectl("healthy").runner, fakeHttp().fetchImpl));
    assert.equal(outcome.report, HEALTHY_REPORT);
    assert.equal(outcome.exitCode, 0);
  });

  it("reports the tainted node without a collector, with its taint, when desired leaves it out, and exits 1", async () => {
    const outcome = await runVerify(TARGET, allInputs(fakeKubectl("untolerated-taint").runner, fakeHttp("untolerated-taint").fetchImpl));
    assert.equal(outcome.report, UNTOLERATED_TAINT_REPORT);
    assert.equal(outcome.exitCode, 1);
  });
});

describe("verify: a check that cannot run is not a pass", () => {
  const bare = (): VerifyDependencies => ({ kubectl: fakeKubectl("healthy").runner, fetch: fakeHttp().fetchImpl, now: NOW });

  it("reports Loki, Prometheus and the Datadog metrics as not run without their URL and keys, and exits 3", async () => {
    const outcome = await runVerify(TARGET, bare());
    const lines = outcome.report.split("\n");
    assert.deepEqual(
      lines.filter((l) => l.startsWith("?")),
      [
        "? Prometheus targets (job alloy): not run: no Prometheus URL (--prometheus-url <url> or PROMETHEUS_URL)",
        "? Datadog metrics (loki_v3.*): not run: no Datadog API keys (DD_API_KEY and DD_APP_KEY): only the pods' annotations were checked",
        "? Loki (tenant ops): not run: no Loki query URL (--loki-url <url> or LOKI_QUERY_URL)",
        "? Node journal in Loki (last 15m): not run: no Loki query URL (--loki-url <url> or LOKI_QUERY_URL)",
        "? Kubernetes events in Loki (last 15m): not run: no Loki query URL (--loki-url <url> or LOKI_QUERY_URL)",
      ],
    );
    assert.equal(
      lines.at(-2),
      "8 of 13 checks passed; 5 did not run: prometheus, datadog-metrics, loki, journal, events-loki (give them what they need, or --skip them by name).",
    );
    assert.equal(outcome.exitCode, 3);
  });

  it("exits 0 when the user skips by name every check that cannot run, and asks nothing of them", async () => {
    const { fetchImpl, requests } = fakeHttp();
    const outcome = await runVerify(TARGET, {
      ...bare(),
      fetch: fetchImpl,
      skip: new Set(["prometheus", "datadog-metrics", "loki", "journal", "events-loki"]),
    });
    const lines = outcome.report.split("\n");
    assert.deepEqual(
      lines.filter((l) => l.startsWith("-")),
      [
        "- Prometheus targets (job alloy): skipped (--skip prometheus)",
        "- Datadog metrics (loki_v3.*): skipped (--skip datadog-metrics)",
        "- Loki (tenant ops): skipped (--skip loki)",
        "- Node journal in Loki (last 15m): skipped (--skip journal)",
        "- Kubernetes events in Loki (last 15m): skipped (--skip events-loki)",
      ],
    );
    assert.equal(lines.at(-2), "8 of 13 checks passed, 5 skipped.");
    assert.equal(outcome.exitCode, 0);
    assert.equal(requests.length, 0);
  });

  it("does not read the collectors' logs when the user skips that check", async () => {
    const { runner, calls } = fakeKubectl("healthy");
    const { result } = await runCheck("logs", { ...allInputs(runner, fakeHttp().fetchImpl), skip: new Set(["logs"]) });
    assert.equal(result.summary, "skipped (--skip logs)");
    assert.equal(
      calls.some((args) => args.includes("logs")),
      false,
    );
  });

  it("exits 1, not 3, when a check failed and another did not run", () => {
    const results: CheckResult[] = [
      { id: "loki", name: "L", status: "notrun", summary: "not run", details: [], warnings: [] },
      { id: "pods", name: "P", status: "fail", summary: "bad", details: [], warnings: [] },
    ];
    assert.equal(exitCode(results), 1);
    assert.equal(
      formatReport(TARGET, results).split("\n").at(-2),
      "1 of 2 checks failed: pods. 1 did not run: loki (give them what they need, or --skip them by name).",
    );
  });
});

describe("verify: reading the cluster", () => {
  it("names the stack's kubeconfig context in every kubectl command", async () => {
    const { runner, calls } = fakeKubectl("healthy");
    await readCluster(TARGET, runner);
    const cluster = ["--context", "buzzvil-eks-ops", "--request-timeout=30s"];
    const namespaced = [...cluster, "--namespace", "loki-v3"];
    assert.deepEqual(calls, [
      [...cluster, "get", "nodes", "-o", "json"],
      [...namespaced, "get", "pods", "--selector", "app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy", "-o", "json"],
      [...namespaced, "get", "daemonset", "alloy", "-o", "json"],
      [...namespaced, "get", "servicemonitors.monitoring.coreos.com", "alloy", "-o", "json"],
      [...namespaced, "get", "service", "alloy", "-o", "json"],
      [
        ...cluster,
        "get",
        "--raw",
        "/apis/metrics.k8s.io/v1beta1/namespaces/loki-v3/pods?labelSelector=app.kubernetes.io%2Fname%3Dalloy%2Capp.kubernetes.io%2Finstance%3Dalloy",
      ],
      [...namespaced, "get", "deployment", "alloy-events", "-o", "json"],
      [...namespaced, "get", "pods", "--selector", "app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy-events", "-o", "json"],
    ]);
  });

  it("reads each started collector's log of the last 15 minutes, container alloy, in the stack's context", async () => {
    const { runner, calls } = fakeKubectl("untolerated-taint");
    const logs = await readCollectorLogs(TARGET, pods("untolerated-taint"), runner);
    assert.equal(logs.length, 9, "the Pending pod has no log to read");
    assert.deepEqual(calls[0], [
      "--context",
      "buzzvil-eks-ops",
      "--request-timeout=30s",
      "--namespace",
      "loki-v3",
      "logs",
      "alloy-5z7sf",
      "--container",
      "alloy",
      "--since=15m",
    ]);
    assert.equal(logs[0].lines!.length, 12);
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

  it("does not read the ServiceMonitor or its Service when the stack disables it, and skips both its checks", async () => {
    const target = verifyTarget("ops", opsConfig({ serviceMonitor: { enabled: false } }));
    const { runner, calls } = fakeKubectl("healthy", {}, target);
    const outcome = await runVerify(target, allInputs(runner, fakeHttp().fetchImpl));
    assert.equal(
      calls.some((args) => args.includes("servicemonitors.monitoring.coreos.com") || args.includes("service")),
      false,
    );
    assert.deepEqual(
      outcome.results.filter((r) => r.id === "servicemonitor" || r.id === "prometheus").map((r) => [r.status, r.summary]),
      [
        ["skip", "skipped: alloy-logs:serviceMonitor.enabled is false"],
        ["skip", "skipped: alloy-logs:serviceMonitor.enabled is false"],
      ],
    );
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
    const { runner } = fakeKubectl("healthy", {
      daemonSet: { code: 1, stdout: "", stderr: 'Error from server (NotFound): daemonsets.apps "alloy" not found\n' },
    });
    const state = await readCluster(TARGET, runner);
    assert.deepEqual(checkDaemonSet(TARGET, state.nodes, state.daemonSet), {
      id: "daemonset",
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
      id: "pods",
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
    pod.status!.containerStatuses![0] = {
      name: "alloy",
      ready: false,
      restartCount: 2,
      state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 20s restarting failed container" } },
    };
    const result = checkCollectorPods(nodes(), list);
    assert.equal(result.summary, "1 of 10 nodes without a Running, Ready collector");
    assert.deepEqual(result.details, [
      `${N(159)} (no taints): pod ${pod.metadata.name} Running, not Ready: container alloy waiting: CrashLoopBackOff`,
    ]);
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
    const result = checkCollectorPods(
      list,
      pods().filter((p) => p.spec.nodeName !== N(79)),
    );
    assert.equal(result.status, "pass");
    assert.equal(result.summary, "Running and Ready on all 9 Ready nodes, 2 of them tainted");
    assert.deepEqual(result.warnings, [
      `${N(79)} (no taints) is not Ready (Ready=Unknown (NodeStatusUnknown)): no collector is expected to be Ready there`,
    ]);
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
      id: "restarts",
      name: "Restarts",
      status: "fail",
      summary: "1 container restarted more than 3 times, the last time within the hour",
      details: [`alloy-22n9j on ${N(72)}: container alloy restarted 7 times, last 12m ago (OOMKilled, exit code 137)`],
      warnings: [],
    });
  });

  it("only warns about a container over 3 restarts that has been stable for over an hour", () => {
    assert.deepEqual(checkRestarts(restarted(5, "2025-12-03T02:00:00Z"), NOW), {
      id: "restarts",
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

describe("verify: collector logs", () => {
  const healthyLogs = (): PodLogs[] =>
    pods().map((p) => ({
      pod: p.metadata.name,
      node: p.spec.nodeName,
      lines: readFileSync(path.join(FIXTURES, "healthy", "logs", `${p.metadata.name}.txt`), "utf8")
        .split("\n")
        .filter(Boolean),
    }));
  const withLog = (octet: number, lines: string[]) =>
    healthyLogs().map((l) => (l.node === N(octet) ? { ...l, lines: [...l.lines!, ...lines] } : l));

  it("fails on pushes Loki rejects with 401, showing the pod, its node and the first 3 lines", () => {
    const lines = collectorLog("rejected-401");
    const result = checkCollectorLogs(TARGET, withLog(72, lines));
    assert.equal(result.status, "fail");
    assert.equal(result.summary, "1 of 10 collectors logged lost logs");
    assert.deepEqual(result.details, [
      `alloy-22n9j on ${N(72)}: 4 lines meaning lost logs ("final error sending batch" x4); the first 3:`,
      `  ${lines[1]}`,
      `  ${lines[2]}`,
      `  ${lines[3]}`,
      '"final error sending batch": a push Loki rejected (a 4xx other than 429) or that failed every retry; the batch was dropped (Alloy v1.11.3, common/loki/client/client.go, queue_client.go)',
    ]);
    assert.match(
      result.details[1],
      /level=error msg="final error sending batch, no retries left, dropping data" .* status=401 tenant=ops /,
    );
  });

  it("fails on a batch dropped for rate limiting, logged at warn level", () => {
    const result = checkCollectorLogs(TARGET, withLog(41, collectorLog("rate-limited")));
    assert.equal(result.status, "fail");
    assert.equal(
      result.details[0],
      `alloy-srlhc on ${N(41)}: 1 line meaning lost logs ("dropping batch due to rate limiting applied at ingester" x1):`,
    );
  });

  it("fails on a log file the collector cannot open", () => {
    const result = checkCollectorLogs(TARGET, withLog(88, collectorLog("unreadable-file")));
    assert.equal(result.status, "fail");
    assert.equal(result.details[0], `alloy-rlzd2 on ${N(88)}: 1 line meaning lost logs ("failed to create tailer" x1):`);
    assert.equal(
      result.details.at(-1),
      '"failed to create tailer": a log file that could not be opened for reading (Alloy v1.11.3, loki/source/file/file.go)',
    );
  });

  it("only warns about other error lines, a file deleted with its pod among them", () => {
    const lines = collectorLog("other-errors");
    const result = checkCollectorLogs(TARGET, withLog(203, lines));
    assert.deepEqual(
      [result.status, result.summary, result.details],
      ["pass", "no line meaning lost logs from 10 collectors; 2 other error lines (warnings)", []],
    );
    assert.deepEqual(result.warnings, [`alloy-btdg5 on ${N(203)}: 2 other error lines; the first: ${lines[0]}`]);
  });

  it("warns about a collector whose log cannot be read, and is not run when none can be", async () => {
    const gone: KubectlResult = { code: 1, stdout: "", stderr: 'Error from server (NotFound): pods "alloy-22n9j" not found\n' };
    const { runner } = fakeKubectl("healthy", {}, TARGET, { "alloy-22n9j": gone });
    const logs = await readCollectorLogs(TARGET, pods(), runner);
    assert.deepEqual(checkCollectorLogs(TARGET, logs).warnings, [
      `alloy-22n9j on ${N(72)}: its log could not be read: Error from server (NotFound): pods "alloy-22n9j" not found`,
    ]);
    const none = checkCollectorLogs(TARGET, [{ pod: "alloy-22n9j", node: N(72), error: "unreachable" }]);
    assert.deepEqual([none.status, none.summary], ["notrun", "not run: no collector's log could be read"]);
  });

  it("reads logfmt with Go's quoting, and Alloy's JSON log format", () => {
    assert.deepEqual(parseLogLine('ts=1 level=error msg="a \\"quoted\\" word" status=401').fields, {
      ts: "1",
      level: "error",
      msg: 'a "quoted" word',
      status: "401",
    });
    assert.deepEqual(classifyLine('{"ts":"1","level":"error","msg":"final error sending batch","status":500}').kind, "lost");
    assert.deepEqual(classifyLine('ts=1 level=info msg="final error sending batch"').kind, "other");
  });
});

describe("verify: resource usage", () => {
  const usage = (pod: string, cpu: string, memory: string) => {
    const metrics = podMetrics();
    metrics.find((m) => m.metadata.name === pod)!.containers.find((c) => c.name === "alloy")!.usage = { cpu, memory };
    return { found: true as const, value: metrics };
  };

  it("fails on cpu over the stack's 250m request (the seed's budget), naming the stack key", () => {
    const result = checkResourceUsage(TARGET, pods(), usage("alloy-btdg5", "312417002n", "280Mi"));
    assert.equal(result.status, "fail");
    assert.equal(result.summary, "1 pod over the stack's budget for container alloy");
    assert.deepEqual(result.details, [
      `alloy-btdg5 on ${N(203)}: container alloy cpu 312m is over the stack's 250m (alloy-logs:resources.requests.cpu)`,
    ]);
  });

  it("fails on memory at 90% of the 700Mi limit or more (alerts.memoryLimitRatio)", () => {
    const result = checkResourceUsage(TARGET, pods(), usage("alloy-lvdjp", "80m", "645Mi"));
    assert.equal(result.status, "fail");
    assert.deepEqual(result.details, [
      `alloy-lvdjp on ${N(230)}: container alloy memory 645Mi is 92% of the 700Mi limit (fails at 90%, alloy-logs:alerts.memoryLimitRatio)`,
    ]);
  });

  it("holds the alloy container to the stack's own budget, not ops's: a cpu limit when the stack sets one", () => {
    const target = verifyTarget(
      "ops",
      opsConfig({ resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "400m", memory: "700Mi" } } }),
    );
    const result = checkResourceUsage(target, pods(), usage("alloy-btdg5", "312417002n", "280Mi"));
    assert.equal(result.status, "pass");
    assert.equal(result.summary, "container alloy at most cpu 312m of 400m, memory 280Mi of 700Mi, 10 pods");
    assert.equal(
      result.warnings[0],
      `alloy-22n9j on ${N(72)}: container alloy runs with requests cpu=250m memory=300Mi, limits cpu=none memory=700Mi; the stack sets requests cpu=100m memory=300Mi, limits cpu=400m memory=700Mi (drift: see the runbook)`,
    );
  });

  it("warns, without failing, on memory over the request", () => {
    const result = checkResourceUsage(TARGET, pods(), usage("alloy-btdg5", "120m", "402Mi"));
    assert.equal(result.status, "pass");
    assert.deepEqual(result.warnings, [`alloy-btdg5 on ${N(203)}: container alloy memory 402Mi is over the 300Mi request`]);
  });

  it("warns when the config-reloader goes over its chart request", () => {
    const metrics = podMetrics();
    metrics.find((m) => m.metadata.name === "alloy-n5b78")!.containers.find((c) => c.name === "config-reloader")!.usage.memory = "61Mi";
    const result = checkResourceUsage(TARGET, pods(), { found: true, value: metrics });
    assert.equal(result.status, "pass");
    assert.deepEqual(result.warnings, [
      `alloy-n5b78 on ${N(123)}: container config-reloader memory 61Mi is over its 50Mi (requests.memory)`,
    ]);
  });

  it("warns about a Running pod without a usage sample", () => {
    const metrics = podMetrics().filter((m) => m.metadata.name !== "alloy-rlzd2");
    const result = checkResourceUsage(TARGET, pods(), { found: true, value: metrics });
    assert.equal(result.status, "pass");
    assert.match(result.summary, /, 9 pods$/);
    assert.deepEqual(result.warnings, [`alloy-rlzd2 on ${N(88)}: no usage sample yet`]);
  });

  it("is not run when the cluster does not serve the metrics API", async () => {
    const { runner } = fakeKubectl("healthy", {
      podMetrics: { code: 1, stdout: "", stderr: "Error from server (NotFound): the server could not find the requested resource\n" },
    });
    const { result, outcome } = await runCheck("resources", allInputs(runner, fakeHttp().fetchImpl));
    assert.deepEqual(
      [result.status, result.summary],
      ["notrun", "not run: the metrics API (metrics.k8s.io) is not served by this cluster"],
    );
    assert.equal(outcome.exitCode, 3);
  });

  it("is not run when the metrics API is registered but not answering", async () => {
    const stderr = "Error from server (ServiceUnavailable): the server is currently unable to handle the request\n";
    const state = await readCluster(TARGET, fakeKubectl("healthy", { podMetrics: { code: 1, stdout: "", stderr } }).runner);
    assert.equal(
      checkResourceUsage(TARGET, state.pods, state.podMetrics).summary,
      "not run: the metrics API (metrics.k8s.io) is registered but not answering: Error from server (ServiceUnavailable): the server is currently unable to handle the request",
    );
  });
});

describe("verify: ServiceMonitor", () => {
  it("fails when it lacks the label Prometheus selects on", () => {
    const monitor = serviceMonitor();
    delete monitor.metadata.labels!.release;
    assert.deepEqual(checkServiceMonitor(TARGET, { found: true, value: monitor }), {
      id: "servicemonitor",
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
    const result = checkServiceMonitor(TARGET, state.serviceMonitor);
    assert.deepEqual([result.status, result.summary], ["fail", "not found"]);
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

describe("verify: Prometheus", () => {
  const answer = (change: (r: PrometheusQueryResponse) => void) => {
    const recorded = prometheusAnswer();
    change(recorded);
    return { ok: true as const, response: recorded };
  };

  it("asks Prometheus for up of the ServiceMonitor's job in the stack's namespace", async () => {
    const { fetchImpl, requests } = fakeHttp();
    await runVerify(TARGET, allInputs(fakeKubectl("healthy").runner, fetchImpl));
    assert.deepEqual(
      requests.filter((r) => r.url.startsWith(PROMETHEUS)),
      [{ url: `${PROMETHEUS}/api/v1/query?query=up%7Bjob%3D%22alloy%22%2Cnamespace%3D%22loki-v3%22%7D`, headers: {} }],
    );
  });

  it("fails naming a collector Prometheus cannot scrape (up == 0)", () => {
    const result = checkPrometheus(
      TARGET,
      nodes(),
      pods(),
      "alloy",
      answer((r) => (r.data!.result.find((s) => s.metric.pod === "alloy-fbdmx")!.value[1] = "0")),
    );
    assert.equal(result.status, "fail");
    assert.equal(result.summary, "1 of 10 collectors not scraped (up == 1)");
    assert.deepEqual(result.details, [
      `alloy-fbdmx on ${N(159)}: up == 0 (instance 10.11.12.113:12345)`,
      'query: up{job="alloy",namespace="loki-v3"}',
    ]);
  });

  it("fails naming a collector that is no target at all", () => {
    const result = checkPrometheus(
      TARGET,
      nodes(),
      pods(),
      "alloy",
      answer((r) => (r.data!.result = r.data!.result.filter((s) => s.metric.pod !== "alloy-d69zl"))),
    );
    assert.deepEqual([result.status, result.details[0]], ["fail", `alloy-d69zl on ${N(173)}: not a target`]);
  });

  it("fails when Prometheus has no target of the job, saying why that happens", () => {
    const result = checkPrometheus(
      TARGET,
      nodes(),
      pods(),
      "alloy",
      answer((r) => (r.data!.result = [])),
    );
    assert.deepEqual(
      [result.status, result.summary],
      [
        "fail",
        "Prometheus has no target of job alloy in loki-v3: its serviceMonitorSelector does not select the ServiceMonitor, or it is missing",
      ],
    );
  });

  it("fails with Prometheus's own error", () => {
    const result = checkPrometheus(TARGET, nodes(), pods(), "alloy", {
      ok: true,
      response: { status: "error", error: "query timed out in expression evaluation" },
    });
    assert.equal(result.summary, "unexpected answer: status error: query timed out in expression evaluation");
  });

  it("takes the job from the Service label the ServiceMonitor's jobLabel names, else the Service's name", () => {
    const monitor = serviceMonitor();
    const service = load<{ metadata: { labels: Record<string, string>; name: string } }>("healthy", "service.json");
    assert.equal(prometheusJob(TARGET, { found: true, value: monitor }, { found: true, value: service }), "alloy");
    monitor.spec = { jobLabel: "app.kubernetes.io/part-of" };
    service.metadata.labels["app.kubernetes.io/part-of"] = "log-collectors";
    assert.equal(prometheusJob(TARGET, { found: true, value: monitor }, { found: true, value: service }), "log-collectors");
  });
});

describe("verify: Datadog", () => {
  it("fails naming a pod without the openmetrics check annotation", () => {
    const list = pods();
    delete podOn(list, 41).metadata.annotations![TARGET.datadog.annotation];
    const result = checkDatadogAnnotations(TARGET, list);
    assert.deepEqual(
      [result.status, result.summary, result.details],
      [
        "fail",
        "1 of 10 pods without the stack's openmetrics check",
        [`alloy-srlhc on ${N(41)}: no ad.datadoghq.com/alloy.checks annotation`],
      ],
    );
  });

  it("fails naming what differs when a pod's check is not the stack's (another namespace)", () => {
    const target = verifyTarget("ops", opsConfig({ datadog: { enabled: true, namespace: "alloy" } }));
    const result = checkDatadogAnnotations(target, pods().slice(0, 1));
    assert.deepEqual(result.details, [
      `alloy-22n9j on ${N(72)}: ad.datadoghq.com/alloy.checks differs from the stack's check: namespace "loki_v3"`,
    ]);
  });

  it("is skipped when the stack does not enable Datadog, with its metrics", async () => {
    const target = verifyTarget("ops", opsConfig({ datadog: { enabled: false } }));
    const { fetchImpl, requests } = fakeHttp();
    const outcome = await runVerify(target, allInputs(fakeKubectl("healthy", {}, target).runner, fetchImpl));
    assert.deepEqual(
      outcome.results.filter((r) => r.id.startsWith("datadog")).map((r) => r.summary),
      ["skipped: alloy-logs:datadog.enabled is false", "skipped: alloy-logs:datadog.enabled is false"],
    );
    assert.equal(
      requests.some((r) => r.url.startsWith(DATADOG)),
      false,
    );
  });

  it("asks Datadog's active metrics of the last 15 minutes for the cluster's tag, with both keys", async () => {
    const { fetchImpl, requests } = fakeHttp();
    await runVerify(TARGET, allInputs(fakeKubectl("healthy").runner, fetchImpl));
    assert.deepEqual(
      requests.filter((r) => r.url.startsWith(DATADOG)),
      [
        {
          url: `${DATADOG}/api/v1/metrics?from=1764915300&tag_filter=kube_cluster_name%3Abuzzvil-eks-ops`,
          headers: { "DD-API-KEY": "dd-api-fixture", "DD-APPLICATION-KEY": "dd-app-fixture" },
        },
      ],
    );
    assert.equal(datadogApiBase("datadoghq.eu"), "https://api.datadoghq.eu");
    assert.equal(datadogApiBase("app.datadoghq.com"), "https://api.datadoghq.com");
  });

  it("fails naming the configured metrics that have not arrived", () => {
    const answer = datadogAnswer();
    answer.metrics = answer.metrics!.filter((m) => !m.startsWith("loki_v3.loki_write_sent_"));
    const result = checkDatadogMetrics(TARGET, "kube_cluster_name:buzzvil-eks-ops", { ok: true, response: answer });
    assert.equal(result.status, "fail");
    assert.equal(result.summary, "2 of 10 configured metrics not reported in the last 15m");
    assert.deepEqual(result.details, [
      "loki_v3.loki_write_sent_entries",
      "loki_v3.loki_write_sent_bytes",
      "tag_filter: kube_cluster_name:buzzvil-eks-ops",
    ]);
  });

  it("fails when nothing under the namespace arrived, and with Datadog's answer when it refuses the keys", () => {
    assert.equal(
      checkDatadogMetrics(TARGET, "t", { ok: true, response: { metrics: ["system.cpu.idle"] } }).summary,
      "no metric under loki_v3. reported in the last 15m",
    );
    assert.equal(
      checkDatadogMetrics(TARGET, "t", { ok: false, error: 'HTTP 403 Forbidden: {"errors":["Forbidden"]}' }).summary,
      'query failed: HTTP 403 Forbidden: {"errors":["Forbidden"]}',
    );
  });
});

describe("verify: Loki", () => {
  it("asks /loki/api/v1/query under the stack's tenant for lines per node over 5 minutes", async () => {
    const { fetchImpl, requests } = fakeHttp();
    await queryLoki(TARGET, "http://loki.test/gateway/", fetchImpl);
    assert.equal(lokiQuery(TARGET), 'count by (node_name) (count_over_time({cluster="buzzvil-eks-ops", job!="systemd-journal"}[5m]))');
    assert.deepEqual(requests, [
      {
        url: "http://loki.test/gateway/loki/api/v1/query?query=count+by+%28node_name%29+%28count_over_time%28%7Bcluster%3D%22buzzvil-eks-ops%22%2C+job%21%3D%22systemd-journal%22%7D%5B5m%5D%29%29",
        headers: { "X-Scope-OrgID": "ops" },
      },
    ]);
    assert.equal(new URL(lokiQueryUrl("http://loki:3100", "up")).pathname, "/loki/api/v1/query");
  });

  it("fails naming the one node, with its taints, that has no lines", () => {
    const answer = lokiAnswer();
    answer.data!.result = answer.data!.result.filter((r) => r.metric.node_name !== N(41));
    assert.deepEqual(checkLoki(TARGET, nodes(), { ok: true, response: answer }, "none"), {
      id: "loki",
      name: "Loki (tenant ops)",
      status: "fail",
      summary: "no lines in the last 5m from 1 of 10 nodes",
      details: [
        `${N(41)} (taints: dedicated=monitoring:NoSchedule)`,
        'query: count by (node_name) (count_over_time({cluster="buzzvil-eks-ops", job!="systemd-journal"}[5m]))',
      ],
      warnings: [],
    });
  });

  it("fails with Loki's status and answer when the query is refused", async () => {
    const outcome = await queryLoki(TARGET, LOKI, fakeHttp("healthy", { loki: { body: "no org id\n", status: 401 } }).fetchImpl);
    assert.equal(checkLoki(TARGET, nodes(), outcome, "none").summary, "query failed: HTTP 401 Unauthorized: no org id");
  });

  it("fails naming the address when Loki cannot be reached", async () => {
    const outcome = await queryLoki(TARGET, "http://127.0.0.1:9/", fakeHttp().fetchImpl);
    assert.equal(checkLoki(TARGET, nodes(), outcome, "none").summary, "query failed: could not reach http://127.0.0.1:9: ENOTFOUND");
  });

  describe("credentials", () => {
    const basicTarget = verifyTarget(
      "ops",
      opsConfig({ lokiAuth: { type: "basic", username: "ops-collector", password: "[secret]" } }, ["alloy-logs:lokiAuth"]),
    );

    it("sends the stack's own basic credentials, read from its Secret, and says where they came from", async () => {
      const { runner, calls } = fakeKubectl("healthy", {}, basicTarget);
      const { fetchImpl, requests } = fakeHttp();
      const { result } = await runCheck("loki", allInputs(runner, fetchImpl), basicTarget);
      assert.ok(
        calls.some(
          (c) => c.join(" ") === "--context buzzvil-eks-ops --request-timeout=30s --namespace loki-v3 get secret alloy-loki-auth -o json",
        ),
      );
      const loki = requests.find((r) => r.url.startsWith(LOKI))!;
      assert.deepEqual(loki.headers, {
        "X-Scope-OrgID": "ops",
        Authorization: `Basic ${Buffer.from("ops-collector:fixture-password").toString("base64")}`,
      });
      assert.equal(result.summary, "lines from all 10 nodes in the last 5m, credentials from Secret loki-v3/alloy-loki-auth");
    });

    it("prefers LOKI_QUERY_TOKEN, without reading the Secret", async () => {
      const { runner, calls } = fakeKubectl("healthy", {}, basicTarget);
      const auth = await lokiAuthorization(basicTarget, { token: "query-token" }, runner);
      assert.deepEqual(auth, { ok: true, header: "Bearer query-token", source: "LOKI_QUERY_TOKEN" });
      assert.equal(calls.length, 0);
    });

    it("is not run, naming the Secret, when the stack's credentials cannot be read", async () => {
      const forbidden: KubectlResult = {
        code: 1,
        stdout: "",
        stderr: 'Error from server (Forbidden): secrets "alloy-loki-auth" is forbidden: User "ci" cannot get resource "secrets"\n',
      };
      const { runner } = fakeKubectl("healthy", { lokiAuthSecret: forbidden }, basicTarget);
      const { fetchImpl, requests } = fakeHttp();
      const { result } = await runCheck("loki", allInputs(runner, fetchImpl), basicTarget);
      assert.deepEqual(
        [result.status, result.summary],
        [
          "notrun",
          'not run: the stack\'s Loki credentials could not be read from Secret loki-v3/alloy-loki-auth: Error from server (Forbidden): secrets "alloy-loki-auth" is forbidden: User "ci" cannot get resource "secrets"',
        ],
      );
      assert.equal(
        requests.some((r) => r.url.startsWith(LOKI)),
        false,
      );
    });

    it("never prints the credentials", async () => {
      const outcome = await runVerify(
        basicTarget,
        allInputs(fakeKubectl("healthy", {}, basicTarget).runner, fakeHttp("healthy", { loki: { body: "bad", status: 401 } }).fetchImpl),
      );
      assert.doesNotMatch(outcome.report, /fixture-password|b3BzLWNvbGxlY3Rvcg|Basic /);
    });
  });

  it("counts the cluster's lines when node_name is not an index label, with a warning", async () => {
    const target = verifyTarget("ops", opsConfig({ pipeline: { indexLabels: ["namespace", "app"] } }));
    const answer = { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1764916200, "18211"] }] } };
    const { result } = await runCheck(
      "loki",
      allInputs(fakeKubectl("healthy", {}, target).runner, fakeHttp("healthy", { loki: { body: answer } }).fetchImpl),
      target,
    );
    assert.equal(lokiQuery(target), 'sum(count_over_time({cluster="buzzvil-eks-ops", job!="systemd-journal"}[5m]))');
    assert.deepEqual(
      [result.status, result.summary, result.warnings],
      [
        "pass",
        "18211 lines from the cluster in the last 5m",
        [
          "node_name is not an index label of this stack (alloy-logs:pipeline.indexLabels): lines are counted for the cluster, not per node",
        ],
      ],
    );
  });
});

describe("verify: report", () => {
  it("prints warnings under their check and counts skipped checks apart", () => {
    const report = formatReport(TARGET, [
      { id: "pods", name: "A", status: "pass", summary: "fine", details: [], warnings: ["look at this"] },
      { id: "loki", name: "B", status: "skip", summary: "skipped: why", details: [], warnings: [] },
    ]);
    assert.equal(
      report,
      `${HEALTHY_REPORT.split("\n")[0]}\n✓ A: fine\n    warning: look at this\n- B: skipped: why\n1 of 2 checks passed, 1 skipped.\n`,
    );
  });
});

describe("verify: the node journal check", () => {
  const healthyLogs = () => pods().map((p) => ({ pod: p.metadata.name, node: p.spec.nodeName, lines: [] as string[] }));
  /** The healthy journal answer without node 106's series. */
  const without106 = () => {
    const answer = journalAnswer();
    answer.data!.result = answer.data!.result.filter((r) => r.metric.node_name !== N(106));
    return answer;
  };
  const QUERY = 'query: count by (node_name) (count_over_time({cluster="buzzvil-eks-ops", job="systemd-journal"}[15m]))';

  it("passes when every node has journal lines in Loki", () => {
    assert.deepEqual(checkJournal(TARGET, nodes(), { ok: true, response: journalAnswer() }, "none", pods(), healthyLogs()), {
      id: "journal",
      name: "Node journal in Loki (last 15m)",
      status: "pass",
      summary: "journal lines from all 10 nodes",
      details: [],
      warnings: [],
    });
  });

  it("names a node whose collector runs but sends no journal line, and what to check on it", () => {
    const result = checkJournal(TARGET, nodes(), { ok: true, response: without106() }, "none", pods(), healthyLogs());
    assert.equal(result.status, "fail");
    assert.equal(result.summary, "no journal lines in the last 15m from 1 of 10 nodes");
    assert.deepEqual(result.details, [
      `${N(106)}: no journal line; check on the node: journalctl --header -D /var/log/journal | head -3 (nothing there: the journal is elsewhere, e.g. volatile in /run/log/journal; set alloy-logs:journal.path), and kubectl -n loki-v3 logs <collector pod> -c alloy | grep -i journal`,
      QUERY,
    ]);
  });

  it("says the Alloy image has no journal support when that node's collector logged so", () => {
    const logs = healthyLogs().map((l) => (l.node === N(106) ? { ...l, lines: collectorLog("journal-not-enabled") } : l));
    const result = checkJournal(TARGET, nodes(), { ok: true, response: without106() }, "none", pods(), logs);
    assert.deepEqual(result.details, [
      `${N(106)}: its collector logs "loki.source.journal is not enabled, and must be ran on linux with journal support": the Alloy image was built without journal support; use the official grafana/alloy image`,
      QUERY,
    ]);
  });

  it("shows the journal reader's error when that node's collector logged one", () => {
    const logs = healthyLogs().map((l) => (l.node === N(106) ? { ...l, lines: collectorLog("journal-no-reader") } : l));
    const result = checkJournal(TARGET, nodes(), { ok: true, response: without106() }, "none", pods(), logs);
    assert.deepEqual(result.details, [`${N(106)}: its collector logs: ${collectorLog("journal-no-reader")[0]}`, QUERY]);
  });

  it("reports a failed query with the query and the credentials sent", () => {
    const result = checkJournal(TARGET, nodes(), { ok: false, error: "HTTP 401 Unauthorized: no org id" }, "none", pods(), []);
    assert.deepEqual(
      [result.status, result.summary, result.details],
      ["fail", "query failed: HTTP 401 Unauthorized: no org id", [QUERY, "credentials: none"]],
    );
  });

  it("is skipped, asking Loki nothing about the journal, when journal.enabled is false", async () => {
    const target = verifyTarget("ops", opsConfig({ journal: { enabled: false } }));
    const { fetchImpl, requests } = fakeHttp();
    const { result } = await runCheck("journal", allInputs(fakeKubectl("healthy", {}, target).runner, fetchImpl), target);
    assert.deepEqual([result.status, result.summary], ["skip", "skipped: alloy-logs:journal.enabled is false"]);
    assert.equal(
      requests.some((r) => r.url.includes(JOURNAL_MATCHER)),
      false,
    );
  });
});

describe("verify: the events collector", () => {
  const NAME = "Events collector Deployment loki-v3/alloy-events";
  const DESCRIBE = "kubectl -n loki-v3 describe deployment alloy-events";
  /** The recorded Deployment with one change. */
  const withDeployment = (change: (d: Deployment) => void): Deployment => {
    const d = eventsDeployment();
    change(d);
    return d;
  };
  /** The recorded events pod, Pending and unschedulable as the seed's tainted-node pod was. */
  const pendingPod = (): Pod => {
    const pod = eventsPods()[0];
    delete pod.spec.nodeName;
    pod.status = {
      phase: "Pending",
      conditions: [
        { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/10 nodes are available: 10 Insufficient memory." },
      ],
    };
    return pod;
  };

  it("passes with one available replica of the current generation, naming its pod and node", () => {
    assert.deepEqual(checkEventsCollector(TARGET, { found: true, value: eventsDeployment() }, eventsPods()), {
      id: "events",
      name: NAME,
      status: "pass",
      summary: `1 of 1 replica available: pod alloy-events-6f8d9c7b45-q7x2m on ${N(123)}`,
      details: [],
      warnings: [],
    });
  });

  it("fails when the Deployment is not found, saying pulumi up creates it", () => {
    const result = checkEventsCollector(TARGET, { found: false, reason: "not found" }, []);
    assert.deepEqual(
      [result.status, result.summary, result.details],
      [
        "fail",
        "not found",
        ["alloy-logs:events.enabled is true, so pulumi up creates it (release alloy-events); it may have been deleted by hand"],
      ],
    );
  });

  it("fails on two replicas: every replica sends every Event", () => {
    const deployment = withDeployment((d) => (d.spec!.replicas = 2));
    const result = checkEventsCollector(TARGET, { found: true, value: deployment }, eventsPods());
    assert.deepEqual(
      [result.status, result.summary, result.details],
      [
        "fail",
        "spec.replicas is 2, expected 1",
        ["every replica sends every Event (loki.source.kubernetes_events has no clustering in Alloy v1.11.3): pulumi up sets it back to 1"],
      ],
    );
  });

  it("fails with no available replica, explaining it by its pod", () => {
    const deployment = withDeployment((d) => {
      d.status!.availableReplicas = 0;
      d.status!.readyReplicas = 0;
    });
    const result = checkEventsCollector(TARGET, { found: true, value: deployment }, [pendingPod()]);
    assert.deepEqual(
      [result.status, result.summary, result.details],
      [
        "fail",
        "0 of 1 replica available",
        ["pod alloy-events-6f8d9c7b45-q7x2m Pending, not scheduled: 0/10 nodes are available: 10 Insufficient memory.", DESCRIBE],
      ],
    );
  });

  it("fails with no pod at all, saying so", () => {
    const deployment = withDeployment((d) => (d.status = { observedGeneration: 2, replicas: 0 }));
    const result = checkEventsCollector(TARGET, { found: true, value: deployment }, []);
    assert.deepEqual([result.summary, result.details], ["0 of 1 replica available", ["no pod", DESCRIBE]]);
  });

  it("fails while the controller has not observed the Deployment's generation", () => {
    const deployment = withDeployment((d) => (d.metadata.generation = 3));
    const result = checkEventsCollector(TARGET, { found: true, value: deployment }, eventsPods());
    assert.deepEqual(
      [result.status, result.summary],
      ["fail", "status is of generation 2, the Deployment is at generation 3: the controller has not caught up yet"],
    );
  });

  it("fails while its one available replica is of the previous pod template", () => {
    const deployment = withDeployment((d) => (d.status!.updatedReplicas = 0));
    const result = checkEventsCollector(TARGET, { found: true, value: deployment }, eventsPods());
    assert.deepEqual([result.status, result.summary], ["fail", "the replica is not of the current pod template (rollout in progress)"]);
  });

  it("is skipped, reading neither its Deployment nor its pods, when events.enabled is false", async () => {
    const target = verifyTarget("ops", opsConfig({ events: { enabled: false } }));
    const { runner, calls } = fakeKubectl("healthy", {}, target);
    const { result } = await runCheck("events", allInputs(runner, fakeHttp().fetchImpl), target);
    assert.deepEqual([result.status, result.summary], ["skip", "skipped: alloy-logs:events.enabled is false"]);
    assert.equal(
      calls.some((args) => args.includes("alloy-events") || args.includes("events")),
      false,
    );
  });
});

describe("verify: Kubernetes events in Loki", () => {
  const NAME = "Kubernetes events in Loki (last 15m)";
  const QUERY = 'query: sum(count_over_time({cluster="buzzvil-eks-ops", job="integrations/kubernetes/eventhandler"}[15m]))';
  const lines = (n: number): LokiQueryResponse => ({
    status: "success",
    data: { resultType: "vector", result: [{ metric: {}, value: [0, String(n)] }] },
  });

  it("counts the Events of 15m to 1m ago, by lastTimestamp or else eventTime, against Loki's lines", () => {
    // healthy/events.json: 7 Events; 2 at 06:11 (before the window), Scheduled (eventTime 06:21:07), Pulled,
    // Started, BackOff (06:27:41) within it, Killing at 06:29:31 (30 s before NOW, within the grace).
    assert.deepEqual(checkEventsInLoki(TARGET, clusterEvents(), { ok: true, response: eventsAnswer() }, "none", NOW), {
      id: "events-loki",
      name: NAME,
      status: "pass",
      summary: "9 lines in the last 15m, for the 4 Events the cluster recorded from 15m to 1m ago",
      details: [],
      warnings: [],
    });
  });

  it("fails when Loki has no line while the cluster recorded Events, naming the newest", () => {
    const result = checkEventsInLoki(
      TARGET,
      clusterEvents("untolerated-taint"),
      { ok: true, response: lines(0) },
      "Secret loki-v3/alloy-loki-auth",
      NOW,
    );
    assert.deepEqual(
      [result.status, result.summary, result.details],
      [
        "fail",
        "no lines in the last 15m, against the 5 Events the cluster recorded from 15m to 1m ago",
        [
          "newest: Warning BackOff on Pod batch/batch-report-29417000-x8k2d at 2025-12-05T06:27:41.000Z",
          QUERY,
          "credentials: Secret loki-v3/alloy-loki-auth",
          "see Events collector Deployment, and its log",
        ],
      ],
    );
  });

  it("passes with a warning, proving nothing, when the cluster recorded no Event in the window", () => {
    const old = clusterEvents().filter((e) => (e.lastTimestamp ?? "") < "2025-12-05T06:15:00Z" && !e.eventTime);
    assert.equal(old.length, 2);
    const result = checkEventsInLoki(TARGET, old, { ok: true, response: lines(0) }, "none", NOW);
    assert.deepEqual(
      [result.status, result.summary, result.warnings],
      [
        "pass",
        "0 lines in the last 15m; the cluster recorded no Event from 15m to 1m ago",
        ["no Event to look for, so this proves nothing: run verify again after something happens (a rollout makes Events)"],
      ],
    );
  });

  it("warns when Loki has fewer lines than the cluster recorded Events", () => {
    const result = checkEventsInLoki(TARGET, clusterEvents(), { ok: true, response: lines(3) }, "none", NOW);
    assert.deepEqual(
      [result.status, result.summary, result.warnings],
      [
        "pass",
        "3 lines in the last 15m, for the 4 Events the cluster recorded from 15m to 1m ago",
        ["fewer lines than Events: 3 against 4; some were never sent (was the events collector down?)"],
      ],
    );
  });

  it("reports a failed query with the query and the credentials sent", () => {
    const result = checkEventsInLoki(TARGET, clusterEvents(), { ok: false, error: "HTTP 401 Unauthorized: no org id" }, "none", NOW);
    assert.deepEqual(
      [result.status, result.summary, result.details],
      ["fail", "query failed: HTTP 401 Unauthorized: no org id", [QUERY, "credentials: none"]],
    );
  });

  it("reads every namespace's Events in the stack's context, and asks Loki under the stack's tenant", async () => {
    const { runner, calls } = fakeKubectl("healthy");
    const { fetchImpl, requests } = fakeHttp();
    await runCheck("events-loki", allInputs(runner, fetchImpl));
    assert.deepEqual(
      calls.filter((args) => args.includes("events")),
      [["--context", "buzzvil-eks-ops", "--request-timeout=30s", "get", "events", "--all-namespaces", "-o", "json"]],
    );
    assert.deepEqual(
      requests.filter((r) => r.url.includes(EVENTS_MATCHER)).map((r) => r.headers["X-Scope-OrgID"]),
      ["ops"],
    );
  });

  it("is skipped, asking Loki nothing about events and listing no Event, when events.enabled is false", async () => {
    const target = verifyTarget("ops", opsConfig({ events: { enabled: false } }));
    const { runner, calls } = fakeKubectl("healthy", {}, target);
    const { fetchImpl, requests } = fakeHttp();
    const { result } = await runCheck("events-loki", allInputs(runner, fetchImpl), target);
    assert.deepEqual([result.status, result.summary], ["skip", "skipped: alloy-logs:events.enabled is false"]);
    assert.equal(
      requests.some((r) => r.url.includes(EVENTS_MATCHER)),
      false,
    );
    assert.equal(
      calls.some((args) => args.includes("events")),
      false,
    );
  });
});
