import { writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { bodies, testSandbox } from "./stubs.js";

const DIR = "-chdir=ROOT/cdktf.out/stacks/openlit-demo";
const VARS = ["-var-file=ROOT/environments/openlit/demo.tfvars", "-var-file=ROOT/environments/openlit/demo.secrets.tfvars"];

/** terraform stub: plan exits PLAN_RC (default 2 = changes), FAIL_ON fails that subcommand. */
const terraform = `
sub=""; for a in "$@"; do case "$a" in -chdir=*) ;; *) sub=$a; break ;; esac; done
if [[ "$sub" == "\${FAIL_ON:-none}" ]]; then echo "Error: $sub exploded" >&2; exit 1; fi
case "$sub" in
  plan) echo "Plan: 12 to add, 0 to change, 0 to destroy."; exit "\${PLAN_RC:-2}" ;;
  apply) echo "Apply complete! Resources: 12 added, 0 changed, 0 destroyed." ;;
  output) if [[ "$*" == *"-raw public_ip"* ]]; then printf 127.0.0.1; else echo 'public_ip = "127.0.0.1"'; fi ;;
esac`;

// Every test has its own sandbox (stub log), so the tests run concurrently.
function sandbox(ctx: Pick<TestContext, "onTestFinished">, opts: { curl?: string; npm?: string; secrets?: boolean } = {}) {
  const sb = testSandbox(ctx, {
    stubs: { terraform, npm: opts.npm ?? bodies.npmSynth(), curl: opts.curl ?? bodies.curlHealthy, aws: "exit 99", docker: "exit 99" },
  });
  if (opts.secrets ?? true) {
    const f = join(sb.root, "environments", "openlit", "demo.secrets.tfvars");
    writeFileSync(f, 'clickhouse_password = "correct-horse-battery"\n');
    chmodSync(f, 0o600);
  }
  return sb;
}

const fast = { HEALTH_INTERVAL: "0.1" };

describe.concurrent("deploy.sh", () => {
  // First: it mostly waits for its 1 s health timeout, which the tests after it overlap (at most 5 run at once, in order).
  it("fails after the health timeout when the instance never becomes healthy, naming the checks", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { curl: bodies.curlRefused });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve", "--health-timeout", "1"], { env: fast });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("step 'health' failed");
    expect(r.stdout).toMatch(/FAIL\s+ui/);
    expect(r.stdout).toMatch(/unhealthy: 0\/3 .*failing: ui, otlp-http, otlp-grpc/);
    expect(sb.commands().filter((c) => c.startsWith("curl")).length).toBeGreaterThan(3); // retried
    expect(r.ms).toBeLessThan(8000);
  });

  it("runs synth, init, plan, apply with the same var files, outputs, then the health check", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve"], { env: fast });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(sb.commands()).toEqual([
      "npm run synth",
      `terraform ${DIR} init -input=false`,
      `terraform ${DIR} plan -input=false -detailed-exitcode -out=tfplan ${VARS.join(" ")}`,
      `terraform ${DIR} apply -input=false ${VARS.join(" ")} tfplan`,
      `terraform ${DIR} output`,
      `terraform ${DIR} output -raw public_ip`,
      expect.stringMatching(/^curl .* -w %\{http_code\} http:\/\/127\.0\.0\.1:3000\/$/),
      expect.stringMatching(/^curl .* -X POST -H Content-Type: application\/json --data-binary \{"resourceSpans".* http:\/\/127\.0\.0\.1:4318\/v1\/traces$/),
      expect.stringMatching(/^curl .* -w %\{time_connect\} http:\/\/127\.0\.0\.1:4317\/$/),
    ]);
    expect(sb.calls()[0].cwd).toBe(sb.root); // npm runs in the repository root
    for (const step of ["[synth]", "[init]", "[plan]", "[apply]", "[outputs]", "[health]"]) expect(r.stderr).toContain(step);
    expect(r.stdout).toContain("healthy: 3/3");
  });

  it("uses TF_VAR_clickhouse_password when there is no secrets file (no secrets -var-file)", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { secrets: false });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve", "--skip-health-check"], {
      env: { TF_VAR_clickhouse_password: "from-env-123456" },
    });
    expect(r.code).toBe(0);
    const plan = sb.commands().find((c) => c.includes(" plan "));
    expect(plan).toBe(`terraform ${DIR} plan -input=false -detailed-exitcode -out=tfplan -var-file=ROOT/environments/openlit/demo.tfvars`);
    expect(sb.commands().some((c) => c.startsWith("curl"))).toBe(false);
  });

  it("stops when the plan fails: no apply, the plan step is named", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve"], { env: { FAIL_ON: "plan" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/step 'plan' failed/);
    expect(sb.commands().map((c) => c.split(" ")[2])).toEqual(["synth", "init", "plan"]);
  });

  it.for<[string, string[]]>([
    ["init", ["synth", "init"]],
    ["apply", ["synth", "init", "plan", "apply"]],
  ])("stops at the first failing step (%s) and names it", async ([failing, ran], { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve"], { env: { FAIL_ON: failing } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`step '${failing}' failed`);
    expect(sb.commands().map((c) => c.split(" ")[2])).toEqual(ran);
  });

  it("stops when synth fails, before terraform", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { npm: "echo 'TypeError: boom' >&2; exit 3" });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("step 'synth' failed");
    expect(sb.commands()).toEqual(["npm run synth"]);
  });

  it("skips apply when the plan has no changes and still checks health", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve"], { env: { PLAN_RC: "0", ...fast } });
    expect(r.code).toBe(0);
    expect(sb.commands().some((c) => c.includes(" apply "))).toBe(false);
    expect(r.stderr).toContain("no changes");
    expect(sb.commands().filter((c) => c.startsWith("curl"))).toHaveLength(3);
  });

  it("--plan-only plans without --auto-approve and changes nothing", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["demo", "--plan-only"]);
    expect(r.code).toBe(0);
    expect(sb.commands().map((c) => c.split(" ")[2])).toEqual(["synth", "init", "plan"]);
  });

  it("refuses an unknown environment, listing the available ones, before running anything", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["prod", "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown environment 'prod'");
    expect(r.stderr).toContain("environments/openlit/prod.tfvars does not exist");
    expect(r.stderr).toContain("Available environments: demo, staging");
    expect(sb.calls()).toEqual([]);
  });

  it("refuses when secrets are missing, before running anything", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { secrets: false });
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing secrets for environment 'demo'");
    expect(r.stderr).toContain("TF_VAR_clickhouse_password");
    expect(sb.calls()).toEqual([]);
  });

  it("refuses a secrets file without clickhouse_password", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { secrets: false });
    writeFileSync(join(sb.root, "environments", "openlit", "demo.secrets.tfvars"), 'demo_passwords = ["x"]\n');
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not set clickhouse_password");
    expect(r.stderr).toContain("chmod 600"); // and warns that the file is readable by others
    expect(sb.calls()).toEqual([]);
  });

  it("never prompts without a terminal: requires --auto-approve, runs nothing", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["demo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--auto-approve");
    expect(sb.calls()).toEqual([]);
  });

  it("asks on a terminal and applies only after 'yes'", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const no = await sb.run("deploy.sh", ["demo", "--skip-health-check"], { tty: { input: "no\n", prompt: "Only 'yes' is accepted:" } });
    expect(no.code).not.toBe(0);
    expect(no.stdout + no.stderr).toContain("apply cancelled");
    expect(sb.commands().some((c) => c.includes(" apply "))).toBe(false);

    const yes = await sb.run("deploy.sh", ["demo", "--skip-health-check"], { tty: { input: "yes\n", prompt: "Only 'yes' is accepted:" } });
    expect(yes.code).toBe(0);
    expect(sb.commands().filter((c) => c.includes(" apply "))).toHaveLength(1);
  });

  it("rejects unknown options and a missing environment with usage errors", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    expect((await sb.run("deploy.sh", ["demo", "--frobnicate"])).code).toBe(2);
    const r = await sb.run("deploy.sh", []);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Available: demo, staging");
    expect(sb.calls()).toEqual([]);
  });
});
