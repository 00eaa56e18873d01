import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { announcedDelays, bodies, cdkTfJson, OPENLIT_STACK, sleeps, testSandbox } from "./stubs.js";

const DIR = "-chdir=ROOT/cdktf.out/stacks/openlit-demo";
const VARS = ["-var-file=ROOT/environments/openlit/demo.tfvars", "-var-file=ROOT/environments/openlit/demo.secrets.tfvars"];

/** What the stack's health_checks output holds: the three checks of an OpenLIT host, written inline. */
const OTLP_BODY = JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [] }] }] });
const HEALTH_CHECKS = JSON.stringify({
  host: "127.0.0.1",
  checks: [
    { name: "ui", protocol: "http", port: 3000, path: "/" },
    { name: "otlp-http", protocol: "http", port: 4318, path: "/v1/traces", method: "POST", content_type: "application/json", body: OTLP_BODY },
    { name: "otlp-grpc", protocol: "tcp", port: 4317 },
  ],
});

/** terraform stub: plan exits PLAN_RC (default 2 = changes), FAIL_ON fails that subcommand. */
const terraform = `
sub=""; for a in "$@"; do case "$a" in -chdir=*) ;; *) sub=$a; break ;; esac; done
if [[ "$sub" == "\${FAIL_ON:-none}" ]]; then echo "Error: $sub exploded" >&2; exit 1; fi
case "$sub" in
  plan) echo "Plan: 12 to add, 0 to change, 0 to destroy."; exit "\${PLAN_RC:-2}" ;;
  apply) echo "Apply complete! Resources: 12 added, 0 changed, 0 destroyed." ;;
  output) if [[ "$*" == *"-json health_checks"* ]]; then printf '%s\\n' '${HEALTH_CHECKS}'; else echo 'public_ip = "127.0.0.1"'; fi ;;
esac`;

type Ctx = Pick<TestContext, "onTestFinished">;

// Every test has its own sandbox (stub log), so the tests run concurrently.
function sandbox(ctx: Ctx, opts: { curl?: string; npm?: string; secrets?: boolean; environments?: Record<string, string> } = {}) {
  const sb = testSandbox(ctx, {
    stubs: { terraform, npm: opts.npm ?? bodies.npmSynth(), curl: opts.curl ?? bodies.curlHealthy, aws: "exit 99", docker: "exit 99", sleep: "" },
    environments: opts.environments,
  });
  if (opts.secrets ?? true) {
    const f = join(sb.root, "environments", "openlit", "demo.secrets.tfvars");
    writeFileSync(f, 'clickhouse_password = "correct-horse-battery"\n');
    chmodSync(f, 0o600);
  }
  return sb;
}

/** The first word after "terraform -chdir=…" (or "npm run"): synth, init, plan, … */
const steps = (cmds: string[]) => cmds.map((c) => c.split(" ")[2]);

describe.concurrent("deploy.sh", () => {
  it("runs synth, init, plan, apply with the same var files, outputs, then the stack's health checks", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(sb.commands()).toEqual([
      "npm run synth -- openlit-demo",
      `terraform ${DIR} init -input=false`,
      `terraform ${DIR} plan -input=false -detailed-exitcode -out=tfplan ${VARS.join(" ")}`,
      `terraform ${DIR} apply -input=false ${VARS.join(" ")} tfplan`,
      `terraform ${DIR} output`,
      `terraform ${DIR} output -json health_checks`,
      expect.stringMatching(/^curl .* -w %\{http_code\} -X GET http:\/\/127\.0\.0\.1:3000\/$/),
      `curl -q -s --noproxy * --connect-timeout 5 --max-time 5 -o /dev/null -w %{http_code} -X POST -H Content-Type: application/json --data-raw ${OTLP_BODY} http://127.0.0.1:4318/v1/traces`,
      expect.stringMatching(/^curl .* -w %\{time_connect\} http:\/\/127\.0\.0\.1:4317\/$/),
    ]);
    expect(sb.calls()[0].cwd).toBe(sb.root); // npm runs in the repository root
    for (const step of ["[synth]", "[secrets]", "[init]", "[plan]", "[apply]", "[outputs]", "[health]"]) expect(r.stderr).toContain(step);
    expect(r.stderr).toContain("secrets: clickhouse_password set; optional secrets (they have defaults): demo_passwords");
    expect(r.stdout).toContain("healthy: 3/3");
  });

  it("fails when the stack never becomes healthy, naming the checks, after the announced back-off schedule", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { curl: bodies.curlRefused });
    // sleep is a stub that returns at once: the run takes no wall time, and the delays are those of the options.
    const r = await sb.run("deploy.sh", ["demo", "--auto-approve", "--health-timeout", "10"], { env: { HEALTH_INTERVAL: "1", HEALTH_MAX_INTERVAL: "4" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("step 'health' failed");
    expect(r.stdout).toMatch(/FAIL\s+ui/);
    expect(r.stdout).toMatch(/unhealthy: 0\/3 .*failing: ui, otlp-http, otlp-grpc/);
    const schedule = ["1.000", "2.000", "4.000", "3.000"]; // doubled, capped at 4, then the rest of the 10 s
    expect(announcedDelays(r.stderr)).toEqual(schedule);
    expect(sleeps(sb)).toEqual(schedule);
    expect(sb.commands().filter((c) => c.startsWith("curl"))).toHaveLength(3 * (schedule.length + 1));
  });

  it("uses TF_VAR_<name> when there is no secrets file (no secrets -var-file)", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { secrets: false });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve", "--skip-health-check"], {
      env: { TF_VAR_clickhouse_password: "from-env-123456" },
    });
    expect(r.code).toBe(0);
    const plan = sb.commands().find((c) => c.includes(" plan "));
    expect(plan).toBe(`terraform ${DIR} plan -input=false -detailed-exitcode -out=tfplan -var-file=ROOT/environments/openlit/demo.tfvars`);
    expect(sb.commands().some((c) => c.startsWith("curl"))).toBe(false);
  });

  it("stops when the plan fails: no apply, the plan step is named", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"], { env: { FAIL_ON: "plan" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/step 'plan' failed/);
    expect(steps(sb.commands())).toEqual(["synth", "init", "plan"]);
  });

  it.for<[string, string[]]>([
    ["init", ["synth", "init"]],
    ["apply", ["synth", "init", "plan", "apply"]],
  ])("stops at the first failing step (%s) and names it", async ([failing, ran], { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"], { env: { FAIL_ON: failing } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`step '${failing}' failed`);
    expect(steps(sb.commands())).toEqual(ran);
  });

  it("stops when synth fails, before terraform", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { npm: "echo 'TypeError: boom' >&2; exit 3" });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("step 'synth' failed");
    expect(sb.commands()).toEqual(["npm run synth -- openlit-demo"]);
  });

  it("says so when synth does not produce the stack", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { npm: bodies.npmSynth({ "openlit-staging": OPENLIT_STACK }) });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("npm run synth did not produce ROOT/cdktf.out/stacks/openlit-demo/cdk.tf.json".replace("ROOT", sb.root));
    expect(sb.commands()).toEqual(["npm run synth -- openlit-demo"]);
  });

  it("skips apply when the plan has no changes and still checks health", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"], { env: { PLAN_RC: "0" } });
    expect(r.code).toBe(0);
    expect(sb.commands().some((c) => c.includes(" apply "))).toBe(false);
    expect(r.stderr).toContain("no changes");
    expect(sb.commands().filter((c) => c.startsWith("curl"))).toHaveLength(3);
  });

  it("--plan-only plans without --auto-approve and changes nothing", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--plan-only"]);
    expect(r.code).toBe(0);
    expect(steps(sb.commands())).toEqual(["synth", "init", "plan"]);
  });

  it("refuses an unknown stack, listing the available ones, before running anything", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    for (const name of ["prod", "openlit-prod"]) {
      const r = await sb.run("deploy.sh", [name, "--auto-approve"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`unknown stack '${name}'`);
      expect(r.stderr).toContain("Available stacks: openlit-demo, openlit-staging");
    }
    expect(sb.calls()).toEqual([]);
  });

  it("refuses when a required secret is missing: after synth (which says what is required), before terraform", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { secrets: false });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing secrets for stack openlit-demo: clickhouse_password");
    expect(r.stderr).toContain(`Put them in ${sb.root}/environments/openlit/demo.secrets.tfvars`);
    expect(r.stderr).toContain('  clickhouse_password = "..."');
    expect(r.stderr).toContain("or export TF_VAR_clickhouse_password.");
    expect(r.stderr).toContain("optional secrets (they have defaults): demo_passwords");
    expect(sb.commands()).toEqual(["npm run synth -- openlit-demo"]);
  });

  it("refuses a secrets file without the required secret, and warns when others can read it", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { secrets: false });
    writeFileSync(join(sb.root, "environments", "openlit", "demo.secrets.tfvars"), 'demo_passwords = "x"\n', { mode: 0o644 });
    const r = await sb.run("deploy.sh", ["openlit-demo", "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("demo.secrets.tfvars does not set clickhouse_password");
    expect(r.stderr).toContain("chmod 600");
    expect(sb.commands()).toEqual(["npm run synth -- openlit-demo"]);
  });

  it("never prompts without a terminal: requires --auto-approve, runs nothing", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["openlit-demo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--auto-approve");
    expect(sb.calls()).toEqual([]);
  });

  it("asks on a terminal and applies only after 'yes'", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const prompt = "Apply the plan above to stack openlit-demo? Only 'yes' is accepted:";
    const no = await sb.run("deploy.sh", ["openlit-demo", "--skip-health-check"], { tty: { input: "no\n", prompt } });
    expect(no.code).not.toBe(0);
    expect(no.stdout + no.stderr).toContain("apply cancelled");
    expect(sb.commands().some((c) => c.includes(" apply "))).toBe(false);

    const yes = await sb.run("deploy.sh", ["openlit-demo", "--skip-health-check"], { tty: { input: "yes\n", prompt } });
    expect(yes.code).toBe(0);
    expect(sb.commands().filter((c) => c.includes(" apply "))).toHaveLength(1);
  });

  it("rejects unknown options and a missing stack with usage errors", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    expect((await sb.run("deploy.sh", ["openlit-demo", "--frobnicate"])).code).toBe(2);
    expect((await sb.run("deploy.sh", ["Bad/Name", "--auto-approve"])).code).toBe(2);
    const r = await sb.run("deploy.sh", []);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Available stacks: openlit-demo, openlit-staging");
    expect(sb.calls()).toEqual([]);
  });
});

// No system is assumed: a made-up system "shop" with its own secret, and systems whose names contain dashes.
describe.concurrent("deploy.sh: any system's stack", () => {
  const SHOP = cdkTfJson({ secrets: ["db_password"], optionalSecrets: ["api_token"] }); // no health_checks output
  const ENVS = {
    "shop/dev": 'environment = "dev"\n',
    "shop/prod": 'environment = "prod"\n',
    "agent-platform/dev": 'environment = "dev"\n',
    "openlit/demo": 'environment = "demo"\n',
  };
  const npm = bodies.npmSynth({ "shop-dev": SHOP, "shop-prod": SHOP, "agent-platform-dev": cdkTfJson(), "openlit-demo": OPENLIT_STACK });
  const shop = (ctx: Ctx) => sandbox(ctx, { npm, environments: ENVS });

  it("deploys shop-dev with its tfvars, its secret from TF_VAR_db_password; no health_checks output, no health check", async ({ expect, onTestFinished }) => {
    const sb = shop({ onTestFinished });
    const r = await sb.run("deploy.sh", ["shop-dev", "--auto-approve"], { env: { TF_VAR_db_password: "s3cret-pw" } });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const dir = "-chdir=ROOT/cdktf.out/stacks/shop-dev";
    expect(sb.commands()).toEqual([
      "npm run synth -- shop-dev",
      `terraform ${dir} init -input=false`,
      `terraform ${dir} plan -input=false -detailed-exitcode -out=tfplan -var-file=ROOT/environments/shop/dev.tfvars`,
      `terraform ${dir} apply -input=false -var-file=ROOT/environments/shop/dev.tfvars tfplan`,
      `terraform ${dir} output`,
    ]);
    expect(r.stderr).toContain("stack shop-dev declares no output health_checks");
    expect(r.stderr).toContain("stack shop-dev deployed");
  });

  it("requires shop-dev's own secret (db_password), read from its cdk.tf.json, from the secrets file or TF_VAR_db_password", async ({ expect, onTestFinished }) => {
    const sb = shop({ onTestFinished });
    const r = await sb.run("deploy.sh", ["shop-dev", "--auto-approve"], { env: { TF_VAR_clickhouse_password: "irrelevant" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing secrets for stack shop-dev: db_password");
    expect(r.stderr).toContain(`${sb.root}/environments/shop/dev.secrets.tfvars`);
    expect(r.stderr).toContain("TF_VAR_db_password");
    expect(r.stderr).toContain("optional secrets (they have defaults): api_token");
    expect(r.stderr).not.toMatch(/clickhouse/i);
    expect(sb.commands()).toEqual(["npm run synth -- shop-dev"]);

    const f = join(sb.root, "environments", "shop", "dev.secrets.tfvars");
    writeFileSync(f, '  db_password = "from-file"\n', { mode: 0o600 });
    const ok = await sb.run("deploy.sh", ["shop-dev", "--plan-only"]);
    expect(ok.code).toBe(0);
    expect(sb.commands().find((c) => c.includes(" plan "))).toContain("-var-file=ROOT/environments/shop/dev.secrets.tfvars");
  });

  it("resolves a system whose name has dashes, and a bare env that exists for one system only", async ({ expect, onTestFinished }) => {
    const sb = shop({ onTestFinished });
    let r = await sb.run("deploy.sh", ["agent-platform-dev", "--plan-only"]);
    expect(r.code).toBe(0);
    expect(sb.commands().find((c) => c.includes(" plan "))).toBe(
      "terraform -chdir=ROOT/cdktf.out/stacks/agent-platform-dev plan -input=false -detailed-exitcode -out=tfplan -var-file=ROOT/environments/agent-platform/dev.tfvars",
    );
    r = await sb.run("deploy.sh", ["prod", "--plan-only"], { env: { TF_VAR_db_password: "x" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("'prod' is the environment of one system only: stack shop-prod");
    expect(sb.commands().filter((c) => c.includes(" plan ")).pop()).toContain("-chdir=ROOT/cdktf.out/stacks/shop-prod ");
  });

  it("refuses a bare env of several systems, listing the candidate stacks; an unknown name lists every stack", async ({ expect, onTestFinished }) => {
    const sb = shop({ onTestFinished });
    const r = await sb.run("deploy.sh", ["dev", "--auto-approve"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'dev' is ambiguous");
    expect(r.stderr).toContain("one of: agent-platform-dev, shop-dev");
    const u = await sb.run("deploy.sh", ["shop-staging", "--auto-approve"]);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain("unknown stack 'shop-staging'");
    expect(u.stderr).toContain("Available stacks: agent-platform-dev, openlit-demo, shop-dev, shop-prod");
    expect(sb.calls()).toEqual([]);
  });

  it("refuses a name that two tfvars files spell the same way", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished }, { environments: { "a/b-c": "", "a-b/c": "" }, secrets: false });
    const r = await sb.run("deploy.sh", ["a-b-c", "--auto-approve"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("matches several tfvars files: environments/a-b/c.tfvars, environments/a/b-c.tfvars");
    expect(sb.calls()).toEqual([]);
  });
});
