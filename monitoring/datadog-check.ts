/**
 * The Datadog openmetrics check each collector pod carries in its
 * Autodiscovery annotation (config/chart/owned.ts, DATADOG_CHECKS_ANNOTATION).
 */
import { ALLOY_HTTP_PORT } from "../config/chart/owned";

/** The Datadog openmetrics v2 check's instance settings that the program sets (https://docs.datadoghq.com/integrations/openmetrics/). */
interface OpenMetricsChecks {
  openmetrics: {
    init_config: Record<string, never>;
    instances: { openmetrics_endpoint: string; namespace: string; metrics: readonly string[] }[];
  };
}

/** The Datadog openmetrics check against Alloy's /metrics (https://docs.datadoghq.com/containers/kubernetes/integrations/?tab=annotations); `npm run verify` expects it on every pod. */
export function datadogChecks(namespace: string, metrics: readonly string[]): string {
  const checks: OpenMetricsChecks = {
    openmetrics: {
      init_config: {},
      instances: [{ openmetrics_endpoint: `http://%%host%%:${ALLOY_HTTP_PORT}/metrics`, namespace, metrics }],
    },
  };
  return JSON.stringify(checks, null, 2);
}
