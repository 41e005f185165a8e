/**
 * A stand-in Kubernetes API server for running the real kubectl against verify's recorded responses
 * (test/fixtures/verify/<scenario>/): legacy discovery (/api, /apis, each group version's APIResourceList), the
 * objects and lists verify reads (the events collector's Deployment and pods, and every namespace's Events too), the
 * metrics API, and pod logs. What it does not hold it answers as the API
 * server does: a Status with reason NotFound, so kubectl prints its own `Error from server (NotFound)` line.
 * It speaks plain HTTP with no authentication; only kubectl's side (flags, discovery, URLs, output) is real.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

interface Resource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** The resources each group version serves, as far as verify uses them. */
const DISCOVERY: Record<string, Resource[]> = {
  v1: [
    { name: "nodes", kind: "Node", namespaced: false },
    { name: "pods", kind: "Pod", namespaced: true },
    { name: "pods/log", kind: "Pod", namespaced: true },
    { name: "services", kind: "Service", namespaced: true },
    { name: "secrets", kind: "Secret", namespaced: true },
    { name: "events", kind: "Event", namespaced: true },
  ],
  "apps/v1": [
    { name: "daemonsets", kind: "DaemonSet", namespaced: true },
    { name: "deployments", kind: "Deployment", namespaced: true },
  ],
  "monitoring.coreos.com/v1": [{ name: "servicemonitors", kind: "ServiceMonitor", namespaced: true }],
  "metrics.k8s.io/v1beta1": [{ name: "pods", kind: "PodMetrics", namespaced: true }],
};

export interface FakeApiServer {
  url: string;
  /** Every request: method, path and query. */
  requests: string[];
  close(): Promise<void>;
}

export interface FakeApiOptions {
  /** Group versions not served (e.g. monitoring.coreos.com/v1: the CRDs are not installed). */
  without?: string[];
  /** Fixture files to answer as absent (e.g. daemonset.json). */
  absent?: string[];
}

function json(response: import("node:http").ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

export async function startFakeApiServer(fixtures: string, options: FakeApiOptions = {}): Promise<FakeApiServer> {
  const served = Object.fromEntries(Object.entries(DISCOVERY).filter(([gv]) => !(options.without ?? []).includes(gv)));
  const requests: string[] = [];
  const fixture = (file: string) =>
    options.absent?.includes(file) ? undefined : (JSON.parse(readFileSync(path.join(fixtures, file), "utf8")) as Record<string, unknown>);
  const list = (file: string, kind: string, apiVersion: string) => {
    const body = fixture(file);
    return body && { kind, apiVersion, metadata: { resourceVersion: "185373600" }, items: body.items };
  };
  // What the API server answers for a path it serves nothing at (no such resource type or route).
  const NO_SUCH_PATH = {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message: "the server could not find the requested resource",
    reason: "NotFound",
    code: 404,
  };
  const notFound = (group: string, resource: string, name: string) => ({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `${resource}${group ? `.${group}` : ""} "${name}" not found`,
    reason: "NotFound",
    details: { name, ...(group && { group }), kind: resource },
    code: 404,
  });

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://fake");
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const p = url.pathname;
    if (p === "/api")
      return json(response, 200, {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
      });
    if (p === "/apis") {
      const groups = Object.keys(served)
        .filter((gv) => gv.includes("/"))
        .map((gv) => {
          const [name, version] = gv.split("/");
          return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
        });
      return json(response, 200, { kind: "APIGroupList", apiVersion: "v1", groups });
    }
    const gv = /^\/api\/v1$/.test(p) ? "v1" : /^\/apis\/([^/]+\/[^/]+)$/.exec(p)?.[1];
    if (gv !== undefined) {
      const resources = served[gv];
      if (!resources) return json(response, 404, notFound("", "groupversion", gv));
      return json(response, 200, {
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: gv,
        resources: resources.map((r) => ({
          name: r.name,
          singularName: "",
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ["get", "list"],
        })),
      });
    }
    const routes: [RegExp, () => unknown][] = [
      [/^\/api\/v1\/nodes$/, () => list("nodes.json", "NodeList", "v1")],
      // The events collector's pods by their release's label; every other selector gets the DaemonSet's.
      [
        /^\/api\/v1\/namespaces\/loki-v3\/pods$/,
        () =>
          list(
            url.searchParams.get("labelSelector")?.includes("instance=alloy-events") ? "events-pods.json" : "pods.json",
            "PodList",
            "v1",
          ),
      ],
      [
        /^\/apis\/apps\/v1\/namespaces\/loki-v3\/deployments\/alloy-events$/,
        () => fixture("events-deployment.json") ?? notFound("apps", "deployments", "alloy-events"),
      ],
      [/^\/api\/v1\/events$/, () => list("events.json", "EventList", "v1")],
      [
        /^\/apis\/apps\/v1\/namespaces\/loki-v3\/daemonsets\/alloy$/,
        () => fixture("daemonset.json") ?? notFound("apps", "daemonsets", "alloy"),
      ],
      [
        /^\/apis\/monitoring\.coreos\.com\/v1\/namespaces\/loki-v3\/servicemonitors\/alloy$/,
        () =>
          served["monitoring.coreos.com/v1"]
            ? (fixture("servicemonitor.json") ?? notFound("monitoring.coreos.com", "servicemonitors", "alloy"))
            : undefined,
      ],
      [/^\/api\/v1\/namespaces\/loki-v3\/services\/alloy$/, () => fixture("service.json") ?? notFound("", "services", "alloy")],
      [
        /^\/api\/v1\/namespaces\/loki-v3\/secrets\/alloy-loki-auth$/,
        () => fixture("secret.json") ?? notFound("", "secrets", "alloy-loki-auth"),
      ],
      [
        /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/loki-v3\/pods$/,
        () => (served["metrics.k8s.io/v1beta1"] ? fixture("podmetrics.json") : undefined),
      ],
    ];
    for (const [pattern, answer] of routes) {
      if (!pattern.test(p)) continue;
      const body = answer() as { kind?: string; code?: number } | undefined;
      if (body === undefined) return json(response, 404, NO_SUCH_PATH);
      return json(response, body.kind === "Status" ? (body.code ?? 500) : 200, body);
    }
    const pod = /^\/api\/v1\/namespaces\/loki-v3\/pods\/([^/]+)(\/log)?$/.exec(p);
    if (pod) {
      const found = (fixture("pods.json")!.items as { metadata: { name: string } }[]).find((item) => item.metadata.name === pod[1]);
      if (!found) return json(response, 404, notFound("", "pods", pod[1]));
      if (!pod[2]) return json(response, 200, found);
      response.writeHead(200, { "content-type": "text/plain" }).end(readFileSync(path.join(fixtures, "logs", `${pod[1]}.txt`)));
      return;
    }
    json(response, 404, NO_SUCH_PATH);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
