/**
 * The minimal shapes of the API responses `npm run verify` reads: only the
 * fields the checks use, as the Kubernetes API (core/v1, apps/v1,
 * metrics.k8s.io/v1beta1, monitoring.coreos.com/v1), Loki's and Prometheus's
 * /api/v1/query and Datadog's /api/v1/metrics return them. Fields the API server omits when empty or
 * zero are optional here too (e.g. a DaemonSet's numberAvailable).
 */

export interface List<T> {
  items: T[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  deletionTimestamp?: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Node {
  metadata: ObjectMeta;
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { conditions?: Condition[] };
}

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface Container {
  name: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode?: number; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface Pod {
  metadata: ObjectMeta;
  spec: {
    nodeName?: string;
    containers: Container[];
    /** A DaemonSet pod not yet scheduled names its node here (matchFields metadata.name In [node]). */
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
          nodeSelectorTerms?: { matchFields?: NodeSelectorRequirement[] }[];
        };
      };
    };
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface DaemonSet {
  metadata: ObjectMeta;
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    observedGeneration?: number;
  };
}

/** apps/v1 Deployment: the events collector (release alloy-events). */
export interface Deployment {
  metadata: ObjectMeta;
  spec?: { replicas?: number };
  status?: {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}

/**
 * core/v1 Event, as `kubectl get events` lists them. An Event written through events.k8s.io/v1 (the scheduler's)
 * has eventTime and no lastTimestamp.
 */
export interface CoreEvent {
  metadata: ObjectMeta;
  involvedObject: { kind?: string; namespace?: string; name?: string };
  reason?: string;
  type?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
}

/** metrics.k8s.io/v1beta1 PodMetrics: usage as quantities, e.g. cpu "61214283n", memory "248720Ki". */
export interface PodMetrics {
  metadata: ObjectMeta;
  containers: { name: string; usage: ResourceList }[];
}

export interface ServiceMonitor {
  metadata: ObjectMeta;
  /** jobLabel: the Service label whose value becomes the targets' `job`; unset, `job` is the Service's name. */
  spec?: { jobLabel?: string };
}

export interface Service {
  metadata: ObjectMeta;
}

/** A core/v1 Secret: data values are base64. */
export interface Secret {
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

/** Prometheus's /api/v1/query answer to an instant vector query. */
export interface PrometheusQueryResponse {
  status: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
  error?: string;
}

/** Datadog's GET /api/v1/metrics (active metrics since `from`). */
export interface DatadogActiveMetrics {
  from?: string;
  metrics?: string[];
}

/** Loki's /loki/api/v1/query answer to an instant metric query. */
export interface LokiQueryResponse {
  status: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

/** A resource that may legitimately be absent: the reason says why, for the report. */
export type Fetched<T> = { found: true; value: T } | { found: false; reason: string };
