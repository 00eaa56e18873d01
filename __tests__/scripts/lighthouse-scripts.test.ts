import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { argOf, awsStub, chdirArg, commandsOf, repoTfvars, snapshotOf, terraformStub, varFileArg } from "./stack-stubs.js";
import { bodies, OPENLIT_STACK, Sandbox, sleeps, testSandbox } from "./stubs.js";

/**
 * The operator scripts on the Lighthouse stacks, by stack name: deploy.sh, health-check.sh and destroy.sh read what
 * they need from the synthesized stack and its outputs (no required secret, ssm health checks on the instance, one
 * data volume to snapshot), never from a system name. terraform, aws, npm and sleep are stubs; curl is not on PATH at
 * all, so nothing here may need it.
 */

type Ctx = Pick<TestContext, "onTestFinished">;

/**
 * The repository's own tfvars of two systems (openlit: demo, staging; lighthouse: dev, prod), so a bare "dev" names one
 * system here. In the repository the VectorDB API has dev and prod too, and a bare "dev" is ambiguous there
 * (vectordb-scripts.test.ts checks that).
 */
const ENVIRONMENTS = repoTfvars(["lighthouse/dev", "lighthouse/prod", "openlit/demo", "openlit/staging"]);

/** What the deployed stacks hold (made-up ids), and the database each one's checks look at. */
const FACTS = {
  "lighthouse-dev": { instance: "i-0a1b2c3d4e5f60718", volume: "vol-0d1e2f3a4b5c6d7e8", database: "lighthouse_dev" },
  "lighthouse-prod": { instance: "i-0f9e8d7c6b5a49382", volume: "vol-0123abcd4567ef890", database: "lighthouse_prod" },
} as const;
type LighthouseStack = keyof typeof FACTS;
const REGION = "us-east-1"; // aws_region of both tfvars

/** The checks of the stack's output health_checks (databaseHealthChecks in stacks/lighthouse/database.ts). */
function healthChecks(stack: LighthouseStack) {
  const db = FACTS[stack].database;
  return [
    { name: "pg-isready", protocol: "ssm", region: REGION, command: `docker exec timescaledb pg_isready -h 127.0.0.1 -p 5432 -U postgres -d ${db}` },
    {
      name: "timescaledb-extension",
      protocol: "ssm",
      region: REGION,
      command: `docker exec timescaledb psql --no-psqlrc -U postgres -d ${db} -tAc 'SELECT extversion FROM pg_extension WHERE extname = $$timescaledb$$' | grep -Eq '^[0-9]+[.]'`,
    },
  ];
}
/** `terraform output -json health_checks` as Terraform prints it: object keys sorted, on one line. */
const healthChecksOutput = (stack: LighthouseStack) =>
  JSON.stringify({
    checks: healthChecks(stack).map(({ command, name, protocol, region }) => ({ command, name, protocol, region })),
    host: FACTS[stack].instance,
  });

/**
 * The synthesized stack as the scripts read it (cdk.tf.json): Lighthouse's variables, of which db_password is the
 * only sensitive one (ephemeral, default ""), and its outputs.
 */
const LIGHTHOUSE_VARIABLES = [
  "alarm_email", "alerts_sns_topic_name", "aws_region", "backend_security_group_name", "backup_retention_days", "backup_s3_bucket",
  "db_password_secret_id", "db_password_version", "dns_private_zone", "domain_name", "dump_retention_days", "enable_health_gate",
  "enable_monitoring", "environment", "instance_type", "log_retention_days", "private_subnet_name", "ssh_allowed_cidr_blocks",
  "ssh_key_name", "volume_size_gb", "vpc_name",
];
const LIGHTHOUSE_OUTPUTS = [
  "aws_region", "backup_s3_bucket", "backup_vault_name", "data_volume_id", "database_connection_string", "database_endpoint",
  "database_name", "database_port_forward_command", "estimated_monthly_cost_usd", "health_checks", "instance_id",
  "session_manager_command", "snapshot_volume_ids", "ssh_command",
];
const LIGHTHOUSE_STACK = JSON.stringify(
  {
    terraform: {},
    variable: {
      ...Object.fromEntries(LIGHTHOUSE_VARIABLES.map((v) => [v, { type: "string", default: "" }])),
      db_password: { type: "string", sensitive: true, ephemeral: true, default: "", description: "Empty: Terraform generates one." },
    },
    output: Object.fromEntries(LIGHTHOUSE_OUTPUTS.map((o) => [o, { value: `\${local.${o}}` }])),
  },
  null,
  2,
);

/** terraform for the two deployed Lighthouse stacks (stack-stubs.ts), with their outputs. */
function lighthouseTerraform(): string {
  const outputs = (Object.keys(FACTS) as LighthouseStack[]).flatMap((stack) => {
    const f = FACTS[stack];
    return [
      `  "${stack} -json health_checks") cat <<'JSON'\n${healthChecksOutput(stack)}\nJSON\n  ;;`,
      `  "${stack} -json snapshot_volume_ids") printf '%s\\n' '["${f.volume}"]' ;;`,
      `  "${stack} -raw aws_region") printf %s ${REGION} ;;`,
      `  "${stack} ") printf '%s\\n' 'aws_region = "${REGION}"' 'data_volume_id = "${f.volume}"' 'instance_id = "${f.instance}"' ;;`,
    ];
  });
  return terraformStub({
    resources: 41,
    state: ["aws_ebs_volume.timescaledb_DataVolume_E4E0110A", "aws_instance.timescaledb_1BAF7D23", "aws_volume_attachment.timescaledb_DataVolumeAttachment_BFE115DC"],
    outputs,
  });
}

/** One SSM command id per check (the aws stub tells the checks apart by their command). */
const COMMAND_IDS = { "pg-isready": "1a2b3c4d-0000-4000-8000-00000000aaa1", "timescaledb-extension": "1a2b3c4d-0000-4000-8000-00000000bbb2" };

/**
 * aws: SSM Run Command (send-command prints the check's command id; get-command-invocation answers Success, or Failed
 * for the check named by SSM_FAIL) and the EC2 calls of destroy.sh's final snapshot (stack-stubs.ts).
 */
function lighthouseAws(): string {
  const volumes = (Object.keys(FACTS) as LighthouseStack[]).map((stack) => ({
    volume: FACTS[stack].volume,
    instance: FACTS[stack].instance,
    tags: { Name: `${stack}-timescaledb-data`, Environment: stack.slice("lighthouse-".length) },
  }));
  return awsStub(volumes, [
    '  "ssm send-command")',
    '    case "$(arg --parameters "$@")" in',
    `      *pg_isready*) echo ${COMMAND_IDS["pg-isready"]} ;;`,
    `      *pg_extension*) echo ${COMMAND_IDS["timescaledb-extension"]} ;;`,
    "      *) exit 98 ;;",
    "    esac ;;",
    '  "ssm get-command-invocation")',
    '    id=$(arg --command-id "$@"); instance=$(arg --instance-id "$@")',
    '    case "$id" in',
    `      ${COMMAND_IDS["pg-isready"]}) name=pg-isready; out='127.0.0.1:5432 - accepting connections\\n' ;;`,
    `      ${COMMAND_IDS["timescaledb-extension"]}) name=timescaledb-extension; out='' ;;`,
    "      *) exit 98 ;;",
    "    esac",
    '    if [[ "${SSM_FAIL:-}" == "$name" ]]; then',
    '      printf \'{"CommandId":"%s","InstanceId":"%s","DocumentName":"AWS-RunShellScript","ResponseCode":1,"Status":"Failed","StatusDetails":"Failed","StandardOutputContent":"","StandardErrorContent":"Error response from daemon: container timescaledb is not running\\\\nfailed to run commands: exit status 1\\\\n"}\\n\' "$id" "$instance"',
    "    else",
    '      printf \'{"CommandId":"%s","InstanceId":"%s","DocumentName":"AWS-RunShellScript","ResponseCode":0,"Status":"Success","StatusDetails":"Success","StandardOutputContent":"%s","StandardErrorContent":""}\\n\' "$id" "$instance" "$out"',
    "    fi ;;",
  ]);
}

function sandbox(ctx: Ctx, opts: { aws?: boolean } = {}): Sandbox {
  return testSandbox(ctx, {
    stubs: {
      terraform: lighthouseTerraform(),
      ...(opts.aws === false ? {} : { aws: lighthouseAws() }),
      npm: bodies.npmSynth({ "lighthouse-dev": LIGHTHOUSE_STACK, "lighthouse-prod": LIGHTHOUSE_STACK, "openlit-demo": OPENLIT_STACK, "openlit-staging": OPENLIT_STACK }),
      docker: "exit 99",
      sleep: "",
    },
    environments: ENVIRONMENTS,
  });
}
/** A sandbox whose stacks are already synthesized (health-check.sh and destroy.sh read cdktf.out as it is). */
function synthesized(ctx: Ctx): Sandbox {
  return testSandbox(ctx, {
    stubs: { terraform: lighthouseTerraform(), aws: lighthouseAws(), npm: "exit 99", docker: "exit 99", sleep: "" },
    environments: ENVIRONMENTS,
    files: Object.fromEntries((Object.keys(FACTS) as LighthouseStack[]).map((s) => [`cdktf.out/stacks/${s}/cdk.tf.json`, LIGHTHOUSE_STACK])),
  });
}



/** The two SSM Run Command round trips of one health check of `stack`: each check's command sent, then its result read. */
function ssmCalls(stack: LighthouseStack): string[] {
  const { instance } = FACTS[stack];
  return healthChecks(stack).flatMap((c) => {
    const id = COMMAND_IDS[c.name as keyof typeof COMMAND_IDS];
    const params = JSON.stringify({ commands: [c.command], executionTimeout: ["60"] });
    return [
      `aws ssm send-command --instance-ids ${instance} --document-name AWS-RunShellScript --parameters ${params} --timeout-seconds 60 --comment health-check.sh: ${c.name} --query Command.CommandId --output text --region ${REGION}`,
      `aws ssm get-command-invocation --command-id ${id} --instance-id ${instance} --output json --region ${REGION}`,
    ];
  });
}

describe.concurrent("operator scripts on lighthouse-dev and lighthouse-prod", () => {
  it("deploy.sh lighthouse-dev --auto-approve: synth, init/plan/apply with dev.tfvars, no secret needed, then its ssm health checks", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    expect(existsSync(join(sb.bin, "curl"))).toBe(false); // ssm checks need no curl
    const r = await sb.run("deploy.sh", ["lighthouse-dev", "--auto-approve"]);
    expect(r.stderr).not.toMatch(/error|missing secrets/);
    expect(r.code).toBe(0);
    const d = chdirArg("lighthouse-dev");
    expect(commandsOf(sb)).toEqual([
      "npm run synth -- lighthouse-dev",
      `terraform ${d} init -input=false`,
      `terraform ${d} plan -input=false -detailed-exitcode -out=tfplan ${varFileArg("lighthouse", "lighthouse-dev")}`,
      `terraform ${d} apply -input=false ${varFileArg("lighthouse", "lighthouse-dev")} tfplan`,
      `terraform ${d} output`,
      `terraform ${d} output -json health_checks`,
      ...ssmCalls("lighthouse-dev"),
    ]);
    expect(sb.calls()[0].cwd).toBe(sb.root);
    // db_password has a default (Terraform generates the password): nothing to ask for, no secrets file.
    expect(r.stderr).toContain("secrets: none required; optional secrets (they have defaults): db_password");
    expect(existsSync(join(sb.root, "environments", "lighthouse", "dev.secrets.tfvars"))).toBe(false);
    // The commands reach SSM exactly as the output lists them (quotes, $$ and pipes included).
    const sent = sb.calls().filter((c) => c.cmd === "aws" && c.args[1] === "send-command");
    expect(sent.map((c) => JSON.parse(argOf(c.args, "--parameters")!).commands[0])).toEqual(healthChecks("lighthouse-dev").map((c) => c.command));
    expect(sleeps(sb)).toEqual(["1.000", "1.000"]); // one poll delay per check, no retry
    expect(r.stdout).toMatch(/^PASS {2}pg-isready {13}i-0a1b2c3d4e5f60718 \(ssm, us-east-1\) {2}Success: 127\.0\.0\.1:5432 - accepting connections$/m);
    expect(r.stdout).toMatch(/^PASS {2}timescaledb-extension {2}i-0a1b2c3d4e5f60718 \(ssm, us-east-1\) {2}Success$/m);
    expect(r.stdout).toMatch(/^healthy: 2\/2 checks passed for i-0a1b2c3d4e5f60718 \(1 attempt\(s\), \d+s\)$/m);
    expect(r.stderr).toContain("stack lighthouse-dev deployed");
  });

  it("health-check.sh lighthouse-prod: host and both ssm checks from the output, exit 0", async ({ expect, onTestFinished }) => {
    const sb = synthesized({ onTestFinished });
    const r = await sb.run("health-check.sh", ["lighthouse-prod"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(commandsOf(sb)).toEqual([`terraform ${chdirArg("lighthouse-prod")} output -json health_checks`, ...ssmCalls("lighthouse-prod")]);
    expect(r.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^PASS {2}pg-isready +i-0f9e8d7c6b5a49382 \(ssm, us-east-1\) {2}Success: 127\.0\.0\.1:5432 - accepting connections$/),
      expect.stringMatching(/^PASS {2}timescaledb-extension +i-0f9e8d7c6b5a49382 \(ssm, us-east-1\) {2}Success$/),
      expect.stringMatching(/^healthy: 2\/2 checks passed for i-0f9e8d7c6b5a49382 \(1 attempt\(s\), \d+s\)$/),
    ]);
  });

  it("health-check.sh lighthouse-prod: a Failed invocation fails the run (exit 1) with the command's error output", async ({ expect, onTestFinished }) => {
    const sb = synthesized({ onTestFinished });
    const r = await sb.run("health-check.sh", ["lighthouse-prod", "--timeout", "0"], { env: { SSM_FAIL: "pg-isready" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^FAIL {2}pg-isready +i-0f9e8d7c6b5a49382 \(ssm, us-east-1\) {2}Failed \(exit 1\): Error response from daemon: container timescaledb is not running failed to run commands: exit status 1$/m,
    );
    expect(r.stdout).toMatch(/^PASS {2}timescaledb-extension /m);
    expect(r.stdout).toMatch(/^unhealthy: 1\/2 checks passed for i-0f9e8d7c6b5a49382 after 1 attempt\(s\) in \d+s \(timeout 0s\); failing: pg-isready$/m);
    expect(commandsOf(sb)).toEqual([`terraform ${chdirArg("lighthouse-prod")} output -json health_checks`, ...ssmCalls("lighthouse-prod")]);
  });

  it("destroy.sh lighthouse-dev --yes: final snapshot of the data volume first, then terraform destroy with dev.tfvars", async ({ expect, onTestFinished }) => {
    const sb = synthesized({ onTestFinished });
    const r = await sb.run("destroy.sh", ["lighthouse-dev", "--yes"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const d = chdirArg("lighthouse-dev");
    const { instance, volume } = FACTS["lighthouse-dev"];
    const cmds = commandsOf(sb);
    expect(cmds).toEqual([
      `terraform ${d} init -input=false`,
      `terraform ${d} state list`,
      `terraform ${d} output -json snapshot_volume_ids`,
      `terraform ${d} output -raw aws_region`,
      `aws ec2 describe-volumes --region us-east-1 --volume-ids ${volume} --output json`,
      `aws ec2 stop-instances --region us-east-1 --instance-ids ${instance} --output text`,
      `aws ec2 wait instance-stopped --region us-east-1 --instance-ids ${instance}`,
      expect.stringMatching(new RegExp(`^aws ec2 create-snapshot --region us-east-1 --volume-id ${volume} --description Final snapshot of ${volume} \\(stack lighthouse-dev\\) before destroy \\(.+\\) --tag-specifications \\[.*\\] --query SnapshotId --output text$`)),
      `aws ec2 wait snapshot-completed --region us-east-1 --snapshot-ids ${snapshotOf(volume)}`,
      `terraform ${d} destroy -input=false -auto-approve ${varFileArg("lighthouse", "lighthouse-dev")}`,
    ]);
    const [spec] = JSON.parse(argOf(sb.calls().find((c) => c.args[1] === "create-snapshot")!.args, "--tag-specifications")!);
    expect(Object.fromEntries(spec.Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]))).toEqual({
      Name: `lighthouse-dev-final-${volume}`,
      Environment: "dev",
      Stack: "lighthouse-dev",
      SourceVolumeId: volume,
      CreatedBy: "destroy.sh",
    });
    expect(r.stderr).toContain("secrets: none required; optional secrets (they have defaults): db_password");
    expect(r.stdout).toContain("Destroyed stack lighthouse-dev.");
    expect(r.stdout).toContain(`Kept: final snapshot ${snapshotOf(volume)} of ${volume} in us-east-1`);
  });

  it.for<[string, LighthouseStack]>([
    ["dev", "lighthouse-dev"],
    ["prod", "lighthouse-prod"],
  ])("deploy.sh %s: a bare environment of one system only resolves to %s", async ([bare, stack], { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", [bare, "--plan-only"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`'${bare}' is the environment of one system only: stack ${stack}`);
    expect(commandsOf(sb)).toEqual([
      `npm run synth -- ${stack}`,
      `terraform ${chdirArg(stack)} init -input=false`,
      `terraform ${chdirArg(stack)} plan -input=false -detailed-exitcode -out=tfplan ${varFileArg("lighthouse", stack)}`,
    ]);
  });

  it("an unknown lighthouse environment lists the repository's stacks, running nothing", async ({ expect, onTestFinished }) => {
    const sb = synthesized({ onTestFinished });
    const runs = await Promise.all([
      sb.run("deploy.sh", ["lighthouse-staging", "--auto-approve"]),
      sb.run("health-check.sh", ["lighthouse-staging"]),
      sb.run("destroy.sh", ["lighthouse-staging", "--yes"]),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("unknown stack 'lighthouse-staging'");
      expect(r.stderr).toContain("Available stacks: lighthouse-dev, lighthouse-prod, openlit-demo, openlit-staging");
    }
    expect(sb.calls()).toEqual([]);
  });

  // deploy.sh no longer requires curl before it starts: which tool the health check needs (curl for http, https
  // and tcp checks, aws for ssm checks) follows from the checks, known after apply; health-check.sh requires it.
  it("deploy.sh: a missing tool of the health check fails the health step after apply, naming the tool", async ({ expect, onTestFinished }) => {
    const noAws = sandbox({ onTestFinished }, { aws: false });
    const httpChecks = JSON.stringify({ host: "203.0.113.10", checks: [{ name: "ui", protocol: "http", port: 3000, path: "/" }] });
    const noCurl = testSandbox({ onTestFinished }, {
      stubs: {
        terraform: `case "$*" in *"output -json health_checks") printf '%s\\n' '${httpChecks}' ;; *" plan "*) exit 2 ;; esac`,
        npm: bodies.npmSynth({ "openlit-demo": OPENLIT_STACK }),
        aws: "exit 99",
        sleep: "",
      },
      environments: ENVIRONMENTS,
    });
    const [ssm, http] = await Promise.all([
      noAws.run("deploy.sh", ["lighthouse-dev", "--auto-approve", "--health-timeout", "0"]),
      noCurl.run("deploy.sh", ["openlit-demo", "--auto-approve", "--health-timeout", "0"], { env: { TF_VAR_clickhouse_password: "correct-horse-battery" } }),
    ]);
    expect(ssm.code).toBe(1);
    expect(ssm.stderr).toContain("health-check.sh: error: 'aws' not found on PATH (the AWS CLI v2 runs the ssm checks");
    expect(ssm.stderr).toContain("step 'health' failed");
    expect(commandsOf(noAws).filter((c) => c.includes(" apply "))).toHaveLength(1);
    expect(http.code).toBe(1);
    expect(http.stderr).toContain("health-check.sh: error: 'curl' not found on PATH");
    expect(http.stderr).toContain("step 'health' failed");
    expect(commandsOf(noCurl).filter((c) => c.includes(" apply "))).toHaveLength(1);
  });
});
