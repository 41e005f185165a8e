/**
 * The program's plans, each run once per mocha worker: many tests ask for the plan of the same config
 * (configWith({}) alone, twenty times), and each run of the program costs a registration round of the SDK.
 * The plan is a function of the stack, config, secret keys and program, so the first run's result stands for
 * every later one; each caller gets its own deep copy, free to change it. A run that throws is not kept.
 * Runs that watch registrations as they happen (onRegister) call runPlan itself.
 */
import { runPlan, SecretValue, type PlanOptions, type PlanResult } from "../../plan/run";

const plans = new Map<string, Promise<PlanResult>>();

function copy(value: unknown): unknown {
  if (value instanceof SecretValue) return new SecretValue(copy(value.value));
  if (Array.isArray(value)) return value.map(copy);
  if (typeof value === "object" && value !== null) {
    // Plans hold plain objects, arrays and SecretValues only (plan/resources.ts revive): anything else is a bug here.
    if (Object.getPrototypeOf(value) !== Object.prototype) throw new Error(`planOnce cannot copy a ${value.constructor.name}`);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
  }
  return value;
}

/** runPlan(stack, options), run once per distinct input in this process; a fresh copy of its result. */
export async function planOnce(stack: string, options: Omit<PlanOptions, "onRegister">): Promise<PlanResult> {
  const key = JSON.stringify([stack, options.config, options.secretKeys ?? [], options.program ?? null]);
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = runPlan(stack, options);
    plans.set(key, plan);
    plan.catch(() => plans.delete(key));
  }
  return copy(await plan) as PlanResult;
}
