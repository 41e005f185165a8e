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
import type { StackConfig } from "../config/schema";

export type ClusterAccess = Pick<StackConfig, "kubeconfigContext" | "eks">;

/** The exec-plugin kubeconfig for an EKS cluster (https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html). */
export function eksKubeconfig(cluster: { name: string; region: string; roleArn?: string; endpoint: string; certificateAuthority: string }): string {
  const args = ["eks", "get-token", "--cluster-name", cluster.name, "--region", cluster.region];
  if (cluster.roleArn) args.push("--role-arn", cluster.roleArn);
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster.name, cluster: { server: cluster.endpoint, "certificate-authority-data": cluster.certificateAuthority } }],
    users: [{ name: "aws", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args, interactiveMode: "Never" } } }],
    contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: "aws" } }],
    "current-context": cluster.name,
  });
}

export function clusterProvider(access: ClusterAccess, parent: pulumi.Resource): k8s.Provider {
  if (access.eks) {
    const { name, region, roleArn } = access.eks;
    // An explicit AWS provider too: the region and role are the stack's, not the environment's defaults.
    const aws = new AwsProvider("aws", { region, ...(roleArn && { assumeRoles: [{ roleArn }] }) }, { parent });
    const cluster = getClusterOutput({ name, region }, { parent, provider: aws });
    const kubeconfig = pulumi
      .all([cluster.endpoint, cluster.certificateAuthorities])
      .apply(([endpoint, cas]) => eksKubeconfig({ name, region, roleArn, endpoint, certificateAuthority: cas[0]?.data ?? "" }));
    return new k8s.Provider("cluster", { kubeconfig }, { parent });
  }
  return new k8s.Provider("cluster", { context: access.kubeconfigContext }, { parent });
}
