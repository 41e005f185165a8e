/**
 * A chart repository on 127.0.0.1, the way a restricted network mirrors charts: the
 * pinned grafana/alloy package (../shared/charts, as `helm package` made it) with the
 * index.yaml that `helm repo index` writes for it, served over HTTP. The Kubernetes
 * provider's Helm library pulls from it exactly as it would from grafana.github.io.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "../plan/cli-path";

/** The packaged charts beside the repository (../shared/charts/README.md). */
export const SHARED_CHARTS_DIR = process.env.SHARED_CHARTS_DIR ?? path.join(ROOT, "..", "shared", "charts");

export interface ChartMirror {
  /** The repository URL, for chartRepository. */
  readonly url: string;
  /** Paths requested so far, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export function sharedChart(version: string): string | undefined {
  const file = path.join(SHARED_CHARTS_DIR, `alloy-${version}.tgz`);
  return existsSync(file) ? file : undefined;
}

/**
 * The packaged chart of `version`: the one in SHARED_CHARTS_DIR, else (on GitHub's runners,
 * which have no ../shared) `helm package` of the chart scripts/fetch-chart.sh pulled
 * (ALLOY_CHART_DIR), as a team packages the charts of its mirror.
 */
export function requireSharedChart(version: string, helm?: string): string {
  const chart = sharedChart(version);
  if (chart) return chart;
  const source = process.env.ALLOY_CHART_DIR;
  if (helm && source && readFileSync(path.join(source, "Chart.yaml"), "utf8").includes(`\nversion: ${version}\n`)) {
    const out = mkdtempSync(path.join(tmpdir(), "alloy-logs-package-"));
    const packed = spawnSync(helm, ["package", source, "--destination", out], { encoding: "utf8" });
    if (packed.status !== 0) throw new Error(`helm package ${source} failed: ${packed.stderr}`);
    return path.join(out, `alloy-${version}.tgz`);
  }
  throw new Error(`no alloy-${version}.tgz in ${SHARED_CHARTS_DIR}, and ALLOY_CHART_DIR holds no chart of that version to package`);
}

/** Serves the given chart packages (.tgz) with the index.yaml the real `helm repo index` makes for them. */
export async function startChartMirror(helm: string, packages: readonly string[]): Promise<ChartMirror> {
  const dir = mkdtempSync(path.join(tmpdir(), "alloy-logs-charts-"));
  for (const chart of packages) copyFileSync(chart, path.join(dir, path.basename(chart)));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").split("?")[0]).replace(/^\/+/, "");
    requests.push(`/${name}`);
    const file = path.join(dir, name);
    if (name.includes("/") || name.startsWith(".") || !existsSync(file)) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": name.endsWith(".yaml") ? "application/x-yaml" : "application/gzip" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("chart mirror has no port");
  const url = `http://127.0.0.1:${address.port}`;
  const index = spawnSync(helm, ["repo", "index", dir, "--url", url], { encoding: "utf8" });
  if (index.status !== 0) throw new Error(`helm repo index failed: ${index.stderr}`);
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}
