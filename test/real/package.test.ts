/**
 * The component package (pulumi-package/, docs/package.md) on the real Pulumi CLI, its engine, the Node.js
 * language host (RunPlugin, GeneratePackage, Link) and the YAML language host, with the real
 * Kubernetes provider rendering the chart against a real control plane on 127.0.0.1:
 *
 * - the schema `pulumi package get-schema ./pulumi-package` gives is pulumi-package/schema.json, byte for byte;
 * - the alias: a stack whose state the program before the package made (OLD_COMMIT, `pulumi up` on the
 *   control plane) previews with this checkout's program with nothing created, deleted, replaced or updated;
 * - TypeScript: `pulumi package add ./pulumi-package` in a scratch program generates an SDK that tsc compiles,
 *   and a program using it previews;
 * - YAML: a `runtime: yaml` program declaring the component with a handful of properties previews the
 *   same children (types and names) as the TypeScript program with the same settings, and as this
 *   repository's own program, which constructs the class in its own process.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { LEGACY_COMPONENT_TYPE, COMPONENT_TYPE } from "../../components/alloy-log-collector";
import { ALLOY_CHART_VERSION } from "../../config/chart/alloy-values.generated";
import { ROOT } from "../../plan/cli-path";
import { requireSharedChart, startChartMirror, type ChartMirror } from "../../realtools/chart-mirror";
import { startControlPlane, type ControlPlane } from "../../realtools/control-plane";
import { kubectlAsync, registerNodes, startFakeKubelet, type FakeKubelet } from "../../realtools/fake-kubelet";
import {
  CLI_TOOLS,
  CONTROL_PLANE_TOOLS,
  parsePreviewJson,
  PulumiWorkspace,
  REAL_TOOLS_BIN,
  requireTools,
  YAML_TOOLS,
  type PreviewJson,
  CRDS,
  HELM,
  KUBECTL,
  missingHostTools,
} from "../../realtools/real-cli";

const PACKAGE_DIR = path.join(ROOT, "pulumi-package");
const SCHEMA_FILE = path.join(PACKAGE_DIR, "schema.json");
const TSC = path.join(ROOT, "node_modules", ".bin", "tsc");
/** main before the package: its program made the state the alias is proven against. */
export const OLD_COMMIT = "5b3018a";

/** The settings both consumers give the component: a handful, the rest defaulted. */
function consumerSettings(context: string, chartRepository: string) {
  return {
    clusterName: "consumer-e2e",
    kubeconfigContext: context,
    lokiEndpoint: "http://loki-gateway.loki-v3.svc.cluster.local/loki/api/v1/push",
    tenantId: "consumer",
    namespace: "consumer-logs",
    createNamespace: true,
    chartRepository,
    pipeline: { excludeNamespaces: ["kube-system"], dropProbeLogs: true },
    resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "500Mi" } },
  };
}

/** The host tools, and the commit whose state the alias is proven against (a shallow clone lacks it). */
function missingPackageTools(): string[] {
  const missing = missingHostTools();
  if (spawnSync("git", ["-C", ROOT, "cat-file", "-e", `${OLD_COMMIT}^{commit}`]).status !== 0) {
    missing.push(`commit ${OLD_COMMIT} (the program before the package; fetch the history: git fetch --unshallow)`);
  }
  return missing;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The children of the component in a preview: type chain under the component, and name; the project and stack left out. */
function childrenOf(preview: PreviewJson): string[] {
  return (preview.steps ?? [])
    .map((s) => s.urn.split("::").slice(2).join("::"))
    .filter((tail) => tail.startsWith(`${COMPONENT_TYPE}$`))
    .sort();
}

/**
 * Links the generated SDK where the consumer's `import "@pulumi/alloy-logs"` finds it. Nothing else is linked: the
 * scratch programs live under the repository's .cache/, so node and tsc find every other package, one @pulumi/pulumi
 * among them, in the repository's node_modules by walking up. No link into it either: an `npm install` in a scratch
 * program (upstream's language host runs one in `pulumi package add`) would prune through such links.
 */
function linkSdk(dir: string, sdk: string): void {
  const link = path.join(dir, "node_modules", "@pulumi", "alloy-logs");
  // Upstream's host has installed it already (npm install of the file: dependency Link recorded).
  if (existsSync(link)) return;
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(sdk, link);
}

describe("the component package on the real CLI: schema, alias, TypeScript SDK, YAML", function () {
  let cluster: ControlPlane;
  let mirror: ChartMirror;
  let kubelet: FakeKubelet;
  let ws: PulumiWorkspace;
  let scratch: string;
  let tsPreview: PreviewJson | undefined;
  const kubectl = (args: string[], input?: string) => kubectlAsync(cluster, KUBECTL, args, input);

  before(async function () {
    requireTools(this, [...CLI_TOOLS, ...YAML_TOOLS, ...CONTROL_PLANE_TOOLS], missingPackageTools());
    cluster = await startControlPlane({ binDir: REAL_TOOLS_BIN, full: true });
    for (const crd of ["servicemonitors", "prometheusrules"]) {
      await kubectl(["apply", "--server-side", "-f", path.join(CRDS, `monitoring.coreos.com_${crd}.yaml`)]);
    }
    await registerNodes(cluster, KUBECTL);
    kubelet = startFakeKubelet(cluster, KUBECTL);
    mirror = await startChartMirror(HELM, [requireSharedChart(ALLOY_CHART_VERSION, HELM)]);
    mkdirSync(path.join(ROOT, ".cache"), { recursive: true });
    scratch = mkdtempSync(path.join(ROOT, ".cache", "package-consumers-"));
  });

  after(async function () {
    await kubelet?.stop();
    ws?.dispose();
    await mirror?.close();
    await cluster?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("pulumi package get-schema ./pulumi-package gives pulumi-package/schema.json, byte for byte (npm run golden:update writes it)", async function () {
    const schemaWs = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
    try {
      const result = await schemaWs.pulumiOk(["package", "get-schema", PACKAGE_DIR], { cwd: scratch });
      assert.ok(existsSync(SCHEMA_FILE), "no pulumi-package/schema.json: run npm run golden:update");
      assert.equal(result.stdout, readFileSync(SCHEMA_FILE, "utf8"), "run npm run golden:update and review the schema's diff");
      const schema = JSON.parse(result.stdout) as { name: string; resources: Record<string, { isComponent?: boolean }> };
      assert.equal(schema.name, "alloy-logs");
      assert.deepEqual(Object.keys(schema.resources), [COMPONENT_TYPE]);
      assert.equal(schema.resources[COMPONENT_TYPE].isComponent, true);
    } finally {
      schemaWs.dispose();
    }
  });

  it(`a stack deployed by the program before the package (${OLD_COMMIT}) previews with the package's component: nothing created, deleted, replaced or updated`, async function () {
    const old = path.join(scratch, "old-program");
    mkdirSync(old);
    const archive = spawnSync("git", ["-C", ROOT, "archive", "--format=tar", OLD_COMMIT], { maxBuffer: 256 * 1024 * 1024 });
    assert.equal(archive.status, 0, `git archive ${OLD_COMMIT}: ${archive.stderr?.toString()}`);
    const untar = spawnSync("tar", ["-x", "-C", old], { input: archive.stdout });
    assert.equal(untar.status, 0, `tar: ${untar.stderr?.toString()}`);
    assert.ok(readFileSync(path.join(old, "components", "alloy-log-collector.ts"), "utf8").includes(`"${LEGACY_COMPONENT_TYPE}"`));

    ws = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig, programDir: old });
    // As on ops: Loki already runs in loki-v3, which the stack only reads.
    await kubectl(["create", "namespace", "loki-v3"]);
    await ws.initStack("ops", { context: cluster.context, chartRepository: mirror.url });
    await ws.pulumiOk(["up", "--stack", "ops", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
    const before = JSON.parse(ws.checkpoint("ops")) as { checkpoint: { latest: { resources: { urn: string }[] } } };
    const oldUrns = before.checkpoint.latest.resources.map((r) => r.urn);
    assert.ok(
      oldUrns.some((urn) => urn.includes(`::${LEGACY_COMPONENT_TYPE}::`)),
      "the old state holds no component of the old type",
    );

    ws.linkProgram();
    const preview = parsePreviewJson((await ws.pulumiOk(["preview", "--stack", "ops", "--json", "--show-sames"])).stdout);
    const steps = preview.steps ?? [];
    const changed = steps.filter((s) => !["same", "read"].includes(s.op)).map((s) => `${s.op} ${s.urn}`);
    assert.deepEqual(changed, [], "steps other than same and read");
    // Every resource of the old state is taken over under its new URN (the component's new type in its chain).
    const urns = steps.map((s) => `${s.op} ${s.urn}`).join("\n");
    assert.ok(
      steps.some((s) => s.urn.endsWith(`::${COMPONENT_TYPE}::alloy-logs`)),
      `not registered under the new type:\n${urns}`,
    );
    assert.equal(steps.filter((s) => s.urn.includes(LEGACY_COMPONENT_TYPE)).length, 0, `still under the old type:\n${urns}`);
    // Each resource of the old state, and only those, under its URN with the component's new type in its chain; but the
    // default provider of the built-in pulumi package, which the old update registered and nothing uses: a preview
    // steps no unused provider (and deletes nothing, above).
    const builtinProvider = (urn: string) => urn.endsWith("::pulumi:providers:pulumi::default");
    assert.deepEqual(
      steps.map((s) => s.urn).sort(),
      oldUrns
        .filter((urn) => !builtinProvider(urn))
        .map((urn) => urn.replaceAll(LEGACY_COMPONENT_TYPE, COMPONENT_TYPE))
        .sort(),
    );
    assert.deepEqual(
      Object.keys(preview.changeSummary ?? {}).filter((op) => !["same", "read"].includes(op)),
      [],
      JSON.stringify(preview.changeSummary),
    );
  });

  it("TypeScript: pulumi package add ./pulumi-package generates an SDK that tsc compiles, and a program using it previews", async function () {
    const dir = path.join(scratch, "ts-consumer");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: alloy-logs-ts-consumer\nruntime: nodejs\n");
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "alloy-logs-ts-consumer", private: true, main: "index.ts" }, null, 2),
    );
    writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2020",
          module: "commonjs",
          moduleResolution: "node",
          esModuleInterop: true,
          skipLibCheck: true,
          noEmit: true,
        },
        files: ["index.ts"],
      }),
    );
    const consumerWs = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
    try {
      const added = await consumerWs.pulumiOk(["package", "add", PACKAGE_DIR], { cwd: dir });
      assert.match(added.stdout + added.stderr, /import \* as alloyLogs from "@pulumi\/alloy-logs"/);
      const sdk = path.join(dir, "sdks", "alloy-logs");
      assert.ok(existsSync(path.join(sdk, "alloyLogCollector.ts")), `no alloyLogCollector.ts in ${sdk}: ${readdirSync(sdk).join(", ")}`);
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
      assert.equal(manifest.dependencies?.["@pulumi/alloy-logs"], "file:sdks/alloy-logs");
      const project = readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
      assert.match(project, /packages:\n\s+alloy-logs: /);

      // The SDK's own postinstall (tsc, then its package.json into bin/), as npm install runs it, with the
      // repository's @pulumi/pulumi, TypeScript and @types/node in place of the registry's.
      const postinstall = spawnSync(process.execPath, ["scripts/postinstall.js"], {
        cwd: sdk,
        encoding: "utf8",
        env: { ...process.env, PATH: `${path.dirname(TSC)}:${process.env.PATH ?? ""}` },
      });
      assert.equal(postinstall.status, 0, `the SDK's postinstall: ${postinstall.stdout}${postinstall.stderr}`);
      assert.ok(existsSync(path.join(sdk, "bin", "index.js")) && existsSync(path.join(sdk, "bin", "package.json")));
      linkSdk(dir, sdk);

      const settings = consumerSettings(cluster.context, mirror.url);
      writeFileSync(
        path.join(dir, "index.ts"),
        [
          'import * as alloyLogs from "@pulumi/alloy-logs";',
          "",
          "const settings = " + JSON.stringify(settings, null, 2) + ";",
          'const logs = new alloyLogs.AlloyLogCollector("logs", {',
          "  ...settings,",
          "  lokiAuth: { type: alloyLogs.LokiAuthType.None },",
          '  rollout: { maxUnavailable: "1" },',
          "});",
          "export const namespace = logs.namespace;",
          "export const daemonSetName = logs.daemonSetName;",
          "",
        ].join("\n"),
      );
      run(TSC, ["-p", dir], dir);

      await consumerWs.pulumiOk(["stack", "init", "test", "--secrets-provider", "passphrase"], { cwd: dir });
      const preview = parsePreviewJson(
        (await consumerWs.pulumiOk(["preview", "--stack", "test", "--json", "--show-sames"], { cwd: dir })).stdout,
      );
      tsPreview = preview;
      const children = childrenOf(preview);
      for (const expected of [
        "alloy-logs:index:AlloyLogCollector$pulumi:providers:kubernetes::logs-cluster",
        "alloy-logs:index:AlloyLogCollector$kubernetes:core/v1:Namespace::logs-namespace",
        "alloy-logs:index:AlloyLogCollector$kubernetes:helm.sh/v4:Chart::logs-chart",
        "alloy-logs:index:AlloyLogCollector$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:DaemonSet::alloy:consumer-logs/alloy",
      ]) {
        assert.ok(children.includes(expected), `${expected} not among:\n${children.join("\n")}`);
      }
      assert.deepEqual(
        (preview.steps ?? []).filter((s) => s.op !== "create" && s.op !== "same").map((s) => `${s.op} ${s.urn}`),
        [],
      );
    } finally {
      consumerWs.dispose();
    }
  });

  it("YAML: a runtime: yaml program declaring the component previews the same children as the TypeScript program and as this repository's program", async function () {
    assert.ok(tsPreview, "the TypeScript consumer did not preview");
    const dir = path.join(scratch, "yaml-consumer");
    mkdirSync(dir);
    const settings = consumerSettings(cluster.context, mirror.url);
    writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      stringify({
        name: "alloy-logs-yaml-consumer",
        runtime: "yaml",
        packages: { "alloy-logs": PACKAGE_DIR },
        resources: {
          logs: {
            type: COMPONENT_TYPE,
            properties: { ...settings, lokiAuth: { type: "none" }, rollout: { maxUnavailable: "1" } },
          },
        },
        outputs: { namespace: "${logs.namespace}", daemonSetName: "${logs.daemonSetName}" },
      }),
    );
    const yamlWs = new PulumiWorkspace({ kubeconfig: cluster.kubeconfig });
    try {
      await yamlWs.pulumiOk(["stack", "init", "test", "--secrets-provider", "passphrase"], { cwd: dir });
      const preview = parsePreviewJson(
        (await yamlWs.pulumiOk(["preview", "--stack", "test", "--json", "--show-sames"], { cwd: dir })).stdout,
      );
      const children = childrenOf(preview);
      assert.ok(children.length > 10, `few children:\n${children.join("\n")}`);
      assert.deepEqual(children, childrenOf(tsPreview));

      // The class itself, constructed in the program's own process, as index.ts does: the same children again.
      const inProcess = path.join(scratch, "in-process");
      mkdirSync(inProcess);
      // Loaded as Pulumi.yaml loads this repository's program: its TypeScript loader, no ts-node.
      writeFileSync(
        path.join(inProcess, "Pulumi.yaml"),
        stringify({
          name: "alloy-logs-in-process",
          runtime: {
            name: "nodejs",
            options: { typescript: false, nodeargs: `--require ${path.join(ROOT, "scripts", "register-ts.js")}` },
          },
        }),
      );
      writeFileSync(
        path.join(inProcess, "package.json"),
        JSON.stringify({ name: "alloy-logs-in-process", private: true, main: "index.ts" }),
      );
      writeFileSync(
        path.join(inProcess, "index.ts"),
        [
          `import { AlloyLogCollector, LokiAuthType } from ${JSON.stringify(path.join(ROOT, "components", "alloy-log-collector"))};`,
          `const settings = ${JSON.stringify(settings)};`,
          'new AlloyLogCollector("logs", { ...settings, lokiAuth: { type: LokiAuthType.None }, rollout: { maxUnavailable: "1" } });',
          "",
        ].join("\n"),
      );
      await yamlWs.pulumiOk(["stack", "init", "test", "--secrets-provider", "passphrase"], { cwd: inProcess });
      const own = parsePreviewJson(
        (await yamlWs.pulumiOk(["preview", "--stack", "test", "--json", "--show-sames"], { cwd: inProcess })).stdout,
      );
      assert.deepEqual(children, childrenOf(own));
    } finally {
      yamlWs.dispose();
    }
  });
});
