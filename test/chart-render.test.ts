/**
 * Renders each stack's golden values.yaml with the real grafana/alloy 1.4.0
 * chart and a real helm binary, and checks what Kubernetes would receive.
 * The golden files pin the values; this proves the chart reads them where the
 * program puts them (Helm silently ignores values at paths it does not read).
 *
 * Runs only when both are set, otherwise every test is reported pending:
 *   HELM_BIN          a helm 3 binary:  HELM_BIN=$(bash scripts/fetch-helm.sh)
 *   ALLOY_CHART_DIR   the chart source at tag helm-chart/1.4.0 of grafana/alloy,
 *                     the directory operations/helm/charts/alloy
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { ALLOY_HTTP_PORT, ALLOY_STORAGE_PATH, buildChartValues, DATADOG_CHECKS_ANNOTATION } from "../chart/values";
import { parseStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import { chartValuesInput } from "./support/chart-input";
import { GOLDEN_DIR, ROOT, stackNames } from "./support/stacks";

const CHART_NAME = "alloy";
const CHART_VERSION = "1.4.0";
/** The program's Helm release name (components/alloy-log-collector.ts), which names every object. */
const RELEASE = "alloy";
const KUBE_VERSION = "1.31.0";

const SETUP = [
  "grafana/alloy chart render tests skipped: set both HELM_BIN and ALLOY_CHART_DIR to run them, e.g.",
  "  git -C <clone of grafana/alloy> archive helm-chart/1.4.0 operations/helm/charts/alloy | tar -x -C /tmp/alloy-chart",
  "  HELM_BIN=$(bash scripts/fetch-helm.sh) ALLOY_CHART_DIR=/tmp/alloy-chart/operations/helm/charts/alloy npx mocha test/chart-render.test.ts",
].join("\n");

// ---- the few Kubernetes shapes these tests read ----------------------------

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [key: string]: unknown;
}
interface Container {
  name: string;
  args?: string[];
  resources?: unknown;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { containerPort: number; name?: string; protocol?: string }[];
}
interface PodSpec {
  priorityClassName?: string;
  tolerations?: unknown[];
  containers: Container[];
  volumes?: { name: string; [source: string]: unknown }[];
}
interface DaemonSet extends KubeObject {
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: Metadata; spec: PodSpec } };
}
interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
interface Service extends KubeObject {
  spec: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
}
interface ServiceMonitor extends KubeObject {
  spec: { endpoints: { port?: string; interval?: string }[]; selector: { matchLabels?: Record<string, string> } };
}

// ---- rendering ---------------------------------------------------------------

interface Env {
  helm: string;
  chartDir: string;
}

/**
 * `helm template` of the chart with one values file, parsed into its objects.
 * --include-crds because kubernetes.helm.v4.Chart installs a chart's CRDs by default.
 */
function render(env: Env, valuesFile: string, namespace: string): KubeObject[] {
  let output: string;
  try {
    output = execFileSync(
      env.helm,
      ["template", RELEASE, env.chartDir, "--include-crds", "--namespace", namespace, "--kube-version", KUBE_VERSION, "-f", valuesFile],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`helm template failed for ${valuesFile}:\n${stderr || String(error)}`);
  }
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(output)) {
    if (doc.errors.length > 0) throw new Error(`helm template output is not valid YAML: ${doc.errors[0].message}`);
    const object = doc.toJS() as KubeObject | null;
    if (object !== null) objects.push(object);
  }
  return objects;
}

function ofKind<T extends KubeObject>(objects: readonly KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

function describeObjects(objects: readonly KubeObject[]): string {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ");
}

/** The single object of a kind named `name`, or a failure listing what was rendered. */
function single<T extends KubeObject>(objects: readonly KubeObject[], kind: string, name: string): T {
  const found = ofKind<T>(objects, kind);
  assert.equal(found.length, 1, `expected exactly one ${kind}, rendered: ${describeObjects(objects)}`);
  assert.equal(found[0].metadata.name, name, `${kind} name`);
  return found[0];
}

function alloyContainer(ds: DaemonSet): Container {
  const containers = ds.spec.template.spec.containers;
  const alloy = containers.find((c) => c.name === "alloy");
  assert.ok(alloy, `no container named alloy in DaemonSet ${ds.metadata.name}; containers: ${containers.map((c) => c.name).join(", ")}`);
  return alloy;
}

/** Plain data as it reaches the chart (through YAML): no undefined-valued keys. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ---- the tests ---------------------------------------------------------------

describe(`grafana/alloy ${CHART_VERSION} rendered with the plan's values`, function () {
  let env: Env | undefined;
  let scratch: string | undefined;

  before(function () {
    const helm = process.env.HELM_BIN;
    const chartDir = process.env.ALLOY_CHART_DIR;
    if (!helm || !chartDir) {
      const missing = [!helm && "HELM_BIN", !chartDir && "ALLOY_CHART_DIR"].filter(Boolean).join(" and ");
      console.log(`\n${SETUP}\n  (missing: ${missing})\n`);
      this.skip();
    }
    // Set but wrong is a broken setup, not a reason to skip.
    assert.ok(existsSync(helm), `HELM_BIN=${helm} does not exist`);
    const chartFile = path.join(chartDir, "Chart.yaml");
    assert.ok(existsSync(chartFile), `ALLOY_CHART_DIR=${chartDir} has no Chart.yaml`);
    const chart = parse(readFileSync(chartFile, "utf8")) as { name?: string; version?: string };
    assert.deepEqual(
      { name: chart.name, version: chart.version },
      { name: CHART_NAME, version: CHART_VERSION },
      `ALLOY_CHART_DIR must hold the ${CHART_NAME} chart ${CHART_VERSION}, the version the program deploys`,
    );
    env = { helm, chartDir };
    scratch = mkdtempSync(path.join(tmpdir(), "chart-render-"));
  });

  after(function () {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** Writes values to a temporary file and renders it. */
  function renderValues(name: string, values: unknown, namespace: string): KubeObject[] {
    const file = path.join(scratch!, `${name}.yaml`);
    writeFileSync(file, stringify(values, { lineWidth: 0 }));
    return render(env!, file, namespace);
  }

  for (const stack of stackNames()) {
    describe(`stack ${stack} (test/golden/${stack}/values.yaml)`, function () {
      const config: StackConfig = parseStackConfig(stack, readStackFile(ROOT, stack).config);
      const ns = config.namespace;
      let objects: KubeObject[];
      let ds: DaemonSet;

      before(function () {
        this.timeout(60_000);
        objects = render(env!, path.join(GOLDEN_DIR, stack, "values.yaml"), ns);
        ds = single<DaemonSet>(objects, "DaemonSet", RELEASE);
      });

      it(`renders exactly one DaemonSet, alloy, in ${ns}`, function () {
        const daemonSets = ofKind<DaemonSet>(objects, "DaemonSet");
        assert.deepEqual(
          daemonSets.map((d) => ({ name: d.metadata.name, namespace: d.metadata.namespace })),
          [{ name: RELEASE, namespace: ns }],
          `rendered: ${describeObjects(objects)}`,
        );
        assert.deepEqual(ofKind(objects, "Deployment").concat(ofKind(objects, "StatefulSet")), [], "no other controller");
      });

      it("runs its pods as system-node-critical", function () {
        assert.equal(ds.spec.template.spec.priorityClassName, "system-node-critical");
      });

      it("tolerates every taint (tolerations: [{operator: Exists}])", function () {
        assert.deepEqual(ds.spec.template.spec.tolerations, [{ operator: "Exists" }]);
      });

      it(`gives the alloy container exactly the stack's resources`, function () {
        assert.deepEqual(alloyContainer(ds).resources, plain(config.resources), `resources of Pulumi.${stack}.yaml`);
      });

      it("mounts the node's /var/log read-only from a hostPath volume varlog", function () {
        const mounts = (alloyContainer(ds).volumeMounts ?? []).filter((m) => m.name === "varlog");
        assert.deepEqual(mounts, [{ name: "varlog", mountPath: "/var/log", readOnly: true }], "alloy container volumeMounts");
        const volumes = (ds.spec.template.spec.volumes ?? []).filter((v) => v.name === "varlog");
        assert.deepEqual(volumes, [{ name: "varlog", hostPath: { path: "/var/log" } }], "pod volumes");
      });

      it("keeps Alloy's storage path (read positions) on a hostPath directory dedicated to the release", function () {
        const stateDir = `${config.storageHostPath}/${ns}-${RELEASE}`;
        assert.ok(alloyContainer(ds).args?.includes(`--storage.path=${ALLOY_STORAGE_PATH}`), `args: ${alloyContainer(ds).args}`);
        const mounts = (alloyContainer(ds).volumeMounts ?? []).filter((m) => m.mountPath === ALLOY_STORAGE_PATH);
        assert.deepEqual(mounts, [{ name: "alloy-storage", mountPath: ALLOY_STORAGE_PATH }], "alloy container volumeMounts");
        const volumes = (ds.spec.template.spec.volumes ?? []).filter((v) => v.name === "alloy-storage");
        assert.deepEqual(volumes, [{ name: "alloy-storage", hostPath: { path: stateDir, type: "DirectoryOrCreate" } }], "pod volumes");
      });

      it("renders no Role or ClusterRole (the program's own grants only pods; see test/component.test.ts) and no CRD", function () {
        const kinds = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "CustomResourceDefinition"];
        assert.deepEqual(objects.filter((o) => kinds.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`), []);
      });

      it("runs alloy with a read-only root, no privilege escalation, RuntimeDefault seccomp and only DAC_READ_SEARCH", function () {
        assert.deepEqual((alloyContainer(ds) as { securityContext?: unknown }).securityContext, {
          runAsUser: 0,
          runAsNonRoot: false,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"], add: ["DAC_READ_SEARCH"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
      });

      it("leaves only the storage path writable: every other mount of alloy is read-only", function () {
        const writable = (alloyContainer(ds).volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath);
        // /etc/alloy is a ConfigMap volume, which Kubernetes always mounts read-only.
        assert.deepEqual(writable.sort(), ["/etc/alloy", ALLOY_STORAGE_PATH]);
      });

      it(`rolls out as the stack says: RollingUpdate, maxUnavailable ${config.rollout.maxUnavailable}`, function () {
        const spec = ds.spec as unknown as { updateStrategy?: unknown; minReadySeconds?: number; template: { spec: { terminationGracePeriodSeconds?: number } } };
        assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: config.rollout.maxUnavailable } });
        assert.equal(spec.minReadySeconds, config.rollout.minReadySeconds);
        assert.equal(spec.template.spec.terminationGracePeriodSeconds, config.rollout.terminationGracePeriodSeconds);
      });

      it("sets HOSTNAME to the node name (the config's spec.nodeName selector reads it)", function () {
        const hostname = (alloyContainer(ds).env ?? []).filter((e) => e.name === "HOSTNAME");
        assert.deepEqual(hostname, [{ name: "HOSTNAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }]);
      });

      it(`exposes container port ${ALLOY_HTTP_PORT} named http-metrics`, function () {
        assert.deepEqual(alloyContainer(ds).ports, [{ containerPort: ALLOY_HTTP_PORT, name: "http-metrics" }]);
      });

      it("puts exactly the golden config.alloy in ConfigMap alloy (the tpl escaping round-trips)", function () {
        const cm = single<ConfigMap>(objects, "ConfigMap", RELEASE);
        assert.equal(cm.metadata.namespace, ns, "ConfigMap namespace");
        const golden = readFileSync(path.join(GOLDEN_DIR, stack, "config.alloy"), "utf8");
        // The chart writes `config.alloy: |-`, which drops the final newline.
        assert.equal(cm.data?.["config.alloy"], golden.replace(/\n$/, ""), `ConfigMap data vs test/golden/${stack}/config.alloy`);
      });

      const sm = config.serviceMonitor;
      it(
        sm.enabled
          ? `renders a ServiceMonitor labelled ${JSON.stringify(sm.labels)} scraping port http-metrics`
          : "renders no ServiceMonitor (serviceMonitor.enabled: false)",
        function () {
          const monitors = ofKind<ServiceMonitor>(objects, "ServiceMonitor");
          if (!sm.enabled) {
            assert.deepEqual(monitors, [], "ServiceMonitor rendered although the stack disables it");
            return;
          }
          assert.equal(monitors.length, 1, `expected one ServiceMonitor, rendered: ${describeObjects(objects)}`);
          const monitor = monitors[0];
          assert.equal(monitor.metadata.namespace, ns, "ServiceMonitor namespace");
          for (const [key, value] of Object.entries(sm.labels)) {
            assert.equal(monitor.metadata.labels?.[key], value, `ServiceMonitor label ${key} (Prometheus selects on it)`);
          }
          assert.deepEqual(
            monitor.spec.endpoints.map((e) => ({ port: e.port, interval: e.interval })),
            [{ port: "http-metrics", interval: sm.interval }],
            "ServiceMonitor endpoints",
          );
        },
      );

      if (sm.enabled) {
        it("has the ServiceMonitor select a Service that selects the alloy pods on http-metrics", function () {
          const monitor = single<ServiceMonitor>(objects, "ServiceMonitor", RELEASE);
          const service = single<Service>(objects, "Service", RELEASE);
          const podLabels = ds.spec.template.metadata.labels ?? {};
          const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
            Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
          assert.ok(matches(monitor.spec.selector.matchLabels ?? {}, service.metadata.labels ?? {}), "ServiceMonitor selector does not match the Service's labels");
          assert.ok(matches(service.spec.selector ?? {}, podLabels), "Service selector does not match the DaemonSet's pod labels");
          assert.deepEqual(
            (service.spec.ports ?? []).filter((p) => p.name === "http-metrics").map((p) => [p.port, p.targetPort]),
            [[ALLOY_HTTP_PORT, ALLOY_HTTP_PORT]],
            "Service port http-metrics",
          );
        });
      }

      const dd = config.datadog;
      it(
        dd.enabled
          ? `annotates the pods with a Datadog openmetrics check (namespace ${dd.namespace})`
          : "puts no Datadog annotation on the pods (datadog.enabled: false)",
        function () {
          const annotation = ds.spec.template.metadata.annotations?.[DATADOG_CHECKS_ANNOTATION];
          if (!dd.enabled) {
            assert.equal(annotation, undefined, `${DATADOG_CHECKS_ANNOTATION} rendered although the stack disables Datadog`);
            return;
          }
          assert.equal(typeof annotation, "string", `pod template has no ${DATADOG_CHECKS_ANNOTATION} annotation`);
          assert.deepEqual(JSON.parse(annotation!), {
            openmetrics: {
              init_config: {},
              instances: [{ openmetrics_endpoint: `http://%%host%%:${ALLOY_HTTP_PORT}/metrics`, namespace: dd.namespace, metrics: dd.metrics }],
            },
          });
        },
      );
    });
  }

  describe("values the program does not build", function () {
    const opsGolden = () => parse(readFileSync(path.join(GOLDEN_DIR, "ops", "values.yaml"), "utf8")) as Record<string, Record<string, unknown>>;

    it("a root-level tolerations (the seed incident) renders a DaemonSet with NO tolerations: Helm ignores it", function () {
      this.timeout(60_000);
      const values = opsGolden();
      delete values.controller.tolerations;
      const objects = renderValues("root-tolerations", { ...values, tolerations: [{ operator: "Exists" }] }, "loki-v3");
      const spec = single<DaemonSet>(objects, "DaemonSet", RELEASE).spec.template.spec;
      assert.equal(
        spec.tolerations,
        undefined,
        "the chart reads only controller.tolerations; if this fails, the chart started reading the root key",
      );
    });

    it("an Alloy config containing {{ .Release.Name }} reaches the ConfigMap literally", function () {
      this.timeout(60_000);
      const alloyConfig = '// {{ .Release.Name }} and {{ "{{" }} stay as written\nlogging {\n  level = "info"\n}\n';
      const values = buildChartValues(
        chartValuesInput({ alloyConfig, serviceMonitor: { enabled: false, labels: {} }, datadog: { enabled: false, namespace: "loki_v3", metrics: [".*"] } }),
      );
      const cm = single<ConfigMap>(renderValues("hostile", values, "loki-v3"), "ConfigMap", RELEASE);
      const data = cm.data?.["config.alloy"] ?? "";
      assert.ok(data.includes("// {{ .Release.Name }}"), `ConfigMap data:\n${data}`);
      assert.equal(data, alloyConfig.replace(/\n$/, ""), "the whole config, byte for byte");
    });

    it("serviceMonitor and datadog disabled render no ServiceMonitor and no Datadog annotation", function () {
      this.timeout(60_000);
      const values = buildChartValues(
        chartValuesInput({
          alloyConfig: "logging {}\n",
          serviceMonitor: { enabled: false, labels: { release: "kube-prometheus-stack" } },
          datadog: { enabled: false, namespace: "loki_v3", metrics: [".*"] },
        }),
      );
      const objects = renderValues("disabled", values, "loki-v3");
      assert.deepEqual(ofKind(objects, "ServiceMonitor"), [], "ServiceMonitor");
      const annotations = single<DaemonSet>(objects, "DaemonSet", RELEASE).spec.template.metadata.annotations ?? {};
      assert.equal(annotations[DATADOG_CHECKS_ANNOTATION], undefined, "Datadog annotation");
    });
  });
});
