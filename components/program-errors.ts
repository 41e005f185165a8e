/**
 * How the program's own failures reach the user: always as a pulumi.RunError, whose
 * message cmd/run prints as is.
 *
 * Why not let other errors through: cmd/run formats any other error with
 * `util.inspect(err, { colors: true })` (@pulumi/pulumi cmd/run/error.ts), and on
 * Node 20 that loops over a stack frame such as `node_modules/@pulumi/resource.ts`,
 * allocating until it gives up: a bug in the program then costs 20 to 60 s and
 * gigabytes of memory before its error shows (nodejs/node#64011, fixed in
 * nodejs/node#64022; pulumi/pulumi#21326). The same text, stack included, goes
 * out at once as a RunError's message.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError } from "../config/load";

/** Runs the program's body; its errors leave as RunErrors, a config error without a stack trace. */
export function withReadableErrors<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    if (pulumi.RunError.isInstance(error)) throw error;
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    throw new pulumi.RunError(`alloy-logs failed with an unexpected error, a bug in the program rather than in the stack file:\n${text}`);
  }
}
