/**
 * The scripts the workflows and .ci/run call, each run as they run it: a node or bash process per
 * case. In the real-tool tier (npm run test:real, .mocharc.real.json): each costs a process start,
 * seconds on a 2-core machine, and test/workflows.test.ts checks the workflows against the modules
 * these scripts print (verify/ci-stacks.ts, config/chart/alloy-values.generated.ts), in the fast tier.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ALLOY_APP_VERSION, ALLOY_CHART_VERSION } from "../../config/chart/alloy-values.generated";
import { ALLOY_CHART_REPO } from "../../components/alloy-log-collector";
import { ciStacks } from "../../verify/ci-stacks";
import { ROOT, stackNames } from "../support/stacks";

describe("scripts/ci-stacks.ts (stacks.yml's step), run for real", () => {
  it("prints matrix=<JSON> of verify/ci-stacks.ts's stacks, the line stacks.yml appends to $GITHUB_OUTPUT", () => {
    const out = execFileSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/ci-stacks.ts"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const match = /^matrix=(.*)\n$/.exec(out);
    assert.ok(match, `scripts/ci-stacks.ts printed ${JSON.stringify(out)}`);
    // test/workflows.test.ts expands every job over exactly this matrix.
    assert.deepEqual(JSON.parse(match[1]), { include: ciStacks(ROOT) });
  });

  it("fails, printing the program's message, when a stack file is invalid", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ci-stacks-cli-"));
    try {
      writeFileSync(path.join(dir, "Pulumi.ops.yaml"), "config:\n  alloy-logs:clusterName: c\n");
      const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/ci-stacks.ts", dir], {
        cwd: ROOT,
        encoding: "utf8",
      });
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /^ci-stacks: Invalid configuration for stack "ops" \(Pulumi\.ops\.yaml\), nothing was deployed:\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("scripts/pinned-chart.ts (what fetch-chart.sh, alloy-check.sh and .ci/run read the pins from), run for real", () => {
  const pinned = (what: string) =>
    execFileSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/pinned-chart.ts", what], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();

  it("prints the chart version config/chart/alloy-values.generated.ts pins and the repository the program deploys from", () => {
    assert.equal(pinned("version"), ALLOY_CHART_VERSION);
    assert.equal(pinned("repo"), ALLOY_CHART_REPO);
  });

  it("prints the Alloy version the chart pins without its v (test/workflows.test.ts compares it with the real chart's appVersion)", () => {
    assert.equal(pinned("appVersion"), ALLOY_APP_VERSION.replace(/^v/, ""));
  });
});

describe("the render tests under REQUIRE_RENDER=1 (test.yml), mocha run for real", () => {
  it("fails the render tests' skip under REQUIRE_RENDER=1, naming what is missing", function () {
    const env: NodeJS.ProcessEnv = { ...process.env, REQUIRE_RENDER: "1" };
    delete env.HELM_BIN;
    delete env.ALLOY_CHART_DIR;
    const mocha = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const args = [
      mocha,
      "--no-config",
      "--require",
      "./scripts/register-ts.js",
      "--extension",
      "ts",
      "--forbid-pending",
      "test/render-required.test.ts",
      "test/policy-render.test.ts",
    ];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8" });
    assert.notEqual(run.status, 0, run.stdout);
    assert.match(run.stdout, /REQUIRE_RENDER=1 but HELM_BIN and ALLOY_CHART_DIR not set: the render tests would be skipped/);
    assert.match(run.stdout, /Pending test forbidden/);
  });
});

/**
 * scripts/alloy-check.sh run for real, with a stand-in for docker (there is no
 * docker engine here): a script on PATH that records each call, prints the
 * mounted config for `fmt` and exits FAKE_VALIDATE_STATUS for `validate`. The
 * real grafana/alloy image runs in test.yml's alloy job.
 */
describe("scripts/alloy-check.sh (with a stand-in docker that records its calls)", function () {
  const APP_VERSION = ALLOY_APP_VERSION;
  let scratch: string;
  let log: string;

  before(function () {
    scratch = mkdtempSync(path.join(tmpdir(), "alloy-check-"));
    log = path.join(scratch, "docker.log");
    mkdirSync(path.join(scratch, "bin"));
    writeFileSync(
      path.join(scratch, "bin", "docker"),
      [
        "#!/usr/bin/env bash",
        'echo "$*" >>"$DOCKER_LOG"',
        'case "$1" in',
        '  info) exit "${FAKE_INFO_STATUS:-0}" ;;',
        "  pull) exit 0 ;;",
        '  run) mount="${4%%:*}"; case "$6" in fmt) cat "$mount/config.alloy" ;; validate) exit "${FAKE_VALIDATE_STATUS:-0}" ;; esac ;;',
        "esac",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  function check(env: Record<string, string>, stacks: string[] = []) {
    writeFileSync(log, "");
    const run = spawnSync("bash", ["scripts/alloy-check.sh", ...stacks], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`, DOCKER_LOG: log, ...env },
    });
    return { status: run.status, stdout: run.stdout, calls: readFileSync(log, "utf8").split("\n").filter(Boolean) };
  }

  it("plans every stack and runs alloy fmt and alloy validate of grafana/alloy:<ALLOY_APP_VERSION> on each config.alloy", function () {
    this.timeout(60_000);
    const { status, stdout, calls } = check({});
    assert.equal(status, 0, stdout);
    const image = `grafana/alloy:${APP_VERSION}`;
    assert.deepEqual(calls, [
      "info",
      `pull --quiet ${image}`,
      ...stackNames().flatMap((stack) => [
        `run --rm -v ${ROOT}/out/${stack}:/check:ro ${image} fmt /check/config.alloy`,
        `run --rm -v ${ROOT}/out/${stack}:/check:ro ${image} validate --stability.level=generally-available /check/config.alloy`,
      ]),
    ]);
    for (const stack of stackNames()) {
      assert.equal(
        readFileSync(path.join(ROOT, "out", stack, "config.alloy"), "utf8"),
        readFileSync(path.join(ROOT, "test", "golden", stack, "config.alloy"), "utf8"),
        stack,
      );
    }
  });

  it("fails, naming the stack, when alloy validate rejects its config", function () {
    this.timeout(60_000);
    const { status, stdout } = check({ FAKE_VALIDATE_STATUS: "1" }, ["ops"]);
    assert.equal(status, 1);
    assert.deepEqual(
      stdout.split("\n").filter((l) => l.startsWith("alloy check:")),
      ["alloy check: ops: alloy validate rejects out/ops/config.alloy"],
    );
  });

  it("prints one line and exits 3 without a docker engine, and fails under REQUIRE_ALLOY=1", function () {
    assert.deepEqual(check({ FAKE_INFO_STATUS: "1" }), {
      status: 3,
      stdout: "alloy check skipped: no docker engine here to run the grafana/alloy image\n",
      calls: ["info"],
    });
    assert.equal(check({ FAKE_INFO_STATUS: "1", REQUIRE_ALLOY: "1" }).status, 1);
  });
});
