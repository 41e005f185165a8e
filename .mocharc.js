// The fast tier (npm run test:fast). REQUIRE_RENDER=1 (the GitHub test workflow) makes any
// skipped test a failure, the chart render tests first.
"use strict";
module.exports = {
  require: ["./scripts/register-ts.js"],
  spec: ["test/*.test.ts"],
  extension: ["ts"],
  timeout: 10000,
  "forbid-pending": process.env.REQUIRE_RENDER === "1",
};
