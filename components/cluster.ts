/**
 * How the program reaches a stack's cluster: always through an explicit
 * Kubernetes provider, never the ambient kubeconfig's current context.
 * - a named kubeconfig context, or
 * - an EKS cluster by name and region (optionally through an assumed role):
 *   the endpoint and CA come from the EKS API, the token from `aws eks get-token`
 *   run by the provider through the kubeconfig's exec plugin, so no token is
 *   ever stored in state.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
// Only the modules used: the @pulumi/aws index alone takes half a second to load.
import { getClusterOutput } from "@pulumi/aws/eks/getCluster";
import { Provider as AwsProvider } from "@pulumi/aws/provider";

/** An EKS cluster reached by name. */
export interface EksCluster {
  /** EKS cluster name. Required. */
  name: string;
  /** AWS region of the cluster. Required. */
  region: string;
  /** IAM role assumed for the EKS API and the token; unset means the ambient AWS credentials. */
  roleArn?: string;
}

/** Which cluster to reach: set exactly one of the two. */
export interface ClusterAccess {
  /** kubeconfig context of the cluster. */
  kubeconfigContext?: string;
  /** EKS cluster to reach by name and region (optionally through a role). */
  eks?: EksCluster;
}

/** The exec-plugin kubeconfig for an EKS cluster (https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html). */
export function eksKubeconfig(cluster: EksCluster & { endpoint: string; certificateAuthority: string }): string {
  const args = ["eks", "get-token", "--cluster-name", cluster.name, "--region", cluster.region];
  if (cluster.roleArn) args.push("--role-arn", cluster.roleArn);
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster.name, cluster: { server: cluster.endpoint, "certificate-authority-data": cluster.certificateAuthority } }],
    users: [
      {
        name: "aws",
        user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args, interactiveMode: "Never" } },
      },
    ],
    contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: "aws" } }],
    "current-context": cluster.name,
  });
}

/**
 * The Kubernetes provider for `access`, a child of `parent` named `<name>-cluster`
 * (and `<name>-aws`, the AWS provider of an EKS cluster). Each aliases the
 * constant name it had before names derived from the component's ("cluster",
 * "aws"), so the stacks deployed then keep their providers, and with them every
 * resource they manage, in place (see AlloyLogCollector's LEGACY_NAMES).
 */
export function clusterProvider(name: string, access: ClusterAccess, parent: pulumi.Resource): k8s.Provider {
  // Without it the provider replaces a ConfigMap whose data changes, and a named one (every chart ConfigMap, the
  // dashboard's) delete-first: a config.alloy change would show as a replace in the preview, and leave a moment
  // with no ConfigMap for a collector pod starting on a new node. With it the data is patched in place and Alloy's
  // config-reloader sidecar reloads it, no pod restarted (pulumi-kubernetes provider option enableConfigMapMutable,
  // https://www.pulumi.com/registry/packages/kubernetes/api-docs/provider/#enableconfigmapmutable_nodejs).
  const options = { enableConfigMapMutable: true };
  if ((access.kubeconfigContext === undefined) === (access.eks === undefined)) {
    // Without either the provider would fall back to the current context of the ambient kubeconfig.
    throw new Error(
      "AlloyLogCollector: set exactly one of kubeconfigContext and eks, so the cluster is never the ambient kubeconfig's current one",
    );
  }
  if (access.eks) {
    const { name: clusterName, region, roleArn } = access.eks;
    // An explicit AWS provider too: the region and role are the stack's, not the environment's defaults.
    const aws = new AwsProvider(
      `${name}-aws`,
      { region, ...(roleArn && { assumeRoles: [{ roleArn }] }) },
      { parent, aliases: [{ name: "aws" }] },
    );
    const cluster = getClusterOutput({ name: clusterName, region }, { parent, provider: aws });
    const kubeconfig = pulumi
      .all([cluster.endpoint, cluster.certificateAuthorities])
      .apply(([endpoint, cas]) =>
        eksKubeconfig({ name: clusterName, region, roleArn, endpoint, certificateAuthority: cas[0]?.data ?? "" }),
      );
    return new k8s.Provider(`${name}-cluster`, { kubeconfig, ...options }, { parent, aliases: [{ name: "cluster" }] });
  }
  return new k8s.Provider(`${name}-cluster`, { context: access.kubeconfigContext, ...options }, { parent, aliases: [{ name: "cluster" }] });
}
