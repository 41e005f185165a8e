/**
 * The data source of `npm run verify`: the kubectl commands that read the
 * cluster, and the Loki query. kubectl runs through an injected runner, and
 * every command names the stack's context (`--context`), so the current
 * context of whoever runs verify is never used.
 */
import { lokiQuery, type LokiOutcome } from "./checks";
import type { VerifyTarget } from "./target";
import type { DaemonSet, Fetched, List, LokiQueryResponse, Node, Pod, PodMetrics, ServiceMonitor } from "./types";

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
    podMetrics: [
      ...cluster,
      "get",
      "--raw",
      `/apis/metrics.k8s.io/v1beta1/namespaces/${target.namespace}/pods?labelSelector=${encodeURIComponent(target.podSelector)}`,
    ],
  };
}

export interface ClusterState {
  nodes: Node[];
  pods: Pod[];
  daemonSet: Fetched<DaemonSet>;
  /** Undefined when the stack disables the ServiceMonitor (it is then not read). */
  serviceMonitor?: Fetched<ServiceMonitor>;
  podMetrics: Fetched<PodMetrics[]>;
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
  const [nodes, pods, daemonSet, serviceMonitor, podMetrics] = await Promise.all([
    run(commands.nodes),
    run(commands.pods),
    run(commands.daemonSet),
    target.serviceMonitor.enabled ? run(commands.serviceMonitor) : undefined,
    run(commands.podMetrics),
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
      state.serviceMonitor = { found: false, reason: "the cluster has no ServiceMonitor resource type (the monitoring.coreos.com CRDs are not installed)" };
    } else throw failure(args, result);
  }

  {
    const { args, result } = podMetrics;
    if (result.code === 0) state.podMetrics = { found: true, value: parse<List<PodMetrics>>(args, result).items };
    else if (NOT_FOUND.test(result.stderr)) state.podMetrics = { found: false, reason: "the metrics API (metrics.k8s.io) is not served by this cluster" };
    else if (SERVICE_UNAVAILABLE.test(result.stderr)) {
      state.podMetrics = { found: false, reason: `the metrics API (metrics.k8s.io) is registered but not answering: ${firstLine(result.stderr)}` };
    } else throw failure(args, result);
  }
  return state;
}

/** The subset of the fetch API queryLoki uses (Node 20's global fetch fits). */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }>;

/** `<base>/loki/api/v1/query?query=…`; the base is what logcli takes as --addr, and may have a path prefix. */
export function lokiQueryUrl(baseUrl: string, query: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}/loki/api/v1/query`);
  url.searchParams.set("query", query);
  return url.toString();
}

/** Runs the Loki check's query under the stack's tenant (X-Scope-OrgID). */
export async function queryLoki(target: VerifyTarget, baseUrl: string, fetchImpl: FetchLike, timeoutMs = 15_000): Promise<LokiOutcome> {
  const url = lokiQueryUrl(baseUrl, lokiQuery(target));
  let response: Awaited<ReturnType<FetchLike>>;
  let body: string;
  try {
    response = await fetchImpl(url, { headers: { "X-Scope-OrgID": target.tenantId }, signal: AbortSignal.timeout(timeoutMs) });
    body = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: `could not reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
  }
  if (!response.ok) return { ok: false, error: `HTTP ${response.status} ${response.statusText}: ${body.trim().slice(0, 200)}` };
  try {
    return { ok: true, response: JSON.parse(body) as LokiQueryResponse };
  } catch {
    return { ok: false, error: `the answer is not JSON: ${body.trim().slice(0, 200)}` };
  }
}
