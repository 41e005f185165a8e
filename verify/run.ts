/** `npm run verify`, without the process around it: read the cluster and Loki, run every check, report. */
import { checkCollectorPods, checkDaemonSet, checkLoki, checkResourceUsage, checkRestarts, checkServiceMonitor, type CheckResult } from "./checks";
import { exitCode, formatReport } from "./report";
import { queryLoki, readCluster, type FetchLike, type KubectlRunner } from "./source";
import type { VerifyTarget } from "./target";

export interface VerifyDependencies {
  kubectl: KubectlRunner;
  /** Loki's query base URL (logcli's --addr); without it the Loki check is skipped. */
  lokiUrl?: string;
  fetch: FetchLike;
  now: Date;
}

export interface VerifyOutcome {
  results: CheckResult[];
  report: string;
  exitCode: number;
}

export async function runVerify(target: VerifyTarget, deps: VerifyDependencies): Promise<VerifyOutcome> {
  const [cluster, loki] = await Promise.all([
    readCluster(target, deps.kubectl),
    // Without node_name as an index label the check is skipped, so Loki is not asked.
    deps.lokiUrl === undefined || !target.indexLabels.includes("node_name") ? undefined : queryLoki(target, deps.lokiUrl, deps.fetch),
  ]);
  const results = [
    checkDaemonSet(target, cluster.nodes, cluster.daemonSet),
    checkCollectorPods(cluster.nodes, cluster.pods),
    checkRestarts(cluster.pods, deps.now),
    checkResourceUsage(target, cluster.pods, cluster.podMetrics),
    checkServiceMonitor(target, cluster.serviceMonitor),
    checkLoki(target, cluster.nodes, deps.lokiUrl === undefined ? undefined : loki ?? { ok: false, error: "not queried" }),
  ];
  return { results, report: formatReport(target, results), exitCode: exitCode(results) };
}
