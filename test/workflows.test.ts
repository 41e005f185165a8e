/**
 * The GitHub Actions workflows (.github/workflows), which cannot run here: each
 * file against the GitHub workflow JSON schema (SchemaStore's, through
 * @action-validator/core), then what the schema cannot say: which stacks are
 * previewed and deployed, in which order, behind which approvals, one run per
 * stack at a time, with AWS credentials only through OIDC.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ALLOY_APP_VERSION, ALLOY_CHART_VERSION } from "../chart/alloy-values.generated";
import { ALLOY_CHART_REPO } from "../components/alloy-log-collector";
import { readStackFile } from "../config/stack-file";
import { ROOT, stackNames } from "./support/stacks";
import {
  actionOf,
  envOf,
  jobRuns,
  jobsOf,
  needsOf,
  schemaErrors,
  stepIndex,
  stepsOf,
  stepUsing,
  withOf,
  workflowFile,
  workflowFiles,
  type Job,
  type Step,
  type Workflow,
} from "./support/workflows";

const PR = "pull-request.yml";
const DEPLOY = "deploy.yml";
const TEST = "test.yml";

/** How a workflow names a stack in Pulumi Cloud: <organization>/<stack>. */
const STACK_PREFIX = "${{ vars.PULUMI_ORG }}/";

/** The stack a run of a job updates or previews (from its pulumi/actions step), or undefined. */
function stackOf(run: Job): string | undefined {
  const pulumi = stepUsing(run, "pulumi/actions");
  if (!pulumi) return undefined;
  const name = String(withOf(pulumi)["stack-name"]);
  assert.ok(name.startsWith(STACK_PREFIX), `stack-name ${name} should be ${STACK_PREFIX}<stack>`);
  return name.slice(STACK_PREFIX.length);
}

/** Every run (matrix entries expanded) of every job of a workflow that touches a stack. */
function stackRuns(workflow: Workflow): { job: string; stack: string; run: Job }[] {
  return Object.entries(jobsOf(workflow)).flatMap(([job, definition]) =>
    jobRuns(definition).flatMap((run) => {
      const stack = stackOf(run);
      return stack === undefined ? [] : [{ job, stack, run }];
    }),
  );
}

function pulumiCommand(run: Job): string {
  return String(withOf(stepUsing(run, "pulumi/actions")!).command);
}

/** How CI reaches a stack's cluster, from its Pulumi.<stack>.yaml. */
function clusterOf(stack: string): { name: string; region: string; context: string } {
  const config = readStackFile(ROOT, stack).config;
  const eks = config["alloy-logs:eks"];
  assert.ok(eks, `Pulumi.${stack}.yaml has no alloy-logs:eks {name, region}: CI cannot create its kubeconfig context`);
  const { name, region } = JSON.parse(eks) as { name: string; region: string };
  // As npm run verify: the stack's kubeconfigContext, or the context `--alias <eks.name>` creates.
  return { name, region, context: config["alloy-logs:kubeconfigContext"] ?? name };
}

function isRun(step: Step, pattern: RegExp): boolean {
  return typeof step.run === "string" && pattern.test(step.run);
}

/** A copy of a workflow's text with one change made to its parsed form. */
function broken(name: string, change: (workflow: Workflow) => void): string {
  const workflow = parse(workflowFile(name).text) as Workflow;
  change(workflow);
  return stringify(workflow);
}

describe("CI workflows (.github/workflows)", () => {
  describe("the GitHub workflow schema", () => {
    it("is checked on the test, pull-request and deploy workflows at least", () => {
      const names = workflowFiles().map((f) => f.name);
      for (const name of [TEST, PR, DEPLOY]) assert.ok(names.includes(name), name);
    });

    for (const file of workflowFiles()) {
      it(`accepts ${file.name}`, () => {
        assert.deepEqual(schemaErrors(file.text), []);
      });
    }

    it("rejects a copy of deploy.yml whose ops job misspells runs-on, with the validator's message", () => {
      const text = broken(DEPLOY, (w) => {
        const ops = jobsOf(w).ops!;
        ops.runs_on = ops["runs-on"];
        delete ops["runs-on"];
      });
      // A job is one of: a job run on a runner (branch 1), or a call of a reusable workflow (branch 2).
      assert.deepEqual(schemaErrors(text).slice(0, 4), [
        "/jobs/ops: OneOf conditions are not met",
        "  branch 1:",
        "    /jobs/ops: Additional property 'runs_on' is not allowed",
        "    /jobs/ops/runs-on: This property is required",
      ]);
    });

    it("rejects a copy of deploy.yml whose prod job has an unknown key, with the validator's message", () => {
      const text = broken(DEPLOY, (w) => {
        jobsOf(w).prod!.timeout = 50;
      });
      assert.deepEqual(schemaErrors(text).slice(0, 4), [
        "/jobs/prod: OneOf conditions are not met",
        "  branch 1:",
        "    /jobs/prod: Additional property 'timeout' is not allowed",
        "  branch 2:",
      ]);
    });

    it("rejects a copy of pull-request.yml whose trigger is not a GitHub event, with the validator's message", () => {
      const text = broken(PR, (w) => {
        w.on = { pull_requests: { branches: ["main"] } };
      });
      assert.ok(schemaErrors(text).some((e) => /^\s*\/on: Additional property 'pull_requests' is not allowed$/.test(e)), schemaErrors(text).join("\n"));
    });
  });

  describe("pull requests (pull-request.yml)", () => {
    const workflow = workflowFile(PR).workflow;
    const jobs = jobsOf(workflow);

    it("run on pull requests to main", () => {
      assert.deepEqual(workflow.on, { pull_request: { branches: ["main"] } });
    });

    it("run the test suite as CI does: bash .ci/run on Debian bookworm with Node 20", () => {
      assert.equal(jobs.test!.uses, `./.github/workflows/${TEST}`);
      const test = jobsOf(workflowFile(TEST).workflow).test!;
      assert.deepEqual(workflowFile(TEST).workflow.on, { workflow_call: {} });
      assert.equal(test.container, "node:20-bookworm");
      assert.deepEqual(
        stepsOf(test).map((s) => actionOf(s) ?? s.run),
        ["actions/checkout", "bash .ci/run"],
      );
      // .ci/run installs promtool from Debian's prometheus package, then npm ci, typecheck, npm test.
      assert.match(readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /apt-get install [^\n]*prometheus[\s\S]*npm ci[\s\S]*npm run typecheck[\s\S]*npm test/);
    });

    it("preview every stack after the test suite, each posting its diff on the pull request", () => {
      const runs = stackRuns(workflow);
      assert.deepEqual(
        runs.map((r) => r.stack),
        ["ops", "dev", "prod"],
      );
      for (const { job, stack, run } of runs) {
        assert.deepEqual(needsOf(run), ["test"], `${job} ${stack}`);
        assert.equal(pulumiCommand(run), "preview", stack);
        assert.equal(withOf(stepUsing(run, "pulumi/actions")!)["comment-on-pr"], true, stack);
      }
    });

    it("give pull-requests: write only to the previews, which post the comments", () => {
      assert.deepEqual(jobs.preview!.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
      assert.deepEqual(jobs.test!.permissions, { contents: "read" });
    });

    it("preview no stack for a pull request from a fork, which gets no secrets or OIDC token", () => {
      assert.equal(jobs.preview!.if, "github.event.pull_request.head.repo.full_name == github.repository");
    });
  });

  describe("merges to main (deploy.yml)", () => {
    const workflow = workflowFile(DEPLOY).workflow;
    const jobs = jobsOf(workflow);
    const deploys = stackRuns(workflow);

    it("run on pushes to main only", () => {
      assert.deepEqual(workflow.on, { push: { branches: ["main"] } });
    });

    it("test, then pulumi up ops, then dev, then prod, each job needing the one before", () => {
      assert.equal(jobs.test!.uses, `./.github/workflows/${TEST}`);
      assert.deepEqual(
        deploys.map(({ job, stack, run }) => [job, stack, pulumiCommand(run), needsOf(run)]),
        [
          ["ops", "ops", "up", ["test"]],
          ["dev", "dev", "up", ["ops"]],
          ["prod", "prod", "up", ["dev"]],
        ],
      );
    });

    it("deploy dev and prod only through the dev and prod environments (required reviewers)", () => {
      assert.equal(jobs.dev!.environment, "dev");
      assert.equal(jobs.prod!.environment, "prod");
      assert.equal(jobs.ops!.environment, "ops");
    });

    it("run npm run verify -- --stack <stack> after pulumi up, in the kubeconfig context its stack file names", () => {
      for (const { stack, run } of deploys) {
        const cluster = clusterOf(stack);
        const up = stepIndex(run, (s) => actionOf(s) === "pulumi/actions");
        const kubeconfig = stepIndex(run, (s) => isRun(s, /^aws eks update-kubeconfig /));
        const verify = stepIndex(run, (s) => isRun(s, /^npm run verify /));
        const steps = stepsOf(run);
        assert.equal(steps[kubeconfig]?.run, `aws eks update-kubeconfig --name ${cluster.name} --region ${cluster.region} --alias ${cluster.context}`, stack);
        assert.equal(steps[verify]?.run, `npm run verify -- --stack ${stack}`, stack);
        assert.deepEqual(envOf(steps[verify]!), { LOKI_QUERY_URL: "${{ vars.LOKI_QUERY_URL }}" }, stack);
        assert.ok(up < kubeconfig && kubeconfig < verify, `${stack}: pulumi up, then the kubeconfig context, then verify`);
      }
    });

    it("are the same job for ops, dev and prod but for the stack and the job before", () => {
      const generic = deploys.map(({ stack, run }) => {
        const { name, region } = clusterOf(stack);
        const { needs: _needs, ...rest } = run;
        const text = JSON.stringify(rest)
          .split(name)
          .join("<cluster>")
          .split(region)
          .join("<region>")
          .replace(new RegExp(`(?<![A-Za-z0-9])${stack}(?![A-Za-z0-9])`, "g"), "<stack>")
          .replace(new RegExp(`(?<![A-Za-z0-9])${stack.toUpperCase()}(?![A-Za-z0-9])`, "g"), "<STACK>");
        return JSON.parse(text) as Job;
      });
      for (const other of generic.slice(1)) assert.deepEqual(other, generic[0]);
    });
  });

  describe("every workflow", () => {
    const files = workflowFiles();
    const runs = files.flatMap((f) => stackRuns(f.workflow).map((r) => ({ ...r, file: f.name })));

    it("names exactly the stacks that have a Pulumi.<stack>.yaml, in previews and in deploys", () => {
      for (const file of [PR, DEPLOY]) {
        const stacks = stackRuns(workflowFile(file).workflow).map((r) => r.stack);
        assert.deepEqual([...stacks].sort(), stackNames(), file);
      }
    });

    it("runs a job touching a stack in a concurrency group of that stack, never cancelling one in progress", () => {
      for (const { file, job, stack, run } of runs) {
        const concurrency = run.concurrency as { group?: string; "cancel-in-progress"?: unknown } | undefined;
        const where = `${file} ${job} (${stack})`;
        assert.equal(concurrency?.["cancel-in-progress"], false, where);
        // Deploys share pulumi-<stack>; previews of one pull request queue in pulumi-<stack>-preview-<number>.
        if (pulumiCommand(run) === "up") assert.equal(concurrency?.group, `pulumi-${stack}`, where);
        else assert.equal(concurrency?.group, `pulumi-${stack}-preview-\${{ github.event.pull_request.number }}`, where);
      }
    });

    it("gets AWS credentials only through OIDC: id-token: write and role-to-assume wherever they are used, no access keys anywhere", () => {
      for (const { name, text, workflow } of files) {
        assert.doesNotMatch(text, /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-secret-access-key|aws-access-key-id/i, name);
        for (const [job, definition] of Object.entries(jobsOf(workflow))) {
          const aws = stepUsing(definition, "aws-actions/configure-aws-credentials");
          const permissions = (definition.permissions ?? {}) as Record<string, string>;
          if (aws) {
            assert.equal(permissions["id-token"], "write", `${name} ${job}`);
            assert.match(String(withOf(aws)["role-to-assume"]), /^\$\{\{ (vars\.AWS_(DEPLOY|PREVIEW)_ROLE_ARN_[A-Z]+|matrix\.aws-role) \}\}$/, `${name} ${job}`);
          } else {
            assert.equal(permissions["id-token"], undefined, `${name} ${job}: id-token only where AWS credentials are used`);
          }
        }
      }
      for (const { file, job, stack, run } of runs) {
        const aws = stepUsing(run, "aws-actions/configure-aws-credentials");
        assert.ok(aws, `${file} ${job} (${stack}) touches a stack without AWS credentials`);
        assert.equal(withOf(aws)["aws-region"], clusterOf(stack).region, `${file} ${job} (${stack})`);
        const role = String(withOf(aws)["role-to-assume"]);
        const kind = pulumiCommand(run) === "up" ? "DEPLOY" : "PREVIEW";
        assert.equal(role, `\${{ vars.AWS_${kind}_ROLE_ARN_${stack.toUpperCase()} }}`, `${file} ${job} (${stack})`);
      }
    });

    it("grants nothing at the workflow level and declares each job's permissions", () => {
      for (const { name, workflow } of files) {
        const jobs = jobsOf(workflow);
        if (name !== TEST) assert.deepEqual(workflow.permissions, {}, name);
        for (const [job, definition] of Object.entries(jobs)) {
          assert.ok(definition.permissions, `${name} ${job} declares its permissions`);
          for (const [scope, level] of Object.entries(definition.permissions as Record<string, string>)) {
            assert.ok(
              (scope === "contents" && level === "read") || (scope === "id-token" && level === "write") || (scope === "pull-requests" && level === "write"),
              `${name} ${job}: ${scope}: ${level}`,
            );
          }
        }
      }
    });

    it("pins every action to a major version at least", () => {
      for (const { name, workflow } of files) {
        for (const [job, definition] of Object.entries(jobsOf(workflow))) {
          for (const step of stepsOf(definition)) {
            if (typeof step.uses === "string") assert.match(step.uses, /^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${name} ${job}`);
          }
        }
      }
    });

    it("logs in to Pulumi Cloud with the PULUMI_ACCESS_TOKEN secret, given to the Pulumi step only", () => {
      for (const { name, text } of files) {
        const mentions = text.match(/secrets\.\w+/g) ?? [];
        assert.deepEqual([...new Set(mentions)], mentions.length ? ["secrets.PULUMI_ACCESS_TOKEN"] : [], name);
      }
      for (const { file, job, stack, run } of runs) {
        for (const step of stepsOf(run)) {
          const token = envOf(step).PULUMI_ACCESS_TOKEN;
          if (actionOf(step) === "pulumi/actions") assert.equal(token, "${{ secrets.PULUMI_ACCESS_TOKEN }}", `${file} ${job} (${stack})`);
          else assert.equal(token, undefined, `${file} ${job} (${stack})`);
        }
        assert.equal(envOf(run).PULUMI_ACCESS_TOKEN, undefined, `${file} ${job} (${stack})`);
        assert.equal(withOf(stepUsing(run, "pulumi/actions")!)["cloud-url"], undefined, `${file} ${job} (${stack}): Pulumi Cloud`);
      }
    });

    it("installs the Pulumi CLI of the @pulumi/pulumi SDK version in package-lock.json", () => {
      const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
      const sdk = lock.packages["node_modules/@pulumi/pulumi"]!.version;
      for (const { file, job, stack, run } of runs) {
        assert.equal(withOf(stepUsing(run, "pulumi/actions")!)["pulumi-version"], sdk, `${file} ${job} (${stack})`);
      }
    });
  });
});

describe("the test workflow (test.yml): the real chart and the real Alloy", () => {
  const jobs = jobsOf(workflowFile(TEST).workflow);
  const ciRun = readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
  const script = (name: string) => readFileSync(path.join(ROOT, "scripts", name), "utf8");
  const pinned = (what: string) =>
    execFileSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/pinned-chart.ts", what], { cwd: ROOT, encoding: "utf8" }).trim();

  it("runs .ci/run with REQUIRE_RENDER=1, the switch that makes a skipped test a failure", () => {
    const step = stepsOf(jobs.test!).find((s) => isRun(s, /^bash \.ci\/run$/));
    assert.ok(step, "no bash .ci/run step in the test job");
    assert.deepEqual(envOf(step), { REQUIRE_RENDER: "1" });
    // .ci/run fails when the chart cannot be had and runs mocha with --forbid-pending under it.
    assert.match(ciRun, /if \[\[ "\$\{REQUIRE_RENDER:-\}" == 1 \]\]; then[\s\S]*?exit 1/);
    assert.match(ciRun, /\[\[ "\$\{REQUIRE_RENDER:-\}" == 1 \]\] && mocha_args\+=\(--forbid-pending\)\n\nnpm test -- "\$\{mocha_args\[@\]\}"/);
  });

  it("has .ci/run install helm with scripts/fetch-helm.sh and pull the chart with scripts/fetch-chart.sh before npm test", () => {
    assert.match(ciRun, /bash scripts\/fetch-helm\.sh[\s\S]*bash scripts\/fetch-chart\.sh[\s\S]*export HELM_BIN ALLOY_CHART_DIR[\s\S]*npm test/);
  });

  it("pulls the chart version chart/alloy-values.generated.ts pins, from the repository the program deploys from", () => {
    assert.equal(pinned("version"), ALLOY_CHART_VERSION);
    assert.equal(pinned("repo"), ALLOY_CHART_REPO);
    const fetch = script("fetch-chart.sh");
    assert.match(fetch, /VERSION="\$\(pinned version\)"/);
    assert.match(fetch, /"\$HELM" pull alloy --repo "\$REPO" --version "\$VERSION" --untar/);
    for (const text of [fetch, ciRun, workflowFile(TEST).text, script("alloy-check.sh")]) {
      assert.doesNotMatch(text, /\b\d+\.\d+\.\d+\b/, "a version written out instead of read from chart/alloy-values.generated.ts");
    }
  });

  it("fails the render tests' skip under REQUIRE_RENDER=1, naming what is missing", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, REQUIRE_RENDER: "1" };
    delete env.HELM_BIN;
    delete env.ALLOY_CHART_DIR;
    const mocha = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const args = [mocha, "--no-config", "--require", "./scripts/register-ts.js", "--extension", "ts", "--forbid-pending", "test/render-required.test.ts", "test/policy-render.test.ts"];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8" });
    assert.notEqual(run.status, 0, run.stdout);
    assert.match(run.stdout, /REQUIRE_RENDER=1 but HELM_BIN and ALLOY_CHART_DIR not set: the render tests would be skipped/);
    assert.match(run.stdout, /Pending test forbidden/);
  });

  it("validates every stack's config.alloy with the pinned Alloy, on the runner where docker is", () => {
    const alloy = jobs.alloy!;
    assert.equal(alloy["runs-on"], "ubuntu-24.04");
    assert.equal(alloy.container, undefined, "docker runs on the runner, not in a job container");
    assert.deepEqual(alloy.permissions, { contents: "read" });
    const steps = stepsOf(alloy);
    const at = (pattern: RegExp) => stepIndex(alloy, (s) => isRun(s, pattern));
    const check = steps[at(/^bash scripts\/alloy-check\.sh$/)];
    assert.ok(check && at(/^npm ci\b/) >= 0 && at(/^npm ci\b/) < at(/^bash scripts\/alloy-check\.sh$/), "npm ci, then the Alloy check");
    assert.deepEqual(envOf(check), { REQUIRE_ALLOY: "1" });
  });

  it("pins the Alloy version the real chart's appVersion names (with ALLOY_CHART_DIR)", function () {
    const chartDir = process.env.ALLOY_CHART_DIR;
    if (!chartDir) return this.skip();
    const chart = parse(readFileSync(path.join(chartDir, "Chart.yaml"), "utf8")) as { appVersion: string };
    assert.equal(`v${pinned("appVersion")}`, chart.appVersion);
  });
});

describe("the policy pack in the workflows", () => {
  it("runs with every pulumi preview and pulumi up (pulumi/actions policyPacks: policy)", () => {
    const runs = [PR, DEPLOY].flatMap((file) => stackRuns(workflowFile(file).workflow).map((r) => ({ ...r, file })));
    assert.ok(runs.length > 0);
    for (const { file, job, stack, run } of runs) {
      assert.equal(withOf(stepUsing(run, "pulumi/actions")!).policyPacks, "policy", `${file} ${job} (${stack}) ${pulumiCommand(run)}`);
    }
    assert.ok(existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml")), "policy/PulumiPolicy.yaml");
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
      assert.equal(readFileSync(path.join(ROOT, "out", stack, "config.alloy"), "utf8"), readFileSync(path.join(ROOT, "test", "golden", stack, "config.alloy"), "utf8"), stack);
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
