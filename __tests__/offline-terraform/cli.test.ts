/**
 * The CLIs, run as `npm run validate` / `npm run plan` run them (node + tsx):
 *  - validate.ts: Terraform's diagnostics are printed and failures fail the run;
 *  - plan.ts: a run that does not set a required secret variable stops before
 *    Terraform with the exact exports / secrets var file to use; with the
 *    secret in the environment it plans.
 * Every CLI run is an independent process: they all start together in beforeAll.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/offline-terraform/paths.js";
import { installStandInProviders } from "../../scripts/offline-terraform/index.js";
import { missingSecrets, providedVariables, secretVariables } from "../../scripts/offline-terraform/secrets-check.js";
import { ProcessRun, runProcess } from "../support/process.js";
import { cleanupFixtures, mutatedStack, requireTerraform, synthFixture, writeJsonStack, writeTempFile } from "./fixtures.js";

function cli(script: "validate.ts" | "plan.ts", args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return runProcess(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/offline-terraform", script), ...args], { cwd: REPO_ROOT, env });
}

// plan.ts fixture without providers: `terraform_data` is built into Terraform, so the plan is quick
const secretsConfig = {
  variable: {
    region: { type: "string" },
    db_password: { type: "string", sensitive: true, ephemeral: true, description: "Database password." },
    api_tokens: { type: "string", sensitive: true, ephemeral: true, default: "" },
  },
  resource: { terraform_data: { marker: { input: "${var.region}" } } },
};
const SECRET = "plan-cli-s3cret-value";

let outDir: string;
let emptyDir: string;
let secretsStack: string;
let regionVars: string;
const runs: Record<"all" | "goodOnly" | "nothing" | "withoutSecret" | "withSecret", Promise<ProcessRun>> = {} as never;

beforeAll(async () => {
  requireTerraform();
  await installStandInProviders(); // builds the plugin bundle once, before the CLIs race for it
  const good = await synthFixture();
  const bad = mutatedStack(good, (c) => (c.resource.aws_instance.web.bogus_argument = true));
  outDir = mkdtempSync(join(tmpdir(), "offline-tf-cli-"));
  mkdirSync(join(outDir, "stacks"));
  cpSync(good, join(outDir, "stacks", "good"), { recursive: true });
  cpSync(bad, join(outDir, "stacks", "bad"), { recursive: true });
  emptyDir = mkdtempSync(join(tmpdir(), "offline-tf-empty-"));
  secretsStack = writeJsonStack(secretsConfig);
  regionVars = writeTempFile("dev.tfvars", 'region = "eu-west-1"\n');
  runs.all = cli("validate.ts", ["--out", outDir]);
  runs.goodOnly = cli("validate.ts", ["--out", outDir, "good"]);
  runs.nothing = cli("validate.ts", ["--out", emptyDir]);
  runs.withoutSecret = cli("plan.ts", [secretsStack, "--var-file", regionVars]);
  runs.withSecret = cli("plan.ts", [secretsStack, "--var-file", regionVars], { TF_VAR_db_password: SECRET });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(Object.values(runs));
  cleanupFixtures();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

describe("validate.ts", () => {
  it("validates every stack, prints Terraform's diagnostics and exits non-zero on errors", async () => {
    const r = await runs.all;
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/✓ good \(init/);
    expect(r.stdout).toMatch(/✗ bad \(init/);
    expect(r.stdout).toContain('No argument or block type is named "bogus_argument".');
    expect(r.stdout).toContain("1/2 stacks valid");
  });

  it("exits zero when all stacks are valid", async () => {
    const r = await runs.goodOnly;
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("fails clearly when nothing was synthesized", async () => {
    const r = await runs.nothing;
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Run `npm run synth` first");
  });
});

describe("secret variables", () => {
  it("are the sensitive or ephemeral ones, required first", () => {
    expect(secretVariables(secretsStack)).toEqual([
      { name: "db_password", required: true, description: "Database password." },
      { name: "api_tokens", required: false, description: undefined },
    ]);
  });

  it("count as set from TF_VAR_<name> or any var file", () => {
    const secrets = writeTempFile("x.secrets.tfvars", 'db_password = "a"\n# api_tokens = "commented out"\n');
    expect([...providedVariables([regionVars, secrets], { TF_VAR_api_tokens: "t" })].sort()).toEqual(["api_tokens", "db_password", "region"]);
    expect(missingSecrets(secretsStack, [regionVars], {}).map((m) => m.name)).toEqual(["db_password", "api_tokens"]);
    expect(missingSecrets(secretsStack, [regionVars, secrets], {}).map((m) => m.name)).toEqual(["api_tokens"]);
  });
});

describe("plan.ts", () => {
  it("stops before Terraform and says exactly what to set when a required secret is missing", async () => {
    const r = await runs.withoutSecret;
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("needs secret variables that this run does not set: db_password.");
    expect(r.stderr).toContain("Also not set (they have a default, but this environment may need them): api_tokens.");
    expect(r.stderr).toContain("export TF_VAR_db_password='…' TF_VAR_api_tokens='…'");
    expect(r.stderr).toContain("db_password: Database password.");
    expect(r.stderr).toContain("[offline plan] not run: set the secrets above first.");
    expect(r.stderr).not.toContain("No value for required variable"); // Terraform never ran
  });

  it("plans when the secret comes from the environment, without printing it", async () => {
    const r = await runs.withSecret;
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
