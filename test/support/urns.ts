/**
 * How the Pulumi engine matches a program's resources to a stack's state by
 * URN and aliases, for the resources a plan records. A stand-in for the engine
 * (Go, inside the Pulumi CLI, which this workplace does not have), written from
 * its source at pulumi/pulumi:
 * - sdk/go/common/resource/urn/urn.go `New`: urn:pulumi:<stack>::<project>::<qualified type>::<name>,
 *   the qualified type being the parent's qualified type, "$", the type; the stack
 *   resource is no part of it. A parent's name is in no child's URN.
 * - pkg/resource/deploy/step_generator.go `generateAliases`, `collapseAliasToUrn`,
 *   `inheritedChildAlias`, `getOldResource`: each alias is completed from the
 *   resource (name, type, parent, project, stack); when the parent was matched
 *   through an alias, every child also gets the parent's old URN as parent, with
 *   the parent's new name at the start of the child's name replaced by its old one.
 *   A resource is looked up by its URN first, then by its aliases in order.
 *   A resource that is only read (`.get`) gets no aliases of its own, only the
 *   inherited ones (`GenerateReadSteps` passes none); left unmatched, its old
 *   entry is discarded from the state, a no-op in the cluster (step.go,
 *   DeleteStep of an External resource).
 */
import type { PlannedAlias, PlannedResource } from "../../plan/run";

const STACK_TYPE = "pulumi:pulumi:Stack";

export function urnOf(stack: string, project: string, parentQualifiedType: string | undefined, type: string, name: string): string {
  const qualified = parentQualifiedType ? `${parentQualifiedType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

const qualifiedTypeOf = (urn: string): string => urn.split("::")[2];
const nameOf = (urn: string): string => urn.split("::").slice(3).join("::");

/** What an update does to one registered resource. */
export interface Match {
  /** `type::name` of the resource in the program. */
  key: string;
  urn: string;
  /** Every alias URN the engine tries, in order. */
  aliases: string[];
  /** The URN in the old state this resource takes over; undefined means Pulumi creates it (or, for a read, reads it anew). */
  old?: string;
  /** Only read, never created or deleted by Pulumi. */
  read: boolean;
}

/**
 * Matches each resource of a plan (in registration order, as the engine sees
 * them) against the URNs of an existing state. Resources of the old state that
 * no resource matched are the ones Pulumi would delete.
 */
export function matchState(
  stack: string,
  project: string,
  resources: PlannedResource[],
  oldUrns: readonly string[],
): { matches: Match[]; deleted: string[]; conflicts: string[] } {
  const olds = new Set(oldUrns);
  const urnByKey = new Map<string, string>();
  // The old URN a resource matched through an alias (the engine's sg.aliases).
  const matchedAlias = new Map<string, string>();
  const claimed = new Map<string, string>();
  const conflicts: string[] = [];
  const matches: Match[] = [];

  for (const r of resources) {
    const key = `${r.type}::${r.name}`;
    if (r.type === STACK_TYPE) continue;
    const parentUrn = r.parent && !r.parent.startsWith(`${STACK_TYPE}::`) ? urnByKey.get(r.parent) : undefined;
    if (r.parent && !r.parent.startsWith(`${STACK_TYPE}::`) && parentUrn === undefined) {
      throw new Error(`${key}: parent ${r.parent} registered after it`);
    }
    const urn = urnOf(stack, project, parentUrn && qualifiedTypeOf(parentUrn), r.type, r.name);
    urnByKey.set(key, urn);

    const collapse = (alias: PlannedAlias): string => {
      if (typeof alias === "string") return alias;
      let parent = parentUrn;
      if (alias.parent !== undefined) {
        parent = urnByKey.get(alias.parent);
        if (parent !== undefined && matchedAlias.has(parent)) parent = matchedAlias.get(parent);
      }
      if (alias.noParent || alias.parent?.startsWith(`${STACK_TYPE}::`)) parent = undefined;
      return urnOf(
        alias.stack ?? stack,
        alias.project ?? project,
        parent && qualifiedTypeOf(parent),
        alias.type ?? r.type,
        alias.name ?? r.name,
      );
    };
    const inherited = (childUrn: string, parentOld: string): string => {
      const childName = nameOf(childUrn);
      const parentName = nameOf(parentUrn ?? "");
      const aliasName = childName.startsWith(parentName) ? nameOf(parentOld) + childName.slice(parentName.length) : childName;
      return urnOf(stack, project, qualifiedTypeOf(parentOld), qualifiedTypeOf(childUrn).split("$").pop() ?? r.type, aliasName);
    };

    const aliases: string[] = [];
    const add = (alias: string) => aliases.includes(alias) || aliases.push(alias);
    const own = r.read ? [] : (r.options.aliases ?? []).map(collapse);
    own.forEach(add);
    const parentOld = parentUrn && matchedAlias.get(parentUrn);
    if (parentOld) {
      add(inherited(urn, parentOld));
      for (const alias of own) add(inherited(alias, parentOld));
    }

    const old = [urn, ...aliases].find((candidate) => olds.has(candidate));
    if (old !== undefined) {
      const other = claimed.get(old);
      if (other !== undefined) conflicts.push(`${old} claimed by ${other} and ${urn}`);
      claimed.set(old, urn);
      if (old !== urn) matchedAlias.set(urn, old);
    }
    matches.push({ key, urn, aliases, old, read: r.read });
  }
  return { matches, deleted: oldUrns.filter((urn) => !claimed.has(urn)), conflicts };
}
