/**
 * Prints what the program pins, for shell scripts and CI, from the one place it
 * is written: config/chart/alloy-values.generated.ts (written by the type generator)
 * and the component's chart repository.
 *   node --require ./scripts/register-ts.js scripts/pinned-chart.ts version     the chart version (1.4.0)
 *   node --require ./scripts/register-ts.js scripts/pinned-chart.ts repo        the chart repository URL
 *   node --require ./scripts/register-ts.js scripts/pinned-chart.ts appVersion  the Alloy version, without v (1.11.3)
 */
import { ALLOY_APP_VERSION, ALLOY_CHART_VERSION } from "../config/chart/alloy-values.generated";
import { ALLOY_CHART_REPO } from "../components/alloy-log-collector";

const what = process.argv[2];
if (what === "version") console.log(ALLOY_CHART_VERSION);
else if (what === "repo") console.log(ALLOY_CHART_REPO);
else if (what === "appVersion") console.log(ALLOY_APP_VERSION.replace(/^v/, ""));
else {
  console.error("usage: scripts/pinned-chart.ts version|repo|appVersion");
  process.exit(2);
}
