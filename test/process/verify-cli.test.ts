/**
 * `npm run verify` end to end, as a process per case: scripts/verify.ts with a fake `kubectl` on PATH serving the
 * recorded clusters of test/fixtures/verify/ and a local HTTP server standing in for Loki, Prometheus and Datadog.
 * In the real-tool tier (npm run test:real): eight node processes, each loading the program, seconds of CPU on a
 * 2-core machine. test/verify.test.ts runs the same checks in-process, on the same recordings, in the fast tier.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { CoreEvent, List } from "../../verify/types";
import { ROOT } from "../support/stacks";
import {
  EVENTS_MATCHER,
  FIXTURES,
  HEALTHY_REPORT,
  JOURNAL_MATCHER,
  NOW,
  UNTOLERATED_TAINT_REPORT,
  type Scenario,
} from "../support/verify-fixtures";

const clusterEvents = (s: Scenario) => (JSON.parse(readFileSync(path.join(FIXTURES, s, "events.json"), "utf8")) as List<CoreEvent>).items;

describe("npm run verify (the CLI, with a fake kubectl on PATH and a local Loki, Prometheus and Datadog)", function () {
  // The fake serves test/fixtures/verify/$VERIFY_FIXTURES by exact arguments: any other command fails,
  // so a command without the stack's context (or with another) cannot pass.
  const FAKE_KUBECTL = `#!/bin/sh
cluster="--context buzzvil-eks-ops --request-timeout=30s"
namespaced="$cluster --namespace loki-v3"
if [ -n "$FAKE_KUBECTL_ERROR" ]; then echo "$FAKE_KUBECTL_ERROR" >&2; exit 1; fi
case "$*" in
  "$cluster get nodes -o json") file=nodes.json ;;
  "$namespaced get pods --selector app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy -o json") file=pods.json ;;
  "$namespaced get daemonset alloy -o json") file=daemonset.json ;;
  "$namespaced get servicemonitors.monitoring.coreos.com alloy -o json") file=servicemonitor.json ;;
  "$namespaced get service alloy -o json") file=service.json ;;
  "$namespaced get deployment alloy-events -o json") file=events-deployment.json ;;
  "$namespaced get pods --selector app.kubernetes.io/name=alloy,app.kubernetes.io/instance=alloy-events -o json") file=events-pods.json ;;
  "$cluster get events --all-namespaces -o json") file=events.json ;;
  "$cluster get --raw /apis/metrics.k8s.io/v1beta1/namespaces/loki-v3/pods?labelSelector=app.kubernetes.io%2Fname%3Dalloy%2Capp.kubernetes.io%2Finstance%3Dalloy") file=podmetrics.json ;;
  "$namespaced logs "*" --container alloy --since=15m") file="logs/$(echo "$*" | sed 's/.* logs \\([^ ]*\\) --container.*/\\1/').txt" ;;
  *) echo "fake kubectl: unexpected arguments: $*" >&2; exit 64 ;;
esac
exec cat "$VERIFY_FIXTURES/$file"
`;
  type Run = { status: number | null; stdout: string; stderr: string };
  let bin: string;
  let server: Server;
  let base: string;
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const runs: Record<string, Run> = {};
  const UNSET = [
    "LOKI_QUERY_URL",
    "LOKI_QUERY_USERNAME",
    "LOKI_QUERY_PASSWORD",
    "LOKI_QUERY_TOKEN",
    "PROMETHEUS_URL",
    "DD_API_KEY",
    "DD_APP_KEY",
    "DD_SITE",
    "DD_TAG_FILTER",
    "VERIFY_SKIP",
  ];

  function verify(args: string[], env: Record<string, string>): Promise<Run> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !UNSET.includes(key)));
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/verify.ts", ...args], {
        cwd: ROOT,
        env: { ...inherited, PATH: `${bin}${path.delimiter}${process.env.PATH}`, ...env },
        timeout: 10_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  before(async () => {
    bin = mkdtempSync(path.join(tmpdir(), "verify-bin-"));
    writeFileSync(path.join(bin, "kubectl"), FAKE_KUBECTL);
    chmodSync(path.join(bin, "kubectl"), 0o755);
    // http://127.0.0.1:<port>/<scenario>/…: that scenario's recorded Loki, Prometheus and Datadog answers.
    const routes: Record<string, string> = {
      "/loki/api/v1/query": "loki.json",
      "/api/v1/query": "prometheus.json",
      "/api/v1/metrics": "datadog-metrics.json",
    };
    server = createServer((request, response) => {
      requests.push({ url: request.url ?? "", headers: request.headers });
      const [, scenario, rest] = /^\/([^/]+)(\/[^?]*)/.exec(request.url ?? "") ?? [];
      if (!(rest in routes) || !["healthy", "untolerated-taint"].includes(scenario)) {
        response.writeHead(404).end("404 page not found\n");
        return;
      }
      // The journal check's query (job="systemd-journal") and the events check's have their own recordings.
      const url = request.url ?? "";
      const loki = rest === "/loki/api/v1/query";
      const file =
        loki && url.includes(JOURNAL_MATCHER)
          ? "loki-journal.json"
          : loki && url.includes(EVENTS_MATCHER)
            ? "loki-events.json"
            : routes[rest];
      response.writeHead(200, { "content-type": "application/json" }).end(readFileSync(path.join(FIXTURES, scenario, file)));
    });
    server.requestTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const datadog = (scenario: string) => ({ DD_API_KEY: "dd-api-fixture", DD_APP_KEY: "dd-app-fixture", DD_SITE: `${base}/${scenario}` });
    // The CLI checks against the clock, and the events check counts the Events of the last minutes: the recorded
    // Events move to now, keeping their distance from the recording's NOW. Every other file is the recording.
    const shift = Date.now() - NOW.getTime();
    for (const scenario of ["healthy", "untolerated-taint"] as const) {
      cpSync(path.join(FIXTURES, scenario), path.join(bin, "fixtures", scenario), { recursive: true });
      const moved = clusterEvents(scenario).map((e) => ({
        ...e,
        lastTimestamp: e.lastTimestamp && new Date(Date.parse(e.lastTimestamp) + shift).toISOString(),
        eventTime: e.eventTime && new Date(Date.parse(e.eventTime) + shift).toISOString(),
      }));
      writeFileSync(path.join(bin, "fixtures", scenario, "events.json"), JSON.stringify({ items: moved }));
    }
    const fixtures = (scenario: string) => ({ VERIFY_FIXTURES: path.join(bin, "fixtures", scenario) });
    // The processes run side by side: each spends most of its time loading.
    const [healthy, tainted, bare, skipped, noContext, usage, badSkip, oneKey] = await Promise.all([
      verify(["--stack", "ops", "--loki-url", `${base}/healthy`], {
        ...fixtures("healthy"),
        PROMETHEUS_URL: `${base}/healthy`,
        ...datadog("healthy"),
      }),
      verify(["--stack", "ops", "--prometheus-url", `${base}/untolerated-taint`], {
        ...fixtures("untolerated-taint"),
        LOKI_QUERY_URL: `${base}/untolerated-taint`,
        ...datadog("untolerated-taint"),
      }),
      verify(["--stack", "ops"], { ...fixtures("healthy"), PROMETHEUS_URL: "", LOKI_QUERY_URL: "" }),
      verify(["--stack", "ops", "--skip", "prometheus", "--skip", "loki", "--skip", "journal,events-loki"], {
        ...fixtures("healthy"),
        VERIFY_SKIP: "datadog-metrics",
      }),
      verify(["--stack", "ops"], { FAKE_KUBECTL_ERROR: "error: context was not found for specified context: buzzvil-eks-ops" }),
      verify([], {}),
      verify(["--stack", "ops", "--skip", "loki,promethus"], {}),
      verify(["--stack", "ops"], { DD_API_KEY: "dd-api-fixture" }),
    ]);
    Object.assign(runs, { healthy, tainted, bare, skipped, noContext, usage, badSkip, oneKey });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(bin, { recursive: true, force: true });
  });

  it("prints the passing report and exits 0 on the healthy cluster (Loki from --loki-url, Prometheus from PROMETHEUS_URL)", () => {
    assert.equal(runs.healthy.stderr, "");
    assert.equal(runs.healthy.stdout, HEALTHY_REPORT);
    assert.equal(runs.healthy.status, 0);
  });

  it("prints the failing report and exits 1 on the cluster with the untolerated taint (Loki from LOKI_QUERY_URL, Prometheus from --prometheus-url)", () => {
    assert.equal(runs.tainted.stderr, "");
    assert.equal(runs.tainted.stdout, UNTOLERATED_TAINT_REPORT);
    assert.equal(runs.tainted.status, 1);
  });

  it("sends Loki the stack's tenant as X-Scope-OrgID, and Datadog both keys", () => {
    const loki =
      "/loki/api/v1/query?query=count+by+%28node_name%29+%28count_over_time%28%7Bcluster%3D%22buzzvil-eks-ops%22%2C+job%21%3D%22systemd-journal%22%7D%5B5m%5D%29%29";
    const journal =
      "/loki/api/v1/query?query=count+by+%28node_name%29+%28count_over_time%28%7Bcluster%3D%22buzzvil-eks-ops%22%2C+job%3D%22systemd-journal%22%7D%5B15m%5D%29%29";
    const events =
      "/loki/api/v1/query?query=sum%28count_over_time%28%7Bcluster%3D%22buzzvil-eks-ops%22%2C+job%3D%22integrations%2Fkubernetes%2Feventhandler%22%7D%5B15m%5D%29%29";
    assert.deepEqual(
      requests
        .filter((r) => r.url.includes("/loki/"))
        .map((r) => [r.url, r.headers["x-scope-orgid"]])
        .sort(),
      [
        [`/healthy${loki}`, "ops"],
        [`/healthy${journal}`, "ops"],
        [`/healthy${events}`, "ops"],
        [`/untolerated-taint${loki}`, "ops"],
        [`/untolerated-taint${journal}`, "ops"],
        [`/untolerated-taint${events}`, "ops"],
      ],
    );
    for (const r of requests.filter((r) => r.url.includes("/api/v1/metrics"))) {
      assert.deepEqual([r.headers["dd-api-key"], r.headers["dd-application-key"]], ["dd-api-fixture", "dd-app-fixture"]);
    }
  });

  it("exits 3 naming the checks that did not run when no URL or key is given (empty variables count as unset)", () => {
    assert.equal(runs.bare.stderr, "");
    assert.equal(
      runs.bare.stdout.split("\n").at(-2),
      "8 of 13 checks passed; 5 did not run: prometheus, datadog-metrics, loki, journal, events-loki (give them what they need, or --skip them by name).",
    );
    assert.equal(runs.bare.status, 3);
  });

  it("exits 0 when those checks are skipped by name (--skip, repeated, and VERIFY_SKIP)", () => {
    assert.equal(runs.skipped.stdout.split("\n").at(-2), "8 of 13 checks passed, 5 skipped.");
    assert.equal(runs.skipped.status, 0);
  });

  it("exits 2 with kubectl's error and how to create the EKS context when the context is missing", () => {
    assert.equal(runs.noContext.stdout, "");
    assert.equal(
      runs.noContext.stderr,
      "verify: kubectl --context buzzvil-eks-ops --request-timeout=30s get nodes -o json failed (exit code 1): error: context was not found for specified context: buzzvil-eks-ops\n" +
        '(stack "ops" reaches its EKS cluster through the kubeconfig context buzzvil-eks-ops; create it with: aws eks update-kubeconfig --name buzzvil-eks-ops --region ap-northeast-1 --alias buzzvil-eks-ops)\n',
    );
    assert.equal(runs.noContext.status, 2);
  });

  const USAGE =
    "usage: npm run verify -- --stack <name> [--loki-url <url>] [--prometheus-url <url>] [--skip <check>[,<check>]]...\n" +
    "checks: daemonset, pods, restarts, logs, resources, servicemonitor, prometheus, datadog, datadog-metrics, loki, journal, events, events-loki\n";

  it("exits 2 with usage when --stack is missing", () => {
    assert.equal(runs.usage.stderr, USAGE);
    assert.equal(runs.usage.status, 2);
  });

  it("exits 2 naming a --skip that is no check's name", () => {
    assert.equal(runs.badSkip.stderr, `--skip: got "promethus"; expected check names\n${USAGE}`);
    assert.equal(runs.badSkip.status, 2);
  });

  it("exits 2 when only one of the two Datadog keys is set", () => {
    assert.equal(runs.oneKey.stderr, `Datadog: DD_API_KEY is set but DD_APP_KEY is not; set both, or neither\n${USAGE}`);
    assert.equal(runs.oneKey.status, 2);
  });
});
