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
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startFakeApiServer, type FakeApiOptions, type FakeApiServer } from "../support/fake-apiserver";
import { ROOT } from "../support/stacks";

const FIXTURES = path.join(__dirname, "..", "fixtures", "verify");
/** The checks that need no cluster: not this file's subject. */
const SKIP = ["--skip", "prometheus,datadog-metrics,loki,journal"];

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
  async function verify(scenario: string, options: FakeApiOptions = {}): Promise<Run> {
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
        const child = spawn(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/verify.ts", "--stack", "ops", ...SKIP], {
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
    assert.deepEqual(run.stdout.split("\n").slice(1, 9), [
      "✓ DaemonSet loki-v3/alloy: desired=current=ready=up-to-date=available=10, one per node",
      "✓ Collector pods: Running and Ready on all 10 nodes, 2 of them tainted",
      "✓ Restarts: no container restarted more than 3 times",
      "✓ Collector logs (last 15m): no error lines from 10 collectors",
      "✓ Resource usage: container alloy at most cpu 90m of 250m, memory 272Mi of 700Mi, 10 pods",
      "✓ ServiceMonitor loki-v3/alloy: present, labelled release=kube-prometheus-stack",
      "- Prometheus targets (job alloy): skipped (--skip prometheus)",
      "✓ Datadog openmetrics check: all 10 pods carry it (namespace loki_v3, 10 metrics)",
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
