/**
 * The policy pack's checks, as pure functions: Kubernetes objects in, violation
 * messages out. They judge the objects the kubernetes provider renders from the
 * grafana/alloy chart at deploy time (kubernetes.helm.v4.Chart registers each
 * rendered object as its own resource, which is what the analyzer is shown),
 * against what the stack's config says must run. This is the seed's lesson,
 * "render with helm template and check", made automatic: whatever the values
 * were, the objects about to be applied are what is judged.
 *
 * What is expected comes from two places, kept apart on purpose:
 *  - the stack's config (resources, storage path, ServiceMonitor labels,
 *    Datadog), parsed by the program's own loader (policy/expectations.ts);
 *  - the collector's invariants (tolerate every taint, system-node-critical,
 *    /var/log read-only), written here as literals, not imported from the
 *    values builder: a check that reused the builder's constants would pass
 *    whatever the builder did.
 *
 * Every message names the object, what was found and what is expected, and the
 * stack key that fixes it. Objects are read defensively: whatever shape arrives,
 * a check reports, it never throws.
 */

/** A Kubernetes object as rendered: only apiVersion, kind and metadata are assumed. */
export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  [field: string]: unknown;
}

/** What the stack's config says the chart must render. */
export interface Expectations {
  /** The stack, e.g. ops: messages point at Pulumi.<stack>.yaml. */
  stack: string;
  /** Namespace of every chart object (alloy-logs:namespace). */
  namespace: string;
  /** Helm release name, which names the DaemonSet and the ServiceMonitor. */
  release: string;
  /** Requests and limits of the alloy container (alloy-logs:resources). */
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Host directory that must back Alloy's --storage.path (from alloy-logs:storageHostPath). */
  storageHostDir: string;
  /** alloy-logs:serviceMonitor: whether the chart renders one, and the labels Prometheus selects it by. */
  serviceMonitor: { enabled: boolean; labels: Readonly<Record<string, string>> };
  /** alloy-logs:datadog: whether the pods carry the openmetrics check, and its metric namespace. */
  datadog: { enabled: boolean; namespace: string };
}

/** The collector's invariants, whatever the stack. */
export const TOLERATE_ALL = { operator: "Exists" } as const;
export const PRIORITY_CLASS = "system-node-critical";
export const VAR_LOG = "/var/log";
/** Name of the Alloy container in the chart's pod template. */
export const ALLOY_CONTAINER = "alloy";
/** Alloy's HTTP port, which the Datadog check scrapes. */
export const ALLOY_PORT = 12345;
/** Datadog Autodiscovery v1 annotation of the alloy container's checks. */
export const DATADOG_ANNOTATION = `ad.datadoghq.com/${ALLOY_CONTAINER}.checks`;

// ---- reading objects safely ----------------------------------------------------

type Json = Record<string, unknown>;

function isMap(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function map(value: unknown): Json {
  return isMap(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A value as it appears in a message: JSON, or "nothing" when absent. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function nameOf(object: KubeObject): string | undefined {
  return str(map(object.metadata).name);
}

function namespaceOf(object: KubeObject): string | undefined {
  return str(map(object.metadata).namespace);
}

/** `DaemonSet loki-v3/alloy` */
function describe(object: KubeObject): string {
  return `${str(object.kind) ?? "object"} ${namespaceOf(object) ?? "(no namespace)"}/${nameOf(object) ?? "(no name)"}`;
}

/** Whether an object is the release's object of a kind in the stack's namespace. */
export function isReleaseObject(object: KubeObject, kind: string, expected: Expectations): boolean {
  return object.kind === kind && nameOf(object) === expected.release && namespaceOf(object) === expected.namespace;
}

function podTemplate(ds: KubeObject): { metadata: Json; spec: Json } {
  const template = map(map(ds.spec).template);
  return { metadata: map(template.metadata), spec: map(template.spec) };
}

function alloyContainer(ds: KubeObject): Json | undefined {
  return list(podTemplate(ds).spec.containers)
    .filter(isMap)
    .find((c) => c.name === ALLOY_CONTAINER);
}

function volume(ds: KubeObject, name: unknown): Json | undefined {
  return list(podTemplate(ds).spec.volumes)
    .filter(isMap)
    .find((v) => v.name === name);
}

/** Plain data, compared as Kubernetes would store it: key order and undefined fields do not count. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isMap(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => value[k] !== undefined)
        .sort()
        .map((k) => [k, canonical(value[k])]),
    );
  }
  return value;
}

function sameData(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function stackFile(expected: Expectations): string {
  return `Pulumi.${expected.stack}.yaml`;
}

/** The fix for an invariant the program sets itself: only chartOverrides (or a chart change) can break it. */
function programOwned(expected: Expectations, chartPath: string): string {
  return (
    `the program sets ${chartPath} (chart/values.ts): remove whatever under alloy-logs:chartOverrides in ${stackFile(expected)} changes it, ` +
    `and if the chart version changed, check that it still reads ${chartPath}`
  );
}

// ---- the checks ------------------------------------------------------------------

/** One check of one kind of the release's objects. */
export interface ObjectCheck {
  /** Policy name, unique in the pack. */
  name: string;
  description: string;
  /** Kind of the release object it judges (named after the release, in the stack's namespace). */
  kind: "DaemonSet" | "ServiceMonitor";
  check(object: KubeObject, expected: Expectations): string[];
}

const tolerations: ObjectCheck = {
  name: "collector-tolerates-every-taint",
  description: "The collector DaemonSet tolerates every taint ({operator: Exists}), so it runs on every node.",
  kind: "DaemonSet",
  check(ds, expected) {
    const found = podTemplate(ds).spec.tolerations;
    // {operator: Exists} with no key and no effect matches every taint (core/v1 Toleration).
    const all = list(found).some((t) => isMap(t) && t.operator === "Exists" && t.key === undefined && t.effect === undefined);
    if (all) return [];
    return [
      `${describe(ds)} has no toleration for all taints: got tolerations ${show(found)}; expected one ${show(TOLERATE_ALL)}, ` +
        `or the collector stays off every tainted node (the seed incident); fix: ${programOwned(expected, "controller.tolerations")}`,
    ];
  },
};

const priorityClass: ObjectCheck = {
  name: "collector-priority-class",
  description: `The collector pods run with priority class ${PRIORITY_CLASS}, so they are scheduled on full nodes.`,
  kind: "DaemonSet",
  check(ds, expected) {
    const found = podTemplate(ds).spec.priorityClassName;
    if (found === PRIORITY_CLASS) return [];
    return [
      `${describe(ds)} has priorityClassName ${show(found)}; expected ${show(PRIORITY_CLASS)}, or a full node has no room for its collector; ` +
        `fix: ${programOwned(expected, "controller.priorityClassName")}`,
    ];
  },
};

/** A DaemonSet check of its alloy container; a DaemonSet without one is reported, not checked. */
function ofAlloyContainer(check: (container: Json, ds: KubeObject, expected: Expectations) => string[]): ObjectCheck["check"] {
  return (ds, expected) => {
    const container = alloyContainer(ds);
    return container
      ? check(container, ds, expected)
      : [`${describe(ds)} has no container named ${ALLOY_CONTAINER}; expected the chart's alloy container`];
  };
}

const resources: ObjectCheck = {
  name: "collector-resources",
  description: "The alloy container has exactly the stack's requests and limits (alloy-logs:resources).",
  kind: "DaemonSet",
  check: ofAlloyContainer((container, ds, expected) => {
    if (sameData(container.resources, expected.resources)) return [];
    return [
      `container ${ALLOY_CONTAINER} of ${describe(ds)} has resources ${show(container.resources)}; ` +
        `expected alloy-logs:resources of ${stackFile(expected)}, ${show(expected.resources)}; ` +
        `fix: set alloy-logs:resources in ${stackFile(expected)} (not alloy.resources under alloy-logs:chartOverrides)`,
    ];
  }),
};

const varLog: ObjectCheck = {
  name: "collector-reads-var-log-read-only",
  description: "The alloy container mounts the node's /var/log read-only, from a hostPath volume of /var/log.",
  kind: "DaemonSet",
  check: ofAlloyContainer((container, ds, expected) => {
    const fix = programOwned(expected, "alloy.mounts.varlog");
    const mounts = list(container.volumeMounts)
      .filter(isMap)
      .filter((m) => m.mountPath === VAR_LOG);
    if (mounts.length === 0) {
      return [
        `container ${ALLOY_CONTAINER} of ${describe(ds)} does not mount ${VAR_LOG}; expected a read-only mount of the node's ${VAR_LOG}, where the pod logs are; fix: ${fix}`,
      ];
    }
    const problems: string[] = [];
    for (const mount of mounts) {
      if (mount.readOnly !== true) {
        problems.push(
          `container ${ALLOY_CONTAINER} of ${describe(ds)} mounts ${VAR_LOG} with readOnly ${show(mount.readOnly)}; expected readOnly true: the collector must never write the node's logs; fix: ${fix}`,
        );
      }
      const source = volume(ds, mount.name);
      const hostPath = str(map(source?.hostPath).path);
      if (hostPath !== VAR_LOG) {
        problems.push(
          `volume ${show(mount.name)} mounted at ${VAR_LOG} in ${describe(ds)} is ${show(source)}; expected a hostPath volume of the node's ${VAR_LOG}; fix: ${fix}`,
        );
      }
    }
    return problems;
  }),
};

const STORAGE_ARG = "--storage.path=";

const positions: ObjectCheck = {
  name: "collector-keeps-positions-on-host",
  description: "Alloy's --storage.path (read positions) is a writable mount of the stack's hostPath directory.",
  kind: "DaemonSet",
  check: ofAlloyContainer((container, ds, expected) => {
    const fix = `set alloy-logs:storageHostPath in ${stackFile(expected)}, and nothing under alloy-logs:chartOverrides that moves alloy.storagePath`;
    const args = list(container.args).filter((a): a is string => typeof a === "string");
    const storagePath = args.find((a) => a.startsWith(STORAGE_ARG))?.slice(STORAGE_ARG.length);
    if (storagePath === undefined) {
      return [
        `container ${ALLOY_CONTAINER} of ${describe(ds)} has no ${STORAGE_ARG}<dir> argument (args ${show(args)}); expected one on the hostPath ${expected.storageHostDir}; fix: ${fix}`,
      ];
    }
    const mount = list(container.volumeMounts)
      .filter(isMap)
      .find((m) => m.mountPath === storagePath);
    const source = mount && volume(ds, mount.name);
    const hostPath = map(source?.hostPath);
    if (!mount || hostPath.path !== expected.storageHostDir) {
      return [
        `Alloy's storage path ${storagePath} in ${describe(ds)} is ${mount ? `volume ${show(source)}` : "not a mount"}; ` +
          `expected a hostPath volume of ${expected.storageHostDir}, or read positions are lost with the pod and logs are sent twice or lost; fix: ${fix}`,
      ];
    }
    if (mount.readOnly === true) {
      return [
        `Alloy's storage path ${storagePath} in ${describe(ds)} is mounted read-only; expected a writable mount, Alloy writes its positions there; fix: ${fix}`,
      ];
    }
    return [];
  }),
};

const podAnnotations: ObjectCheck = {
  name: "collector-monitoring-annotations",
  description: "The collector pods carry the monitoring annotations the stack asks for (alloy-logs:datadog).",
  kind: "DaemonSet",
  check(ds, expected) {
    const annotations = map(podTemplate(ds).metadata.annotations);
    const found = annotations[DATADOG_ANNOTATION];
    const fix = `set alloy-logs:datadog in ${stackFile(expected)}`;
    if (!expected.datadog.enabled) {
      return found === undefined
        ? []
        : [
            `pods of ${describe(ds)} carry ${DATADOG_ANNOTATION} although alloy-logs:datadog.enabled is false in ${stackFile(expected)}; expected no Datadog check; fix: ${fix}`,
          ];
    }
    let instance: Json | undefined;
    try {
      instance = typeof found === "string" ? map(list(map(map(JSON.parse(found)).openmetrics).instances)[0]) : undefined;
    } catch {
      instance = undefined;
    }
    const endpoint = `http://%%host%%:${ALLOY_PORT}/metrics`;
    if (instance?.openmetrics_endpoint === endpoint && instance.namespace === expected.datadog.namespace) return [];
    return [
      `pods of ${describe(ds)} have ${DATADOG_ANNOTATION} ${show(found)}; expected an openmetrics check of ${endpoint} ` +
        `with namespace ${show(expected.datadog.namespace)} (alloy-logs:datadog.enabled is true in ${stackFile(expected)}); fix: ${fix}`,
    ];
  },
};

const serviceMonitorLabels: ObjectCheck = {
  name: "service-monitor-selector-labels",
  description: "The ServiceMonitor carries the labels Prometheus selects ServiceMonitors by (alloy-logs:serviceMonitor.labels).",
  kind: "ServiceMonitor",
  check(sm, expected) {
    const labels = map(map(sm.metadata).labels);
    const missing = Object.entries(expected.serviceMonitor.labels).filter(([key, value]) => labels[key] !== value);
    if (missing.length === 0) return [];
    return [
      `${describe(sm)} has labels ${show(labels)}; expected ${show(Object.fromEntries(missing))} too, or Prometheus never selects it and nothing scrapes Alloy; ` +
        `fix: set alloy-logs:serviceMonitor.labels in ${stackFile(expected)} to the labels of the Prometheus serviceMonitorSelector`,
    ];
  },
};

export const OBJECT_CHECKS: readonly ObjectCheck[] = [
  tolerations,
  priorityClass,
  resources,
  varLog,
  positions,
  podAnnotations,
  serviceMonitorLabels,
];

/** Violations of one object: the checks of its kind, when it is the release's object of that kind. */
export function checkObject(object: KubeObject, expected: Expectations): { policy: string; message: string }[] {
  return OBJECT_CHECKS.filter((c) => isReleaseObject(object, c.kind, expected)).flatMap((c) =>
    c.check(object, expected).map((message) => ({ policy: c.name, message })),
  );
}

/** Name of the check of the whole release (stack validation). */
export const RELEASE_CHECK = {
  name: "collector-release-complete",
  description: "The chart renders one collector DaemonSet (no other controller) and a ServiceMonitor exactly when the stack enables it.",
};

/**
 * What must exist among all the stack's objects: the checks above judge an
 * object only if it is there, so a DaemonSet renamed or replaced would pass them.
 */
export function checkRelease(objects: readonly KubeObject[], expected: Expectations): string[] {
  const where = `${expected.namespace}/${expected.release}`;
  const problems: string[] = [];
  const daemonSets = objects.filter((o) => isReleaseObject(o, "DaemonSet", expected));
  if (daemonSets.length !== 1) {
    const others = objects.filter((o) => o.kind === "DaemonSet").map(describe);
    problems.push(
      `the stack renders ${daemonSets.length} DaemonSet ${where} (DaemonSets: ${others.length ? others.join(", ") : "none"}); expected exactly one, the collector on every node; ` +
        `fix: set alloy-logs:namespace in ${stackFile(expected)}, and nothing under alloy-logs:chartOverrides that renames the release's objects`,
    );
  }
  for (const kind of ["Deployment", "StatefulSet"]) {
    if (objects.some((o) => isReleaseObject(o, kind, expected))) {
      problems.push(
        `the stack renders a ${kind} ${where}; expected the collector only as a DaemonSet, one pod per node; fix: ${programOwned(expected, "controller.type")}`,
      );
    }
  }
  const monitors = objects.filter((o) => isReleaseObject(o, "ServiceMonitor", expected)).length;
  if (expected.serviceMonitor.enabled && monitors !== 1) {
    problems.push(
      `the stack renders ${monitors} ServiceMonitor ${where}; expected one, as alloy-logs:serviceMonitor.enabled is true in ${stackFile(expected)}; fix: set alloy-logs:serviceMonitor in ${stackFile(expected)}`,
    );
  }
  if (!expected.serviceMonitor.enabled && monitors > 0) {
    problems.push(
      `the stack renders a ServiceMonitor ${where} although alloy-logs:serviceMonitor.enabled is false in ${stackFile(expected)}; expected none; fix: set alloy-logs:serviceMonitor in ${stackFile(expected)}`,
    );
  }
  return problems;
}

/** The stack of a resource URN, `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** Kinds the pack reads; other resources are never opened (in a preview their unknown values would stop the check). */
const READ_KINDS = new Set(["DaemonSet", "Deployment", "StatefulSet", "ServiceMonitor"]);

/**
 * The Kubernetes object a resource of the kubernetes provider stands for, when
 * it is of a kind the pack reads: the kind from the type token
 * (`kubernetes:apps/v1:DaemonSet`, `kubernetes:monitoring.coreos.com/v1:ServiceMonitor`),
 * metadata and spec from its properties.
 */
export function kubeObjectOf(type: string, props: Readonly<Record<string, unknown>>): KubeObject | undefined {
  const kind = /^kubernetes:[^:]+:([^:]+)$/.exec(type)?.[1];
  if (kind === undefined || !READ_KINDS.has(kind)) return undefined;
  return { apiVersion: props.apiVersion, kind, metadata: props.metadata, spec: props.spec };
}
