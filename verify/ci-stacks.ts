/**
 * The project's stacks as CI and the tests see them: every Pulumi.<stack>.yaml
 * in the repository, in deploy order, with how CI reaches each cluster, read
 * from the stack files themselves so nothing is typed a second time in a
 * workflow or a test. Adding a cluster is adding its stack file.
 *
 * scripts/ci-stacks.ts prints them as a GitHub Actions matrix (stacks.yml).
 * Beside verify's target (target.ts): both reach a stack's cluster the same way.
 */
import { kubeconfigSetupCommand, kubectlContext } from "./commands";
import { parseStackConfig } from "../config/load";
import { otherStackTenants, readStackFile, stackNamesIn } from "../config/stack-file";

/** The seed's rollout order (000: ops first, then dev, then prod); any other stack follows, by name. */
export const SEED_ORDER: readonly string[] = ["ops", "dev", "prod"];

/** Stack names in deploy order: the seed's stacks that exist, in SEED_ORDER, then the others sorted by name. */
export function deployOrder(stacks: readonly string[]): string[] {
  const seed = SEED_ORDER.filter((s) => stacks.includes(s));
  const others = stacks.filter((s) => !SEED_ORDER.includes(s)).sort();
  return [...seed, ...others];
}

/** One stack as a CI matrix entry: the values a workflow needs, as strings. */
export interface CiStack {
  stack: string;
  /** EKS cluster name (alloy-logs:eks.name). */
  cluster: string;
  /** AWS region of the cluster (alloy-logs:eks.region). */
  region: string;
  /** The kubeconfig context `npm run verify` uses, which `aws eks update-kubeconfig --alias` creates. */
  context: string;
  /** alloy-logs:eks.roleArn, or "" (a matrix value cannot be undefined). */
  "eks-role-arn": string;
  /** The stack in repository variable names: AWS_DEPLOY_ROLE_ARN_<suffix> (GitHub variables are [A-Z0-9_]). */
  suffix: string;
}

/** A stack CI cannot reach: a message for people. */
export class CiStackError extends Error {
  override name = "CiStackError";
}

/** AWS_DEPLOY_ROLE_ARN_<this>: the stack name upper-cased, anything but a letter or digit as `_`. */
export function variableSuffix(stack: string): string {
  return stack.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Every stack of rootDir in deploy order, each validated as the program validates it. CI reaches a cluster only by
 * EKS name (`aws eks update-kubeconfig`), so a stack with kubeconfigContext instead of eks is refused here.
 */
export function ciStacks(rootDir: string): CiStack[] {
  return deployOrder(stackNamesIn(rootDir)).map((stack) => {
    const { config, secretKeys } = readStackFile(rootDir, stack);
    const parsed = parseStackConfig(stack, config, { secretKeys, otherStackTenants: otherStackTenants(rootDir, stack) });
    if (parsed.eks === undefined || kubeconfigSetupCommand(parsed) === undefined) {
      throw new CiStackError(
        `Pulumi.${stack}.yaml: CI reaches clusters by EKS name, and this stack sets alloy-logs:kubeconfigContext instead of alloy-logs:eks {name, region}`,
      );
    }
    return {
      stack,
      cluster: parsed.eks.name,
      region: parsed.eks.region,
      context: kubectlContext(parsed),
      "eks-role-arn": parsed.eks.roleArn ?? "",
      suffix: variableSuffix(stack),
    };
  });
}
