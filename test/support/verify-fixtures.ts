/**
 * What test/verify.test.ts (verify in-process) and test/process/verify-cli.test.ts (npm run verify as a process)
 * share: the recorded clusters of test/fixtures/verify/<scenario>/, the clock they were recorded at, the query
 * matchers, and the reports verify prints for them, written out by hand.
 */
import * as path from "node:path";

export const FIXTURES = path.join(__dirname, "..", "fixtures", "verify");
export type Scenario = "healthy" | "untolerated-taint";

/** When the fixtures were recorded: the in-process checks run at this clock. */
export const NOW = new Date("2025-12-05T06:30:00Z");

/** job="systemd-journal" as a query URL spells it: only the journal check's query has it (the Loki check's has job!=). */
export const JOURNAL_MATCHER = "job%3D%22systemd-journal%22";

/** The events job as a query URL spells it: only the events-loki check's query has it. */
export const EVENTS_MATCHER = "job%3D%22integrations%2Fkubernetes%2Feventhandler%22";

/** verify's report for the healthy scenario. */
export const HEALTHY_REPORT = `Verifying stack "ops": cluster buzzvil-eks-ops, kubeconfig context buzzvil-eks-ops, namespace loki-v3
✓ DaemonSet loki-v3/alloy: desired=current=ready=up-to-date=available=10, one per node
✓ Collector pods: Running and Ready on all 10 nodes, 2 of them tainted
✓ Restarts: no container restarted more than 3 times
✓ Collector logs (last 15m): no error lines from 10 collectors
✓ Resource usage: container alloy at most cpu 90m of 250m, memory 272Mi of 700Mi, 10 pods
✓ ServiceMonitor loki-v3/alloy: present, labelled release=kube-prometheus-stack
✓ Prometheus targets (job alloy): all 10 collectors are targets with up == 1
✓ Datadog openmetrics check: all 10 pods carry it (namespace loki_v3, 10 metrics)
✓ Datadog metrics (loki_v3.*): 9 of 10 configured metrics reported in the last 15m
    warning: loki_v3.loki_process_dropped_lines not reported: Alloy exposes it only once it counts something (none dropped yet)
✓ Loki (tenant ops): lines from all 10 nodes in the last 5m
✓ Node journal in Loki (last 15m): journal lines from all 10 nodes
✓ Events collector Deployment loki-v3/alloy-events: 1 of 1 replica available: pod alloy-events-6f8d9c7b45-q7x2m on ip-10-11-12-123.ap-northeast-1.compute.internal
✓ Kubernetes events in Loki (last 15m): 9 lines in the last 15m, for the 4 Events the cluster recorded from 15m to 1m ago
13 of 13 checks passed.
`;

/** The scheduler's message on the Pending pod of the untolerated-taint scenario. */
export const SCHEDULER_MESSAGE =
  "0/10 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unschedulable: }, 9 node(s) didn't match Pod's node affinity/selector. " +
  "preemption: 0/10 nodes are available: 10 Preemption is not helpful for scheduling.";

/** verify's report for the untolerated-taint scenario (the seed's incident). */
export const UNTOLERATED_TAINT_REPORT = `Verifying stack "ops": cluster buzzvil-eks-ops, kubeconfig context buzzvil-eks-ops, namespace loki-v3
✗ DaemonSet loki-v3/alloy: desired=current=ready=up-to-date=available=9; expected 10 (one per node)
    the DaemonSet counts 9 of 10 nodes: a node whose taints it does not tolerate is left out of desired, so its own status looks complete (see Collector pods)
✗ Collector pods: 1 of 10 nodes without a Running, Ready collector
    ip-10-11-12-106.ap-northeast-1.compute.internal (taints: node.kubernetes.io/unschedulable:NoSchedule): pod alloy-dslcw Pending, not scheduled: ${SCHEDULER_MESSAGE}
✓ Restarts: no container restarted more than 3 times
✓ Collector logs (last 15m): no error lines from 9 collectors
✓ Resource usage: container alloy at most cpu 83m of 250m, memory 259Mi of 700Mi, 9 pods
✓ ServiceMonitor loki-v3/alloy: present, labelled release=kube-prometheus-stack
✓ Prometheus targets (job alloy): all 9 collectors are targets with up == 1
✓ Datadog openmetrics check: all 10 pods carry it (namespace loki_v3, 10 metrics)
✓ Datadog metrics (loki_v3.*): 9 of 10 configured metrics reported in the last 15m
    warning: loki_v3.loki_process_dropped_lines not reported: Alloy exposes it only once it counts something (none dropped yet)
✗ Loki (tenant ops): no lines in the last 5m from 1 of 10 nodes
    ip-10-11-12-106.ap-northeast-1.compute.internal (taints: node.kubernetes.io/unschedulable:NoSchedule)
    query: count by (node_name) (count_over_time({cluster="buzzvil-eks-ops", job!="systemd-journal"}[5m]))
✗ Node journal in Loki (last 15m): no journal lines in the last 15m from 1 of 10 nodes
    ip-10-11-12-106.ap-northeast-1.compute.internal: no collector runs there (see Collector pods)
    query: count by (node_name) (count_over_time({cluster="buzzvil-eks-ops", job="systemd-journal"}[15m]))
✓ Events collector Deployment loki-v3/alloy-events: 1 of 1 replica available: pod alloy-events-6f8d9c7b45-q7x2m on ip-10-11-12-123.ap-northeast-1.compute.internal
✓ Kubernetes events in Loki (last 15m): 11 lines in the last 15m, for the 5 Events the cluster recorded from 15m to 1m ago
4 of 13 checks failed: daemonset, pods, loki, journal.
`;
