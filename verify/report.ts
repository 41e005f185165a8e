/**
 * The report of `npm run verify`: a header, one line per check (✓ passed, ✗ failed, - skipped, ? not run), its
 * failure details and warnings indented under it, and a closing line.
 *
 * Exit codes: 0 every check passed or was skipped; 1 a check failed; 3 none failed but a check could not run
 * (a check that did not run is not a pass: give it what it needs, or `--skip <check>`). verify itself exits 2
 * when it cannot run at all (usage, stack config, kubectl).
 */
import type { CheckResult, CheckStatus } from "./checks";
import type { VerifyTarget } from "./target";

const MARK: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skip: "-", notrun: "?" };

export const EXIT = { ok: 0, failed: 1, error: 2, notRun: 3 } as const;

export function header(target: VerifyTarget): string {
  return `Verifying stack "${target.stack}": cluster ${target.clusterName}, kubeconfig context ${target.kubeconfigContext}, namespace ${target.namespace}`;
}

export function formatReport(target: VerifyTarget, results: readonly CheckResult[]): string {
  const lines = [header(target)];
  for (const result of results) {
    lines.push(`${MARK[result.status]} ${result.name}: ${result.summary}`);
    for (const detail of result.details) lines.push(`    ${detail}`);
    for (const warning of result.warnings) lines.push(`    warning: ${warning}`);
  }
  const failed = results.filter((r) => r.status === "fail");
  const notRun = results.filter((r) => r.status === "notrun");
  const skipped = results.filter((r) => r.status === "skip").length;
  const passed = results.filter((r) => r.status === "pass").length;
  const counts = `${passed} of ${results.length} checks passed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
  const didNotRun =
    notRun.length > 0
      ? `${notRun.length} did not run: ${notRun.map((r) => r.id).join(", ")} (give them what they need, or --skip them by name)`
      : "";
  if (failed.length > 0) {
    lines.push(
      `${failed.length} of ${results.length} checks failed: ${failed.map((r) => r.id).join(", ")}.${didNotRun ? ` ${didNotRun}.` : ""}`,
    );
  } else {
    lines.push(`${counts}${didNotRun ? `; ${didNotRun}` : ""}.`);
  }
  return `${lines.join("\n")}\n`;
}

export function exitCode(results: readonly CheckResult[]): number {
  if (results.some((r) => r.status === "fail")) return EXIT.failed;
  if (results.some((r) => r.status === "notrun")) return EXIT.notRun;
  return EXIT.ok;
}
