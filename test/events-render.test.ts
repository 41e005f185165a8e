/**
 * The events collector's release (alloy-events) rendered with the real
 * grafana/alloy chart and helm, beside the DaemonSet's release (alloy), from
 * each stack's golden values: what Kubernetes would receive, and that the two
 * releases share no object and select none of each other's pods.
 *
 * Runs only when HELM_BIN and ALLOY_CHART_DIR are both set (test/support/helm-render.ts).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import { ALLOY_STORAGE_PATH } from "../chart/values";
import { buildEventsChartValues } from "../chart/events-values";
import { parseStackConfig } from "../config/load";
import { readStackFile } from "../config/stack-file";
import {
  CHART_SETUP,
  chartEnvFromProcess,
  ofKind,
  renderChart,
  renderChartValues,
  single,
  type ChartEnv,
  type ConfigMap,
  type DaemonSet,
  type KubeObject,
  type PodSpec,
  type Service,
  type ServiceMonitor,
} from "./support/helm-render";
import { GOLDEN_DIR, ROOT, goldenFile, stackNames } from "./support/stacks";

interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    strategy?: { type?: string };
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels?: Record<string, string> }; spec: PodSpec & { securityContext?: unknown } };
  };
}

/** A label selector matches labels when it is non-empty and each of its pairs is among them. */
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  Object.keys(selector ?? {}).length > 0 && Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

const identity = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? "(cluster)"}/${o.metadata.name}`;

describe(`grafana/alloy ${ALLOY_CHART_VERSION} rendered as the events collector (alloy-events)`, function () {
  let env: ChartEnv | undefined;

  before(function () {
    const found = chartEnvFromProcess();
    if ("missing" in found) {
      console.log(`\nevents collector render tests skipped: ${CHART_SETUP}\n  (missing: ${found.missing.join(" and ")})\n`);
      this.skip();
    }
    env = found;
  });

  for (const stack of stackNames()) {
    describe(`stack ${stack} (test/golden/${stack}/events-values.yaml)`, function () {
      const config = parseStackConfig(stack, readStackFile(ROOT, stack).config);
      const ns = config.namespace;
      let events: KubeObject[];
      let daemonSetRelease: KubeObject[];
      let deployment: Deployment;

      before(function () {
        this.timeout(60_000);
        events = renderChart(env!, path.join(GOLDEN_DIR, stack, "events-values.yaml"), ns, "alloy-events");
        daemonSetRelease = renderChart(env!, path.join(GOLDEN_DIR, stack, "values.yaml"), ns, "alloy");
        deployment = single<Deployment>(events, "Deployment", "alloy-events");
      });

      it("renders exactly these objects: Deployment, ConfigMap, Service, ServiceAccount and ServiceMonitor alloy-events", function () {
        assert.deepEqual(events.map(identity).sort(), [
          `ConfigMap ${ns}/alloy-events`,
          `Deployment ${ns}/alloy-events`,
          `Service ${ns}/alloy-events`,
          `ServiceAccount ${ns}/alloy-events`,
          `ServiceMonitor ${ns}/alloy-events`,
        ]);
      });

      it("renders no Role, ClusterRole, binding or CRD (the program grants events only)", function () {
        const kinds = events.map((o) => o.kind);
        for (const kind of ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "CustomResourceDefinition"]) {
          assert.equal(kinds.includes(kind), false, kind);
        }
      });

      it("runs one replica, replaced with Recreate so two never send at once", function () {
        assert.deepEqual(
          { replicas: deployment.spec.replicas, strategy: deployment.spec.strategy },
          { replicas: 1, strategy: { type: "Recreate" } },
        );
      });

      it("runs as system-cluster-critical with no toleration, as the ServiceAccount alloy-events", function () {
        const pod = deployment.spec.template.spec;
        assert.deepEqual(
          { priority: pod.priorityClassName, tolerations: pod.tolerations, serviceAccount: pod.serviceAccountName },
          { priority: "system-cluster-critical", tolerations: undefined, serviceAccount: "alloy-events" },
        );
      });

      it("keeps its positions in an emptyDir at the storage path, and mounts nothing from the node", function () {
        const pod = deployment.spec.template.spec;
        const alloy = pod.containers.find((c) => c.name === "alloy");
        assert.ok(alloy);
        assert.deepEqual(
          (pod.volumes ?? []).filter((v) => v.name === "alloy-storage"),
          [{ name: "alloy-storage", emptyDir: {} }],
        );
        assert.equal(
          (pod.volumes ?? []).some((v) => "hostPath" in v),
          false,
          "a hostPath volume",
        );
        assert.ok(alloy.args?.includes(`--storage.path=${ALLOY_STORAGE_PATH}`), String(alloy.args));
        assert.deepEqual(
          alloy.volumeMounts?.filter((m) => m.name === "alloy-storage"),
          [{ name: "alloy-storage", mountPath: ALLOY_STORAGE_PATH }],
        );
      });

      it("gives the alloy container exactly the stack's events resources", function () {
        const alloy = deployment.spec.template.spec.containers.find((c) => c.name === "alloy");
        assert.deepEqual(alloy?.resources, config.events.resources);
      });

      it("runs alloy as the image's unprivileged user with no capability and a read-only root", function () {
        const alloy = deployment.spec.template.spec.containers.find((c) => c.name === "alloy") as { securityContext?: unknown } | undefined;
        assert.deepEqual(alloy?.securityContext, {
          runAsUser: 473,
          runAsGroup: 473,
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
      });

      it("puts exactly the golden events-config.alloy in ConfigMap alloy-events", function () {
        const configMap = single<ConfigMap>(events, "ConfigMap", "alloy-events");
        // The chart writes `config.alloy: |-`, which drops the final newline.
        assert.equal(configMap.data?.["config.alloy"], goldenFile(stack, "events-config.alloy").replace(/\n$/, ""));
      });

      it("shares no (kind, namespace, name) with the DaemonSet's release", function () {
        const daemonSetIds = new Set(daemonSetRelease.map(identity));
        assert.deepEqual(
          events.map(identity).filter((id) => daemonSetIds.has(id)),
          [],
        );
      });

      it("selects none of the DaemonSet's pods, and the DaemonSet selects none of its pod", function () {
        const ds = single<DaemonSet>(daemonSetRelease, "DaemonSet", "alloy");
        const eventsPod = deployment.spec.template.metadata.labels;
        const daemonSetPod = ds.spec.template.metadata.labels;
        assert.equal(matches(deployment.spec.selector.matchLabels, daemonSetPod), false, "Deployment selects DaemonSet pods");
        assert.equal(matches(ds.spec.selector.matchLabels, eventsPod), false, "DaemonSet selects the events pod");
        const [eventsService, dsService] = [
          single<Service>(events, "Service", "alloy-events"),
          single<Service>(daemonSetRelease, "Service", "alloy"),
        ];
        assert.deepEqual(
          [matches(eventsService.spec.selector, eventsPod), matches(eventsService.spec.selector, daemonSetPod)],
          [true, false],
          "Service alloy-events selects [its pod, DaemonSet pods]",
        );
        assert.equal(matches(dsService.spec.selector, eventsPod), false, "Service alloy selects the events pod");
      });

      it("has each ServiceMonitor select only its own release's Service", function () {
        const [eventsService, dsService] = [
          single<Service>(events, "Service", "alloy-events"),
          single<Service>(daemonSetRelease, "Service", "alloy"),
        ];
        const eventsMonitor = single<ServiceMonitor>(events, "ServiceMonitor", "alloy-events");
        const dsMonitor = single<ServiceMonitor>(daemonSetRelease, "ServiceMonitor", "alloy");
        assert.deepEqual(
          [eventsMonitor, dsMonitor].map((m) => [
            matches(m.spec.selector.matchLabels, eventsService.metadata.labels),
            matches(m.spec.selector.matchLabels, dsService.metadata.labels),
          ]),
          [
            [true, false],
            [false, true],
          ],
        );
        assert.deepEqual(eventsMonitor.metadata.labels?.release, config.serviceMonitor.labels.release);
      });
    });
  }

  it("renders no ServiceMonitor when serviceMonitor.enabled is false", function () {
    this.timeout(60_000);
    // Every stack has it on; the builder's off form is checked here on the real chart.
    const values = JSON.parse(
      JSON.stringify(
        buildEventsChartValues({
          alloyConfig: "logging {}\n",
          resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
          serviceMonitor: { enabled: false, labels: {} },
          secretEnv: undefined,
        }),
      ),
    ) as unknown;
    assert.deepEqual(ofKind(renderChartValues(env!, values, "loki-v3", "alloy-events"), "ServiceMonitor"), []);
  });
});
