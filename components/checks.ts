/**
 * The seed's post-deploy checks as commands for one stack, exported as a stack
 * output (`pulumi stack output checks`), so nobody retypes them by hand.
 */
import type { StackConfig } from "../config/schema";
import { RELEASE_NAME } from "./alloy-log-collector";

/** Shell-quotes a value for sh (config values are validated, but quoting keeps the commands copy-safe). */
function sh(value: string): string {
  return /^[A-Za-z0-9_./:=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function postDeployChecks(
  config: Pick<StackConfig, "kubeconfigContext" | "eks" | "namespace" | "tenantId" | "clusterName">,
): Record<string, string> {
  // An EKS stack gets a context of the cluster's name from `aws eks update-kubeconfig --alias`.
  const context = config.kubeconfigContext ?? config.eks!.name;
  const kubectl = `kubectl --context ${sh(context)} -n ${sh(config.namespace)}`;
  const pods = `-l app.kubernetes.io/name=alloy,app.kubernetes.io/instance=${RELEASE_NAME}`;
  const eks = config.eks;
  return {
    ...(eks && {
      kubeconfig: `aws eks update-kubeconfig --name ${sh(eks.name)} --region ${sh(eks.region)}${eks.roleArn ? ` --role-arn ${sh(eks.roleArn)}` : ""} --alias ${sh(eks.name)}`,
    }),
    nodes: `kubectl --context ${sh(context)} get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints[*].key`,
    daemonSet: `${kubectl} get daemonset ${RELEASE_NAME} -o wide`,
    podsPerNode: `${kubectl} get pods ${pods} -o wide`,
    collectorLogs: `${kubectl} logs ${pods} -c alloy --tail=50`,
    resourceUsage: `${kubectl} top pods ${pods} --containers`,
    serviceMonitor: `${kubectl} get servicemonitor ${RELEASE_NAME} --show-labels`,
    lokiQuery: `logcli query --addr="$LOKI_ADDR" --org-id=${sh(config.tenantId)} ${sh(`{cluster="${config.clusterName}"}`)} --since=1h --limit=100`,
  };
}
