/**
 * Prints what the program pins, for shell scripts and CI, from the one place it
 * is written: chart/alloy-values.generated.ts (written by the type generator)
 * and the component's chart repository.
 *   node --require ./scripts/register-ts.js scripts/pinned-chart.ts version     the chart version (1.4.0)
 *   node --require ./scripts/register-ts.js scripts/pinned-chart.ts repo        the chart repository URL
 *   node --require ./scripts/register-ts.js scripts/pinned-chart.ts appVersion  the Alloy version, without v (1.11.3)
 * appVersion is the generated module's ALLOY_APP_VERSION when it exports one,
 * else the appVersion of the pulled chart's Chart.yaml (ALLOY_CHART_DIR): what
 * the chart deploys as its image tag.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import * as generated from "../chart/alloy-values.generated";
import { ALLOY_CHART_REPO } from "../components/alloy-log-collector";

function appVersion(): string {
  const pinned = (generated as { ALLOY_APP_VERSION?: string }).ALLOY_APP_VERSION;
  if (pinned) return pinned.replace(/^v/, "");
  const dir = process.env.ALLOY_CHART_DIR;
  if (!dir) throw new Error("no ALLOY_APP_VERSION in chart/alloy-values.generated.ts and no ALLOY_CHART_DIR to read the chart's appVersion from");
  const chart = parse(readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as { version?: string; appVersion?: string };
  if (chart.version !== generated.ALLOY_CHART_VERSION) {
    throw new Error(`ALLOY_CHART_DIR=${dir} holds chart ${chart.version}; expected ${generated.ALLOY_CHART_VERSION}`);
  }
  if (!chart.appVersion) throw new Error(`${dir}/Chart.yaml has no appVersion`);
  return String(chart.appVersion).replace(/^v/, "");
}

const what = process.argv[2];
try {
  if (what === "version") console.log(generated.ALLOY_CHART_VERSION);
  else if (what === "repo") console.log(ALLOY_CHART_REPO);
  else if (what === "appVersion") console.log(appVersion());
  else {
    console.error("usage: scripts/pinned-chart.ts version|repo|appVersion");
    process.exit(2);
  }
} catch (error) {
  console.error(`pinned-chart: ${(error as Error).message}`);
  process.exit(1);
}
