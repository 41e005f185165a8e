/**
 * What a plan is made of: each resource as the engine receives it. Shared by
 * the two ways of running the program: in-process under the SDK's mocks
 * (plan/run.ts, for the many unit tests) and on the Pulumi CLI's own path
 * (plan/cli-path.ts, for `npm run plan` and the cmd/run tests).
 */
import * as pulumi from "@pulumi/pulumi";
import { SECRET_TEXT } from "../config/stack-file";

export interface PlannedResource {
  type: string;
  name: string;
  /** `type::name` of the parent; absent for the stack itself. */
  parent?: string;
  /** true for a resource that is only read (`.get`), never created or deleted. */
  read: boolean;
  /** Resource options that change what a destroy or a rename does. */
  options: { retainOnDelete?: boolean; protect?: boolean; provider?: string; dependsOn?: string[]; aliases?: PlannedAlias[] };
  /** Inputs as the engine receives them, secrets kept as SecretValue. */
  inputs: Record<string, unknown>;
}

/** An `aliases` entry: a URN, or the parts of the old URN that differ (a parent as `type::name`). */
export type PlannedAlias = string | { name?: string; type?: string; parent?: string; noParent?: boolean; stack?: string; project?: string };

export { SECRET_TEXT };

/** A value Pulumi holds as secret; serialized as SECRET_TEXT by the plan writers. */
export class SecretValue {
  constructor(readonly value: unknown) {}
  toJSON(): string {
    return SECRET_TEXT;
  }
}

export interface PlanResult {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

/**
 * Property values in their wire form (sdk/go/common/resource/properties.go), as
 * they arrive in a protobuf Struct, turned into plain values: a secret becomes
 * a SecretValue, an output value its value (a SecretValue when secret).
 * The signatures are the SDK's public constants (pulumi.runtime.specialSigKey ...).
 */
export function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const sig = record[pulumi.runtime.specialSigKey];
    if (sig === pulumi.runtime.specialSecretSig) return new SecretValue(revive(record.value));
    if (sig === pulumi.runtime.specialOutputValueSig) {
      const inner = revive(record.value);
      return record.secret ? new SecretValue(inner) : inner;
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` -> `type::name` (sdk/go/common/resource/urn.go). */
export function urnKey(urn: string): string {
  const [, , qualifiedType, ...name] = urn.split("::");
  return `${qualifiedType.split("$").pop()}::${name.join("::")}`;
}

/** What the engine learns of one resource: from RegisterResource, or ReadResource for a `.get`. */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent; empty for the stack. */
  parent: string;
  custom: boolean;
  /** A component implemented by a provider (e.g. kubernetes:helm.sh/v4:Chart). */
  remote: boolean;
  /** true for ReadResource: only read, never created or deleted. */
  read: boolean;
  /** The properties as they arrive: a protobuf Struct turned into JSON, secrets in their wire form. */
  inputs: Record<string, unknown>;
  /** `urn::id` of the provider resource, as the SDK sends it; empty for the default provider. */
  provider: string;
  /** URNs of every resource this one waits for: its dependsOn and those its inputs come from. */
  dependencies: string[];
  retainOnDelete?: boolean;
  protect?: boolean;
  /** The aliases as the SDK sends them (proto/pulumi/alias.proto), a parent as its URN. */
  aliases: WireAlias[];
}

export type WireAlias = string | { name: string; type: string; stack: string; project: string; parentUrn?: string; noParent?: boolean };

/**
 * An alias as the program wrote it. The SDK fills a spec's missing parent
 * with the resource's own parent (sdk/nodejs/runtime/resource.ts
 * mapAliasesForRequest), which means the same to the engine: left out again.
 */
function plannedAlias(alias: WireAlias, parent: string): PlannedAlias {
  if (typeof alias === "string") return alias;
  return {
    ...(alias.name && { name: alias.name }),
    ...(alias.type && { type: alias.type }),
    ...(alias.parentUrn && alias.parentUrn !== parent && { parent: urnKey(alias.parentUrn) }),
    ...(alias.noParent && { noParent: true }),
    ...(alias.stack && { stack: alias.stack }),
    ...(alias.project && { project: alias.project }),
  };
}

/** One registration as the plan shows it. */
function plannedResource(registration: Registration): PlannedResource {
  return {
    type: registration.type,
    name: registration.name,
    ...(registration.parent && { parent: urnKey(registration.parent) }),
    read: registration.read,
    options: {
      ...(registration.retainOnDelete !== undefined && { retainOnDelete: registration.retainOnDelete }),
      ...(registration.protect !== undefined && { protect: registration.protect }),
      ...(registration.provider && { provider: urnKey(registration.provider.slice(0, registration.provider.lastIndexOf("::"))) }),
      ...(registration.dependencies.length > 0 && { dependsOn: registration.dependencies.map(urnKey).sort() }),
      ...(registration.aliases.length > 0 && { aliases: registration.aliases.map((a) => plannedAlias(a, registration.parent)) }),
    },
    inputs: revive(registration.inputs) as Record<string, unknown>,
  };
}

/**
 * The resources a program registered, in the order the engine can create them:
 * each after its parent, its provider and its dependencies, ties by type and
 * name. The order the registrations arrive in depends on when each one's inputs
 * resolve; this one depends on the program alone. The stack itself is left out.
 */
export function planResources(registrations: readonly Registration[]): PlannedResource[] {
  const pending = registrations.filter((r) => r.type !== pulumi.runtime.rootPulumiStackTypeName).map(plannedResource);
  const known = new Set(pending.map((r) => `${r.type}::${r.name}`));
  const placed = new Set<string>();
  const ordered: PlannedResource[] = [];
  const ready = (r: PlannedResource) =>
    [r.parent, r.options.provider, ...(r.options.dependsOn ?? [])].every((k) => k === undefined || !known.has(k) || placed.has(k));
  const byKey = (a: PlannedResource, b: PlannedResource) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`);
  while (pending.length > 0) {
    // A cycle cannot be registered, so there is always one ready; the fallback only guards the loop.
    const next = pending.filter(ready).sort(byKey)[0] ?? [...pending].sort(byKey)[0];
    pending.splice(pending.indexOf(next), 1);
    placed.add(`${next.type}::${next.name}`);
    ordered.push(next);
  }
  return ordered;
}
