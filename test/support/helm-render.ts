/**
 * `helm template` of the grafana/alloy chart with a real helm binary, for the
 * render tests (test/*-render.test.ts). They run only when both are set:
 *   HELM_BIN          a helm 3 binary:  HELM_BIN=$(bash scripts/fetch-helm.sh)
 *   ALLOY_CHART_DIR   the pinned chart: ALLOY_CHART_DIR=$(bash scripts/fetch-chart.sh)
 *                     (or its source, operations/helm/charts/alloy at tag helm-chart/<version> of grafana/alloy)
 * otherwise they are pending; with REQUIRE_RENDER=1 (CI) a missing one fails
 * instead (test/render-required.test.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { ALLOY_CHART_VERSION } from "../../chart/alloy-values.generated";

export interface RenderSetup {
  helm: string;
  chartDir: string;
}

/** The program's Helm release name, which names every object. */
export const RELEASE = "alloy";
export const KUBE_VERSION = "1.31.0";

/** The render setup from the environment, or which variables are missing. */
export function renderSetup(env: NodeJS.ProcessEnv = process.env): RenderSetup | { missing: string[] } {
  const missing = ["HELM_BIN", "ALLOY_CHART_DIR"].filter((name) => !env[name]);
  return missing.length > 0 ? { missing } : { helm: env.HELM_BIN!, chartDir: env.ALLOY_CHART_DIR! };
}

/** Problems of a setup that is set but wrong: a broken setup is a failure, not a reason to skip. */
export function setupProblems(setup: RenderSetup): string[] {
  if (!existsSync(setup.helm)) return [`HELM_BIN=${setup.helm} does not exist`];
  const chartFile = path.join(setup.chartDir, "Chart.yaml");
  if (!existsSync(chartFile)) return [`ALLOY_CHART_DIR=${setup.chartDir} has no Chart.yaml`];
  const chart = parse(readFileSync(chartFile, "utf8")) as { name?: string; version?: string };
  if (chart.name !== "alloy" || chart.version !== ALLOY_CHART_VERSION) {
    return [`ALLOY_CHART_DIR=${setup.chartDir} holds chart ${chart.name} ${chart.version}; expected alloy ${ALLOY_CHART_VERSION}, the version the program deploys`];
  }
  return [];
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `helm template` of the chart with one values file, as kubernetes.helm.v4.Chart renders it (CRDs included). */
export function helmTemplate(setup: RenderSetup, valuesFile: string, namespace: string): RenderedObject[] {
  let output: string;
  try {
    output = execFileSync(
      setup.helm,
      ["template", RELEASE, setup.chartDir, "--include-crds", "--namespace", namespace, "--kube-version", KUBE_VERSION, "-f", valuesFile],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`helm template failed for ${valuesFile}:\n${stderr || String(error)}`);
  }
  return parseAllDocuments(output)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm template output is not valid YAML: ${doc.errors[0].message}`);
      return doc.toJS() as RenderedObject | null;
    })
    .filter((o): o is RenderedObject => o !== null);
}
