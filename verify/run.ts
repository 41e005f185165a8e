/** `npm run verify`, without the process around it: read the cluster, Loki, Prometheus and Datadog, run every check, report. */
import {
  CHECK_IDS,
  checkCollectorLogs,
  checkCollectorPods,
  checkDaemonSet,
  checkEventsCollector,
  checkEventsInLoki,
  checkJournal,
  checkDatadogAnnotations,
  checkDatadogMetrics,
  checkLoki,
  checkName,
  checkPrometheus,
  checkResourceUsage,
  checkRestarts,
  checkServiceMonitor,
  DATADOG_WINDOW_MINUTES,
  eventsQuery,
  journalQuery,
  lokiQuery,
  prometheusJob,
  type CheckId,
  type CheckResult,
} from "./checks";
import { exitCode, formatReport } from "./report";
import {
  lokiAuthorization,
  queryDatadogMetrics,
  queryLoki,
  queryPrometheus,
  readCluster,
  readCollectorLogs,
  readEvents,
  type DatadogEnv,
  type FetchLike,
  type KubectlRunner,
  type LokiQueryEnv,
} from "./source";
import type { VerifyTarget } from "./target";

export interface VerifyDependencies {
  kubectl: KubectlRunner;
  fetch: FetchLike;
  now: Date;
  /** Loki's query base URL (logcli's --addr); without it the Loki check does not run. */
  lokiUrl?: string;
  /** LOKI_QUERY_* credentials; without them the stack's own are used. */
  lokiEnv?: LokiQueryEnv;
  /** Prometheus's base URL; without it the Prometheus check does not run. */
  prometheusUrl?: string;
  /** DD_API_KEY, DD_APP_KEY (both), DD_SITE; without them the Datadog metrics check does not run. */
  datadog?: DatadogEnv;
  /** DD_TAG_FILTER: the Datadog tags of this cluster's metrics; default kube_cluster_name:<clusterName>. */
  datadogTagFilter?: string;
  /** Checks the user asked to skip by name (`--skip`). */
  skip?: ReadonlySet<CheckId>;
}

export interface VerifyOutcome {
  results: CheckResult[];
  report: string;
  exitCode: number;
}

/** Why a check that needs an input cannot run without it: what to set. */
export const NOT_RUN_REASONS = {
  prometheus: "no Prometheus URL (--prometheus-url <url> or PROMETHEUS_URL)",
  "datadog-metrics": "no Datadog API keys (DD_API_KEY and DD_APP_KEY): only the pods' annotations were checked",
  loki: "no Loki query URL (--loki-url <url> or LOKI_QUERY_URL)",
  journal: "no Loki query URL (--loki-url <url> or LOKI_QUERY_URL)",
  "events-loki": "no Loki query URL (--loki-url <url> or LOKI_QUERY_URL)",
} as const;

export async function runVerify(target: VerifyTarget, deps: VerifyDependencies): Promise<VerifyOutcome> {
  const skip = deps.skip ?? new Set<CheckId>();
  const cluster = await readCluster(target, deps.kubectl);
  const job = prometheusJob(target, cluster.serviceMonitor, cluster.service);
  const tagFilter = deps.datadogTagFilter || `kube_cluster_name:${target.clusterName}`;
  const wanted = (id: CheckId) => !skip.has(id);
  const journalWanted = wanted("journal") && target.journal.enabled;
  const eventsWanted = wanted("events-loki") && target.events.enabled;
  const lokiWanted = [wanted("loki"), journalWanted, eventsWanted].filter(Boolean);

  const [logs, prometheus, datadogMetrics, loki] = await Promise.all([
    wanted("logs") ? readCollectorLogs(target, cluster.pods, deps.kubectl) : undefined,
    wanted("prometheus") && target.serviceMonitor.enabled && deps.prometheusUrl
      ? queryPrometheus(target, job, deps.prometheusUrl, deps.fetch)
      : undefined,
    wanted("datadog-metrics") && target.datadog.enabled && deps.datadog
      ? queryDatadogMetrics(tagFilter, new Date(deps.now.getTime() - DATADOG_WINDOW_MINUTES * 60_000), deps.datadog, deps.fetch)
      : undefined,
    lokiWanted.length > 0 && deps.lokiUrl
      ? (async () => {
          const auth = await lokiAuthorization(target, deps.lokiEnv ?? {}, deps.kubectl);
          const query = (wanted: boolean, text: string) =>
            auth.ok && wanted ? queryLoki(target, deps.lokiUrl!, deps.fetch, auth.header, text) : undefined;
          const [outcome, journal, events, clusterEvents] = await Promise.all([
            query(wanted("loki"), lokiQuery(target)),
            query(journalWanted, journalQuery(target)),
            query(eventsWanted, eventsQuery(target)),
            auth.ok && eventsWanted ? readEvents(target, deps.kubectl) : undefined,
          ]);
          return { auth, outcome, journal, events, clusterEvents };
        })()
      : undefined,
  ]);

  const result = (id: CheckId, status: CheckResult["status"], summary: string): CheckResult => ({
    id,
    name: checkName(id, target, job),
    status,
    summary,
    details: [],
    warnings: [],
  });
  const run: Record<CheckId, () => CheckResult> = {
    daemonset: () => checkDaemonSet(target, cluster.nodes, cluster.daemonSet),
    pods: () => checkCollectorPods(cluster.nodes, cluster.pods),
    restarts: () => checkRestarts(cluster.pods, deps.now),
    logs: () => checkCollectorLogs(target, logs ?? []),
    resources: () => checkResourceUsage(target, cluster.pods, cluster.podMetrics),
    servicemonitor: () => checkServiceMonitor(target, cluster.serviceMonitor),
    prometheus: () => {
      if (!target.serviceMonitor.enabled) return result("prometheus", "skip", "skipped: alloy-logs:serviceMonitor.enabled is false");
      if (!prometheus) return result("prometheus", "notrun", `not run: ${NOT_RUN_REASONS.prometheus}`);
      return checkPrometheus(target, cluster.nodes, cluster.pods, job, prometheus);
    },
    datadog: () => checkDatadogAnnotations(target, cluster.pods),
    "datadog-metrics": () => {
      if (!target.datadog.enabled) return result("datadog-metrics", "skip", "skipped: alloy-logs:datadog.enabled is false");
      if (!datadogMetrics) return result("datadog-metrics", "notrun", `not run: ${NOT_RUN_REASONS["datadog-metrics"]}`);
      return checkDatadogMetrics(target, tagFilter, datadogMetrics);
    },
    loki: () => {
      if (!loki) return result("loki", "notrun", `not run: ${NOT_RUN_REASONS.loki}`);
      if (!loki.auth.ok) return result("loki", "notrun", `not run: ${loki.auth.error}`);
      return checkLoki(target, cluster.nodes, loki.outcome!, loki.auth.source);
    },
    journal: () => {
      if (!target.journal.enabled) return result("journal", "skip", "skipped: alloy-logs:journal.enabled is false");
      if (!loki) return result("journal", "notrun", `not run: ${NOT_RUN_REASONS.journal}`);
      if (!loki.auth.ok) return result("journal", "notrun", `not run: ${loki.auth.error}`);
      return checkJournal(target, cluster.nodes, loki.journal!, loki.auth.source, cluster.pods, logs ?? []);
    },
    events: () => {
      if (!cluster.events) return result("events", "skip", "skipped: alloy-logs:events.enabled is false");
      return checkEventsCollector(target, cluster.events.deployment, cluster.events.pods);
    },
    "events-loki": () => {
      if (!target.events.enabled) return result("events-loki", "skip", "skipped: alloy-logs:events.enabled is false");
      if (!loki) return result("events-loki", "notrun", `not run: ${NOT_RUN_REASONS["events-loki"]}`);
      if (!loki.auth.ok) return result("events-loki", "notrun", `not run: ${loki.auth.error}`);
      return checkEventsInLoki(target, loki.clusterEvents!, loki.events!, loki.auth.source, deps.now);
    },
  };
  const results = CHECK_IDS.map((id) => (skip.has(id) ? result(id, "skip", `skipped (--skip ${id})`) : run[id]()));
  return { results, report: formatReport(target, results), exitCode: exitCode(results) };
}
