/**
 * The real-tool tier: the real Pulumi CLI, its engine and Node.js language host, the
 * Kubernetes provider (which renders the chart with its own Helm library) and the
 * CrossGuard analyzer running policy/, against a real kube-apiserver on 127.0.0.1 and
 * the pinned chart served from a local chart repository. Nothing here is a stand-in
 * but the language host, a port of upstream's (tools/language-nodejs, README).
 *
 * Each stack file is previewed as a derived test stack: the repository's
 * Pulumi.<stack>.yaml with only the cluster access and the chart repository changed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ALLOY_CHART_VERSION } from "../../config/chart/alloy-values.generated";
import { readStackFile } from "../../config/stack-file";
import { planOnCliPath, ROOT } from "../../plan/cli-path";
import { alloyConfig, chartValues } from "../../plan/output";
import type { PlanResult } from "../../plan/resources";
import { requireSharedChart, startChartMirror, type ChartMirror } from "../../realtools/chart-mirror";
import { freePort, startControlPlane, type ControlPlane } from "../../realtools/control-plane";
import {
  CLI_TOOLS,
  parsePreviewJson,
  PulumiWorkspace,
  REAL_TOOLS_BIN,
  requireTools,
  type PreviewJson,
  type PreviewStep,
  type RunResult,
  CRDS,
  HELM,
  KUBECTL,
  missingHostTools,
} from "../../realtools/real-cli";

const STACKS = ["dev", "prod", "ops"] as const;
const POLICY_PACK = path.join(ROOT, "policy");
/** A credential set with `pulumi config set --secret`, looked for in every output and file. */
const SECRET = "s3cr3t-Pa55-e2e";

interface Checkpoint {
  checkpoint?: { latest?: { resources?: { type: string }[] } };
}

/** Every file under a directory, for a search for plain-text secrets. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** The two warnings every preview here prints, and why they are expected. */
const EXPECTED_WARNINGS = [
  // The provider is an ambient plugin (tools/versions.env: the proxy serves no 4.34.2).
  /^using pulumi-resource-kubernetes from \$PATH at /,
  /^resource plugin kubernetes is expected to have version >=4\.34\.2, but has 4\.24\.0-dev\.f47bc2d6f199/,
];

function kubectl(cluster: ControlPlane, args: string[]): string {
  const result = spawnSync(KUBECTL, ["--kubeconfig", cluster.kubeconfig, "--context", cluster.context, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** The plan `npm run plan` makes of the workspace's derived stack file. */
async function offlinePlan(ws: PulumiWorkspace, stack: string): Promise<PlanResult> {
  const { config, secretKeys } = readStackFile(ws.project, stack);
  return planOnCliPath(stack, { config, secretKeys });
}

function shortUrn(step: PreviewStep): string {
  return step.urn.split("::").slice(2).join("::");
}

/** The step that registers the resource of this type and name. */
function stepOf(preview: PreviewJson, type: string, name: string): PreviewStep {
  const found = (preview.steps ?? []).filter((s) => s.newState?.type === type && s.urn.endsWith(`::${name}`));
  assert.equal(found.length, 1, `one step for ${type} ${name}; the steps are:\n${(preview.steps ?? []).map(shortUrn).join("\n")}`);
  return found[0];
}

/** The chart's rendered object of this kind and name, as the provider registered it. */
function rendered(preview: PreviewJson, type: string, namespacedName: string): Record<string, unknown> {
  return stepOf(preview, type, `alloy:${namespacedName}`).newState!.inputs!;
}

function warningsAndErrors(preview: PreviewJson): { warnings: string[]; errors: string[] } {
  const text = (severity: string) =>
    (preview.diagnostics ?? []).filter((d) => d.severity === severity).map((d) => d.message.replace(/^(warning|error): /, "").trim());
  return { warnings: text("warning"), errors: text("error") };
}

function assertOnlyExpectedWarnings(preview: PreviewJson): void {
  const { warnings, errors } = warningsAndErrors(preview);
  assert.deepEqual(errors, []);
  const unexpected = warnings.filter((w) => !EXPECTED_WARNINGS.some((pattern) => pattern.test(w)));
  assert.deepEqual(unexpected, []);
}

/** What a person reads: everything the CLI printed. */
const printed = (result: RunResult) => `${result.stdout}\n${result.stderr}`;

/** Inputs the program gave, without what the provider adds at Check (auto-names, defaults markers). */
function programInputs(inputs: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(inputs, (key, value: unknown) => (key === "__defaults" ? undefined : value))) as unknown;
}

/** Every resource the program registers, with the inputs npm run plan records (resources.json). */
function assertSameRegistrations(preview: PreviewJson, plan: PlanResult): void {
  for (const resource of plan.resources) {
    if (resource.type === "pulumi:pulumi:Stack") continue;
    const step = stepOf(preview, resource.type, resource.name);
    assert.equal(step.op, resource.read ? "read" : "create", `${resource.type} ${resource.name}`);
    // Components (the collector, the Chart) show no inputs in a preview; the provider's are the stack's cluster access.
    if (resource.read || resource.type.startsWith("pulumi:providers:") || step.newState?.custom !== true) continue;
    const expected = JSON.parse(JSON.stringify(resource.inputs)) as Record<string, unknown>;
    // The provider's Check turns a Secret's stringData into (base64) data, a secret either way.
    if (resource.type === "kubernetes:core/v1:Secret" && "stringData" in expected) {
      expected.data = expected.stringData;
      delete expected.stringData;
    }
    assert.deepEqual(programInputs(step.newState.inputs ?? {}), expected, `${resource.type} ${resource.name}`);
  }
}

describe("the real Pulumi CLI previews every stack file (real engine, provider, Helm and policy pack)", function () {
  let cluster: ControlPlane;
  let mirror: ChartMirror;
  let ws: PulumiWorkspace;
  const previews = new Map<string, PreviewJson>();

  before(async function () {
    requireTools(this, [...CLI_TOOLS, "kube-apiserver"], missingHostTools());
    cluster = await startControlPlane({ binDir: REAL_TOOLS_BIN });
    // As kube-prometheus-stack installs them in our clusters.
    for (const crd of ["servicemonitors", "prometheusrules"]) {
      kubectl(cluster, ["apply", "--server-side", "-f", path.join(CRDS, `monitoring.coreos.com_${crd}.yaml`)]);
    }
    mirror = await startChartMirror(HELM, [requireSharedChart(ALLOY_CHART_VERSION, HELM)]);
    ws = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
  });

  after(async function () {
    ws?.dispose();
    await mirror?.close();
    await cluster?.stop();
  });

  for (const stack of STACKS) {
    it(`${stack}: pulumi preview --policy-pack policy succeeds and registers what npm run plan writes`, async function () {
      // ops reads the namespace Loki already runs in; dev and prod create theirs.
      if (stack === "ops") kubectl(cluster, ["create", "namespace", "loki-v3"]);
      await ws.initStack(stack, { context: cluster.context, chartRepository: mirror.url });
      const before = mirror.requests.length;
      const result = await ws.pulumiOk(["preview", "--stack", stack, "--json", "--policy-pack", POLICY_PACK]);
      const preview = parsePreviewJson(result.stdout);
      previews.set(stack, preview);
      assertOnlyExpectedWarnings(preview);
      // The chart came from the mirror, twice: the collector's release and the events release each pull it (side by side).
      assert.deepEqual(mirror.requests.slice(before).sort(), [
        `/alloy-${ALLOY_CHART_VERSION}.tgz`,
        `/alloy-${ALLOY_CHART_VERSION}.tgz`,
        "/index.yaml",
        "/index.yaml",
      ]);

      const plan = await offlinePlan(ws, stack);
      assertSameRegistrations(preview, plan);

      // The objects the provider's Helm rendered from those values (values.yaml, config.alloy).
      const values = chartValues(plan);
      const ns = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
      const namespace = ns.read ? "loki-v3" : (ns.inputs.metadata as { name: string }).name;
      const configMap = rendered(preview, "kubernetes:core/v1:ConfigMap", `${namespace}/alloy`);
      // The chart writes `config.alloy: |-` (templates/configmap.yaml), which drops the final newline.
      assert.equal((configMap.data as Record<string, string>)["config.alloy"], alloyConfig(plan).replace(/\n$/, ""));
      const daemonSet = rendered(preview, "kubernetes:apps/v1:DaemonSet", `${namespace}/alloy`);
      const pod = (daemonSet.spec as { template: { spec: Record<string, unknown> } }).template.spec;
      assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
      assert.equal(pod.priorityClassName, "system-node-critical");
      const alloy = (pod.containers as { name: string; resources: unknown }[]).find((c) => c.name === "alloy")!;
      assert.deepEqual(alloy.resources, values.alloy?.resources);
      rendered(preview, "kubernetes:core/v1:ServiceAccount", `${namespace}/alloy`);
      const serviceMonitor = rendered(preview, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", `${namespace}/alloy`);
      assert.deepEqual((serviceMonitor.metadata as { labels: Record<string, string> }).labels.release, "kube-prometheus-stack");
      // Both charts' own RBAC stays off: the program's ClusterRoles (the collector's, the events collector's) are the only ones.
      const roles = (preview.steps ?? []).filter((s) => /rbac.authorization.k8s.io\/v1:(Cluster)?Role::/.test(s.urn));
      assert.deepEqual(roles.map(shortUrn).sort(), [
        "alloy-logs:index:AlloyLogCollector$kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::alloy-logs-events-reader",
        "alloy-logs:index:AlloyLogCollector$kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::alloy-logs-pod-reader",
      ]);
    });
  }

  it("reads pulumi config set with --path, --secret, numbers, booleans and nested keys as npm run plan does, the secret never in plain text", async function () {
    const forms = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
    try {
      await forms.initStack("dev", { context: cluster.context, chartRepository: mirror.url });
      const set = (args: string[]) => forms.pulumiOk(["config", "set", "--stack", "dev", ...args]);
      await set(["--path", "alloy-logs:resources.limits.memory", "800Mi"]);
      await set(["--path", "alloy-logs:lokiWrite.maxRetries", "20"]);
      await set(["--path", "alloy-logs:pipeline.dropProbeLogs", "true"]);
      await set(["--path", "alloy-logs:serviceMonitor.labels.team", "platform"]);
      await set(["--path", "alloy-logs:rollout.maxUnavailable", "2"]);
      await set(["--path", "alloy-logs:lokiAuth.type", "basic"]);
      await set(["--path", "--secret", "alloy-logs:lokiAuth.username", "e2e-user"]);
      await set(["--path", "--secret", "alloy-logs:lokiAuth.password", SECRET]);
      const stackFile = readFileSync(forms.stackFile("dev"), "utf8");
      assert.ok(!stackFile.includes(SECRET), stackFile);
      assert.match(stackFile, /password:\n\s+secure: v1:/);

      const result = await forms.pulumiOk(["preview", "--stack", "dev", "--json", "--policy-pack", POLICY_PACK]);
      assert.ok(!printed(result).includes(SECRET), "the password in the preview's output");
      const preview = parsePreviewJson(result.stdout);
      assertOnlyExpectedWarnings(preview);
      const plan = await offlinePlan(forms, "dev");
      assertSameRegistrations(preview, plan);
      // Each form landed as its type: the number in the Alloy config, the boolean as a stage, the label, the limit.
      assert.equal(chartValues(plan).alloy?.resources?.limits?.memory, "800Mi");
      assert.match(alloyConfig(plan), /max_backoff_retries = 20\n/);
      assert.match(alloyConfig(plan), /drop_counter_reason = "probe"/);
      const serviceMonitor = rendered(preview, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "loki-v3/alloy");
      assert.equal((serviceMonitor.metadata as { labels: Record<string, string> }).labels.team, "platform");
      const daemonSet = rendered(preview, "kubernetes:apps/v1:DaemonSet", "loki-v3/alloy");
      assert.deepEqual((daemonSet.spec as { updateStrategy: unknown }).updateStrategy, {
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: 2 },
      });
      // The credentials reach the Secret as secrets, and nothing of them is in the state.
      const secret = stepOf(preview, "kubernetes:core/v1:Secret", "alloy-logs-loki-auth").newState!.inputs!;
      assert.equal(secret.data, "[secret]");
      for (const file of filesUnder(forms.root)) assert.ok(!readFileSync(file).includes(SECRET), `the password in plain text in ${file}`);
    } finally {
      forms.dispose();
    }
  });

  it("stops pulumi preview and pulumi up on a bad stack edit with the program's message: no stack trace, no secret, nothing in the state or the cluster", async function () {
    const bad = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
    try {
      await bad.initStack("dev", { context: cluster.context, chartRepository: mirror.url });
      await bad.pulumiOk(["config", "set", "--stack", "dev", "--path", "alloy-logs:resources.limits.memory", "700MB"]);
      await bad.pulumiOk(["config", "set", "--stack", "dev", "--path", "--secret", "alloy-logs:lokiAuth.token", SECRET]);
      await bad.pulumiOk(["config", "set", "--stack", "dev", "--path", "alloy-logs:lokiAuth.type", "bearer"]);
      const stateBefore = bad.checkpoint("dev");
      for (const command of [["preview"], ["up", "--yes", "--skip-preview"]]) {
        const result = await bad.pulumi([...command, "--stack", "dev"]);
        const out = printed(result);
        assert.notEqual(result.code, 0, out);
        assert.ok(out.includes('Invalid configuration for stack "dev" (Pulumi.dev.yaml), nothing was deployed:'), out);
        assert.ok(
          out.includes(
            'alloy-logs:resources.limits.memory: got "700MB"; expected a positive Kubernetes quantity such as 700Mi (Ki/Mi/Gi are powers of 1024; MB is not a unit)',
          ),
          out,
        );
        assert.doesNotMatch(out, /^\s+at .+:\d+:\d+\)?$/m, "a stack trace");
        assert.ok(!out.includes(SECRET), "the token in the output");
      }
      // Nothing of the program's reached the state or the cluster.
      const types =
        (JSON.parse(bad.checkpoint("dev") || stateBefore || "{}") as Checkpoint).checkpoint?.latest?.resources?.map((r) => r.type) ?? [];
      assert.deepEqual(
        types.filter((t) => t.startsWith("kubernetes:")),
        [],
      );
      assert.doesNotMatch(kubectl(cluster, ["get", "clusterroles", "-o", "name"]), /loki-v3-alloy-logs/);
      for (const file of filesUnder(bad.root)) assert.ok(!readFileSync(file).includes(SECRET), `the token in plain text in ${file}`);
    } finally {
      bad.dispose();
    }
  });

  it("fails the preview naming the chart, the version and the mirror when the mirror lacks the pinned version or cannot be reached", async function () {
    const upgradeOnly = await startChartMirror(HELM, [requireSharedChart("1.11.1", HELM)]);
    const closed = await freePort();
    try {
      for (const [repository, expected] of [
        [
          upgradeOnly.url,
          `unable to locate the chart: chart "alloy" version "${ALLOY_CHART_VERSION}" not found in ${upgradeOnly.url} repository`,
        ],
        [
          `http://127.0.0.1:${closed}/charts`,
          `unable to locate the chart: looks like "http://127.0.0.1:${closed}/charts" is not a valid chart repository or cannot be reached: Get "http://127.0.0.1:${closed}/charts/index.yaml": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
        ],
      ]) {
        const w = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
        try {
          await w.initStack("dev", { context: cluster.context, chartRepository: repository });
          const result = await w.pulumi(["preview", "--stack", "dev"]);
          assert.equal(result.code, 1, printed(result));
          // Both releases pull the chart; whichever fails first carries the provider's error (the other then reports the
          // engine shutting down).
          assert.ok(
            ["alloy-logs-chart", "alloy-logs-events-chart"].some((chart) =>
              printed(result).includes(`error: kubernetes:helm.sh/v4:Chart resource '${chart}' has a problem: ${expected}`),
            ),
            printed(result),
          );
        } finally {
          w.dispose();
        }
      }
    } finally {
      await upgradeOnly.close();
    }
  });

  it("fails the preview with the provider's unreachable-cluster error when the API server does not answer", async function () {
    // The stack's own kubeconfig context, pointing at a port nothing listens on.
    const config = JSON.parse(readFileSync(cluster.kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] };
    const closed = await freePort();
    config.clusters[0].cluster.server = `https://127.0.0.1:${closed}`;
    const down = new PulumiWorkspace({ kubeconfig: path.join(tmpdir(), `alloy-logs-down-${closed}.kubeconfig`) });
    writeFileSync(down.env.KUBECONFIG!, JSON.stringify(config));
    const unreachable = `configured Kubernetes cluster is unreachable: unable to load schema information from the API server: Get "https://127.0.0.1:${closed}/openapi/v2?timeout=32s": dial tcp 127.0.0.1:${closed}: connect: connection refused`;
    try {
      // dev creates its namespace: the Chart, which renders against the cluster, is what fails.
      await down.initStack("dev", { context: cluster.context, chartRepository: mirror.url });
      let result = await down.pulumi(["preview", "--stack", "dev"]);
      assert.equal(result.code, 1, printed(result));
      assert.ok(
        printed(result).includes(`error: kubernetes:helm.sh/v4:Chart resource 'alloy-logs-chart' has a problem: ${unreachable}`),
        printed(result),
      );
      // ops reads its namespace: the read fails first, and the provider says how to drop it from state.
      await down.initStack("ops", { context: cluster.context, chartRepository: mirror.url });
      result = await down.pulumi(["preview", "--stack", "ops"]);
      assert.equal(result.code, 1, printed(result));
      assert.ok(printed(result).includes(`warning: ${unreachable}`), printed(result));
      assert.ok(
        printed(result).includes(
          'error: Preview failed: failed to read resource state due to unreachable cluster. If the cluster was deleted, you can remove this resource from Pulumi state by rerunning the operation with the PULUMI_K8S_DELETE_UNREACHABLE environment variable set to "true"',
        ),
        printed(result),
      );
    } finally {
      rmSync(down.env.KUBECONFIG!, { force: true });
      down.dispose();
    }
  });

  it("the real analyzer fails a preview whose rendered DaemonSet breaks a rule, naming the object and the rule", async function () {
    // A chart that no longer puts controller.tolerations on the pod: the seed's incident, from the chart's side.
    const work = mkdtempSync(path.join(tmpdir(), "alloy-logs-badchart-"));
    try {
      const chartDir = path.join(work, "alloy");
      spawnSync("tar", ["-xzf", requireSharedChart(ALLOY_CHART_VERSION, HELM), "-C", work]);
      const podTemplate = path.join(chartDir, "templates", "controllers", "_pod.yaml");
      const text = readFileSync(podTemplate, "utf8");
      const edited = text.replace(/\{\{- with \.Values\.controller\.tolerations \}\}[\s\S]*?\{\{- end \}\}\n/, "");
      assert.notEqual(edited, text, "the chart's pod template has the tolerations block this test removes");
      writeFileSync(podTemplate, edited);
      const packed = spawnSync(HELM, ["package", chartDir, "--destination", work], { encoding: "utf8" });
      assert.equal(packed.status, 0, packed.stderr);
      const badMirror = await startChartMirror(HELM, [path.join(work, `alloy-${ALLOY_CHART_VERSION}.tgz`)]);
      const bad = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
      try {
        await bad.initStack("dev", { context: cluster.context, chartRepository: badMirror.url });
        const result = await bad.pulumi(["preview", "--stack", "dev", "--policy-pack", POLICY_PACK]);
        assert.equal(result.code, 1, printed(result));
        const out = printed(result);
        assert.ok(out.includes("- [mandatory]  collector-tolerates-every-taint  (kubernetes:apps/v1:DaemonSet: alloy:loki-v3/alloy)"), out);
        assert.ok(out.includes("DaemonSet loki-v3/alloy has no toleration for all taints: got tolerations nothing"), out);
        assert.match(out, /error: preview failed/);
      } finally {
        bad.dispose();
        await badMirror.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
