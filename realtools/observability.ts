/**
 * Stand-ins for the three systems `npm run verify` asks besides the API server: Loki's
 * query API, Prometheus's query API and Datadog's active-metrics API, on one 127.0.0.1
 * port. None of them runs here (Loki is AGPL and not built, Prometheus and the Datadog
 * agent would need pods that really run). What each answers is derived, on every
 * request, from what the real cluster holds, the way the real system would see it:
 *
 * - Loki (GET /loki/api/v1/query): from every node whose collector pod is Running and
 *   Ready, a stream of pod logs (job <namespace>/<app>, the collector's own at least) and,
 *   when the config.alloy the cluster runs (the ConfigMap) has a loki.source.journal, a
 *   journal stream (job systemd-journal), under that config's tenant and cluster label and
 *   no other; and, when the events release's config.alloy has a loki.source.kubernetes_events
 *   and its pod is Running and Ready, one stream under its job_name with a line for every
 *   Event the API server holds (what that collector sends once started). The query's `=` and
 *   `!=` matchers select among them. No X-Scope-OrgID is a 401, as Loki.
 * - Prometheus (GET /api/v1/query of `up{job=...,namespace=...}`): one `up == 1` target
 *   per Ready pod behind each Service that a ServiceMonitor carrying the
 *   `serviceMonitorSelector` labels selects, with the job label prometheus-operator gives
 *   it (the Service's `jobLabel` label, else the Service's name).
 * - Datadog (GET /api/v1/metrics): for a request with both keys, every metric that the
 *   openmetrics check annotations of the Running collector pods name, under the check's
 *   namespace, as the Datadog agent's autodiscovery would submit it.
 *
 * What is not modelled: the content of log lines, metric values, Datadog's suffixes
 * (`.count`), time windows. verify's own parsing of those answers is tested on recorded
 * answers in test/verify.test.ts.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/** The parts of the cluster the stand-ins read, as `kubectl get -o json` gives them. */
export interface ClusterView {
  pods: PodView[];
  services: {
    metadata: { name: string; namespace: string; labels?: Record<string, string> };
    spec?: { selector?: Record<string, string> };
  }[];
  serviceMonitors: {
    metadata: { name: string; namespace: string; labels?: Record<string, string> };
    spec?: { jobLabel?: string; selector?: { matchLabels?: Record<string, string> }; endpoints?: { port?: string }[] };
  }[];
  configMaps: { metadata: { name: string; namespace: string }; data?: Record<string, string> }[];
  /** Every namespace's Events (only counted). */
  events: unknown[];
}

export interface PodView {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

export interface ObservabilityOptions {
  /** Reads the cluster; called once per request. */
  read: () => Promise<ClusterView>;
  /** The labels Prometheus's serviceMonitorSelector matches (kube-prometheus-stack: release=<its release>). */
  serviceMonitorSelector: Record<string, string>;
}

export interface ObservabilityStandIns {
  /** One base URL for all three: --loki-url, --prometheus-url and DD_SITE (a URL is used as it is). */
  readonly url: string;
  readonly requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string> | undefined) =>
  selector !== undefined && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const ready = (pod: PodView) =>
  pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * The tenant and the cluster label a release's config.alloy pushes with (its loki.write and its external labels), and
 * what it reads: the journal (its job), Kubernetes Events (their job_name). `release` is the ConfigMap's name, which
 * the chart gives the release's.
 */
function pushedAs(view: ClusterView): { release: string; tenant: string; cluster: string; journalJob?: string; eventsJob?: string }[] {
  return view.configMaps.flatMap((cm) => {
    const text = cm.data?.["config.alloy"];
    const tenant = text && /\btenant_id\s*=\s*"([^"]*)"/.exec(text)?.[1];
    const cluster = text && /\bcluster\s*=\s*"([^"]*)"/.exec(text)?.[1];
    const journal = text && /loki\.source\.journal "[^"]+" \{[^]*?\bjob\s*=\s*"([^"]*)"/.exec(text)?.[1];
    const events = text && /loki\.source\.kubernetes_events "[^"]+" \{[^]*?\bjob_name\s*=\s*"([^"]*)"/.exec(text)?.[1];
    return tenant && cluster
      ? [{ release: cm.metadata.name, tenant, cluster, ...(journal && { journalJob: journal }), ...(events && { eventsJob: events }) }]
      : [];
  });
}

/** A release's pods (app.kubernetes.io/instance is the release: alloy for the DaemonSet, alloy-events for the events collector). */
const releasePods = (view: ClusterView, release: string) =>
  view.pods.filter(
    (p) => p.metadata.labels?.["app.kubernetes.io/name"] === "alloy" && p.metadata.labels["app.kubernetes.io/instance"] === release,
  );
/** The DaemonSet's collector pods. */
const collectors = (view: ClusterView) => releasePods(view, "alloy");

function answerLoki(view: ClusterView, query: string, tenant: string | undefined): [number, unknown] {
  if (!tenant) return [401, "no org id\n"];
  const selector = /\{([^}]*)\}/.exec(query)?.[1] ?? "";
  const matchers = [...selector.matchAll(/(\w+)\s*(!?=)\s*"([^"]*)"/g)].map(([, label, op, value]) => ({ label, op, value }));
  const nodesWithCollector = [
    ...new Set(
      collectors(view)
        .filter(ready)
        .map((pod) => pod.spec.nodeName!),
    ),
  ];
  type Stream = { labels: Record<string, string>; lines: number };
  const streams: Stream[] = pushedAs(view)
    .filter((p) => p.tenant === tenant)
    .flatMap((p): Stream[] => {
      if (p.eventsJob !== undefined)
        return releasePods(view, p.release).some(ready)
          ? [{ labels: { cluster: p.cluster, job: p.eventsJob }, lines: view.events.length }]
          : [];
      return nodesWithCollector.flatMap((node) => [
        { labels: { cluster: p.cluster, node_name: node, job: "loki-v3/alloy" }, lines: 120 },
        ...(p.journalJob ? [{ labels: { cluster: p.cluster, node_name: node, job: p.journalJob }, lines: 120 }] : []),
      ]);
    })
    .filter((s) => matchers.every((m) => (s.labels[m.label] === m.value) === (m.op === "=")));
  const now = Date.now() / 1000;
  const nodes = [...new Set(streams.map((s) => s.labels.node_name).filter((n) => n !== undefined))].sort();
  const lines = streams.reduce((sum, s) => sum + s.lines, 0);
  const result = query.startsWith("count by (node_name)")
    ? nodes.map((node) => ({ metric: { node_name: node }, value: [now, "120"] }))
    : lines > 0
      ? [{ metric: {}, value: [now, String(lines)] }]
      : [];
  return [200, { status: "success", data: { resultType: "vector", result } }];
}

function answerPrometheus(view: ClusterView, query: string, selector: Record<string, string>): [number, unknown] {
  const wanted = Object.fromEntries([...query.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const now = Date.now() / 1000;
  const result = view.serviceMonitors
    .filter((sm) => matches(sm.metadata.labels, selector))
    .flatMap((sm) =>
      view.services
        .filter((svc) => svc.metadata.namespace === sm.metadata.namespace && matches(svc.metadata.labels, sm.spec?.selector?.matchLabels))
        .flatMap((svc) => {
          const job = (sm.spec?.jobLabel && svc.metadata.labels?.[sm.spec.jobLabel]) || svc.metadata.name;
          return view.pods
            .filter((p) => p.metadata.namespace === svc.metadata.namespace && matches(p.metadata.labels, svc.spec?.selector) && ready(p))
            .map((p) => ({
              metric: {
                __name__: "up",
                job,
                namespace: p.metadata.namespace,
                pod: p.metadata.name,
                service: svc.metadata.name,
                instance: `${p.status?.podIP ?? "0.0.0.0"}:12345`,
              },
              value: [now, "1"],
            }));
        }),
    )
    .filter((series) => Object.entries(wanted).every(([k, v]) => (series.metric as Record<string, string>)[k] === v));
  return [200, { status: "success", data: { resultType: "vector", result } }];
}

interface OpenMetricsCheck {
  openmetrics?: { instances?: { namespace?: string; metrics?: (string | Record<string, string>)[] }[] };
}

function answerDatadog(view: ClusterView, headers: IncomingHttpHeaders): [number, unknown] {
  if (!headers["dd-api-key"] || !headers["dd-application-key"]) return [403, { errors: ["Forbidden"] }];
  const metrics = new Set<string>();
  for (const pod of collectors(view).filter((p) => p.status?.phase === "Running")) {
    for (const [key, value] of Object.entries(pod.metadata.annotations ?? {})) {
      if (!/^ad\.datadoghq\.com\/[^.]+\.checks$/.test(key)) continue;
      const checks = JSON.parse(value) as OpenMetricsCheck;
      for (const instance of checks.openmetrics?.instances ?? []) {
        for (const metric of instance.metrics ?? []) {
          for (const name of typeof metric === "string" ? [metric] : Object.values(metric)) metrics.add(`${instance.namespace}.${name}`);
        }
      }
    }
  }
  return [200, { from: String(Math.floor(Date.now() / 1000) - 900), metrics: [...metrics].sort() }];
}

export async function startObservabilityStandIns(options: ObservabilityOptions): Promise<ObservabilityStandIns> {
  const requests: ObservabilityStandIns["requests"] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    requests.push({ path: url.pathname, headers: request.headers });
    const reply = ([status, body]: [number, unknown]) =>
      response
        .writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" })
        .end(typeof body === "string" ? body : JSON.stringify(body));
    options
      .read()
      .then((view) => {
        const query = url.searchParams.get("query") ?? "";
        if (url.pathname === "/loki/api/v1/query") reply(answerLoki(view, query, request.headers["x-scope-orgid"] as string | undefined));
        else if (url.pathname === "/api/v1/query") reply(answerPrometheus(view, query, options.serviceMonitorSelector));
        else if (url.pathname === "/api/v1/metrics") reply(answerDatadog(view, request.headers));
        else reply([404, "404 page not found\n"]);
      })
      .catch((error: Error) => reply([503, `stand-in could not read the cluster: ${error.message}\n`]));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("stand-ins have no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
