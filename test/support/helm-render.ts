/**
 * Renders the real grafana/alloy chart with a real helm binary, for tests
 * that check what Kubernetes would receive (test/chart-render.test.ts, and any
 * check of the rendered objects).
 *
 *   HELM_BIN          a helm 3 binary:  HELM_BIN=$(bash scripts/fetch-helm.sh)
 *   ALLOY_CHART_DIR   the chart source of the pinned version (ALLOY_CHART_VERSION):
 *                     operations/helm/charts/alloy at tag helm-chart/<version> of
 *                     grafana/alloy, or the alloy/ of `helm pull grafana/alloy --untar`
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { ALLOY_CHART_VERSION } from "../../config/chart/alloy-values.generated";
import { RELEASE_NAME } from "../../config/chart/owned";

/** The Kubernetes version helm renders for (`.Capabilities.KubeVersion`). */
export const KUBE_VERSION = "1.31.0";

export const CHART_SETUP = [
  "set both HELM_BIN and ALLOY_CHART_DIR to run them, e.g.",
  `  git -C <clone of grafana/alloy> archive helm-chart/${ALLOY_CHART_VERSION} operations/helm/charts/alloy | tar -x -C /tmp/alloy-chart`,
  "  HELM_BIN=$(bash scripts/fetch-helm.sh) ALLOY_CHART_DIR=/tmp/alloy-chart/operations/helm/charts/alloy npm test",
].join("\n");

// ---- the few Kubernetes shapes the tests read ---------------------------------

export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [key: string]: unknown;
}
export interface Container {
  name: string;
  args?: string[];
  resources?: unknown;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { containerPort: number; name?: string; protocol?: string }[];
}
export interface PodSpec {
  priorityClassName?: string;
  serviceAccountName?: string;
  tolerations?: unknown[];
  nodeSelector?: Record<string, string>;
  affinity?: unknown;
  containers: Container[];
  volumes?: { name: string; [source: string]: unknown }[];
}
export interface DaemonSet extends KubeObject {
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: Metadata; spec: PodSpec } };
}
export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
export interface Service extends KubeObject {
  spec: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
}
export interface ServiceMonitor extends KubeObject {
  spec: { endpoints: { port?: string; interval?: string }[]; selector: { matchLabels?: Record<string, string> } };
}

// ---- the environment -----------------------------------------------------------

export interface ChartEnv {
  helm: string;
  chartDir: string;
}

/**
 * The helm binary and chart from HELM_BIN and ALLOY_CHART_DIR, or the names of
 * the unset variables. Set but wrong (no such file, another chart or version)
 * throws: that is a broken setup, not a reason to skip.
 */
export function chartEnvFromProcess(env: NodeJS.ProcessEnv = process.env): ChartEnv | { missing: string[] } {
  const helm = env.HELM_BIN;
  const chartDir = env.ALLOY_CHART_DIR;
  if (!helm || !chartDir) return { missing: [!helm && "HELM_BIN", !chartDir && "ALLOY_CHART_DIR"].filter((m): m is string => Boolean(m)) };
  if (!existsSync(helm)) throw new Error(`HELM_BIN=${helm} does not exist`);
  const chartFile = path.join(chartDir, "Chart.yaml");
  if (!existsSync(chartFile)) throw new Error(`ALLOY_CHART_DIR=${chartDir} has no Chart.yaml`);
  const chart = parse(readFileSync(chartFile, "utf8")) as { name?: string; version?: string };
  if (chart.name !== "alloy" || chart.version !== ALLOY_CHART_VERSION) {
    throw new Error(
      `ALLOY_CHART_DIR must hold the alloy chart ${ALLOY_CHART_VERSION}, the version the program deploys; it holds ${chart.name} ${chart.version}`,
    );
  }
  return { helm, chartDir };
}

// ---- rendering -------------------------------------------------------------------

/**
 * `helm template` of the chart with one values file, parsed into its objects,
 * as the release the program installs (RELEASE_NAME, or the events collector's).
 * --include-crds because kubernetes.helm.v4.Chart installs a chart's CRDs by default.
 */
export function renderChart(env: ChartEnv, valuesFile: string, namespace: string, release: string = RELEASE_NAME): KubeObject[] {
  // helm template is a function of the binary, the chart, the values and these flags: the golden values of each
  // stack are rendered by chart-render, events-render and policy-render alike, so each render runs once per mocha
  // worker (a helm process each), and every caller gets its own copy.
  const key = JSON.stringify([env.helm, env.chartDir, namespace, release, readFileSync(valuesFile, "utf8")]);
  let objects = renders.get(key);
  if (objects === undefined) {
    objects = helmTemplate(env, valuesFile, namespace, release);
    renders.set(key, objects);
  }
  return structuredClone(objects);
}

const renders = new Map<string, KubeObject[]>();

function helmTemplate(env: ChartEnv, valuesFile: string, namespace: string, release: string): KubeObject[] {
  let output: string;
  try {
    output = execFileSync(
      env.helm,
      ["template", release, env.chartDir, "--include-crds", "--namespace", namespace, "--kube-version", KUBE_VERSION, "-f", valuesFile],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`helm template failed for ${valuesFile}:\n${stderr || String(error)}`, { cause: error });
  }
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(output)) {
    if (doc.errors.length > 0) throw new Error(`helm template output is not valid YAML: ${doc.errors[0].message}`);
    const object = doc.toJS() as KubeObject | null;
    if (object !== null) objects.push(object);
  }
  return objects;
}

/** Writes values to a temporary file, renders it and removes the file. */
export function renderChartValues(env: ChartEnv, values: unknown, namespace: string, release: string = RELEASE_NAME): KubeObject[] {
  const dir = mkdtempSync(path.join(tmpdir(), "chart-render-"));
  try {
    const file = path.join(dir, "values.yaml");
    writeFileSync(file, stringify(values, { lineWidth: 0 }));
    return renderChart(env, file, namespace, release);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- reading the objects ---------------------------------------------------------

export function ofKind<T extends KubeObject>(objects: readonly KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

export function describeObjects(objects: readonly KubeObject[]): string {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ");
}

/** The single object of a kind named `name`; throws listing what was rendered otherwise. */
export function single<T extends KubeObject>(objects: readonly KubeObject[], kind: string, name: string): T {
  const found = ofKind<T>(objects, kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, rendered: ${describeObjects(objects)}`);
  if (found[0].metadata.name !== name) throw new Error(`expected ${kind} ${name}, rendered ${kind} ${found[0].metadata.name}`);
  return found[0];
}

/** The alloy container of a DaemonSet's pod template; throws listing the containers otherwise. */
export function alloyContainer(ds: DaemonSet): Container {
  const containers = ds.spec.template.spec.containers;
  const alloy = containers.find((c) => c.name === "alloy");
  if (!alloy)
    throw new Error(`no container named alloy in DaemonSet ${ds.metadata.name}; containers: ${containers.map((c) => c.name).join(", ")}`);
  return alloy;
}
