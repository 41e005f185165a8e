/**
 * Synthetic series for the alert unit tests, shaped like what kube-prometheus-stack's
 * Prometheus stores: the object labels kube-state-metrics and Alloy export, plus the
 * target labels prometheus-operator adds (kube-state-metrics and the kubelet are
 * scraped with honorLabels, so an object's own `namespace`, `pod` or `container`
 * wins over the target's).
 */
import { seriesName, type InputSeries } from "./promtool";

/** One sample a minute for 90 minutes: long enough for every eval_time the tests use. */
export const SAMPLES = 90;

/** `value` at every sample. */
export function constant(value: number): string {
  return `${value}+0x${SAMPLES}`;
}

/** The ops cluster's nodes in the seed's incident report (001_*.txt), all in ip-10-11-12-*, plus one more to make ten. */
export const SEED_NODES: readonly string[] = [
  "ip-10-11-12-106",
  "ip-10-11-12-123",
  "ip-10-11-12-159",
  "ip-10-11-12-173",
  "ip-10-11-12-203",
  "ip-10-11-12-230",
  "ip-10-11-12-41",
  "ip-10-11-12-72",
  "ip-10-11-12-79",
  "ip-10-11-12-18",
].map((host) => `${host}.ap-northeast-1.compute.internal`);

/** DaemonSet pod names: `<daemonset>-<5 random characters>`, fixed here. */
const POD_SUFFIXES = ["2xk9p", "4hq7m", "7bc2d", "8zt5w", "9lm3n", "b6v4r", "c5j8s", "f2p6t", "h3w9x", "k8n2q"];

export function podName(daemonSet: string, index: number): string {
  return `${daemonSet}-${POD_SUFFIXES[index]}`;
}

// kube-state-metrics as kube-prometheus-stack scrapes it: these target labels are
// added to every series, unless the series has a label of that name itself.
const KSM_TARGET = {
  job: "kube-state-metrics",
  instance: "10.11.12.50:8080",
  endpoint: "http",
  service: "kube-prometheus-stack-kube-state-metrics",
  namespace: "monitoring",
  pod: "kube-prometheus-stack-kube-state-metrics-6d8f9c7b5-x2x9k",
  container: "kube-state-metrics",
};

function ksm(metric: string, labels: Record<string, string>, values: string): InputSeries {
  return { series: seriesName(metric, { ...KSM_TARGET, ...labels }), values };
}

export interface NodeState {
  name: string;
  /** The node's Ready condition. @default true */
  ready?: boolean;
}

export interface PodState {
  name: string;
  /** Unset while the pod is unscheduled (Pending: no node accepted it). */
  node?: string;
  ready: boolean;
}

export interface Workload {
  namespace: string;
  daemonSet: string;
}

/** kube_node_info and the Ready condition of each node. */
export function nodeSeries(nodes: readonly NodeState[]): InputSeries[] {
  return nodes.flatMap((node, i) => {
    const ready = node.ready ?? true;
    return [
      ksm(
        "kube_node_info",
        {
          node: node.name,
          internal_ip: `10.11.12.${100 + i}`,
          kernel_version: "6.1.119-129.201.amzn2023.x86_64",
          kubelet_version: "v1.31.4-eks-aeac579",
          os_image: "Amazon Linux 2023.6.20250107",
          container_runtime_version: "containerd://1.7.25",
          provider_id: `aws:///ap-northeast-1a/i-0${i}abcdef01234567`,
        },
        constant(1),
      ),
      ...(["true", "false", "unknown"] as const).map((status) =>
        ksm(
          "kube_node_status_condition",
          { node: node.name, condition: "Ready", status },
          constant(status === (ready ? "true" : "false") ? 1 : 0),
        ),
      ),
    ];
  });
}

/** kube_pod_info and kube_pod_status_ready of each pod of the DaemonSet. */
export function collectorPodSeries(workload: Workload, pods: readonly PodState[]): InputSeries[] {
  return pods.flatMap((pod, i) => {
    const uid = `0b7f${i}c1e-5a8d-4f3e-9c2b-7d6e5f4a3b2c`;
    return [
      ksm(
        "kube_pod_info",
        {
          namespace: workload.namespace,
          pod: pod.name,
          uid,
          node: pod.node ?? "",
          host_ip: pod.node ? `10.11.12.${100 + i}` : "",
          pod_ip: pod.node ? `10.11.40.${10 + i}` : "",
          created_by_kind: "DaemonSet",
          created_by_name: workload.daemonSet,
          priority_class: "system-node-critical",
          host_network: "false",
        },
        constant(1),
      ),
      ...(["true", "false", "unknown"] as const).map((condition) =>
        ksm(
          "kube_pod_status_ready",
          { namespace: workload.namespace, pod: pod.name, uid, condition },
          constant(condition === (pod.ready ? "true" : "false") ? 1 : 0),
        ),
      ),
    ];
  });
}

/** A kube-state-metrics series of one container of a pod. */
export function containerSeries(metric: string, labels: Record<string, string>, values: string): InputSeries {
  return ksm(metric, labels, values);
}

/** A cAdvisor series, as the kubelet's /metrics/cadvisor endpoint is scraped by kube-prometheus-stack. */
export function cadvisorSeries(metric: string, node: string, labels: Record<string, string>, values: string): InputSeries {
  const target = {
    job: "kubelet",
    metrics_path: "/metrics/cadvisor",
    instance: "10.11.12.100:10250",
    endpoint: "https-metrics",
    service: "kube-prometheus-stack-kubelet",
    node,
  };
  return { series: seriesName(metric, { ...target, ...labels }), values };
}

/**
 * An Alloy series of one collector pod, as scraped through the chart's ServiceMonitor:
 * Alloy adds component_id and component_path to each component's metrics
 * (internal/runtime/internal/controller/node_builtin_component.go).
 */
export function alloySeries(
  metric: string,
  target: { job: string; namespace: string; pod: string; container: string },
  labels: Record<string, string>,
  values: string,
): InputSeries {
  const targetLabels = { ...target, endpoint: "http-metrics", service: target.job, instance: "10.11.40.10:12345" };
  return { series: seriesName(metric, { ...targetLabels, ...labels }), values };
}
