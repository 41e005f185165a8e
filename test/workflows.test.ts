/**
 * The GitHub Actions workflows (.github/workflows), which cannot run here: each
 * file against the GitHub workflow JSON schema (SchemaStore's, through
 * @action-validator/core), then what the schema cannot say: which stacks are
 * previewed, deployed and checked for drift (the matrix stacks.yml computes from
 * the stack files, by running its script for real), in which order, behind which
 * approvals, one run per stack at a time, with AWS credentials only through OIDC.
 * No stack, cluster or region is written here: they come from Pulumi.<stack>.yaml.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ALLOY_APP_VERSION } from "../config/chart/alloy-values.generated";
import { readStackFile } from "../config/stack-file";
import { ciStacks, type CiStack } from "../verify/ci-stacks";
import { ROOT, stackNames, stacksInDeployOrder } from "./support/stacks";
import {
  actionOf,
  envOf,
  jobRuns,
  jobsOf,
  needsOf,
  schemaErrors,
  STACK_MATRIX,
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
const DRIFT = "drift.yml";
const STACKS = "stacks.yml";
const TEST = "test.yml";

/** How a workflow names a stack in Pulumi Cloud: <organization>/<stack>. */
const STACK_PREFIX = "${{ vars.PULUMI_ORG }}/";

/**
 * The matrix stacks.yml's job computes: scripts/ci-stacks.ts prints `matrix=<JSON>` of exactly this
 * (run for real in test/process/workflow-scripts.test.ts, in the real-tool tier: a node process per
 * run is too slow for the fast tier, and this is the module the script prints).
 */
const MATRIX: { include: CiStack[] } = { include: ciStacks(ROOT) };

/** The pulumi command a run makes: the pulumi/actions step with a command, or a `pulumi …` run step. */
function pulumiStep(run: Job): Step | undefined {
  return stepsOf(run).find((s) => (actionOf(s) === "pulumi/actions" && withOf(s).command !== undefined) || isRun(s, /^pulumi /m));
}

/** The stack a run of a job updates, previews or checks, or undefined. */
function stackOf(run: Job): string | undefined {
  const step = pulumiStep(run);
  if (!step) return undefined;
  const name = String(actionOf(step) ? withOf(step)["stack-name"] : envOf(step).PULUMI_STACK);
  assert.ok(name.startsWith(STACK_PREFIX), `stack ${name} should be ${STACK_PREFIX}<stack>`);
  return name.slice(STACK_PREFIX.length);
}

/** Every run (matrix entries expanded) of every job of a workflow that touches a stack. */
function stackRuns(workflow: Workflow): { job: string; stack: string; run: Job }[] {
  return Object.entries(jobsOf(workflow)).flatMap(([job, definition]) =>
    jobRuns(definition, MATRIX).flatMap((run) => {
      const stack = stackOf(run);
      return stack === undefined ? [] : [{ job, stack, run }];
    }),
  );
}

/** up, preview, or the drift check's `preview --refresh --expect-no-changes`. */
function pulumiCommand(run: Job): string {
  const step = pulumiStep(run)!;
  if (actionOf(step)) return String(withOf(step).command);
  return /--refresh --expect-no-changes/.test(String(step.run)) ? "drift" : String(step.run);
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

const KUBECONFIG =
  'aws eks update-kubeconfig --name "$CLUSTER" --region "$REGION" --alias "$CONTEXT" ${EKS_ROLE_ARN:+--role-arn "$EKS_ROLE_ARN"}';
const VERIFY_ENV = {
  LOKI_QUERY_URL: "${{ vars.LOKI_QUERY_URL }}",
  PROMETHEUS_URL: "${{ vars.PROMETHEUS_URL }}",
  DD_API_KEY: "${{ secrets.DD_API_KEY }}",
  DD_APP_KEY: "${{ secrets.DD_APP_KEY }}",
  DD_SITE: "${{ vars.DD_SITE }}",
  VERIFY_SKIP: "${{ vars.VERIFY_SKIP }}",
};

/** The kubeconfig step then the verify step of a run: in the stack's context, with verify's inputs. */
function assertKubeconfigThenVerify(stack: string, run: Job, verifyRun: string): void {
  const cluster = clusterOf(stack);
  const kubeconfig = stepIndex(run, (s) => s.run === KUBECONFIG);
  const verify = stepIndex(run, (s) => s.run === verifyRun);
  const steps = stepsOf(run);
  assert.ok(kubeconfig >= 0 && verify > kubeconfig, `${stack}: the kubeconfig context, then verify`);
  assert.deepEqual(
    envOf(steps[kubeconfig]),
    { CLUSTER: cluster.name, REGION: cluster.region, CONTEXT: cluster.context, EKS_ROLE_ARN: "" },
    stack,
  );
  assert.deepEqual(envOf(steps[verify]), { STACK: stack, ...VERIFY_ENV }, stack);
}

describe("CI workflows (.github/workflows)", () => {
  describe("the GitHub workflow schema", () => {
    it("is checked on the test, stacks, pull-request, deploy and drift workflows at least", () => {
      const names = workflowFiles().map((f) => f.name);
      for (const name of [TEST, STACKS, PR, DEPLOY, DRIFT]) assert.ok(names.includes(name), name);
    });

    for (const file of workflowFiles()) {
      it(`accepts ${file.name}`, () => {
        assert.deepEqual(schemaErrors(file.text), []);
      });
    }

    it("rejects a copy of deploy.yml whose deploy job misspells runs-on, with the validator's message", () => {
      const text = broken(DEPLOY, (w) => {
        const deploy = jobsOf(w).deploy;
        deploy.runs_on = deploy["runs-on"];
        delete deploy["runs-on"];
      });
      // A job is one of: a job run on a runner (branch 1), or a call of a reusable workflow (branch 2).
      assert.deepEqual(schemaErrors(text).slice(0, 4), [
        "/jobs/deploy: OneOf conditions are not met",
        "  branch 1:",
        "    /jobs/deploy: Additional property 'runs_on' is not allowed",
        "    /jobs/deploy/runs-on: This property is required",
      ]);
    });

    it("rejects a copy of drift.yml whose drift job has an unknown key, with the validator's message", () => {
      const text = broken(DRIFT, (w) => {
        jobsOf(w).drift.timeout = 30;
      });
      assert.deepEqual(schemaErrors(text).slice(0, 4), [
        "/jobs/drift: OneOf conditions are not met",
        "  branch 1:",
        "    /jobs/drift: Additional property 'timeout' is not allowed",
        "  branch 2:",
      ]);
    });

    it("rejects a copy of pull-request.yml whose trigger is not a GitHub event, with the validator's message", () => {
      const text = broken(PR, (w) => {
        w.on = { pull_requests: { branches: ["main"] } };
      });
      assert.ok(
        schemaErrors(text).some((e) => /^\s*\/on: Additional property 'pull_requests' is not allowed$/.test(e)),
        schemaErrors(text).join("\n"),
      );
    });
  });

  describe("the stack matrix (stacks.yml)", () => {
    const workflow = workflowFile(STACKS).workflow;
    const job = jobsOf(workflow).stacks;

    it("is a reusable workflow whose output is what scripts/ci-stacks.ts appends to $GITHUB_OUTPUT", () => {
      assert.deepEqual(Object.keys(workflow.on as object), ["workflow_call"]);
      const outputs = (workflow.on as { workflow_call: { outputs: Record<string, { value: string }> } }).workflow_call.outputs;
      assert.equal(outputs.matrix.value, "${{ jobs.stacks.outputs.matrix }}");
      assert.deepEqual(job.outputs, { matrix: "${{ steps.stacks.outputs.matrix }}" });
      const step = stepsOf(job).find((s) => s.id === "stacks");
      assert.equal(step?.run, 'node --require ./scripts/register-ts.js scripts/ci-stacks.ts >> "$GITHUB_OUTPUT"');
      assert.ok(stepIndex(job, (s) => s.run === "npm ci --no-audit --no-fund") < stepIndex(job, (s) => s.id === "stacks"), "npm ci first");
    });

    it("lists every stack file once, in deploy order, with the cluster and region its file sets", () => {
      assert.deepEqual(
        MATRIX.include.map((s) => [s.stack, s.cluster, s.region, s.context]),
        stacksInDeployOrder().map((stack) => {
          const { name, region, context } = clusterOf(stack);
          return [stack, name, region, context];
        }),
      );
    });
  });

  describe("pull requests (pull-request.yml)", () => {
    const workflow = workflowFile(PR).workflow;
    const jobs = jobsOf(workflow);

    it("run on pull requests to main", () => {
      assert.deepEqual(workflow.on, { pull_request: { branches: ["main"] } });
    });

    it("run the test suite as CI does: bash .ci/run on Debian bookworm with Node 20 and Go 1.26", () => {
      assert.equal(jobs.test.uses, `./.github/workflows/${TEST}`);
      const test = jobsOf(workflowFile(TEST).workflow).test;
      assert.deepEqual(workflowFile(TEST).workflow.on, { workflow_call: {} });
      assert.equal(test.container, "node:20-bookworm");
      assert.deepEqual(
        stepsOf(test).map((s) => actionOf(s) ?? s.run),
        ["actions/checkout", "actions/setup-go", "bash .ci/run"],
      );
      const setupGo = stepsOf(test).find((s) => actionOf(s) === "actions/setup-go");
      assert.deepEqual((setupGo as { with?: unknown }).with, { "go-version": "1.26", cache: false });
      // .ci/run installs promtool from Debian's prometheus package, then npm ci, then npm test,
      // whose fast tier is lint, format check, typecheck and mocha (at once, scripts/test-fast.ts).
      assert.match(readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /apt-get install [^\n]*prometheus[\s\S]*npm ci[\s\S]*npm test/);
      const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
      // npm test is both tiers: the fast one, then the real-tool one (scripts/test-real.sh).
      assert.equal(scripts.test, "npm run test:fast && npm run test:real");
      // The fast tier is scripts/test-fast.ts: tsc + eslint (one process), prettier --check and mocha, at once.
      assert.equal(scripts["test:fast"], "node --require ./scripts/register-ts.js scripts/test-fast.ts");
      const fastTier = readFileSync(path.join(ROOT, "scripts", "test-fast.ts"), "utf8");
      for (const step of ["node_modules/prettier/bin/prettier.cjs", "node_modules/mocha/bin/mocha.js", "scripts/typecheck-lint.ts"])
        assert.ok(fastTier.includes(`"${step}"`), `scripts/test-fast.ts runs ${step}`);
      // scripts/typecheck-lint.ts is tsc's build mode and eslint, --max-warnings 0, on tsconfig.json.
      const typecheckLint = readFileSync(path.join(ROOT, "scripts", "typecheck-lint.ts"), "utf8");
      for (const call of ["ts.createSolutionBuilder(", "new ESLint(", 'export const TSCONFIG = "tsconfig.fast-tier.json";'])
        assert.ok(typecheckLint.includes(call), `scripts/typecheck-lint.ts calls ${call}`);
      assert.equal(scripts["test:real"], "bash scripts/test-real.sh");
    });

    it("preview every stack of the matrix after the test suite, each posting its diff on the pull request", () => {
      assert.deepEqual(needsOf(jobs.stacks), ["test"]);
      assert.equal(jobs.stacks.uses, `./.github/workflows/${STACKS}`);
      assert.equal((jobs.preview.strategy as { matrix: unknown }).matrix, STACK_MATRIX);
      const runs = stackRuns(workflow);
      assert.deepEqual(
        runs.map((r) => r.stack),
        stacksInDeployOrder(),
      );
      for (const { job, stack, run } of runs) {
        assert.deepEqual(needsOf(run), ["stacks"], `${job} ${stack}`);
        assert.equal(pulumiCommand(run), "preview", stack);
        assert.equal(withOf(stepUsing(run, "pulumi/actions")!)["comment-on-pr"], true, stack);
      }
    });

    it("give pull-requests: write only to the previews, which post the comments", () => {
      assert.deepEqual(jobs.preview.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
      assert.deepEqual(jobs.test.permissions, { contents: "read" });
      assert.deepEqual(jobs.stacks.permissions, { contents: "read" });
    });

    it("preview no stack for a pull request from a fork, which gets no secrets or OIDC token", () => {
      assert.equal(jobs.preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
    });
  });

  describe("merges to main (deploy.yml)", () => {
    const workflow = workflowFile(DEPLOY).workflow;
    const jobs = jobsOf(workflow);
    const deploys = stackRuns(workflow);

    it("run on pushes to main only", () => {
      assert.deepEqual(workflow.on, { push: { branches: ["main"] } });
    });

    it("test, compute the stacks, then pulumi up each stack of the matrix, one at a time in deploy order, stopping at the first failure", () => {
      assert.equal(jobs.test.uses, `./.github/workflows/${TEST}`);
      assert.deepEqual([jobs.stacks.uses, needsOf(jobs.stacks)], [`./.github/workflows/${STACKS}`, ["test"]]);
      assert.deepEqual(jobs.deploy.strategy, { "max-parallel": 1, "fail-fast": true, matrix: STACK_MATRIX });
      assert.deepEqual(
        deploys.map(({ job, stack, run }) => [job, stack, pulumiCommand(run), needsOf(run)]),
        stacksInDeployOrder().map((stack) => ["deploy", stack, "up", ["stacks"]]),
      );
    });

    it("are one job for every stack: no stack file's cluster or region is written in the workflow", () => {
      assert.deepEqual(Object.keys(jobs), ["test", "stacks", "deploy"]);
      const { text } = workflowFile(DEPLOY);
      for (const stack of stackNames()) {
        const { name, region } = clusterOf(stack);
        assert.ok(!text.includes(name), `${DEPLOY} names the cluster ${name}`);
        assert.ok(!text.includes(region), `${DEPLOY} names the region ${region}`);
      }
    });

    it("deploy each stack through the GitHub environment named after it (required reviewers)", () => {
      assert.equal(jobs.deploy.environment, "${{ matrix.stack }}");
      for (const { stack, run } of deploys) assert.equal(run.environment, stack);
    });

    it("run npm run verify -- --stack <stack> after pulumi up, in the kubeconfig context its stack file names", () => {
      for (const { stack, run } of deploys) {
        assertKubeconfigThenVerify(stack, run, 'npm run verify -- --stack "$STACK"');
        const up = stepIndex(run, (s) => actionOf(s) === "pulumi/actions");
        assert.ok(up < stepIndex(run, (s) => s.run === KUBECONFIG), `${stack}: pulumi up first`);
      }
    });
  });

  describe("drift detection (drift.yml)", () => {
    const workflow = workflowFile(DRIFT).workflow;
    const jobs = jobsOf(workflow);
    const drifts = stackRuns(workflow);
    const stepNamed = (run: Job, id: string) => stepsOf(run).find((s) => s.id === id)!;

    it("runs every hour, and by hand", () => {
      assert.deepEqual(workflow.on, { schedule: [{ cron: "23 * * * *" }], workflow_dispatch: {} });
    });

    it("checks every stack of the matrix, each whatever the others show", () => {
      assert.deepEqual([jobs.stacks.uses, needsOf(jobs.drift)], [`./.github/workflows/${STACKS}`, ["stacks"]]);
      assert.deepEqual(jobs.drift.strategy, { "fail-fast": false, matrix: STACK_MATRIX });
      assert.deepEqual(
        drifts.map(({ stack, run }) => [stack, pulumiCommand(run)]),
        stacksInDeployOrder().map((stack) => [stack, "drift"]),
      );
    });

    it("runs pulumi preview --refresh --expect-no-changes on the stack, with the policy pack, keeping its output for the issue", () => {
      for (const { stack, run } of drifts) {
        const preview = stepNamed(run, "preview");
        assert.equal(
          preview.run,
          'mkdir -p out/drift\npulumi preview --stack "$PULUMI_STACK" --refresh --expect-no-changes --policy-pack policy --diff --non-interactive --color never 2>&1 | tee out/drift/preview.txt\n',
        );
        assert.equal(envOf(preview).PULUMI_STACK, `${STACK_PREFIX}${stack}`);
        // bash -eo pipefail: the preview's exit code, not tee's, is the step's.
        assert.deepEqual(run.defaults, { run: { shell: "bash" } });
      }
    });

    it("runs npm run verify in the stack's kubeconfig context after the preview", () => {
      for (const { stack, run } of drifts) {
        assertKubeconfigThenVerify(stack, run, 'npm run --silent verify -- --stack "$STACK" 2>&1 | tee out/drift/verify.txt');
        assert.ok(stepIndex(run, (s) => s.id === "preview") < stepIndex(run, (s) => s.id === "verify"), stack);
      }
    });

    it("lets both checks run, then opens or updates the stack's issue, then fails the job when either failed", () => {
      for (const { stack, run } of drifts) {
        assert.equal(stepNamed(run, "preview")["continue-on-error"], true, stack);
        assert.equal(stepNamed(run, "verify")["continue-on-error"], true, stack);
        const steps = stepsOf(run);
        const issue = stepIndex(run, (s) => s.run === 'bash scripts/drift-issue.sh "$STACK" "$PREVIEW" "$VERIFY"');
        assert.ok(issue > stepIndex(run, (s) => s.id === "verify"), stack);
        assert.equal(steps[issue].if, "always() && steps.preview.outcome != 'skipped'");
        assert.deepEqual(
          [envOf(steps[issue]).STACK, envOf(steps[issue]).PREVIEW, envOf(steps[issue]).VERIFY, envOf(steps[issue]).GH_TOKEN],
          [stack, "${{ steps.preview.outcome }}", "${{ steps.verify.outcome }}", "${{ github.token }}"],
        );
        const last = steps[steps.length - 1];
        assert.equal(last.if, "always() && (steps.preview.outcome != 'success' || steps.verify.outcome != 'success')");
        assert.match(String(last.run), /\nexit 1\n$/);
      }
    });

    it("gives issues: write to the drift job only", () => {
      assert.deepEqual(jobs.drift.permissions, { contents: "read", "id-token": "write", issues: "write" });
      for (const { name, workflow: other } of workflowFiles()) {
        for (const [job, definition] of Object.entries(jobsOf(other))) {
          if (name !== DRIFT || job !== "drift")
            assert.equal((definition.permissions as Record<string, string> | undefined)?.issues, undefined, `${name} ${job}`);
        }
      }
    });
  });

  describe("the drift issue (scripts/drift-issue.sh, with a fake gh)", () => {
    let dir: string;
    // The fake gh logs each call's arguments (and a --body-file's content), and answers `issue list` with $OPEN_ISSUE.
    const FAKE_GH = `#!/bin/sh
printf '%s\\n' "gh $*" >> "$GH_LOG"
prev=""
for arg in "$@"; do
  if [ "$prev" = "--body-file" ]; then printf '%s\\n' "--- body:" >> "$GH_LOG"; cat "$arg" >> "$GH_LOG"; printf '%s\\n' "--- end" >> "$GH_LOG"; fi
  prev="$arg"
done
case "$1 $2" in "issue list") printf '%s' "$OPEN_ISSUE" ;; esac
`;
    const LIST =
      'gh issue list --repo acme/alloy-logs --state open --label drift --search "Drift: stack ops differs from main" in:title --json number,title --jq map(select(.title == "Drift: stack ops differs from main")) | .[0].number // empty';

    function driftIssue(preview: string, verify: string, openIssue: string): string[] {
      const result = spawnSync("bash", [path.join(ROOT, "scripts", "drift-issue.sh"), "ops", preview, verify], {
        cwd: dir,
        encoding: "utf8",
        env: {
          ...process.env,
          PATH: `${path.join(dir, "bin")}${path.delimiter}${process.env.PATH}`,
          GH_LOG: path.join(dir, "gh.log"),
          OPEN_ISSUE: openIssue,
          GITHUB_REPOSITORY: "acme/alloy-logs",
          RUN_URL: "https://github.com/acme/alloy-logs/actions/runs/42",
        },
      });
      assert.equal(result.status, 0, result.stderr);
      return readFileSync(path.join(dir, "gh.log"), "utf8").split("\n").slice(0, -1);
    }

    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), "drift-issue-"));
      mkdirSync(path.join(dir, "bin"));
      writeFileSync(path.join(dir, "bin", "gh"), FAKE_GH);
      chmodSync(path.join(dir, "bin", "gh"), 0o755);
      writeFileSync(path.join(dir, "gh.log"), "");
      mkdirSync(path.join(dir, "out", "drift"), { recursive: true });
      writeFileSync(
        path.join(dir, "out", "drift", "preview.txt"),
        "    ~ kubernetes:apps/v1:DaemonSet loki-v3/alloy update [diff: ~spec]\nerror: no changes were expected but changes were proposed\n",
      );
      writeFileSync(path.join(dir, "out", "drift", "verify.txt"), "9 of 10 checks passed.\n");
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("opens the stack's issue, labelled drift, with the diff and the verify report, when the preview finds changes", () => {
      const log = driftIssue("failure", "success", "");
      assert.deepEqual(log, [
        LIST,
        "gh label create drift --repo acme/alloy-logs --color B60205 --description A stack differs from main or fails verify --force",
        `gh issue create --repo acme/alloy-logs --title Drift: stack ops differs from main --label drift --body-file ${log[2].split("--body-file ")[1]}`,
        "--- body:",
        "Run: https://github.com/acme/alloy-logs/actions/runs/42",
        "",
        'Stack `ops` differs from main, or fails its post-deploy check. What to do: docs/runbook.md, "Drift (the cluster no longer matches main)".',
        "",
        "## `pulumi preview --refresh --expect-no-changes`: failure",
        "",
        "```",
        "    ~ kubernetes:apps/v1:DaemonSet loki-v3/alloy update [diff: ~spec]",
        "error: no changes were expected but changes were proposed",
        "```",
        "",
        "## `npm run verify -- --stack ops`: success",
        "",
        "```",
        "9 of 10 checks passed.",
        "```",
        "--- end",
      ]);
    });

    it("updates the open issue's description and comments, instead of opening a second one", () => {
      const log = driftIssue("success", "failure", "17");
      assert.equal(log[0], LIST);
      assert.match(log[1], /^gh issue edit 17 --repo acme\/alloy-logs --body-file /);
      assert.equal(
        log.at(-1),
        "gh issue comment 17 --repo acme/alloy-logs --body Still differing: preview success, verify failure (https://github.com/acme/alloy-logs/actions/runs/42). The description shows this run.",
      );
      assert.equal(log.filter((l) => l.startsWith("gh issue create")).length, 0);
    });

    it("closes the open issue when the stack matches main and passes verify again", () => {
      assert.deepEqual(driftIssue("success", "success", "17"), [
        LIST,
        "gh issue close 17 --repo acme/alloy-logs --comment Stack ops matches main again and passes verify (https://github.com/acme/alloy-logs/actions/runs/42).",
      ]);
    });

    it("does nothing but look when the stack matches and no issue is open", () => {
      assert.deepEqual(driftIssue("success", "success", ""), [LIST]);
    });

    it("says a step did not run when it left no output", () => {
      rmSync(path.join(dir, "out", "drift", "verify.txt"));
      const log = driftIssue("failure", "skipped", "");
      assert.deepEqual(log.slice(-4), ["## `npm run verify -- --stack ops`: skipped", "", "(no output: the step did not run)", "--- end"]);
    });
  });

  describe("every workflow", () => {
    const files = workflowFiles();
    const runs = files.flatMap((f) => stackRuns(f.workflow).map((r) => ({ ...r, file: f.name })));

    it("names exactly the stacks that have a Pulumi.<stack>.yaml, in previews, deploys and drift checks", () => {
      for (const file of [PR, DEPLOY, DRIFT]) {
        const stacks = stackRuns(workflowFile(file).workflow).map((r) => r.stack);
        assert.deepEqual([...stacks].sort(), stackNames(), file);
      }
    });

    it("runs a job touching a stack in a concurrency group of that stack, never cancelling one in progress", () => {
      const groups: Record<string, (stack: string) => string> = {
        up: (stack) => `pulumi-${stack}`,
        preview: (stack) => `pulumi-${stack}-preview-\${{ github.event.pull_request.number }}`,
        drift: (stack) => `pulumi-${stack}-drift`,
      };
      for (const { file, job, stack, run } of runs) {
        const concurrency = run.concurrency as { group?: string; "cancel-in-progress"?: unknown } | undefined;
        const where = `${file} ${job} (${stack})`;
        assert.equal(concurrency?.["cancel-in-progress"], false, where);
        // Deploys share pulumi-<stack>; previews of one pull request queue in pulumi-<stack>-preview-<number>.
        assert.equal(concurrency?.group, groups[pulumiCommand(run)](stack), where);
      }
    });

    it("gets AWS credentials only through OIDC: id-token: write and role-to-assume wherever they are used, no access keys anywhere", () => {
      for (const { name, text, workflow } of files) {
        assert.doesNotMatch(text, /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-secret-access-key|aws-access-key-id/i, name);
        for (const [job, definition] of Object.entries(jobsOf(workflow))) {
          const aws = stepUsing(definition, "aws-actions/configure-aws-credentials");
          const permissions = (definition.permissions ?? {}) as Record<string, string>;
          if (aws) assert.equal(permissions["id-token"], "write", `${name} ${job}`);
          else assert.equal(permissions["id-token"], undefined, `${name} ${job}: id-token only where AWS credentials are used`);
        }
      }
      const kinds: Record<string, string> = { up: "DEPLOY", preview: "PREVIEW", drift: "DRIFT" };
      for (const { file, job, stack, run } of runs) {
        const aws = stepUsing(run, "aws-actions/configure-aws-credentials");
        assert.ok(aws, `${file} ${job} (${stack}) touches a stack without AWS credentials`);
        assert.equal(withOf(aws)["aws-region"], clusterOf(stack).region, `${file} ${job} (${stack})`);
        // vars[format(...)] reads the repository variable AWS_<kind>_ROLE_ARN_<suffix>; the matrix gives the suffix.
        const kind = kinds[pulumiCommand(run)];
        assert.equal(
          withOf(aws)["role-to-assume"],
          `\${{ vars[format('AWS_${kind}_ROLE_ARN_{0}', matrix.suffix)] }}`,
          `${file} ${job} (${stack})`,
        );
        assert.equal(MATRIX.include.find((s) => s.stack === stack)?.suffix, stack.toUpperCase().replace(/[^A-Z0-9]/g, "_"), stack);
      }
    });

    it("grants nothing at the workflow level and declares each job's permissions", () => {
      const allowed = ["contents: read", "id-token: write", "pull-requests: write", "issues: write"];
      for (const { name, workflow } of files) {
        const jobs = jobsOf(workflow);
        if (name !== TEST && name !== STACKS) assert.deepEqual(workflow.permissions, {}, name);
        for (const [job, definition] of Object.entries(jobs)) {
          assert.ok(definition.permissions, `${name} ${job} declares its permissions`);
          for (const [scope, level] of Object.entries(definition.permissions as Record<string, string>)) {
            assert.ok(allowed.includes(`${scope}: ${level}`), `${name} ${job}: ${scope}: ${level}`);
          }
        }
      }
    });

    it("pins every action to a major version at least", () => {
      for (const { name, workflow } of files) {
        for (const [job, definition] of Object.entries(jobsOf(workflow))) {
          for (const step of stepsOf(definition)) {
            if (typeof step.uses === "string")
              assert.match(step.uses, /^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${name} ${job}`);
          }
        }
      }
    });

    it("gives the PULUMI_ACCESS_TOKEN secret to the Pulumi steps only, and the Datadog keys to verify only", () => {
      for (const { name, text } of files) {
        for (const secret of new Set(text.match(/secrets\.\w+/g) ?? [])) {
          assert.ok(["secrets.PULUMI_ACCESS_TOKEN", "secrets.DD_API_KEY", "secrets.DD_APP_KEY"].includes(secret), `${name}: ${secret}`);
        }
      }
      for (const { file, job, stack, run } of runs) {
        for (const step of stepsOf(run)) {
          const env = envOf(step);
          const where = `${file} ${job} (${stack}) ${String(step.name ?? step.uses ?? step.run)}`;
          if (step === pulumiStep(run)) assert.equal(env.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}", where);
          else assert.equal(env.PULUMI_ACCESS_TOKEN, undefined, where);
          const verify = isRun(step, /^npm run (--silent )?verify /);
          assert.equal(env.DD_API_KEY, verify ? "${{ secrets.DD_API_KEY }}" : undefined, where);
          assert.equal(env.DD_APP_KEY, verify ? "${{ secrets.DD_APP_KEY }}" : undefined, where);
        }
        assert.equal(envOf(run).PULUMI_ACCESS_TOKEN, undefined, `${file} ${job} (${stack})`);
        const action = stepUsing(run, "pulumi/actions");
        assert.equal(action && withOf(action)["cloud-url"], undefined, `${file} ${job} (${stack}): Pulumi Cloud`);
      }
    });

    it("installs the Pulumi CLI of the @pulumi/pulumi SDK version in package-lock.json", () => {
      const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
        packages: Record<string, { version: string }>;
      };
      const sdk = lock.packages["node_modules/@pulumi/pulumi"].version;
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

  it("runs .ci/run with REQUIRE_RENDER=1, the switch that makes a skipped test a failure", () => {
    const step = stepsOf(jobs.test).find((s) => isRun(s, /^bash \.ci\/run$/));
    assert.ok(step, "no bash .ci/run step in the test job");
    assert.deepEqual(envOf(step), { REQUIRE_RENDER: "1" });
    // .ci/run fails when the chart cannot be had and runs mocha with --forbid-pending under it.
    assert.match(ciRun, /if \[\[ "\$\{REQUIRE_RENDER:-\}" == 1 \]\]; then[\s\S]*?exit 1/);
    // And the fast tier's mocha forbids pending tests under it (.mocharc.js).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- mocha loads its config file with require too
    const mocharc = require(path.join(ROOT, ".mocharc.js")) as { "forbid-pending": boolean };
    assert.equal(mocharc["forbid-pending"], process.env.REQUIRE_RENDER === "1");
    assert.match(readFileSync(path.join(ROOT, ".mocharc.js"), "utf8"), /"forbid-pending": process\.env\.REQUIRE_RENDER === "1"/);
    // The real-tool tier fails rather than skips in .ci/run.
    assert.match(ciRun, /export REQUIRE_REAL="\$\{REQUIRE_REAL:-1\}"\n[^\n]*\nnpm test\n/);
  });

  it("has .ci/run install helm with scripts/fetch-helm.sh and pull the chart with scripts/fetch-chart.sh before npm test", () => {
    assert.match(
      ciRun,
      /bash scripts\/fetch-helm\.sh[\s\S]*bash scripts\/fetch-chart\.sh[\s\S]*export HELM_BIN ALLOY_CHART_DIR[\s\S]*npm test/,
    );
  });

  // What scripts/pinned-chart.ts prints (ALLOY_CHART_VERSION, ALLOY_CHART_REPO) is checked by running it, in
  // test/process/workflow-scripts.test.ts (the real-tool tier).
  it("pulls the chart version config/chart/alloy-values.generated.ts pins through scripts/pinned-chart.ts, writing no version out", () => {
    const fetch = script("fetch-chart.sh");
    assert.match(fetch, /VERSION="\$\(pinned version\)"/);
    assert.match(fetch, /"\$HELM" pull alloy --repo "\$REPO" --version "\$VERSION" --untar/);
    for (const text of [fetch, ciRun, workflowFile(TEST).text, script("alloy-check.sh")]) {
      assert.doesNotMatch(text, /\b\d+\.\d+\.\d+\b/, "a version written out instead of read from config/chart/alloy-values.generated.ts");
    }
  });

  // That a missing chart fails the render tests under REQUIRE_RENDER=1 is checked by running mocha so, in
  // test/process/workflow-scripts.test.ts (the real-tool tier).

  it("validates every stack's config.alloy with the pinned Alloy, on the runner where docker is", () => {
    const alloy = jobs.alloy;
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
    // scripts/pinned-chart.ts appVersion prints this without its v (test/process/workflow-scripts.test.ts).
    assert.equal(`v${ALLOY_APP_VERSION.replace(/^v/, "")}`, chart.appVersion);
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
