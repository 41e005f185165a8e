/**
 * The repository's GitHub Actions workflows, read for test/workflows.test.ts:
 * validation against the GitHub workflow JSON schema, and the few accessors the
 * structural checks need.
 *
 * The validator is @action-validator/core: action-validator (Rust) compiled to
 * WebAssembly, with SchemaStore's github-workflow.json built in. It runs offline
 * and needs nothing but Node. Its schema is the one of its release (0.6.0), so a
 * keyword GitHub added later (e.g. `concurrency.queue`) is reported as unknown.
 */
import { validateWorkflow, type ValidationError } from "@action-validator/core";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ROOT } from "./stacks";

export const WORKFLOW_DIR = path.join(ROOT, ".github", "workflows");

/** A parsed workflow: YAML 1.2, so the `on` key stays a string. */
export type Workflow = { [key: string]: unknown };
export type Job = { [key: string]: unknown };
export type Step = { [key: string]: unknown };

export interface WorkflowFile {
  /** File name under .github/workflows. */
  name: string;
  text: string;
  workflow: Workflow;
}

/** Every workflow file (.yml, .yaml), sorted by name. */
export function workflowFiles(): WorkflowFile[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((name) => {
      const text = readFileSync(path.join(WORKFLOW_DIR, name), "utf8");
      return { name, text, workflow: parse(text) as Workflow };
    });
}

export function workflowFile(name: string): WorkflowFile {
  const file = workflowFiles().find((f) => f.name === name);
  if (!file) throw new Error(`no .github/workflows/${name}`);
  return file;
}

/**
 * The validator's errors as lines `<path>: <message>`. A `oneOf` error (a job is
 * either a normal job or a reusable-workflow call) carries the errors of each
 * branch; they are listed under it, one level deeper.
 */
export function formatErrors(errors: readonly ValidationError[], indent = ""): string[] {
  return errors.flatMap((e) => {
    const where = "path" in e && e.path !== undefined ? e.path || "/" : "location" in e && e.location ? `line ${e.location.line}` : "/";
    const line = `${indent}${where}: ${e.detail ?? e.title}`;
    const nested =
      "states" in e && e.states
        ? e.states.flatMap((s, i) => [`${indent}  branch ${i + 1}:`, ...formatErrors(s.errors, `${indent}    `)])
        : [];
    return [line, ...nested];
  });
}

/** Schema errors of a workflow's text, formatted; [] when it is valid. */
export function schemaErrors(text: string): string[] {
  const state = validateWorkflow(text);
  return formatErrors(state.errors);
}

export function jobsOf(workflow: Workflow): Record<string, Job> {
  return workflow.jobs as Record<string, Job>;
}

export function stepsOf(job: Job): Step[] {
  return (job.steps as Step[] | undefined) ?? [];
}

export function needsOf(job: Job): string[] {
  const needs = job.needs;
  return needs === undefined ? [] : Array.isArray(needs) ? (needs as string[]) : [needs as string];
}

/** The action a step uses, without its version (`pulumi/actions`), or undefined for a `run` step. */
export function actionOf(step: Step): string | undefined {
  return typeof step.uses === "string" ? step.uses.split("@")[0] : undefined;
}

export function withOf(step: Step): Record<string, unknown> {
  return (step.with as Record<string, unknown> | undefined) ?? {};
}

export function envOf(holder: Job | Step): Record<string, unknown> {
  return (holder.env as Record<string, unknown> | undefined) ?? {};
}

/** The matrix of a job whose strategy is computed by stacks.yml: `${{ fromJSON(needs.stacks.outputs.matrix) }}`. */
export const STACK_MATRIX = "${{ fromJSON(needs.stacks.outputs.matrix) }}";

/**
 * The runs of a job: one per matrix `include` entry, with every `${{ matrix.<key> }}`
 * in the job replaced by that entry's value; the job itself when it has no matrix.
 * A matrix computed at run time (STACK_MATRIX) takes its entries from `computed`,
 * what the job that computes it prints.
 */
export function jobRuns(job: Job, computed?: { include: readonly object[] }): Job[] {
  const strategy = job.strategy as { matrix?: string | { include?: readonly object[] } } | undefined;
  let matrix = strategy?.matrix;
  if (matrix === undefined) return [job];
  if (typeof matrix === "string") {
    if (matrix !== STACK_MATRIX || !computed) throw new Error(`jobRuns cannot expand the matrix ${matrix}`);
    matrix = computed;
  }
  const include = (matrix.include ?? []) as readonly Record<string, unknown>[];
  if (Object.keys(matrix).some((k) => k !== "include")) throw new Error("jobRuns expands matrix.include only");
  return include.map(
    (entry) =>
      JSON.parse(
        JSON.stringify(job).replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (whole, key: string) =>
          key in entry ? String(entry[key]).replace(/["\\]/g, (c) => `\\${c}`) : whole,
        ),
      ) as Job,
  );
}

/** The step of a job that uses an action, if any. */
export function stepUsing(job: Job, action: string): Step | undefined {
  return stepsOf(job).find((s) => actionOf(s) === action);
}

/** The index of the first step matching, or -1. */
export function stepIndex(job: Job, match: (step: Step) => boolean): number {
  return stepsOf(job).findIndex(match);
}
