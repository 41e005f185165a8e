/**
 * The post-deploy checks of `npm run verify`, as pure functions of the API
 * responses: the seed's manual checks (README, "Post-deploy checks") done by
 * machine. Each returns one CheckResult; nothing here talks to a cluster.
 *
 * Which nodes must have a collector: every node, because the DaemonSet
 * tolerates every taint (`operator: Exists`). The expected counts come from
 * the NodeList, never from the DaemonSet's own desiredNumberScheduled, which
 * leaves out nodes whose taints it does not tolerate (the seed's incident: its
 * status read 9/9/9 while a tenth, tainted node had no collector).
 * A node that is not Ready is still expected to be scheduled (the DaemonSet
 * tolerates not-ready and unreachable too), but its collector cannot become
 * Ready and its lines cannot reach Loki, so it is left out of the ready and
 * available counts, the per-node collector check and the Loki check, and
 * reported as a warning instead (as AlloyNodeWithoutCollector skips it).
 */
import { parseQuantity } from "../config/quantity";
import type { VerifyTarget } from "./target";
import type { ContainerState, DaemonSet, Fetched, LokiQueryResponse, Node, Pod, PodMetrics, ServiceMonitor, Taint } from "./types";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  /** e.g. "DaemonSet loki-v3/alloy" */
  name: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** For a failure: what is wrong, one item a line (node, pod, field). */
  details: string[];
  /** Worth a look, but not a failure; shown under any status. */
  warnings: string[];
}

/** Restarts of one container above which it is reported. */
export const MAX_RESTARTS = 3;
/** A container over MAX_RESTARTS whose last restart is more recent than this fails; an older one is a warning. */
export const RECENT_RESTART_MS = 60 * 60 * 1000;
/** The Loki check's window: lines from every node within it. */
export const LOKI_WINDOW = "5m";

// ---- nodes and pods -------------------------------------------------------

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function nodeReadiness(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  return ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ""}` : "no Ready condition";
}

/** As kubectl describe prints a taint: key=value:Effect, or key:Effect without a value. */
export function taintText(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect}`;
}

/** `ip-… (taints: node.kubernetes.io/unschedulable:NoSchedule)` or `ip-… (no taints)`. */
export function nodeWithTaints(node: Node): string {
  const taints = node.spec?.taints ?? [];
  return `${node.metadata.name} (${taints.length > 0 ? `taints: ${taints.map(taintText).join(", ")}` : "no taints"})`;
}

/**
 * The node a collector pod runs on or is meant for: spec.nodeName once scheduled; before that, the
 * DaemonSet controller's node affinity (matchFields metadata.name In [node]).
 */
export function podNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const field of term.matchFields ?? []) {
      if (field.key === "metadata.name" && field.operator === "In" && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}

export function isPodRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && (pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false);
}

function stateText(state: ContainerState | undefined): string | undefined {
  if (state?.waiting) return `waiting: ${state.waiting.reason ?? "unknown reason"}`;
  if (state?.terminated) return `terminated: ${state.terminated.reason ?? `exit code ${state.terminated.exitCode}`}`;
  return undefined;
}

/** Why a pod is not a working collector, in one phrase. */
export function podProblem(pod: Pod): string {
  const name = `pod ${pod.metadata.name}`;
  const phase = pod.status?.phase ?? "Unknown";
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (phase === "Pending" && !pod.spec.nodeName) {
    const why = scheduled?.status === "False" ? (scheduled.message ?? scheduled.reason) : undefined;
    return `${name} Pending, not scheduled${why ? `: ${why}` : ""}`;
  }
  const containers = (pod.status?.containerStatuses ?? [])
    .filter((c) => !c.ready)
    .map((c) => ({ name: c.name, state: stateText(c.state) }))
    .filter((c): c is { name: string; state: string } => c.state !== undefined)
    .map((c) => `container ${c.name} ${c.state}`);
  const head = phase === "Running" ? `${name} Running, not Ready` : `${name} ${phase}${pod.status?.reason ? ` (${pod.status.reason})` : ""}`;
  return containers.length > 0 ? `${head}: ${containers.join(", ")}` : head;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---- DaemonSet ------------------------------------------------------------

/**
 * desired, current and up-to-date must equal the number of nodes; ready and available the number of
 * Ready nodes; and the status must describe the DaemonSet's current generation.
 */
export function checkDaemonSet(target: VerifyTarget, nodes: readonly Node[], daemonSet: Fetched<DaemonSet>): CheckResult {
  const name = `DaemonSet ${target.namespace}/${target.releaseName}`;
  if (!daemonSet.found) return { name, status: "fail", summary: daemonSet.reason, details: [], warnings: [] };
  const status = daemonSet.value.status ?? {};
  const all = nodes.length;
  const ready = nodes.filter(isNodeReady).length;
  const counts = [
    ["desired", status.desiredNumberScheduled ?? 0, all],
    ["current", status.currentNumberScheduled ?? 0, all],
    ["ready", status.numberReady ?? 0, ready],
    ["up-to-date", status.updatedNumberScheduled ?? 0, all],
    ["available", status.numberAvailable ?? 0, ready],
  ] as const;
  const expected =
    ready === all
      ? `${all} (one per node)`
      : `desired=current=up-to-date=${all} (one per node), ready=available=${ready} (one per Ready node)`;
  const details: string[] = [];
  const desired = status.desiredNumberScheduled ?? 0;
  if (desired < all) {
    details.push(
      `the DaemonSet counts ${desired} of ${all} nodes: a node whose taints it does not tolerate is left out of desired, so its own status looks complete (see Collector pods)`,
    );
  }
  const generation = daemonSet.value.metadata.generation;
  const observed = status.observedGeneration;
  if (generation !== undefined && (observed === undefined || observed < generation)) {
    details.push(`status is of generation ${observed ?? "none"}, the DaemonSet is at generation ${generation}: the controller has not caught up yet`);
  }
  if (details.length > 0 || counts.some(([, got, want]) => got !== want)) {
    const got = counts.every(([, value]) => value === counts[0][1])
      ? `${counts.map(([field]) => field).join("=")}=${counts[0][1]}`
      : counts.map(([field, value]) => `${field}=${value}`).join(" ");
    return { name, status: "fail", summary: `${got}; expected ${expected}`, details, warnings: [] };
  }
  const summary =
    ready === all
      ? `desired=current=ready=up-to-date=available=${all}, one per node`
      : `desired=current=up-to-date=${all}, one per node; ready=available=${ready}, one per Ready node`;
  return { name, status: "pass", summary, details: [], warnings: [] };
}

// ---- a collector on every node ---------------------------------------------

/** Every Ready node has a Running, Ready collector pod, tainted or not; a node without one is listed with its taints. */
export function checkCollectorPods(nodes: readonly Node[], pods: readonly Pod[]): CheckResult {
  const name = "Collector pods";
  const byNode = new Map<string, Pod[]>();
  const unassigned: Pod[] = [];
  for (const pod of pods) {
    const node = podNode(pod);
    if (node === undefined) unassigned.push(pod);
    else byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  const details: string[] = [];
  const warnings: string[] = [];
  const readyNodes = nodes.filter(isNodeReady);
  for (const node of nodes) {
    const nodePods = byNode.get(node.metadata.name) ?? [];
    if (!isNodeReady(node)) {
      warnings.push(`${nodeWithTaints(node)} is not Ready (${nodeReadiness(node)}): no collector is expected to be Ready there`);
      continue;
    }
    if (nodePods.some(isPodRunningAndReady)) continue;
    const why = nodePods.length === 0 ? "no collector pod" : nodePods.map(podProblem).join("; ");
    details.push(`${nodeWithTaints(node)}: ${why}`);
  }
  for (const pod of unassigned) warnings.push(`${podProblem(pod)}; it names no node`);
  if (details.length > 0) {
    return {
      name,
      status: "fail",
      summary: `${details.length} of ${readyNodes.length} ${readyNodes.length === nodes.length ? "" : "Ready "}nodes without a Running, Ready collector`,
      details,
      warnings,
    };
  }
  const tainted = readyNodes.filter((n) => (n.spec?.taints ?? []).length > 0).length;
  const which = readyNodes.length === nodes.length ? `all ${nodes.length} nodes` : `all ${readyNodes.length} Ready nodes`;
  const summary = `Running and Ready on ${which}${tainted > 0 ? `, ${tainted} of them tainted` : ""}`;
  return { name, status: "pass", summary, details: [], warnings };
}

// ---- restarts --------------------------------------------------------------

function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m ago`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h ago`;
  return `${Math.floor(minutes / 1440)}d ago`;
}

/**
 * A container (alloy or config-reloader) that restarted more than maxRestarts times fails when its last
 * restart is less than an hour old (crash-looping or OOM-killed now: that node's logs are late or lost),
 * and is a warning when it is older (restartCount only grows; the pod has been stable since). Without a
 * recorded last termination the restart counts as recent.
 */
export function checkRestarts(pods: readonly Pod[], now: Date, maxRestarts = MAX_RESTARTS): CheckResult {
  const name = "Restarts";
  const details: string[] = [];
  const warnings: string[] = [];
  for (const pod of pods) {
    for (const container of pod.status?.containerStatuses ?? []) {
      if (container.restartCount <= maxRestarts) continue;
      const last = container.lastState?.terminated;
      const finished = last?.finishedAt ? Date.parse(last.finishedAt) : undefined;
      const when = finished === undefined ? "" : `, last ${ago(now.getTime() - finished)}`;
      const why = last ? ` (${[last.reason, last.exitCode === undefined ? undefined : `exit code ${last.exitCode}`].filter(Boolean).join(", ")})` : "";
      const text = `${pod.metadata.name} on ${podNode(pod) ?? "no node"}: container ${container.name} restarted ${container.restartCount} times${when}${why}`;
      if (finished === undefined || now.getTime() - finished < RECENT_RESTART_MS) details.push(text);
      else warnings.push(text);
    }
  }
  if (details.length > 0) {
    return {
      name,
      status: "fail",
      summary: `${plural(details.length, "container")} restarted more than ${maxRestarts} times, the last time within the hour`,
      details,
      warnings,
    };
  }
  const summary =
    warnings.length > 0
      ? `no container restarted more than ${maxRestarts} times within the hour`
      : `no container restarted more than ${maxRestarts} times`;
  return { name, status: "pass", summary, details: [], warnings };
}

// ---- resource usage --------------------------------------------------------

const millicores = (cores: number) => `${Math.round(cores * 1000)}m`;
const mebibytes = (bytes: number) => `${Math.round(bytes / 2 ** 20)}Mi`;

/**
 * Usage of the collector container against its own pod's requests and limits (the seed checked cpu against
 * the 250m request and memory against the 700Mi limit). Memory at or over memoryLimitRatio of the limit
 * fails: the kernel kills the container at the limit. CPU over its request, and memory over its request,
 * are warnings: a request is a scheduling reservation, not a cap, and one sample right after a deploy
 * includes catching up. Skipped when the metrics API is absent or has no sample yet.
 */
export function checkResourceUsage(target: VerifyTarget, pods: readonly Pod[], metrics: Fetched<PodMetrics[]>): CheckResult {
  const name = `Resource usage (container ${target.container})`;
  const skip = (reason: string): CheckResult => ({ name, status: "skip", summary: `skipped: ${reason}`, details: [], warnings: [] });
  if (!metrics.found) return skip(metrics.reason);
  const usageByPod = new Map(metrics.value.map((m) => [m.metadata.name, m.containers.find((c) => c.name === target.container)?.usage]));
  const details: string[] = [];
  const warnings: string[] = [];
  let measured = 0;
  let topCpu: { cores: number; request?: string } | undefined;
  let topMemory: { bytes: number; limit?: string } | undefined;
  for (const pod of pods.filter((p) => p.status?.phase === "Running")) {
    const where = `${pod.metadata.name} on ${podNode(pod) ?? "no node"}`;
    const usage = usageByPod.get(pod.metadata.name);
    const cores = usage?.cpu === undefined ? undefined : parseQuantity(usage.cpu);
    const bytes = usage?.memory === undefined ? undefined : parseQuantity(usage.memory);
    if (cores === undefined || bytes === undefined) {
      warnings.push(`${where}: no usage sample yet`);
      continue;
    }
    measured++;
    const resources = pod.spec.containers.find((c) => c.name === target.container)?.resources ?? {};
    const cpuRequest = resources.requests?.cpu;
    const cpuLimit = resources.limits?.cpu;
    const memoryRequest = resources.requests?.memory;
    const memoryLimit = resources.limits?.memory;
    if (!topCpu || cores > topCpu.cores) topCpu = { cores, request: cpuRequest };
    if (!topMemory || bytes > topMemory.bytes) topMemory = { bytes, limit: memoryLimit };
    const limitBytes = memoryLimit === undefined ? undefined : parseQuantity(memoryLimit);
    if (limitBytes !== undefined && bytes >= target.memoryLimitRatio * limitBytes) {
      details.push(
        `${where}: memory ${mebibytes(bytes)} is ${Math.round((100 * bytes) / limitBytes)}% of the ${memoryLimit} limit (fails at ${Math.round(100 * target.memoryLimitRatio)}%)`,
      );
    } else if (memoryRequest !== undefined && bytes > (parseQuantity(memoryRequest) ?? Infinity)) {
      warnings.push(`${where}: memory ${mebibytes(bytes)} is over the ${memoryRequest} request`);
    }
    if (cpuLimit !== undefined && cores >= (parseQuantity(cpuLimit) ?? Infinity)) {
      warnings.push(`${where}: cpu ${millicores(cores)} is at the ${cpuLimit} limit (throttled)`);
    } else if (cpuRequest !== undefined && cores > (parseQuantity(cpuRequest) ?? Infinity)) {
      warnings.push(`${where}: cpu ${millicores(cores)} is over the ${cpuRequest} request`);
    }
  }
  if (measured === 0) return { ...skip("the metrics API has no usage sample of the collector pods yet"), warnings };
  if (details.length > 0) {
    return { name, status: "fail", summary: `${plural(details.length, "pod")} near the memory limit`, details, warnings };
  }
  const summary =
    `highest cpu ${millicores(topCpu!.cores)} (request ${topCpu!.request ?? "none"}), ` +
    `highest memory ${mebibytes(topMemory!.bytes)} (limit ${topMemory!.limit ?? "none"}), ${plural(measured, "pod")}`;
  return { name, status: "pass", summary, details: [], warnings };
}

// ---- ServiceMonitor --------------------------------------------------------

/** When the stack enables it, the ServiceMonitor exists and carries every label of serviceMonitor.labels. */
export function checkServiceMonitor(target: VerifyTarget, serviceMonitor: Fetched<ServiceMonitor> | undefined): CheckResult {
  const name = `ServiceMonitor ${target.namespace}/${target.releaseName}`;
  if (!target.serviceMonitor.enabled || serviceMonitor === undefined) {
    return { name, status: "skip", summary: "skipped: alloy-logs:serviceMonitor.enabled is false", details: [], warnings: [] };
  }
  if (!serviceMonitor.found) return { name, status: "fail", summary: serviceMonitor.reason, details: [], warnings: [] };
  const labels = serviceMonitor.value.metadata.labels ?? {};
  const expected = Object.entries(target.serviceMonitor.labels).sort(([a], [b]) => a.localeCompare(b));
  const details = expected
    .filter(([key, value]) => labels[key] !== value)
    .map(([key, value]) => `label ${key}: expected ${JSON.stringify(value)}, got ${key in labels ? JSON.stringify(labels[key]) : "none"}`);
  if (details.length > 0) {
    return { name, status: "fail", summary: "present, without the labels Prometheus selects it by", details, warnings: [] };
  }
  const shown = expected.map(([key, value]) => `${key}=${value}`).join(", ");
  return { name, status: "pass", summary: expected.length > 0 ? `present, labelled ${shown}` : "present", details: [], warnings: [] };
}

// ---- Loki ------------------------------------------------------------------

/** A LogQL string literal. */
function logqlString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Lines per node over the window, for the stack's cluster label. */
export function lokiQuery(target: VerifyTarget): string {
  return `count by (node_name) (count_over_time({cluster=${logqlString(target.clusterName)}}[${LOKI_WINDOW}]))`;
}

/** What asking Loki gave: its answer, or why there is none (HTTP status, network error). */
export type LokiOutcome = { ok: true; response: LokiQueryResponse } | { ok: false; error: string };

/**
 * Every Ready node has log lines in Loki, under the stack's tenant and cluster label, in the last 5
 * minutes (the collector itself logs, so even an idle node has lines). Skipped without a query URL.
 */
export function checkLoki(target: VerifyTarget, nodes: readonly Node[], outcome: LokiOutcome | undefined): CheckResult {
  const name = `Loki (tenant ${target.tenantId})`;
  const skip = (reason: string): CheckResult => ({ name, status: "skip", summary: `skipped: ${reason}`, details: [], warnings: [] });
  if (outcome === undefined) return skip("no query URL (--loki-url <url> or LOKI_QUERY_URL)");
  if (!target.indexLabels.includes("node_name")) return skip("node_name is not an index label of this stack (alloy-logs:pipeline.indexLabels)");
  const query = `query: ${lokiQuery(target)}`;
  if (!outcome.ok) return { name, status: "fail", summary: `query failed: ${outcome.error}`, details: [query], warnings: [] };
  const { response } = outcome;
  if (response.status !== "success" || response.data?.resultType !== "vector") {
    return {
      name,
      status: "fail",
      summary: `unexpected answer: status ${response.status}, result type ${response.data?.resultType ?? "none"}`,
      details: [query],
      warnings: [],
    };
  }
  const withLines = new Set(response.data.result.filter((r) => Number(r.value[1]) > 0).map((r) => r.metric.node_name));
  const expected = nodes.filter(isNodeReady);
  const missing = expected.filter((n) => !withLines.has(n.metadata.name));
  const which = expected.length === nodes.length ? "nodes" : "Ready nodes";
  if (missing.length > 0) {
    return {
      name,
      status: "fail",
      summary: `no lines in the last ${LOKI_WINDOW} from ${missing.length} of ${expected.length} ${which}`,
      details: [...missing.map(nodeWithTaints), query],
      warnings: [],
    };
  }
  return { name, status: "pass", summary: `lines from all ${expected.length} ${which} in the last ${LOKI_WINDOW}`, details: [], warnings: [] };
}
