/**
 * The alloy-logs policy pack, run by `pulumi preview` and `pulumi up` with
 * `--policy-pack policy` (the workflows pass it as pulumi/actions' policyPacks).
 * It judges the objects the kubernetes provider rendered from the chart, as the
 * analyzer receives them, with the checks of policy/checks.ts. Every policy is
 * mandatory: a violation fails the preview, and stops `pulumi up` before the
 * object is applied. docs/policy.md describes the checks.
 */
import { PolicyPack, type ReportViolation, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import {
  checkRelease,
  isReleaseObject,
  kubeObjectOf,
  OBJECT_CHECKS,
  RELEASE_CHECK,
  stackOfUrn,
  type Expectations,
  type KubeObject,
} from "./checks";
import { loadExpectations } from "./expectations";

const loaded = new Map<string, Expectations | Error>();

/** The expectations of the stack a URN belongs to, loaded once; an Error (for people) when they cannot be read. */
function expectationsOf(urn: string): Expectations | Error {
  const stack = stackOfUrn(urn);
  if (stack === undefined) return new Error(`cannot tell the stack from the resource URN ${urn}`);
  let entry = loaded.get(stack);
  if (entry === undefined) {
    try {
      entry = loadExpectations(stack);
    } catch (error) {
      entry = error instanceof Error ? error : new Error(String(error));
    }
    loaded.set(stack, entry);
  }
  return entry;
}

function expected(urn: string, report: ReportViolation): Expectations | undefined {
  const e = expectationsOf(urn);
  if (e instanceof Error) {
    report(`the policy pack cannot read what the stack expects: ${e.message}`);
    return undefined;
  }
  return e;
}

const objectPolicies: ResourceValidationPolicy[] = OBJECT_CHECKS.map((check) => ({
  name: check.name,
  description: check.description,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const object = kubeObjectOf(args.type, args.props);
    if (object?.kind !== check.kind) return;
    const e = expected(args.urn, report);
    if (e && isReleaseObject(object, check.kind, e)) for (const message of check.check(object, e)) report(message);
  },
}));

const releasePolicy: StackValidationPolicy = {
  name: RELEASE_CHECK.name,
  description: RELEASE_CHECK.description,
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const objects = args.resources.map((r) => kubeObjectOf(r.type, r.props)).filter((o): o is KubeObject => o !== undefined);
    const urn = args.resources[0]?.urn;
    if (urn === undefined) return;
    const e = expected(urn, report);
    if (!e) return;
    for (const message of checkRelease(objects, e)) report(message);
  },
};

new PolicyPack("alloy-logs", { policies: [...objectPolicies, releasePolicy] });
