/**
 * REQUIRE_RENDER=1 (set by .github/workflows/test.yml) turns the render tests'
 * skip into a failure: there, the real helm and the pinned chart must be set up,
 * or the job fails here with the reason (and mocha runs with --forbid-pending,
 * so no other skip passes either; see .ci/run).
 */
import assert from "node:assert/strict";
import { chartEnvFromProcess } from "./support/helm-render";

describe("render tests required (REQUIRE_RENDER=1)", function () {
  before(function () {
    if (process.env.REQUIRE_RENDER !== "1") this.skip();
  });

  it("has HELM_BIN and ALLOY_CHART_DIR set to a helm binary and the pinned chart", function () {
    // Set but wrong (no such helm, another chart or version) throws with the reason.
    const setup = chartEnvFromProcess();
    assert.ok(
      !("missing" in setup),
      `REQUIRE_RENDER=1 but ${"missing" in setup ? setup.missing.join(" and ") : ""} not set: the render tests would be skipped`,
    );
  });
});
