/**
 * The data source of `npm run verify`: the kubectl commands that read the
 * cluster, and the HTTP queries of Loki, Prometheus and Datadog. kubectl runs
 * through an injected runner, and every command names the stack's context
 * (`--context`), so the current context of whoever runs verify is never used.
 * Credentials are read here and sent as headers; they never reach a report.
 */
import { LOG_WINDOW, lokiQuery, prometheusQuery, type HttpOutcome, type LokiOutcome, type PodLogs } from "./checks";
import type { VerifyTarget } from "./target";
import type {
  CoreEvent,
  DaemonSet,
  Deployment,
  DatadogActiveMetrics,
  Fetched,
  List,
  Node,
  Pod,
  PodMetrics,
  PrometheusQueryResponse,
  Secret,
  Service,
  ServiceMonitor,
} from "./types";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kubectl <args>`; resolves with its exit code and output, rejects only when kubectl cannot be run. */
export type KubectlRunner = (args: readonly string[]) => Promise<KubectlResult>;

/** kubectl failed in a way no check can account for (no such context, cluster unreachable, forbidden). */
export class KubectlError extends Error {
  override name = "KubectlError";
}

/** The kubectl arguments of each read, in the order they are made. */
export function kubectlCommands(target: VerifyTarget) {
  const cluster = ["--context", target.kubeconfigContext, "--request-timeout=30s"];
  const namespaced = [...cluster, "--namespace", target.namespace];
  return {
    nodes: [...cluster, "get", "nodes", "-o", "json"],
    pods: [...namespaced, "get", "pods", "--selector", target.podSelector, "-o", "json"],
    daemonSet: [...namespaced, "get", "daemonset", target.releaseName, "-o", "json"],
    serviceMonitor: [...namespaced, "get", "servicemonitors.monitoring.coreos.com", target.releaseName, "-o", "json"],
    service: [...namespaced, "get", "service", target.releaseName, "-o", "json"],
    podMetrics: [
      ...cluster,
      "get",
      "--raw",
      `/apis/metrics.k8s.io/v1beta1/namespaces/${target.namespace}/pods?labelSelector=${encodeURIComponent(target.podSelector)}`,
    ],
    lokiAuthSecret: [...namespaced, "get", "secret", target.lokiAuth.secretName, "-o", "json"],
    eventsDeployment: [...namespaced, "get", "deployment", target.events.releaseName, "-o", "json"],
    eventsPods: [...namespaced, "get", "pods", "--selector", target.events.podSelector, "-o", "json"],
    // Every namespace's: the events collector sends them all. kubectl lists them in chunks of 500 (--chunk-size).
    events: [...cluster, "get", "events", "--all-namespaces", "-o", "json"],
  };
}

/** One collector's log over LOG_WINDOW (all levels; the check picks the error lines). */
export function kubectlLogsCommand(target: VerifyTarget, pod: string): string[] {
  return [
    "--context",
    target.kubeconfigContext,
    "--request-timeout=30s",
    "--namespace",
    target.namespace,
    "logs",
    pod,
    "--container",
    target.container,
    `--since=${LOG_WINDOW}`,
  ];
}

export interface ClusterState {
  nodes: Node[];
  pods: Pod[];
  daemonSet: Fetched<DaemonSet>;
  /** Undefined when the stack disables the ServiceMonitor (it is then not read). */
  serviceMonitor?: Fetched<ServiceMonitor>;
  /** The Service the ServiceMonitor selects; undefined when the ServiceMonitor is disabled. */
  service?: Fetched<Service>;
  podMetrics: Fetched<PodMetrics[]>;
  /** The events collector's Deployment and pods; undefined when the stack disables it (they are then not read). */
  events?: { deployment: Fetched<Deployment>; pods: Pod[] };
}

function failure(args: readonly string[], result: KubectlResult): KubectlError {
  return new KubectlError(`kubectl ${args.join(" ")} failed (exit code ${result.code}): ${result.stderr.trim() || "no output"}`);
}

function parse<T>(args: readonly string[], result: KubectlResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new KubectlError(`kubectl ${args.join(" ")} printed no JSON: ${result.stdout.slice(0, 200)}`);
  }
}

const NOT_FOUND = /\(NotFound\)/;
const NO_RESOURCE_TYPE = /doesn't have a resource type/;
const SERVICE_UNAVAILABLE = /\(ServiceUnavailable\)/;

function firstLine(text: string): string {
  return text.trim().split("\n")[0];
}

export async function readCluster(target: VerifyTarget, kubectl: KubectlRunner): Promise<ClusterState> {
  const commands = kubectlCommands(target);
  const run = async (args: string[]) => ({ args, result: await kubectl(args) });
  const [nodes, pods, daemonSet, serviceMonitor, service, podMetrics, eventsDeployment, eventsPods] = await Promise.all([
    run(commands.nodes),
    run(commands.pods),
    run(commands.daemonSet),
    target.serviceMonitor.enabled ? run(commands.serviceMonitor) : undefined,
    target.serviceMonitor.enabled ? run(commands.service) : undefined,
    run(commands.podMetrics),
    target.events.enabled ? run(commands.eventsDeployment) : undefined,
    target.events.enabled ? run(commands.eventsPods) : undefined,
  ]);
  const list = <T>({ args, result }: { args: string[]; result: KubectlResult }): T[] => {
    if (result.code !== 0) throw failure(args, result);
    return parse<List<T>>(args, result).items;
  };
  const state: ClusterState = {
    nodes: list<Node>(nodes),
    pods: list<Pod>(pods),
    daemonSet: { found: false, reason: "" },
    podMetrics: { found: false, reason: "" },
  };

  if (daemonSet.result.code === 0) state.daemonSet = { found: true, value: parse<DaemonSet>(daemonSet.args, daemonSet.result) };
  else if (NOT_FOUND.test(daemonSet.result.stderr)) state.daemonSet = { found: false, reason: "not found" };
  else throw failure(daemonSet.args, daemonSet.result);

  if (serviceMonitor) {
    const { args, result } = serviceMonitor;
    if (result.code === 0) state.serviceMonitor = { found: true, value: parse<ServiceMonitor>(args, result) };
    else if (NOT_FOUND.test(result.stderr)) state.serviceMonitor = { found: false, reason: "not found" };
    else if (NO_RESOURCE_TYPE.test(result.stderr)) {
      state.serviceMonitor = {
        found: false,
        reason: "the cluster has no ServiceMonitor resource type (the monitoring.coreos.com CRDs are not installed)",
      };
    } else throw failure(args, result);
  }

  if (service) {
    const { args, result } = service;
    if (result.code === 0) state.service = { found: true, value: parse<Service>(args, result) };
    else if (NOT_FOUND.test(result.stderr)) state.service = { found: false, reason: "not found" };
    else throw failure(args, result);
  }

  {
    const { args, result } = podMetrics;
    if (result.code === 0) state.podMetrics = { found: true, value: parse<List<PodMetrics>>(args, result).items };
    else if (NOT_FOUND.test(result.stderr))
      state.podMetrics = { found: false, reason: "the metrics API (metrics.k8s.io) is not served by this cluster" };
    else if (SERVICE_UNAVAILABLE.test(result.stderr)) {
      state.podMetrics = {
        found: false,
        reason: `the metrics API (metrics.k8s.io) is registered but not answering: ${firstLine(result.stderr)}`,
      };
    } else throw failure(args, result);
  }

  if (eventsDeployment && eventsPods) {
    const { args, result } = eventsDeployment;
    let deployment: Fetched<Deployment>;
    if (result.code === 0) deployment = { found: true, value: parse<Deployment>(args, result) };
    else if (NOT_FOUND.test(result.stderr)) deployment = { found: false, reason: "not found" };
    else throw failure(args, result);
    state.events = { deployment, pods: list<Pod>(eventsPods) };
  }
  return state;
}

/** Every Event the API server holds, in every namespace (the events-loki check compares them with Loki's lines). */
export async function readEvents(target: VerifyTarget, kubectl: KubectlRunner): Promise<CoreEvent[]> {
  const args = kubectlCommands(target).events;
  const result = await kubectl(args);
  if (result.code !== 0) throw failure(args, result);
  return parse<List<CoreEvent>>(args, result).items;
}

/** How many `kubectl logs` run at once. */
const LOG_READS_AT_ONCE = 8;

/**
 * The log of every collector pod that has started (phase Running, or a container that ran), read with
 * kubectlLogsCommand, a few at a time. A pod whose log cannot be read (gone, not started) says why.
 */
export async function readCollectorLogs(target: VerifyTarget, pods: readonly Pod[], kubectl: KubectlRunner): Promise<PodLogs[]> {
  const started = pods.filter(
    (p) =>
      p.status?.phase === "Running" ||
      (p.status?.containerStatuses ?? []).some(
        (c) => c.name === target.container && (c.state?.running || c.state?.terminated || c.restartCount > 0),
      ),
  );
  const logs = new Array<PodLogs>(started.length);
  let next = 0;
  const worker = async () => {
    while (next < started.length) {
      const index = next++;
      const pod = started[index];
      const node = pod.spec.nodeName;
      const result = await kubectl(kubectlLogsCommand(target, pod.metadata.name));
      logs[index] =
        result.code === 0
          ? { pod: pod.metadata.name, node, lines: result.stdout.split("\n").filter((l) => l !== "") }
          : { pod: pod.metadata.name, node, error: firstLine(result.stderr) || `kubectl exit code ${result.code}` };
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOG_READS_AT_ONCE, started.length) }, worker));
  return logs;
}

/** The subset of the fetch API the HTTP checks use (Node 20's global fetch fits). */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }>;

/** GET a JSON answer; any failure becomes the outcome's error, naming the origin (never the query or a credential). */
export async function getJson<T>(
  url: string,
  headers: Record<string, string>,
  fetchImpl: FetchLike,
  timeoutMs = 15_000,
): Promise<HttpOutcome<T>> {
  let response: Awaited<ReturnType<FetchLike>>;
  let body: string;
  try {
    response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    body = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: `could not reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
  }
  if (!response.ok) return { ok: false, error: `HTTP ${response.status} ${response.statusText}: ${body.trim().slice(0, 200)}` };
  try {
    return { ok: true, response: JSON.parse(body) as T };
  } catch {
    return { ok: false, error: `the answer is not JSON: ${body.trim().slice(0, 200)}` };
  }
}

/** `<base>/<path>?query=…`; the base may have a path prefix (a gateway), as logcli's --addr and promtool's URL may. */
export function apiUrl(baseUrl: string, apiPath: string, params: Record<string, string>): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}${apiPath}`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/** `<base>/loki/api/v1/query?query=…`; the base is what logcli takes as --addr. */
export function lokiQueryUrl(baseUrl: string, query: string): string {
  return apiUrl(baseUrl, "/loki/api/v1/query", { query });
}

/** Credentials for the Loki query, from LOKI_QUERY_* variables when set. */
export interface LokiQueryEnv {
  username?: string;
  password?: string;
  token?: string;
}

/** The Authorization header of the Loki query and where it came from, or why there is none to send. */
export type LokiAuthorization = { ok: true; header?: string; source: string } | { ok: false; error: string };

/**
 * The credentials the Loki query sends: LOKI_QUERY_TOKEN (bearer), or LOKI_QUERY_USERNAME and LOKI_QUERY_PASSWORD
 * (basic), when set; else the stack's own (alloy-logs:lokiAuth), read from the Secret the program created in the
 * cluster; else none, when the stack's Loki needs none.
 */
export async function lokiAuthorization(target: VerifyTarget, env: LokiQueryEnv, kubectl: KubectlRunner): Promise<LokiAuthorization> {
  if (env.token) return { ok: true, header: `Bearer ${env.token}`, source: "LOKI_QUERY_TOKEN" };
  if (env.username || env.password) {
    if (!env.username || !env.password)
      return { ok: false, error: "LOKI_QUERY_USERNAME and LOKI_QUERY_PASSWORD go together; one of them is empty" };
    return { ok: true, header: basic(env.username, env.password), source: "LOKI_QUERY_USERNAME and LOKI_QUERY_PASSWORD" };
  }
  const { type, secretName, keys } = target.lokiAuth;
  if (type === "none") return { ok: true, source: "none (alloy-logs:lokiAuth.type is none)" };
  const args = kubectlCommands(target).lokiAuthSecret;
  const where = `Secret ${target.namespace}/${secretName}`;
  const result = await kubectl(args);
  if (result.code !== 0)
    return { ok: false, error: `the stack's Loki credentials could not be read from ${where}: ${firstLine(result.stderr)}` };
  const data = parse<Secret>(args, result).data ?? {};
  const value = (key: string) => (data[key] === undefined ? undefined : Buffer.from(data[key], "base64").toString("utf8"));
  if (type === "bearer") {
    const token = value(keys.token);
    return token ? { ok: true, header: `Bearer ${token}`, source: where } : { ok: false, error: `${where} has no ${keys.token}` };
  }
  const username = value(keys.username);
  const password = value(keys.password);
  if (!username || !password) return { ok: false, error: `${where} lacks ${keys.username} or ${keys.password}` };
  return { ok: true, header: basic(username, password), source: where };
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/**
 * Runs a Loki check's query (by default the pod-log check's) under the stack's tenant (X-Scope-OrgID), with the
 * given Authorization header.
 */
export async function queryLoki(
  target: VerifyTarget,
  baseUrl: string,
  fetchImpl: FetchLike,
  authorization?: string,
  query: string = lokiQuery(target),
): Promise<LokiOutcome> {
  const headers: Record<string, string> = { "X-Scope-OrgID": target.tenantId };
  if (authorization) headers.Authorization = authorization;
  return getJson(lokiQueryUrl(baseUrl, query), headers, fetchImpl);
}

/** Prometheus's instant query of the collectors' `up` series. */
export async function queryPrometheus(
  target: VerifyTarget,
  job: string,
  baseUrl: string,
  fetchImpl: FetchLike,
): Promise<HttpOutcome<PrometheusQueryResponse>> {
  return getJson(apiUrl(baseUrl, "/api/v1/query", { query: prometheusQuery(target, job) }), {}, fetchImpl);
}

export interface DatadogEnv {
  apiKey: string;
  appKey: string;
  /** DD_SITE, e.g. datadoghq.eu; default datadoghq.com. */
  site?: string;
}

/**
 * The Datadog API host of a site: api.<site> (https://docs.datadoghq.com/getting_started/site/); an http(s) URL
 * instead of a site is used as it is (a proxy).
 */
export function datadogApiBase(site: string | undefined): string {
  if (site && /^https?:\/\//.test(site)) return site;
  return `https://api.${(site || "datadoghq.com").replace(/^app\./, "")}`;
}

/** The metrics active since `from` (GET /api/v1/metrics) with the tag filter, authenticated by the API and application keys. */
export async function queryDatadogMetrics(
  tagFilter: string,
  from: Date,
  env: DatadogEnv,
  fetchImpl: FetchLike,
): Promise<HttpOutcome<DatadogActiveMetrics>> {
  const url = apiUrl(datadogApiBase(env.site), "/api/v1/metrics", {
    from: String(Math.floor(from.getTime() / 1000)),
    tag_filter: tagFilter,
  });
  return getJson(url, { "DD-API-KEY": env.apiKey, "DD-APPLICATION-KEY": env.appKey }, fetchImpl);
}
