/**
 * A secret's value never appears in a message, a plan file or a log line,
 * whichever way it was set. The config is what the engine delivers after
 * decrypting (the value in clear, its key in PULUMI_CONFIG_SECRET_KEYS), so
 * the value is really there to leak.
 */
import assert from "node:assert/strict";
import { alloyConfig, resourcesJson, summary, valuesYaml } from "../plan/output";
import { SecretValue, type PlanResult } from "../plan/run";
import { planOnce } from "./support/plans";
import { MINIMAL_CONFIG } from "./support/stacks";

const SECRET = "s3cr3t-Value-42";

/** Runs the program with one key set as the engine delivers it, capturing everything written to stdout and stderr. */
async function run(key: string, delivered: string): Promise<{ plan?: PlanResult; error?: string; logged: string }> {
  const chunks: string[] = [];
  const [out, err] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  const capture = (chunk: string | Uint8Array) => (chunks.push(String(chunk)), true);
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    const plan = await planOnce("test", { config: { ...MINIMAL_CONFIG, [key]: delivered }, secretKeys: [key] });
    return { plan, logged: chunks.join("") };
  } catch (error) {
    return { error: (error as Error).message, logged: chunks.join("") };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function assertNowhere(result: { plan?: PlanResult; error?: string; logged: string }): void {
  assert.equal(result.logged.includes(SECRET), false, "in a log line");
  assert.equal(result.error?.includes(SECRET) ?? false, false, "in the error");
  if (result.plan) {
    for (const [name, text] of [
      ["summary", summary(result.plan, "Pulumi.test.yaml")],
      ["resources.json", resourcesJson(result.plan)],
      ["values.yaml", valuesYaml(result.plan)],
      ["config.alloy", alloyConfig(result.plan)],
    ]) {
      assert.equal(text.includes(SECRET), false, `in ${name}`);
    }
  }
}

const auth = (value: Record<string, unknown>) => JSON.stringify(value);

describe("secrets", () => {
  // `pulumi config set --secret --path alloy-logs:lokiAuth.password ...` and
  // `pulumi config set --secret alloy-logs:lokiAuth '{"type":"basic",...}'` both
  // reach the program as the key alloy-logs:lokiAuth, listed as secret.
  const ways: [string, string][] = [
    ["--secret --path alloy-logs:lokiAuth.password", auth({ password: SECRET, type: "basic", username: "ops" })],
    ["--secret alloy-logs:lokiAuth '<json>' (the whole key)", `{"type":"basic","username":"ops","password":"${SECRET}"}`],
    ["--secret --path alloy-logs:lokiAuth.token", auth({ token: SECRET, type: "bearer" })],
  ];
  for (const [way, delivered] of ways) {
    it(`set with ${way}: planned as a Secret, printed nowhere`, async () => {
      const result = await run("alloy-logs:lokiAuth", delivered);
      assert.equal(result.error, undefined);
      const secret = result.plan!.resources.find((r) => r.type === "kubernetes:core/v1:Secret");
      assert.ok(secret?.inputs.stringData instanceof SecretValue, "the Secret's data is not held as a secret");
      assertNowhere(result);
    });
  }

  const invalid: [string, string, string][] = [
    [
      "a password given as a list",
      auth({ password: [SECRET], type: "basic", username: "ops" }),
      'alloy-logs:lokiAuth.password: got "[secret]"; expected password as a string',
    ],
    [
      "a misspelt field holding the secret",
      auth({ passwort: SECRET, type: "basic", username: "ops" }),
      "alloy-logs:lokiAuth.password: missing; expected password as a string",
    ],
    [
      "an unknown type with a token",
      auth({ token: SECRET, type: "oauth" }),
      'alloy-logs:lokiAuth.type: got "[secret]"; expected {type: none}, {type: basic, username, password} or {type: bearer, token}',
    ],
    [
      "the secret pasted as the whole value",
      SECRET,
      'alloy-logs:lokiAuth: got "[secret]"; expected {type: none}, {type: basic, username, password} or {type: bearer, token}',
    ],
    [
      "an empty username beside the password",
      auth({ password: SECRET, type: "basic", username: "" }),
      'alloy-logs:lokiAuth.username: got "[secret]"; expected a non-empty username',
    ],
  ];
  for (const [what, delivered, first] of invalid) {
    it(`reports ${what} without its value`, async () => {
      const result = await run("alloy-logs:lokiAuth", delivered);
      assert.equal(result.error?.split("\n")[1], `  - ${first}`);
      assertNowhere(result);
    });
  }

  const elsewhere: [string, string, string][] = [
    ["tenantId", "--secret alloy-logs:tenantId", SECRET],
    ["tenantId", "--secret alloy-logs:tenantId, with a value that is no tenant", `${SECRET}\n"{{`],
    ["lokiEndpoint", "--secret alloy-logs:lokiEndpoint", `https://${SECRET}@loki/loki/api/v1/push`],
    [
      "chartOverrides",
      "--secret --path alloy-logs:chartOverrides.controller.podAnnotations.token",
      auth({ controller: { podAnnotations: { token: SECRET } } }),
    ],
    [
      "chartOverrides",
      "--secret --path alloy-logs:chartOverrides.tolerations, at a path the chart does not read",
      auth({ tolerations: SECRET, nodeSelektor: {} }),
    ],
    [
      "serviceMonitor",
      "--secret --path alloy-logs:serviceMonitor.labels.release, beside an unknown key",
      auth({ labels: { release: SECRET }, colour: "x" }),
    ],
  ];
  for (const [key, way, delivered] of elsewhere) {
    it(`refuses a secret set with ${way}, once and without its value: it would be written in plain text`, async () => {
      const result = await run(`alloy-logs:${key}`, delivered);
      assert.equal(
        result.error,
        'Invalid configuration for stack "test" (Pulumi.test.yaml), nothing was deployed:\n' +
          `  - alloy-logs:${key}: got a secret; expected plain text: this value is written into the Alloy ConfigMap, the chart values and the plan, ` +
          `where a secret would be exposed. Only alloy-logs:lokiAuth holds secrets: pulumi config set alloy-logs:${key} <value>`,
      );
      assertNowhere(result);
    });
  }
});
