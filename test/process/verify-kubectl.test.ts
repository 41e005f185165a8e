/**
 * `npm run verify` with the real kubectl: the CLI runs kubectl 1.33 from PATH, and kubectl talks to a stand-in API
 * server (test/support/fake-apiserver.ts) holding the recorded responses. This checks what the fake kubectl of
 * test/verify.test.ts cannot: that kubectl accepts verify's arguments, turns them into the API requests verify
 * means (`--since=15m` as sinceSeconds=900, the label selector), prints what the checks parse, and words its
 * errors (NotFound, no resource type) the way verify recognises them.
 *
 * In the real-tool tier (npm run test:real): each case starts verify and kubectl, seconds on a 2-core machine.
 * scripts/test-real.sh and .ci/run install kubectl with scripts/fetch-kubectl.sh; without KUBECTL_BIN these
 * tests are reported pending, and fail under REQUIRE_REAL=1 (.ci/run) or REQUIRE_RENDER=1 (test.yml). Alone:
 *
 *   KUBECTL_BIN=$(bash scripts/fetch-kubectl.sh) npx mocha --no-config --require ./scripts/register-ts.js --extension ts test/process/verify-kubectl.test.ts
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startFakeApiServer, type FakeApiOptions, type FakeApiServer } from "../support/fake-apiserver";
import { ROOT } from "../support/stacks";

const FIXTURES = path.join(__dirname, "..", "fixtures", "verify");
/** The checks that need no cluster: not this file's subject. */
const SKIP = ["--skip", "prometheus,datadog-metrics,loki,journal,events-loki"];

type Run = { status: number | null; stdout: string; stderr: string; requests: string[] };

describe("npm run verify with the real kubectl (against a stand-in API server)", function () {
  this.timeout(60_000);
  let scratch: string;

  before(function () {
    const kubectl = process.env.KUBECTL_BIN;
    if (!kubectl) {
      if (process.env.REQUIRE_REAL === "1" || process.env.REQUIRE_RENDER === "1")
        throw new Error(
          "real-tool tier required (REQUIRE_REAL=1 or REQUIRE_RENDER=1) but KUBECTL_BIN is not set: bash scripts/fetch-kubectl.sh",
        );
      console.log("\n  real-kubectl verify tests skipped: set KUBECTL_BIN=$(bash scripts/fetch-kubectl.sh)\n");
      this.skip();
    }
    assert.ok(existsSync(kubectl), `KUBECTL_BIN=${kubectl} does not exist`);
    scratch = mkdtempSync(path.join(tmpdir(), "verify-kubectl-"));
    mkdirSync(path.join(scratch, "bin"));
    symlinkSync(kubectl, path.join(scratch, "bin", "kubectl"));
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** verify --stack ops against a fresh API server on a scenario, with a kubeconfig whose ops context points at it. */
  async function verify(scenario: string, options: FakeApiOptions = {}, args: string[] = SKIP): Promise<Run> {
    const api: FakeApiServer = await startFakeApiServer(path.join(FIXTURES, scenario), options);
    const home = mkdtempSync(path.join(scratch, "home-"));
    const kubeconfig = path.join(home, "config");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "fake", cluster: { server: api.url } }],
        users: [{ name: "fake", user: {} }],
        contexts: [{ name: "buzzvil-eks-ops", context: { cluster: "fake", user: "fake" } }],
        // A current context other than the stack's: verify must never use it.
        "current-context": "someone-elses",
      }),
    );
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(LOKI_QUERY_|PROMETHEUS_URL|DD_|VERIFY_SKIP)/.test(key)),
    );
    try {
      return await new Promise((resolve) => {
        const child = spawn(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/verify.ts", "--stack", "ops", ...args], {
          cwd: ROOT,
          env: {
            ...inherited,
            PATH: `${path.join(scratch, "bin")}${path.delimiter}${process.env.PATH}`,
            KUBECONFIG: kubeconfig,
            HOME: home,
            KUBECACHEDIR: path.join(home, "cache"),
          },
          timeout: 50_000,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("close", (status) => resolve({ status, stdout, stderr, requests: api.requests }));
      });
    } finally {
      await api.close();
    }
  }

  const line = (run: Run, start: string) => run.stdout.split("\n").find((l) => l.slice(2).startsWith(start));

  it("passes every cluster check on the healthy cluster and exits 0", async () => {
    const run = await verify("healthy");
    assert.equal(run.stderr, "");
    assert.deepEqual(run.stdout.split("\n").slice(1, 15), [
      "✓ DaemonSet loki-v3/alloy: desired=current=ready=up-to-date=available=10, one per node",
      "✓ Collector pods: Running and Ready on all 10 nodes, 2 of them tainted",
      "✓ Restarts: no container restarted more than 3 times",
      "✓ Collector logs (last 15m): no error lines from 10 collectors",
      "✓ Resource usage: container alloy at most cpu 90m of 250m, memory 272Mi of 700Mi, 10 pods",
      "✓ ServiceMonitor loki-v3/alloy: present, labelled release=kube-prometheus-stack",
      "- Prometheus targets (job alloy): skipped (--skip prometheus)",
      "✓ Datadog openmetrics check: all 10 pods carry it (namespace loki_v3, 10 metrics)",
      "- Datadog metrics (loki_v3.*): skipped (--skip datadog-metrics)",
      "- Loki (tenant ops): skipped (--skip loki)",
      "- Node journal in Loki (last 15m): skipped (--skip journal)",
      "✓ Events collector Deployment loki-v3/alloy-events: 1 of 1 replica available: pod alloy-events-6f8d9c7b45-q7x2m on ip-10-11-12-123.ap-northeast-1.compute.internal",
      "- Kubernetes events in Loki (last 15m): skipped (--skip events-loki)",
      "8 of 13 checks passed, 5 skipped.",
    ]);
    assert.equal(run.status, 0);
  });

  it("asks the API server for each collector's log of the last 900 seconds, container alloy, and the pods by label", async () => {
    const run = await verify("healthy");
    const query = (prefix: string) => {
      const request = run.requests.find((r) => r.startsWith(`GET ${prefix}?`));
      assert.ok(request, `no GET ${prefix} among:\n${run.requests.join("\n")}`);
      return Object.fromEntries(new URL(request.slice(4), "http://x").searchParams);
    };
    assert.deepEqual(query("/api/v1/namespaces/loki-v3/pods/alloy-22n9j/log"), { container: "alloy", sinceSeconds: "900", timeout: "30s" });
    assert.deepEqual(query("/api/v1/namespaces/loki-v3/pods"), {
      labelSelector: "app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy",
      limit: "500",
      timeout: "30s",
    });
  });

  it("reads no log of the Pending collector on the tainted node, and fails as in the seed's incident", async () => {
    const run = await verify("untolerated-taint");
    assert.equal(line(run, "Collector pods"), "✗ Collector pods: 1 of 10 nodes without a Running, Ready collector");
    assert.equal(line(run, "Collector logs"), "✓ Collector logs (last 15m): no error lines from 9 collectors");
    assert.equal(
      run.requests.some((r) => r.includes("/pods/alloy-dslcw/log")),
      false,
    );
    assert.equal(run.status, 1);
  });

  it("recognises kubectl's own NotFound for a missing DaemonSet", async () => {
    const run = await verify("healthy", { absent: ["daemonset.json"] });
    assert.equal(line(run, "DaemonSet"), "✗ DaemonSet loki-v3/alloy: not found");
    assert.equal(run.status, 1);
  });

  it("recognises kubectl's own NotFound for a missing events collector Deployment", async () => {
    const run = await verify("healthy", { absent: ["events-deployment.json"] });
    assert.equal(line(run, "Events collector"), "✗ Events collector Deployment loki-v3/alloy-events: not found");
    assert.equal(run.status, 1);
  });

  it("lists every namespace's Events and the events collector's pods by label, for the events checks", async () => {
    // Loki's answer to the events query: the check needs one to list the Events at all.
    const loki = createServer((_request, response) =>
      response.writeHead(200, { "content-type": "application/json" }).end(readFileSync(path.join(FIXTURES, "healthy", "loki-events.json"))),
    );
    await new Promise<void>((resolve) => loki.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(loki.address() as AddressInfo).port}`;
      const run = await verify("healthy", {}, ["--loki-url", url, "--skip", "prometheus,datadog-metrics,loki,journal"]);
      assert.equal(run.stderr, "");
      const events = run.requests.filter((r) => r.startsWith("GET /api/v1/events"));
      assert.deepEqual(events, ["GET /api/v1/events?limit=500&timeout=30s"]);
      assert.ok(
        run.requests.some((r) =>
          r.startsWith(
            "GET /api/v1/namespaces/loki-v3/pods?labelSelector=app.kubernetes.io%2Fname%3Dalloy%2Capp.kubernetes.io%2Finstance%3Dalloy-events&",
          ),
        ),
        run.requests.join("\n"),
      );
      // The recorded Events are of 2025: none is within the last 15 minutes of now.
      assert.equal(
        line(run, "Kubernetes events"),
        "✓ Kubernetes events in Loki (last 15m): 9 lines in the last 15m; the cluster recorded no Event from 15m to 1m ago",
      );
    } finally {
      loki.closeAllConnections();
      await new Promise((resolve) => loki.close(resolve));
    }
  });

  it("recognises kubectl's error for a cluster without the ServiceMonitor type", async () => {
    const run = await verify("healthy", { without: ["monitoring.coreos.com/v1"] });
    assert.equal(
      line(run, "ServiceMonitor"),
      "✗ ServiceMonitor loki-v3/alloy: the cluster has no ServiceMonitor resource type (the monitoring.coreos.com CRDs are not installed)",
    );
  });

  it("reports resource usage as not run, and exits 3, on a cluster without the metrics API", async () => {
    const run = await verify("healthy", { without: ["metrics.k8s.io/v1beta1"] });
    assert.equal(line(run, "Resource usage"), "? Resource usage: not run: the metrics API (metrics.k8s.io) is not served by this cluster");
    assert.equal(run.status, 3);
  });
});
