/**
 * Loaded in every mocha worker (.mocharc.js `require`, after the loader). The Pulumi SDK takes a stack
 * trace for its own bookkeeping on every promise it makes (debuggablePromise: for its leak report at
 * exit) and every resource (Resource.callsites: the source position it sends the engine), reading
 * `.stack` at once, which source-map-support (installed by scripts/register-ts.js) maps frame by frame
 * through the SDK's and the program's source maps: about 60% of a runPlan here (docs/benchmarks.md).
 * The engine stand-in ignores source positions and no test reads those stacks, so they are formatted
 * as V8 formats them, without maps; every other stack (a failing test's, a program error's) is still
 * mapped to TypeScript lines.
 */
import * as path from "node:path";

const SDK = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
/** The SDK's bookkeeping: file under @pulumi/pulumi, function. */
const BOOKKEEPING: readonly [string, string][] = [
  [`${SDK}runtime${path.sep}debuggable.js`, "debuggablePromise"],
  [`${SDK}resource.js`, "callsites"],
];

// Bound to Error, as V8 calls it (Error.prepareStackTrace(error, frames)): the wrapper calls it as a plain function.
const mapped = Error.prepareStackTrace?.bind(Error);
if (mapped) {
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]): unknown => {
    const top = frames[0];
    const file = top?.getFileName() ?? "";
    const fn = top?.getFunctionName() ?? "";
    if (BOOKKEEPING.some(([suffix, name]) => file.endsWith(suffix) && fn === name)) {
      // V8's own format: each CallSite's toString (which NodeJS.CallSite's type leaves out).
      return `${Error.prototype.toString.call(error)}${frames.map((frame) => `\n    at ${(frame as { toString(): string }).toString()}`).join("")}`;
    }
    return mapped(error, frames);
  };
}
