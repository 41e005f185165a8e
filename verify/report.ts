/**
 * The report of `npm run verify`: a header, one line per check (✓ passed,
 * ✗ failed, - skipped), its failure details and warnings indented under it,
 * and a closing line. The exit code is 1 when any check failed, else 0.
 */
import type { CheckResult, CheckStatus } from "./checks";
import type { VerifyTarget } from "./target";

const MARK: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skip: "-" };

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
  const skipped = results.filter((r) => r.status === "skip").length;
  if (failed.length > 0) {
    lines.push(`${failed.length} of ${results.length} checks failed: ${failed.map((r) => r.name).join(", ")}.`);
  } else {
    const passed = results.length - skipped;
    lines.push(`${passed} of ${results.length} checks passed${skipped > 0 ? `, ${skipped} skipped` : ""}.`);
  }
  return `${lines.join("\n")}\n`;
}

export function exitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === "fail") ? 1 : 0;
}
