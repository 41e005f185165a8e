/**
 * Renders each stack's golden values.yaml with the real grafana/alloy chart
 * of the pinned version (ALLOY_CHART_VERSION) and a real helm binary, and
 * checks what Kubernetes would receive. The golden files pin the values; this
 * proves the chart reads them where the program puts them (Helm silently
 * ignores values at paths it does not read).
 *
 * Runs only when HELM_BIN and ALLOY_CHART_DIR are both set (test/support/helm-render.ts);
 * otherwise every test is reported pending.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ALLOY_APP_VERSION, ALLOY_CHART_VERSION, type AlloyChartValues } from "../config/chart/alloy-values.generated";
import { mergeChartOverrides } from "../chart/merge";
import { ALLOY_STORAGE_PATH, buildChartValues, type ChartValuesInput } from "../chart/values";
import { checkChartOverrides } from "../config/chart/overrides";
import {
  ALLOY_HTTP_PORT,
  DATADOG_CHECKS_ANNOTATION,
  PROGRAM_OWNED_PATHS,
  PROMETHEUS_PORT_ANNOTATION,
  PROMETHEUS_SCRAPE_ANNOTATION,
  RELEASE_NAME,
} from "../config/chart/owned";
import { parseStackConfig } from "../config/load";
import type { StackConfig } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import { chartValuesInput } from "./support/chart-input";
import { generateChartTypes, chartMeta } from "../config/chart/types-generator";
import {
  alloyContainer,
  CHART_SETUP,
  chartEnvFromProcess,
  ofKind,
  describeObjects,
  renderChart,
  renderChartValues,
  single,
  type ChartEnv,
  type ConfigMap,
  type DaemonSet,
  type KubeObject,
  type Service,
  type ServiceMonitor,
} from "./support/helm-render";
import { GOLDEN_DIR, ROOT, stackNames } from "./support/stacks";

const RELEASE = RELEASE_NAME;

/** Plain data as it reaches the chart (through YAML): no undefined-valued keys. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A builder input with both monitoring integrations off, for renders of one setting at a time. */
const BARE_INPUT: ChartValuesInput = chartValuesInput({
  alloyConfig: "logging {}\n",
  serviceMonitor: { enabled: false, labels: {} },
  datadog: { enabled: false, namespace: "loki_v3", metrics: [".*"] },
  prometheusAnnotations: false,
});

// ---- the tests ---------------------------------------------------------------

describe(`grafana/alloy ${ALLOY_CHART_VERSION} rendered with the plan's values`, function () {
  let env: ChartEnv | undefined;

  before(function () {
    const found = chartEnvFromProcess();
    if ("missing" in found) {
      console.log(`\ngrafana/alloy chart render tests skipped: ${CHART_SETUP}\n  (missing: ${found.missing.join(" and ")})\n`);
      this.skip();
    }
    env = found;
  });

  function renderValues(values: unknown, namespace: string): KubeObject[] {
    return renderChartValues(env!, values, namespace);
  }

  for (const stack of stackNames()) {
    describe(`stack ${stack} (test/golden/${stack}/values.yaml)`, function () {
      const config: StackConfig = parseStackConfig(stack, readStackFile(ROOT, stack).config);
      const ns = config.namespace;
      let objects: KubeObject[];
      let ds: DaemonSet;

      before(function () {
        this.timeout(60_000);
        objects = renderChart(env!, path.join(GOLDEN_DIR, stack, "values.yaml"), ns);
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

      it("reads the journal at /var/log/journal through that /var/log mount, with no volume of its own", function () {
        const cm = single<ConfigMap>(objects, "ConfigMap", RELEASE);
        assert.match(cm.data?.["config.alloy"] ?? "", /loki\.source\.journal "node_journal" \{\n {2}path {10}= "\/var\/log\/journal"\n/);
        assert.deepEqual(
          (alloyContainer(ds).volumeMounts ?? []).map((m) => m.mountPath),
          ["/etc/alloy", "/var/log", ALLOY_STORAGE_PATH],
          "alloy container volumeMounts",
        );
        assert.deepEqual(
          (ds.spec.template.spec.volumes ?? []).map((v) => v.name),
          ["config", "varlog", "alloy-storage"],
          "pod volumes",
        );
      });

      it("keeps Alloy's storage path (read positions) on a hostPath directory dedicated to the release", function () {
        const stateDir = `${config.storageHostPath}/${ns}-${RELEASE}`;
        assert.ok(
          alloyContainer(ds).args?.includes(`--storage.path=${ALLOY_STORAGE_PATH}`),
          `args: ${JSON.stringify(alloyContainer(ds).args)}`,
        );
        const mounts = (alloyContainer(ds).volumeMounts ?? []).filter((m) => m.mountPath === ALLOY_STORAGE_PATH);
        assert.deepEqual(mounts, [{ name: "alloy-storage", mountPath: ALLOY_STORAGE_PATH }], "alloy container volumeMounts");
        const volumes = (ds.spec.template.spec.volumes ?? []).filter((v) => v.name === "alloy-storage");
        assert.deepEqual(volumes, [{ name: "alloy-storage", hostPath: { path: stateDir, type: "DirectoryOrCreate" } }], "pod volumes");
      });

      it("renders no Role or ClusterRole (the program's own grants only pods; see test/component.test.ts) and no CRD", function () {
        const kinds = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "CustomResourceDefinition"];
        assert.deepEqual(
          objects.filter((o) => kinds.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`),
          [],
        );
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
        const spec = ds.spec as unknown as {
          updateStrategy?: unknown;
          minReadySeconds?: number;
          template: { spec: { terminationGracePeriodSeconds?: number } };
        };
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
          assert.ok(
            matches(monitor.spec.selector.matchLabels ?? {}, service.metadata.labels ?? {}),
            "ServiceMonitor selector does not match the Service's labels",
          );
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
              instances: [
                { openmetrics_endpoint: `http://%%host%%:${ALLOY_HTTP_PORT}/metrics`, namespace: dd.namespace, metrics: dd.metrics },
              ],
            },
          });
        },
      );

      it(
        config.prometheusAnnotations
          ? `annotates the pods with prometheus.io/scrape "true" and prometheus.io/port "${ALLOY_HTTP_PORT}" (the seed's annotations)`
          : "puts no prometheus.io annotations on the pods (prometheusAnnotations: false)",
        function () {
          const annotations = ds.spec.template.metadata.annotations ?? {};
          const found = { scrape: annotations[PROMETHEUS_SCRAPE_ANNOTATION], port: annotations[PROMETHEUS_PORT_ANNOTATION] };
          assert.deepEqual(
            found,
            config.prometheusAnnotations ? { scrape: "true", port: "12345" } : { scrape: undefined, port: undefined },
          );
        },
      );
    });
  }

  describe("values the program does not build", function () {
    const opsGolden = () =>
      parse(readFileSync(path.join(GOLDEN_DIR, "ops", "values.yaml"), "utf8")) as Record<string, Record<string, unknown>>;

    it("a root-level tolerations (the seed incident) renders a DaemonSet with NO tolerations: Helm ignores it", function () {
      this.timeout(60_000);
      const values = opsGolden();
      delete values.controller.tolerations;
      const objects = renderValues({ ...values, tolerations: [{ operator: "Exists" }] }, "loki-v3");
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
      const values = buildChartValues({ ...BARE_INPUT, alloyConfig });
      const cm = single<ConfigMap>(renderValues(values, "loki-v3"), "ConfigMap", RELEASE);
      const data = cm.data?.["config.alloy"] ?? "";
      assert.ok(data.includes("// {{ .Release.Name }}"), `ConfigMap data:\n${data}`);
      assert.equal(data, alloyConfig.replace(/\n$/, ""), "the whole config, byte for byte");
    });

    it("serviceMonitor, datadog and prometheusAnnotations disabled render no ServiceMonitor and only the chart's own pod annotation", function () {
      this.timeout(60_000);
      const values = buildChartValues({ ...BARE_INPUT, serviceMonitor: { enabled: false, labels: { release: "kube-prometheus-stack" } } });
      const objects = renderValues(values, "loki-v3");
      assert.deepEqual(ofKind(objects, "ServiceMonitor"), [], "ServiceMonitor");
      const annotations = single<DaemonSet>(objects, "DaemonSet", RELEASE).spec.template.metadata.annotations;
      assert.deepEqual(annotations, { "kubectl.kubernetes.io/default-container": "alloy" }, "pod template annotations");
    });

    it("mounts a journal path outside /var/log read-only at the same path, from a hostPath volume of its own", function () {
      const rendered = single<DaemonSet>(
        renderValues(buildChartValues({ ...BARE_INPUT, journalPath: "/run/log/journal" }), "loki-v3"),
        "DaemonSet",
        RELEASE,
      );
      assert.deepEqual(
        (alloyContainer(rendered).volumeMounts ?? []).filter((m) => m.name === "node-journal"),
        [{ name: "node-journal", mountPath: "/run/log/journal", readOnly: true }],
      );
      assert.deepEqual(
        (rendered.spec.template.spec.volumes ?? []).filter((v) => v.name === "node-journal"),
        [{ name: "node-journal", hostPath: { path: "/run/log/journal", type: "DirectoryOrCreate" } }],
      );
    });

    it("prometheusAnnotations alone puts prometheus.io/scrape and prometheus.io/port on the pods, read from controller.podAnnotations", function () {
      this.timeout(60_000);
      const objects = renderValues(buildChartValues({ ...BARE_INPUT, prometheusAnnotations: true }), "loki-v3");
      const annotations = single<DaemonSet>(objects, "DaemonSet", RELEASE).spec.template.metadata.annotations;
      assert.deepEqual(annotations, {
        "kubectl.kubernetes.io/default-container": "alloy",
        [PROMETHEUS_SCRAPE_ANNOTATION]: "true",
        [PROMETHEUS_PORT_ANNOTATION]: "12345",
      });
    });
  });

  describe("overrides chartOverrides refuses, rendered anyway", function () {
    const opsValues = () => parse(readFileSync(path.join(GOLDEN_DIR, "ops", "values.yaml"), "utf8")) as AlloyChartValues;
    /** Renders the ops values with an override merged in past the check, after asserting that the check refuses it. */
    function renderRefused(override: Record<string, unknown>, refusedPath: string): { objects: KubeObject[]; ds: DaemonSet } {
      const refused = checkChartOverrides(override, PROGRAM_OWNED_PATHS).map((p) => p.path.join("."));
      assert.deepEqual(refused, [refusedPath], "paths chartOverrides refuses");
      const objects = renderValues(mergeChartOverrides(opsValues(), override), "loki-v3");
      return { objects, ds: ofKind<DaemonSet>(objects, "DaemonSet")[0] };
    }

    it("fullnameOverride renames the DaemonSet and its ServiceAccount away from alloy, the name RBAC, alerts and verify use", function () {
      this.timeout(60_000);
      const { objects } = renderRefused({ fullnameOverride: "collector" }, "fullnameOverride");
      assert.deepEqual(
        objects.filter((o) => o.kind === "DaemonSet" || o.kind === "ServiceAccount").map((o) => `${o.kind}/${o.metadata.name}`),
        ["ServiceAccount/collector", "DaemonSet/collector"],
      );
    });

    it("nameOverride renames the DaemonSet away from alloy", function () {
      this.timeout(60_000);
      const { ds } = renderRefused({ nameOverride: "collector" }, "nameOverride");
      assert.equal(ds.metadata.name, "alloy-collector");
    });

    it("serviceAccount.name runs the pods as a ServiceAccount the program's ClusterRoleBinding does not name", function () {
      this.timeout(60_000);
      const { ds } = renderRefused({ serviceAccount: { name: "other" } }, "serviceAccount.name");
      assert.equal(ds.spec.template.spec.serviceAccountName, "other");
    });

    it("controller.nodeSelector narrows the nodes the DaemonSet runs on", function () {
      this.timeout(60_000);
      const { ds } = renderRefused({ controller: { nodeSelector: { "node-role": "logs" } } }, "controller.nodeSelector");
      assert.deepEqual(ds.spec.template.spec.nodeSelector, { "node-role": "logs" });
    });

    it("controller.affinity narrows the nodes the DaemonSet runs on", function () {
      this.timeout(60_000);
      const affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "logs", operator: "Exists" }] }],
          },
        },
      };
      const { ds } = renderRefused({ controller: { affinity } }, "controller.affinity");
      assert.deepEqual(ds.spec.template.spec.affinity, affinity);
    });

    it("an alloy.extraArgs --storage.path comes after the program's, so it would win and move the read positions off the hostPath", function () {
      this.timeout(60_000);
      const { ds } = renderRefused({ alloy: { extraArgs: ["--storage.path=/tmp/alloy"] } }, "alloy.extraArgs.0");
      const storageArgs = (alloyContainer(ds).args ?? []).filter((a) => a.startsWith("--storage.path"));
      assert.deepEqual(storageArgs, [`--storage.path=${ALLOY_STORAGE_PATH}`, "--storage.path=/tmp/alloy"]);
    });

    it("image.tag runs another Alloy than the chart's appVersion, which the config was checked against", function () {
      this.timeout(60_000);
      const { ds } = renderRefused({ image: { tag: "v1.0.0" } }, "image.tag");
      const image = (alloyContainer(ds) as { image?: string }).image ?? "";
      assert.ok(image.endsWith(":v1.0.0"), `alloy image ${image}`);
      assert.ok(!image.endsWith(`:${ALLOY_APP_VERSION}`), `alloy image ${image}`);
    });

    it("extraObjects renders RBAC the program never reviewed", function () {
      this.timeout(60_000);
      const binding = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "alloy-admin" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", name: "alloy", namespace: "loki-v3" }],
      };
      const { objects } = renderRefused({ extraObjects: [binding] }, "extraObjects");
      assert.deepEqual(
        ofKind(objects, "ClusterRoleBinding").map((o) => o.metadata.name),
        ["alloy-admin"],
      );
    });
  });

  describe("the chart source", function () {
    it("makes config/chart/alloy-values.generated.ts, through the generator, exactly as committed", function () {
      const read = (name: string) => readFileSync(path.join(env!.chartDir, name), "utf8");
      const generated = generateChartTypes(read("values.yaml"), chartMeta(read("Chart.yaml"), "Chart.yaml"));
      assert.equal(generated.source, readFileSync(path.join(ROOT, "config", "chart", "alloy-values.generated.ts"), "utf8"));
    });
  });
});
