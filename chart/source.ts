/**
 * Where helm.v4.Chart pulls grafana/alloy from: the stack's `chartRepository`, as the
 * Kubernetes provider's Helm library reads it (pulumi-kubernetes provider/pkg/helm,
 * LocateChart): an oci:// reference names the chart itself, `<registry path>/alloy`;
 * an HTTP(S) repository is given as repositoryOpts.repo beside the chart's name, as
 * `helm pull alloy --repo <url>` takes it.
 */
/** The chart's name in grafana's repository and in a mirror of it. */
export const CHART_NAME = "alloy";

export interface ChartSource {
  chart: string;
  repositoryOpts?: { repo: string };
}

export function chartSource(repository: string): ChartSource {
  if (repository.startsWith("oci://")) return { chart: `${repository.replace(/\/+$/, "")}/${CHART_NAME}` };
  return { chart: CHART_NAME, repositoryOpts: { repo: repository } };
}
