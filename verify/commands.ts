/**
 * The seed's post-deploy checks as commands for one stack, exported as a stack
 * output (`pulumi stack output checks`), so nobody retypes them by hand.
 * Free of the Pulumi SDK, so `npm run verify` shares the same rules.
 */
import { COLLECTOR_POD_SELECTOR, RELEASE_NAME } from "../config/chart/owned";
import type { StackConfig } from "../config/schema";
// Type only: this module stays free of the Pulumi SDK at run time.
import type { ClusterAccess } from "../components/cluster";

/** Shell-quotes a value for sh (config values are validated, but quoting keeps the commands copy-safe). */
function sh(value: string): string {
  return /^[A-Za-z0-9_./:=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The kubeconfig context kubectl uses for a stack: its kubeconfigContext, or for an EKS stack the cluster's name. */
export function kubectlContext(config: ClusterAccess): string {
  return config.kubeconfigContext ?? config.eks!.name;
}

/** For an EKS stack, the command that creates the context kubectlContext names; undefined otherwise. */
export function kubeconfigSetupCommand(config: ClusterAccess): string | undefined {
  const eks = config.kubeconfigContext === undefined ? config.eks : undefined;
  if (!eks) return undefined;
  const role = eks.roleArn ? ` --role-arn ${sh(eks.roleArn)}` : "";
  return `aws eks update-kubeconfig --name ${sh(eks.name)} --region ${sh(eks.region)}${role} --alias ${sh(eks.name)}`;
}

export function postDeployChecks(
  config: ClusterAccess & Pick<StackConfig, "namespace" | "tenantId" | "clusterName">,
): Record<string, string> {
  const context = kubectlContext(config);
  const kubectl = `kubectl --context ${sh(context)} -n ${sh(config.namespace)}`;
  const pods = `-l ${COLLECTOR_POD_SELECTOR}`;
  const setup = kubeconfigSetupCommand(config);
  return {
    ...(setup && { kubeconfig: setup }),
    nodes: `kubectl --context ${sh(context)} get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints[*].key`,
    daemonSet: `${kubectl} get daemonset ${RELEASE_NAME} -o wide`,
    podsPerNode: `${kubectl} get pods ${pods} -o wide`,
    collectorLogs: `${kubectl} logs ${pods} -c alloy --tail=50`,
    resourceUsage: `${kubectl} top pods ${pods} --containers`,
    serviceMonitor: `${kubectl} get servicemonitor ${RELEASE_NAME} --show-labels`,
    lokiQuery: `logcli query --addr="$LOKI_ADDR" --org-id=${sh(config.tenantId)} ${sh(`{cluster="${config.clusterName}"}`)} --since=1h --limit=100`,
  };
}
