/**
 * The post-deploy checks of `npm run verify`, as pure functions of the API
 * responses: the seed's checklist (docs/deploying.md, "Post-deploy checks (from the seed)";
 * 000: collectors on every node, logs arriving and queryable for the tenant,
 * Prometheus and Datadog metrics collected, usage within requests and limits)
 * done by machine. Each returns one CheckResult; nothing here talks to a
 * cluster or an HTTP API (verify/source.ts does).
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
import { JOURNAL_JOB } from "../alloy-config/journal";
import { parseQuantity } from "../config/quantity";
import { classifyLine, type LostLogMessage } from "./collector-logs";
import type { VerifyTarget } from "./target";
import type {
  ContainerState,
  CoreEvent,
  DaemonSet,
  Deployment,
  DatadogActiveMetrics,
  Fetched,
  LokiQueryResponse,
  Node,
  Pod,
  PodMetrics,
  PrometheusQueryResponse,
  Service,
  ServiceMonitor,
  Taint,
} from "./types";

/**
 * pass; fail; skip: not wanted (the stack disables what it checks, or `--skip <id>`); notrun: wanted but
 * impossible (no URL, no metrics API, no keys). A check that did not run is not a pass: verify exits non-zero.
 */
export type CheckStatus = "pass" | "fail" | "skip" | "notrun";

/** The name `--skip` takes, in report order. */
export const CHECK_IDS = [
  "daemonset",
  "pods",
  "restarts",
  "logs",
  "resources",
  "servicemonitor",
  "prometheus",
  "datadog",
  "datadog-metrics",
  "loki",
  "journal",
  "events",
  "events-loki",
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** Each check's name in the report. */
export function checkName(id: CheckId, target: VerifyTarget, job = target.releaseName): string {
  const names: Record<CheckId, string> = {
    daemonset: `DaemonSet ${target.namespace}/${target.releaseName}`,
    pods: "Collector pods",
    restarts: "Restarts",
    logs: `Collector logs (last ${LOG_WINDOW})`,
    resources: "Resource usage",
    servicemonitor: `ServiceMonitor ${target.namespace}/${target.releaseName}`,
    prometheus: `Prometheus targets (job ${job})`,
    datadog: "Datadog openmetrics check",
    "datadog-metrics": `Datadog metrics (${target.datadog.namespace}.*)`,
    loki: `Loki (tenant ${target.tenantId})`,
    journal: `Node journal in Loki (last ${JOURNAL_WINDOW})`,
    events: `Events collector Deployment ${target.namespace}/${target.events.releaseName}`,
    "events-loki": `Kubernetes events in Loki (last ${EVENTS_WINDOW})`,
  };
  return names[id];
}

export interface CheckResult {
  id: CheckId;
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
/** The journal check's window: journal lines from every node within it (the kubelet logs far more often). */
export const JOURNAL_WINDOW = "15m";
/** The events check's window: the cluster's Events of this window must have lines in Loki. */
export const EVENTS_WINDOW = "15m";
/**
 * An Event younger than this is not expected in Loki yet: the events collector sends it within a second or two
 * (the informer's watch, then loki.write's batch_wait), so a minute leaves room for a slow push.
 */
export const EVENTS_GRACE_MS = 60_000;
/** The collector-log check's window (kubectl logs --since). */
export const LOG_WINDOW = "15m";
/** The Datadog metrics check's window: every configured metric reported within it. */
export const DATADOG_WINDOW_MINUTES = 15;
/** Lines of a collector's log shown for one pod. */
export const LOG_LINES_SHOWN = 3;
/** A log line is shown up to this many characters. */
const LOG_LINE_CHARS = 400;

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
  const head =
    phase === "Running" ? `${name} Running, not Ready` : `${name} ${phase}${pod.status?.reason ? ` (${pod.status.reason})` : ""}`;
  return containers.length > 0 ? `${head}: ${containers.join(", ")}` : head;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ---- DaemonSet ------------------------------------------------------------

/**
 * desired, current and up-to-date must equal the number of nodes; ready and available the number of
 * Ready nodes; and the status must describe the DaemonSet's current generation.
 */
export function checkDaemonSet(target: VerifyTarget, nodes: readonly Node[], daemonSet: Fetched<DaemonSet>): CheckResult {
  const id = "daemonset";
  const name = checkName(id, target);
  if (!daemonSet.found) return { id, name, status: "fail", summary: daemonSet.reason, details: [], warnings: [] };
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
    details.push(
      `status is of generation ${observed ?? "none"}, the DaemonSet is at generation ${generation}: the controller has not caught up yet`,
    );
  }
  if (details.length > 0 || counts.some(([, got, want]) => got !== want)) {
    const got = counts.every(([, value]) => value === counts[0][1])
      ? `${counts.map(([field]) => field).join("=")}=${counts[0][1]}`
      : counts.map(([field, value]) => `${field}=${value}`).join(" ");
    return { id, name, status: "fail", summary: `${got}; expected ${expected}`, details, warnings: [] };
  }
  const summary =
    ready === all
      ? `desired=current=ready=up-to-date=available=${all}, one per node`
      : `desired=current=up-to-date=${all}, one per node; ready=available=${ready}, one per Ready node`;
  return { id, name, status: "pass", summary, details: [], warnings: [] };
}

// ---- a collector on every node ---------------------------------------------

/** Every Ready node has a Running, Ready collector pod, tainted or not; a node without one is listed with its taints. */
export function checkCollectorPods(nodes: readonly Node[], pods: readonly Pod[]): CheckResult {
  const id = "pods";
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
      id,
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
  return { id, name, status: "pass", summary, details: [], warnings };
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
  const id = "restarts";
  const name = "Restarts";
  const details: string[] = [];
  const warnings: string[] = [];
  for (const pod of pods) {
    for (const container of pod.status?.containerStatuses ?? []) {
      if (container.restartCount <= maxRestarts) continue;
      const last = container.lastState?.terminated;
      const finished = last?.finishedAt ? Date.parse(last.finishedAt) : undefined;
      const when = finished === undefined ? "" : `, last ${ago(now.getTime() - finished)}`;
      const why = last
        ? ` (${[last.reason, last.exitCode === undefined ? undefined : `exit code ${last.exitCode}`].filter(Boolean).join(", ")})`
        : "";
      const text = `${pod.metadata.name} on ${podNode(pod) ?? "no node"}: container ${container.name} restarted ${container.restartCount} times${when}${why}`;
      if (finished === undefined || now.getTime() - finished < RECENT_RESTART_MS) details.push(text);
      else warnings.push(text);
    }
  }
  if (details.length > 0) {
    return {
      id,
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
  return { id, name, status: "pass", summary, details: [], warnings };
}

// ---- collector logs --------------------------------------------------------

/** One collector's log over LOG_WINDOW, or why it could not be read. */
export interface PodLogs {
  pod: string;
  node?: string;
  lines?: readonly string[];
  error?: string;
}

const shortLine = (line: string) => (line.length > LOG_LINE_CHARS ? `${line.slice(0, LOG_LINE_CHARS - 3)}...` : line);

/**
 * Error-level lines of each collector over LOG_WINDOW. Lines whose message means lost logs (LOST_LOG_MESSAGES:
 * rejected or failed pushes, dropped batches, unreadable files) fail, each pod listed with its first lines; any
 * other error line is a warning. Not run when no collector's log could be read.
 */
export function checkCollectorLogs(target: VerifyTarget, logs: readonly PodLogs[]): CheckResult {
  const id = "logs";
  const name = checkName(id, target);
  const details: string[] = [];
  const warnings: string[] = [];
  const meanings = new Map<string, LostLogMessage>();
  let otherLines = 0;
  let losing = 0;
  const read = logs.filter((l) => l.lines !== undefined);
  for (const { pod, node, lines, error } of logs) {
    const where = `${pod} on ${node ?? "no node"}`;
    if (lines === undefined) {
      warnings.push(`${where}: its log could not be read: ${error ?? "no answer"}`);
      continue;
    }
    const lost: { line: string; message: LostLogMessage }[] = [];
    const other: string[] = [];
    for (const line of lines) {
      const kind = classifyLine(line);
      if (kind.kind === "lost") lost.push({ line, message: kind.message });
      else if (kind.kind === "error") other.push(line);
    }
    if (lost.length > 0) {
      losing++;
      const counts = new Map<string, number>();
      for (const { message } of lost) {
        counts.set(message.msg, (counts.get(message.msg) ?? 0) + 1);
        meanings.set(message.msg, message);
      }
      const which = [...counts].map(([msg, n]) => `"${msg}" x${n}`).join(", ");
      const shown = lost.length > LOG_LINES_SHOWN ? `; the first ${LOG_LINES_SHOWN}` : "";
      details.push(`${where}: ${plural(lost.length, "line")} meaning lost logs (${which})${shown}:`);
      for (const { line } of lost.slice(0, LOG_LINES_SHOWN)) details.push(`  ${shortLine(line)}`);
    }
    if (other.length > 0) {
      otherLines += other.length;
      warnings.push(`${where}: ${plural(other.length, "other error line")}; the first: ${shortLine(other[0])}`);
    }
  }
  if (read.length === 0) {
    return { id, name, status: "notrun", summary: `not run: no collector's log could be read`, details: [], warnings };
  }
  for (const message of meanings.values()) details.push(`"${message.msg}": ${message.meaning} (Alloy v1.11.3, ${message.source})`);
  if (losing > 0) {
    return { id, name, status: "fail", summary: `${losing} of ${plural(read.length, "collector")} logged lost logs`, details, warnings };
  }
  const summary =
    otherLines === 0
      ? `no error lines from ${plural(read.length, "collector")}`
      : `no line meaning lost logs from ${plural(read.length, "collector")}; ${plural(otherLines, "other error line")} (warnings)`;
  return { id, name, status: "pass", summary, details: [], warnings };
}

// ---- resource usage --------------------------------------------------------

const millicores = (cores: number) => `${Math.round(cores * 1000)}m`;
const mebibytes = (bytes: number) => `${Math.round(bytes / 2 ** 20)}Mi`;

/** The budget of a resource: its limit, else its request (the seed's 250m CPU is a request, its 700Mi memory a limit). */
function budget(
  resources: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } },
  name: "cpu" | "memory",
) {
  const limit = resources.limits?.[name];
  if (limit !== undefined) return { quantity: limit, value: parseQuantity(limit) ?? Infinity, key: `limits.${name}` };
  const request = resources.requests?.[name];
  if (request !== undefined) return { quantity: request, value: parseQuantity(request) ?? Infinity, key: `requests.${name}` };
  return undefined;
}

function resourcesText(r: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } }): string {
  const part = (kind: "requests" | "limits") =>
    `${kind} ${(["cpu", "memory"] as const).map((n) => `${n}=${r[kind]?.[n] ?? "none"}`).join(" ")}`;
  return `${part("requests")}, ${part("limits")}`;
}

/**
 * Usage of every container of every Running collector pod (metrics.k8s.io) against its budget: the limit, else the
 * request. The alloy container is held to the stack's own alloy-logs:resources (ops: cpu 250m, the request; memory
 * 700Mi, the limit), as the seed's checklist does, and fails over it; memory at or over memoryLimitRatio of the limit
 * fails too, as AlloyCollectorMemoryNearLimit fires. Memory over its request is a warning. Other containers
 * (config-reloader) have the chart's requests: over them is a warning. Not run without the metrics API or a sample.
 */
export function checkResourceUsage(target: VerifyTarget, pods: readonly Pod[], metrics: Fetched<PodMetrics[]>): CheckResult {
  const id = "resources";
  const name = checkName(id, target);
  if (!metrics.found) return { id, name, status: "notrun", summary: `not run: ${metrics.reason}`, details: [], warnings: [] };
  const usageByPod = new Map(metrics.value.map((m) => [m.metadata.name, m.containers]));
  const details: string[] = [];
  const warnings: string[] = [];
  const stack = target.resources;
  const cpuBudget = budget(stack, "cpu");
  const memoryBudget = budget(stack, "memory");
  const memoryLimit = stack.limits.memory === undefined ? undefined : parseQuantity(stack.limits.memory);
  let measured = 0;
  let topCpu = 0;
  let topMemory = 0;
  for (const pod of pods.filter((p) => p.status?.phase === "Running")) {
    const where = `${pod.metadata.name} on ${podNode(pod) ?? "no node"}`;
    const containers = usageByPod.get(pod.metadata.name);
    const alloy = containers?.find((c) => c.name === target.container)?.usage;
    const cores = alloy?.cpu === undefined ? undefined : parseQuantity(alloy.cpu);
    const bytes = alloy?.memory === undefined ? undefined : parseQuantity(alloy.memory);
    if (cores === undefined || bytes === undefined) {
      warnings.push(`${where}: no usage sample yet`);
      continue;
    }
    measured++;
    topCpu = Math.max(topCpu, cores);
    topMemory = Math.max(topMemory, bytes);
    const prefix = `${where}: container ${target.container}`;
    if (cpuBudget && cores > cpuBudget.value) {
      details.push(`${prefix} cpu ${millicores(cores)} is over the stack's ${cpuBudget.quantity} (alloy-logs:resources.${cpuBudget.key})`);
    }
    if (memoryBudget && bytes > memoryBudget.value) {
      details.push(
        `${prefix} memory ${mebibytes(bytes)} is over the stack's ${memoryBudget.quantity} (alloy-logs:resources.${memoryBudget.key})`,
      );
    } else if (memoryLimit !== undefined && bytes >= target.memoryLimitRatio * memoryLimit) {
      details.push(
        `${prefix} memory ${mebibytes(bytes)} is ${Math.round((100 * bytes) / memoryLimit)}% of the ${stack.limits.memory} limit (fails at ${Math.round(100 * target.memoryLimitRatio)}%, alloy-logs:alerts.memoryLimitRatio)`,
      );
    } else if (stack.requests.memory !== undefined && bytes > (parseQuantity(stack.requests.memory) ?? Infinity)) {
      warnings.push(`${prefix} memory ${mebibytes(bytes)} is over the ${stack.requests.memory} request`);
    }
    const spec = pod.spec.containers.find((c) => c.name === target.container)?.resources ?? {};
    if (resourcesText(spec) !== resourcesText(stack)) {
      warnings.push(`${prefix} runs with ${resourcesText(spec)}; the stack sets ${resourcesText(stack)} (drift: see the runbook)`);
    }
    for (const other of containers ?? []) {
      if (other.name === target.container) continue;
      const resources = pod.spec.containers.find((c) => c.name === other.name)?.resources ?? {};
      const otherCpu = budget(resources, "cpu");
      const otherMemory = budget(resources, "memory");
      const usedCpu = other.usage.cpu === undefined ? undefined : parseQuantity(other.usage.cpu);
      const usedMemory = other.usage.memory === undefined ? undefined : parseQuantity(other.usage.memory);
      if (otherCpu && usedCpu !== undefined && usedCpu > otherCpu.value) {
        warnings.push(`${where}: container ${other.name} cpu ${millicores(usedCpu)} is over its ${otherCpu.quantity} (${otherCpu.key})`);
      }
      if (otherMemory && usedMemory !== undefined && usedMemory > otherMemory.value) {
        warnings.push(
          `${where}: container ${other.name} memory ${mebibytes(usedMemory)} is over its ${otherMemory.quantity} (${otherMemory.key})`,
        );
      }
    }
  }
  if (measured === 0) {
    return {
      id,
      name,
      status: "notrun",
      summary: "not run: the metrics API has no usage sample of the collector pods yet",
      details: [],
      warnings,
    };
  }
  if (details.length > 0) {
    const pods = new Set(details.map((d) => d.split(" ")[0])).size;
    return {
      id,
      name,
      status: "fail",
      summary: `${plural(pods, "pod")} over the stack's budget for container ${target.container}`,
      details,
      warnings,
    };
  }
  const summary =
    `container ${target.container} at most cpu ${millicores(topCpu)} of ${cpuBudget?.quantity ?? "no budget"}, ` +
    `memory ${mebibytes(topMemory)} of ${memoryBudget?.quantity ?? "no budget"}, ${plural(measured, "pod")}`;
  return { id, name, status: "pass", summary, details: [], warnings };
}

// ---- ServiceMonitor --------------------------------------------------------

/** When the stack enables it, the ServiceMonitor exists and carries every label of serviceMonitor.labels. */
export function checkServiceMonitor(target: VerifyTarget, serviceMonitor: Fetched<ServiceMonitor> | undefined): CheckResult {
  const id = "servicemonitor";
  const name = checkName(id, target);
  if (!target.serviceMonitor.enabled || serviceMonitor === undefined) {
    return { id, name, status: "skip", summary: "skipped: alloy-logs:serviceMonitor.enabled is false", details: [], warnings: [] };
  }
  if (!serviceMonitor.found) return { id, name, status: "fail", summary: serviceMonitor.reason, details: [], warnings: [] };
  const labels = serviceMonitor.value.metadata.labels ?? {};
  const expected = Object.entries(target.serviceMonitor.labels).sort(([a], [b]) => a.localeCompare(b));
  const details = expected
    .filter(([key, value]) => labels[key] !== value)
    .map(([key, value]) => `label ${key}: expected ${JSON.stringify(value)}, got ${key in labels ? JSON.stringify(labels[key]) : "none"}`);
  if (details.length > 0) {
    return { id, name, status: "fail", summary: "present, without the labels Prometheus selects it by", details, warnings: [] };
  }
  const shown = expected.map(([key, value]) => `${key}=${value}`).join(", ");
  return { id, name, status: "pass", summary: expected.length > 0 ? `present, labelled ${shown}` : "present", details: [], warnings: [] };
}

// ---- Prometheus ------------------------------------------------------------

/** What asking an HTTP API gave: its parsed answer, or why there is none (HTTP status, network error). */
export type HttpOutcome<T> = { ok: true; response: T } | { ok: false; error: string };

/**
 * The `job` label prometheus-operator gives the ServiceMonitor's targets: the value of the Service's label named by
 * spec.jobLabel, else the Service's name (https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitorSpec).
 * The chart's ServiceMonitor sets no jobLabel and selects the Service named after the release.
 */
export function prometheusJob(
  target: VerifyTarget,
  serviceMonitor: Fetched<ServiceMonitor> | undefined,
  service: Fetched<Service> | undefined,
): string {
  const jobLabel = serviceMonitor?.found ? serviceMonitor.value.spec?.jobLabel : undefined;
  const fromLabel = jobLabel && service?.found ? service.value.metadata.labels?.[jobLabel] : undefined;
  return fromLabel || target.releaseName;
}

/** A PromQL (and LogQL) string literal. */
function quoted(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function prometheusQuery(target: VerifyTarget, job: string): string {
  return `up{job=${quoted(job)},namespace=${quoted(target.namespace)}}`;
}

/**
 * Every Running, Ready collector on a Ready node is a target of the ServiceMonitor's job with up == 1: Prometheus
 * scrapes it (AlloyMetricsNotScraped's condition, per pod). Targets of pods that no longer exist are warnings.
 */
export function checkPrometheus(
  target: VerifyTarget,
  nodes: readonly Node[],
  pods: readonly Pod[],
  job: string,
  outcome: HttpOutcome<PrometheusQueryResponse>,
): CheckResult {
  const id = "prometheus";
  const name = checkName(id, target, job);
  const query = `query: ${prometheusQuery(target, job)}`;
  if (!outcome.ok) return { id, name, status: "fail", summary: `query failed: ${outcome.error}`, details: [query], warnings: [] };
  const { response } = outcome;
  if (response.status !== "success" || response.data?.resultType !== "vector") {
    const why = response.error ? `: ${response.error}` : "";
    return { id, name, status: "fail", summary: `unexpected answer: status ${response.status}${why}`, details: [query], warnings: [] };
  }
  const byPod = new Map(response.data.result.map((r) => [r.metric.pod, r]));
  const readyNodes = new Set(nodes.filter(isNodeReady).map((n) => n.metadata.name));
  const expected = pods.filter((p) => isPodRunningAndReady(p) && readyNodes.has(podNode(p) ?? ""));
  const details: string[] = [];
  for (const pod of expected) {
    const where = `${pod.metadata.name} on ${podNode(pod)}`;
    const series = byPod.get(pod.metadata.name);
    if (!series) details.push(`${where}: not a target`);
    else if (series.value[1] !== "1") details.push(`${where}: up == ${series.value[1]} (instance ${series.metric.instance ?? "unknown"})`);
  }
  const known = new Set(pods.map((p) => p.metadata.name));
  const warnings = response.data.result
    .filter((r) => !known.has(r.metric.pod))
    .map(
      (r) => `target ${r.metric.instance ?? "unknown"} (pod ${r.metric.pod ?? "unknown"}) is no collector pod of now: up == ${r.value[1]}`,
    );
  if (response.data.result.length === 0) {
    return {
      id,
      name,
      status: "fail",
      summary: `Prometheus has no target of job ${job} in ${target.namespace}: its serviceMonitorSelector does not select the ServiceMonitor, or it is missing`,
      details: [query],
      warnings,
    };
  }
  if (details.length > 0) {
    return {
      id,
      name,
      status: "fail",
      summary: `${details.length} of ${plural(expected.length, "collector")} not scraped (up == 1)`,
      details: [...details, query],
      warnings,
    };
  }
  return {
    id,
    name,
    status: "pass",
    summary: `all ${plural(expected.length, "collector")} are targets with up == 1`,
    details: [],
    warnings,
  };
}

// ---- Datadog ---------------------------------------------------------------

/** Every collector pod carries the Autodiscovery openmetrics check the stack's alloy-logs:datadog configures. */
export function checkDatadogAnnotations(target: VerifyTarget, pods: readonly Pod[]): CheckResult {
  const id = "datadog";
  const name = checkName(id, target);
  const { datadog } = target;
  if (!datadog.enabled)
    return { id, name, status: "skip", summary: "skipped: alloy-logs:datadog.enabled is false", details: [], warnings: [] };
  const expected = JSON.parse(datadog.checks) as { openmetrics: { instances: Record<string, unknown>[] } };
  const want = expected.openmetrics.instances[0];
  const details: string[] = [];
  for (const pod of pods) {
    const where = `${pod.metadata.name} on ${podNode(pod) ?? "no node"}`;
    const text = pod.metadata.annotations?.[datadog.annotation];
    if (text === undefined) {
      details.push(`${where}: no ${datadog.annotation} annotation`);
      continue;
    }
    let got: typeof expected;
    try {
      got = JSON.parse(text) as typeof expected;
    } catch {
      details.push(`${where}: ${datadog.annotation} is not JSON`);
      continue;
    }
    if (JSON.stringify(got) === JSON.stringify(expected)) continue;
    const instance = got.openmetrics?.instances?.[0] ?? {};
    const differing = Object.keys(want).filter((key) => JSON.stringify(instance[key]) !== JSON.stringify(want[key]));
    const what =
      differing.length > 0 ? differing.map((key) => `${key} ${JSON.stringify(instance[key] ?? null)}`).join(", ") : "its structure";
    details.push(`${where}: ${datadog.annotation} differs from the stack's check: ${what}`);
  }
  if (details.length > 0) {
    const bad = new Set(details.map((d) => d.split(" ")[0])).size;
    return {
      id,
      name,
      status: "fail",
      summary: `${bad} of ${plural(pods.length, "pod")} without the stack's openmetrics check`,
      details,
      warnings: [],
    };
  }
  return {
    id,
    name,
    status: "pass",
    summary: `all ${plural(pods.length, "pod")} carry it (namespace ${datadog.namespace}, ${plural(datadog.metrics.length, "metric")})`,
    details: [],
    warnings: [],
  };
}

/** The names the openmetrics check submits for one `metrics` entry: <namespace>.<name>, or with a suffix (.count, .bucket, .sum). */
function submittedAs(namespace: string, metric: string): RegExp | undefined {
  try {
    return new RegExp(`^${namespace.replace(/\./g, "\\.")}\\.(?:${metric})(?:\\.[a-z_]+)?$`);
  } catch {
    return undefined;
  }
}

/**
 * Metrics Alloy v1.11.3 creates only when what they count first happens: loki.process's dropped-lines counter gets
 * its series at the first dropped line (internal/component/loki/process/stages). The loki.write counters are set to
 * 0 at the first batch (common/loki/client/client.go, initBatchMetrics), so they are always there.
 */
export const REPORTED_ONCE_COUNTING: ReadonlySet<string> = new Set(["loki_process_dropped_lines"]);

/**
 * Every metric of alloy-logs:datadog.metrics has reached Datadog from this cluster in the last DATADOG_WINDOW_MINUTES
 * (one of REPORTED_ONCE_COUNTING missing is a warning):
 * the active metrics (GET /api/v1/metrics) with the tag filter (kube_cluster_name:<clusterName> unless DD_TAG_FILTER
 * says otherwise) include <namespace>.<metric>, with or without the check's suffix.
 */
export function checkDatadogMetrics(target: VerifyTarget, tagFilter: string, outcome: HttpOutcome<DatadogActiveMetrics>): CheckResult {
  const id = "datadog-metrics";
  const { namespace, metrics } = target.datadog;
  const name = checkName(id, target);
  const filter = `tag_filter: ${tagFilter}`;
  if (!outcome.ok) return { id, name, status: "fail", summary: `query failed: ${outcome.error}`, details: [filter], warnings: [] };
  const active = (outcome.response.metrics ?? []).filter((m) => m.startsWith(`${namespace}.`));
  const unreported = metrics.filter((metric) => {
    const pattern = submittedAs(namespace, metric);
    return pattern === undefined || !active.some((m) => pattern.test(m));
  });
  const window = `${DATADOG_WINDOW_MINUTES}m`;
  const missing = unreported.filter((m) => !REPORTED_ONCE_COUNTING.has(m));
  const warnings = unreported
    .filter((m) => REPORTED_ONCE_COUNTING.has(m))
    .map((m) => `${namespace}.${m} not reported: Alloy exposes it only once it counts something (none dropped yet)`);
  if (active.length === 0) {
    return {
      id,
      name,
      status: "fail",
      summary: `no metric under ${namespace}. reported in the last ${window}`,
      details: [filter],
      warnings: [],
    };
  }
  if (missing.length > 0) {
    return {
      id,
      name,
      status: "fail",
      summary: `${missing.length} of ${plural(metrics.length, "configured metric")} not reported in the last ${window}`,
      details: [...missing.map((m) => `${namespace}.${m}`), filter],
      warnings,
    };
  }
  const reported = metrics.length - unreported.length;
  return {
    id,
    name,
    status: "pass",
    summary: `${reported} of ${plural(metrics.length, "configured metric")} reported in the last ${window}`,
    details: [],
    warnings,
  };
}

// ---- Loki ------------------------------------------------------------------

/**
 * Pod log lines per node over the window (not the node journal's), for the stack's cluster label; without node_name among the index labels, lines of
 * the whole cluster.
 */
export function lokiQuery(target: VerifyTarget): string {
  // The node journal's lines carry node_name too: a node whose pods' logs stopped must not pass on its kubelet's lines.
  const selector = `{cluster=${quoted(target.clusterName)}, job!=${quoted(JOURNAL_JOB)}}`;
  return target.indexLabels.includes("node_name")
    ? `count by (node_name) (count_over_time(${selector}[${LOKI_WINDOW}]))`
    : `sum(count_over_time(${selector}[${LOKI_WINDOW}]))`;
}

export type LokiOutcome = HttpOutcome<LokiQueryResponse>;
type LokiSamples = NonNullable<LokiQueryResponse["data"]>["result"];

/**
 * The samples of a Loki check's instant vector, or the check's failure when there are none to count: the query
 * failed (the report shows the query and which credentials were sent), or Loki answered something else.
 */
function lokiSamples(
  id: CheckId,
  name: string,
  outcome: LokiOutcome,
  query: string,
  credentials: string,
): { samples: LokiSamples } | { failure: CheckResult } {
  const fail = (summary: string, details: string[]) => ({ failure: { id, name, status: "fail" as const, summary, details, warnings: [] } });
  if (!outcome.ok) return fail(`query failed: ${outcome.error}`, [query, `credentials: ${credentials}`]);
  const { response } = outcome;
  if (response.status === "success" && response.data?.resultType === "vector") return { samples: response.data.result };
  return fail(`unexpected answer: status ${response.status}, result type ${response.data?.resultType ?? "none"}`, [query]);
}

/**
 * Every Ready node has log lines in Loki, under the stack's tenant and cluster label, in the last 5 minutes (the
 * collector itself logs, so even an idle node has lines). Without node_name as an index label, the cluster has
 * lines at all. `credentials` says which were sent (never their value).
 */
export function checkLoki(target: VerifyTarget, nodes: readonly Node[], outcome: LokiOutcome, credentials: string): CheckResult {
  const id = "loki";
  const name = checkName(id, target);
  const query = `query: ${lokiQuery(target)}`;
  const sent = `credentials: ${credentials}`;
  const answer = lokiSamples(id, name, outcome, query, credentials);
  if ("failure" in answer) return answer.failure;
  if (!target.indexLabels.includes("node_name")) {
    const lines = Number(answer.samples[0]?.value[1] ?? 0);
    const warnings = [
      "node_name is not an index label of this stack (alloy-logs:pipeline.indexLabels): lines are counted for the cluster, not per node",
    ];
    if (lines > 0)
      return { id, name, status: "pass", summary: `${lines} lines from the cluster in the last ${LOKI_WINDOW}`, details: [], warnings };
    return { id, name, status: "fail", summary: `no lines from the cluster in the last ${LOKI_WINDOW}`, details: [query, sent], warnings };
  }
  const withLines = new Set(answer.samples.filter((r) => Number(r.value[1]) > 0).map((r) => r.metric.node_name));
  const expected = nodes.filter(isNodeReady);
  const missing = expected.filter((n) => !withLines.has(n.metadata.name));
  const which = expected.length === nodes.length ? "nodes" : "Ready nodes";
  if (missing.length > 0) {
    return {
      id,
      name,
      status: "fail",
      summary: `no lines in the last ${LOKI_WINDOW} from ${missing.length} of ${expected.length} ${which}`,
      details: [...missing.map(nodeWithTaints), query],
      warnings: [],
    };
  }
  const summary = `lines from all ${expected.length} ${which} in the last ${LOKI_WINDOW}${credentials.startsWith("none") ? "" : `, credentials from ${credentials}`}`;
  return { id, name, status: "pass", summary, details: [], warnings: [] };
}

// ---- the node journal (issue 20) ------------------------------------------

/** Journal lines per node over the window: loki.source.journal labels every line job and node_name itself. */
export function journalQuery(target: VerifyTarget): string {
  return `count by (node_name) (count_over_time({cluster=${quoted(target.clusterName)}, job=${quoted(JOURNAL_JOB)}}[${JOURNAL_WINDOW}]))`;
}

/**
 * What a collector logs when its journal reader cannot run (Alloy v1.11.3): journal_stub.go, in a build without the
 * promtail_journal_enabled tag, logs this once at start and stays healthy; journal.go logs the second when the reader
 * cannot be created (reloadTargets), e.g. for a path that holds no journal.
 */
export const JOURNAL_LOG_MESSAGES = {
  notEnabled: "loki.source.journal is not enabled, and must be ran on linux with journal support",
  noReader: "error creating journal target",
} as const;

/** What the collector's own log on that node says about its journal reader, if anything. */
function journalLogHint(node: string, logs: readonly PodLogs[]): string | undefined {
  const lines = logs.find((l) => l.node === node)?.lines ?? [];
  if (lines.some((l) => l.includes(JOURNAL_LOG_MESSAGES.notEnabled)))
    return `its collector logs "${JOURNAL_LOG_MESSAGES.notEnabled}": the Alloy image was built without journal support; use the official grafana/alloy image`;
  const failed = lines.find((l) => l.includes(JOURNAL_LOG_MESSAGES.noReader));
  if (failed !== undefined)
    return `its collector logs: ${failed.length > LOG_LINE_CHARS ? `${failed.slice(0, LOG_LINE_CHARS)}...` : failed}`;
  return undefined;
}

/**
 * Every Ready node has journal lines (job="systemd-journal") in Loki in the last JOURNAL_WINDOW. For a node without,
 * it says what to check: the collector's log when it names the cause, else where the node keeps its journal.
 */
export function checkJournal(
  target: VerifyTarget,
  nodes: readonly Node[],
  outcome: LokiOutcome,
  credentials: string,
  pods: readonly Pod[],
  logs: readonly PodLogs[],
): CheckResult {
  const id = "journal";
  const name = checkName(id, target);
  const query = `query: ${journalQuery(target)}`;
  const answer = lokiSamples(id, name, outcome, query, credentials);
  if ("failure" in answer) return answer.failure;
  const withLines = new Set(answer.samples.filter((r) => Number(r.value[1]) > 0).map((r) => r.metric.node_name));
  const expected = nodes.filter(isNodeReady);
  const missing = expected.filter((n) => !withLines.has(n.metadata.name));
  const which = expected.length === nodes.length ? "nodes" : "Ready nodes";
  if (missing.length === 0) {
    return { id, name, status: "pass", summary: `journal lines from all ${expected.length} ${which}`, details: [], warnings: [] };
  }
  const onNode =
    `on the node: journalctl --header -D ${target.journal.path} | head -3 (nothing there: the journal is elsewhere, ` +
    `e.g. volatile in /run/log/journal; set alloy-logs:journal.path), and kubectl -n ${target.namespace} logs ` +
    `<collector pod> -c ${target.container} | grep -i journal`;
  return {
    id,
    name,
    status: "fail",
    summary: `no journal lines in the last ${JOURNAL_WINDOW} from ${missing.length} of ${expected.length} ${which}`,
    details: [
      ...missing.map((n) => {
        const node = n.metadata.name;
        if (!pods.some((p) => p.spec.nodeName === node && p.status?.phase === "Running"))
          return `${node}: no collector runs there (see Collector pods)`;
        const hint = journalLogHint(node, logs);
        return `${node}: ${hint ?? `no journal line; check ${onNode}`}`;
      }),
      query,
    ],
    warnings: [],
  };
}

// ---- the events collector (issue 21) ----------------------------------------

/**
 * The events collector's Deployment runs exactly one replica, available and of its current generation. One, not
 * more: loki.source.kubernetes_events has no clustering in Alloy v1.11.3, so every replica sends every Event.
 * A replica that is not available is explained by its pod, as a collector pod is.
 */
export function checkEventsCollector(target: VerifyTarget, deployment: Fetched<Deployment>, pods: readonly Pod[]): CheckResult {
  const id = "events";
  const name = checkName(id, target);
  const fail = (summary: string, details: string[] = []): CheckResult => ({ id, name, status: "fail", summary, details, warnings: [] });
  if (!deployment.found)
    return fail(deployment.reason, [
      `alloy-logs:events.enabled is true, so pulumi up creates it (release ${target.events.releaseName}); it may have been deleted by hand`,
    ]);
  const spec = deployment.value.spec?.replicas ?? 1;
  const status = deployment.value.status ?? {};
  if (spec !== 1)
    return fail(`spec.replicas is ${spec}, expected 1`, [
      "every replica sends every Event (loki.source.kubernetes_events has no clustering in Alloy v1.11.3): pulumi up sets it back to 1",
    ]);
  const generation = deployment.value.metadata.generation;
  const observed = status.observedGeneration;
  if (generation !== undefined && (observed === undefined || observed < generation))
    return fail(
      `status is of generation ${observed ?? "none"}, the Deployment is at generation ${generation}: the controller has not caught up yet`,
    );
  const available = status.availableReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  if (available >= 1 && updated >= 1) {
    const running = pods.find(isPodRunningAndReady);
    const where = running ? `: pod ${running.metadata.name} on ${running.spec.nodeName ?? "no node"}` : "";
    return { id, name, status: "pass", summary: `1 of 1 replica available${where}`, details: [], warnings: [] };
  }
  const summary = available < 1 ? "0 of 1 replica available" : "the replica is not of the current pod template (rollout in progress)";
  const details = pods.length === 0 ? ["no pod"] : pods.filter((p) => !isPodRunningAndReady(p)).map(podProblem);
  return fail(summary, [...details, `kubectl -n ${target.namespace} describe deployment ${target.events.releaseName}`]);
}

/** The Events' lines in Loki over the window, for the stack's cluster label (under its tenant, as every Loki query). */
export function eventsQuery(target: VerifyTarget): string {
  return `sum(count_over_time({cluster=${quoted(target.clusterName)}, job=${quoted(target.events.job)}}[${EVENTS_WINDOW}]))`;
}

/**
 * The time loki.source.kubernetes_events gives an Event's line (v1.11.3 event_controller.go, eventTimestamp): its
 * lastTimestamp, or its eventTime when that is unset. Loki counts lines by that time, so the cluster's Events are too.
 */
export function eventTime(event: CoreEvent): number | undefined {
  const time = event.lastTimestamp || event.eventTime;
  const ms = time ? Date.parse(time) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function minutes(window: string): number {
  return Number(/^(\d+)m$/.exec(window)![1]);
}

/** One Event, as a person reads it in the report. */
function eventText(event: CoreEvent): string {
  const o = event.involvedObject;
  const object = [o.kind, o.namespace ? `${o.namespace}/${o.name ?? ""}` : o.name].filter(Boolean).join(" ");
  return `${event.type ?? "Normal"} ${event.reason ?? "(no reason)"} on ${object} at ${new Date(eventTime(event)!).toISOString()}`;
}

/**
 * The Events the cluster recorded in the window (older than EVENTS_GRACE_MS) have lines in Loki, under the stack's
 * tenant and cluster label. A cluster with no Events in the window proves nothing either way: it passes with a
 * warning saying so. Fewer lines than Events means some were never sent: a warning, since Loki's and the API
 * server's windows end a few seconds apart.
 */
export function checkEventsInLoki(
  target: VerifyTarget,
  events: readonly CoreEvent[],
  outcome: LokiOutcome,
  credentials: string,
  now: Date,
): CheckResult {
  const id = "events-loki";
  const name = checkName(id, target);
  const query = `query: ${eventsQuery(target)}`;
  const answer = lokiSamples(id, name, outcome, query, credentials);
  if ("failure" in answer) return answer.failure;
  const lines = Number(answer.samples[0]?.value[1] ?? 0);
  const from = now.getTime() - minutes(EVENTS_WINDOW) * 60_000;
  const until = now.getTime() - EVENTS_GRACE_MS;
  const recorded = events
    .filter((e) => {
      const t = eventTime(e);
      return t !== undefined && t >= from && t <= until;
    })
    .sort((a, b) => eventTime(b)! - eventTime(a)!);
  const counted = `the ${plural(recorded.length, "Event")} the cluster recorded from ${EVENTS_WINDOW} to 1m ago`;
  if (recorded.length === 0) {
    return {
      id,
      name,
      status: "pass",
      summary: `${plural(lines, "line")} in the last ${EVENTS_WINDOW}; the cluster recorded no Event from ${EVENTS_WINDOW} to 1m ago`,
      details: [],
      warnings: ["no Event to look for, so this proves nothing: run verify again after something happens (a rollout makes Events)"],
    };
  }
  if (lines === 0) {
    return {
      id,
      name,
      status: "fail",
      summary: `no lines in the last ${EVENTS_WINDOW}, against ${counted}`,
      details: [`newest: ${eventText(recorded[0])}`, query, `credentials: ${credentials}`, "see Events collector Deployment, and its log"],
      warnings: [],
    };
  }
  const warnings =
    lines < recorded.length
      ? [`fewer lines than Events: ${lines} against ${recorded.length}; some were never sent (was the events collector down?)`]
      : [];
  return {
    id,
    name,
    status: "pass",
    summary: `${plural(lines, "line")} in the last ${EVENTS_WINDOW}, for ${counted}`,
    details: [],
    warnings,
  };
}
