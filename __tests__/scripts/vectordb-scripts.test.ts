import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { argOf, awsStub, chdirArg, commandsOf, repoTfvars, snapshotOf, terraformStub, varFileArg } from "./stack-stubs.js";
import { bodies, OPENLIT_STACK, Sandbox, sleeps, testSandbox } from "./stubs.js";

/**
 * The operator scripts on the VectorDB API stacks, by stack name: deploy.sh, health-check.sh and destroy.sh read what
 * they need from the synthesized stack and its outputs (four optional secrets, one http or https check through the
 * load balancer, one data volume to snapshot), never from a system name. terraform, aws, npm, curl and sleep are
 * stubs; aws exits 99 for anything but destroy.sh's snapshot calls, so a health check may not use it.
 */

type Ctx = Pick<TestContext, "onTestFinished">;

/** The repository's own tfvars, so names resolve as they do in the repository. */
const ENVIRONMENTS = repoTfvars(["vectordb-api/dev", "vectordb-api/prod", "lighthouse/dev", "lighthouse/prod", "openlit/demo", "openlit/staging"]);

const REGION = "us-east-1"; // aws_region of both tfvars
/** What the deployed stacks hold (made-up ids), and where their health check goes. */
const FACTS = {
  "vectordb-api-dev": {
    instance: "i-0b1c2d3e4f5a60718",
    volume: "vol-0a1b2c3d4e5f60718",
    loadBalancer: "vectordb-api-dev-1234567890.us-east-1.elb.amazonaws.com",
    // dev.tfvars: no domain, allow_http_only = true: plain HTTP on 80 to the load balancer's own name.
    check: { protocol: "http", port: 80 },
  },
  "vectordb-api-prod": {
    instance: "i-0f1e2d3c4b5a69788",
    volume: "vol-0f9e8d7c6b5a49382",
    loadBalancer: "vectordb-api-prod-987654321.us-east-1.elb.amazonaws.com",
    // prod.tfvars: domain_name = "api.example.com": HTTPS on 443 to the domain (the certificate's name).
    check: { protocol: "https", port: 443 },
  },
} as const;
type VectordbStack = keyof typeof FACTS;
const STACKS = Object.keys(FACTS) as VectordbStack[];
const HEALTH_PATH = "/api/v1/health";

/** The host of the output health_checks: the domain with HTTPS, else the load balancer's DNS name. */
const checkHost = (stack: VectordbStack) => (FACTS[stack].check.protocol === "https" ? "api.example.com" : FACTS[stack].loadBalancer);
/** `terraform output -json health_checks` as Terraform prints it: object keys sorted, on one line. */
const healthChecksOutput = (stack: VectordbStack) =>
  JSON.stringify({ checks: [{ name: "health", path: HEALTH_PATH, port: FACTS[stack].check.port, protocol: FACTS[stack].check.protocol }], host: checkHost(stack) });

/**
 * The synthesized stack as the scripts read it (cdk.tf.json): the VectorDB API's variables (today's synth), of which
 * the four API keys are sensitive, ephemeral and default to "" (fill the secret later), and its outputs.
 */
const VECTORDB_VARIABLES: Record<string, string> = {
  alarm_email: "string", allow_http_only: "bool", aws_account_id: "string", aws_region: "string", batch_size: "number",
  cache_node_type: "string", certificate_arn: "string", chunk_size: "number", csv_retention_days: "number", data_volume_size: "number",
  domain_name: "string", ecr_repository: "string", enable_health_gate: "bool", enable_monitoring: "bool", environment: "string",
  hosted_zone_name: "string", image_tag: "string", instance_type: "string", key_pair_name: "string", log_retention_days: "number",
  max_workers: "number", metabase_url: "string", nat_gateways: "number", openai_rate_limit: "number", pinecone_index_name: "string",
  pinecone_namespace: "string", private_subnet_ids: "list(string)", public_subnet_ids: "list(string)", root_volume_size: "number",
  secrets_version: "number", ssh_allowed_cidr_blocks: "list(string)", task_timeout: "number", vpc_id: "string",
};
const VECTORDB_SECRETS = ["api_key", "metabase_api_key", "openai_api_key", "pinecone_api_key"];
const VECTORDB_OUTPUTS = [
  "api_url", "aws_region", "cache_endpoint", "cost_breakdown", "csv_bucket", "dashboard_urls", "dynamodb_table", "estimated_monthly_cost_usd",
  "flower_port_forward_command", "health_checks", "health_url", "instance_id", "load_balancer_dns_name", "log_groups", "secret_arn",
  "session_manager_command", "snapshot_volume_ids",
];
const VECTORDB_STACK = JSON.stringify(
  {
    terraform: {},
    variable: {
      ...Object.fromEntries(Object.entries(VECTORDB_VARIABLES).map(([name, type]) => [name, { type }])),
      ...Object.fromEntries(VECTORDB_SECRETS.map((name) => [name, { type: "string", sensitive: true, ephemeral: true, default: "" }])),
    },
    output: Object.fromEntries(VECTORDB_OUTPUTS.map((o) => [o, { value: `\${local.${o}}` }])),
  },
  null,
  2,
);

/** Resources of the deployed stack (a few of them), as `terraform state list` prints them. */
const STATE = [
  "aws_ebs_volume.api_DataVolume_A324AD71",
  "aws_instance.api_C8550315",
  "aws_lb.load_balancer_25023A58",
  "aws_volume_attachment.api_DataVolumeAttachment_CD8D6895",
];

/** terraform for the two VectorDB API stacks (stack-stubs.ts), with their outputs. */
function vectordbTerraform(): string {
  const outputs = STACKS.flatMap((stack) => {
    const f = FACTS[stack];
    return [
      `  "${stack} -json health_checks") printf '%s\\n' '${healthChecksOutput(stack)}' ;;`,
      `  "${stack} -json snapshot_volume_ids") printf '%s\\n' '["${f.volume}"]' ;;`,
      `  "${stack} -raw aws_region") printf %s ${REGION} ;;`,
      `  "${stack} ") printf '%s\\n' 'aws_region = "${REGION}"' 'instance_id = "${f.instance}"' 'load_balancer_dns_name = "${f.loadBalancer}"' ;;`,
    ];
  });
  return terraformStub({ resources: 97, state: STATE, outputs });
}

/** aws: only the EC2 calls of destroy.sh's final snapshot (stack-stubs.ts); anything else exits 99. */
function vectordbAws(): string {
  return awsStub(STACKS.map((stack) => ({
    volume: FACTS[stack].volume,
    instance: FACTS[stack].instance,
    tags: { Name: `${stack}-data`, Environment: stack.slice("vectordb-api-".length) },
  })));
}

/** curl answering every request with HTTP `code` (reads the -w format, as bodies.curlHealthy). */
const curlAnswering = (code: number) => bodies.curlHealthy.replace("printf 200", `printf ${code}`);

function sandbox(ctx: Ctx): Sandbox {
  return testSandbox(ctx, {
    stubs: {
      terraform: vectordbTerraform(),
      aws: vectordbAws(),
      npm: bodies.npmSynth({ "vectordb-api-dev": VECTORDB_STACK, "vectordb-api-prod": VECTORDB_STACK, "openlit-demo": OPENLIT_STACK }),
      curl: bodies.curlHealthy,
      docker: "exit 99",
      sleep: "",
    },
    environments: ENVIRONMENTS,
  });
}
/** A sandbox whose stacks are already synthesized (health-check.sh and destroy.sh read cdktf.out as it is). */
function synthesized(ctx: Ctx, curl = bodies.curlHealthy): Sandbox {
  return testSandbox(ctx, {
    stubs: { terraform: vectordbTerraform(), aws: vectordbAws(), curl, npm: "exit 99", docker: "exit 99", sleep: "" },
    environments: ENVIRONMENTS,
    files: Object.fromEntries(STACKS.map((s) => [`cdktf.out/stacks/${s}/cdk.tf.json`, VECTORDB_STACK])),
  });
}

/** The one request of the health check: GET /api/v1/health through the load balancer, no proxy, no ~/.curlrc. */
const healthRequest = (stack: VectordbStack) => {
  const { protocol, port } = FACTS[stack].check;
  return `curl -q -s --noproxy * --connect-timeout 5 --max-time 5 -o /dev/null -w %{http_code} -X GET ${protocol}://${checkHost(stack)}:${port}${HEALTH_PATH}`;
};


describe.concurrent("operator scripts on vectordb-api-dev and vectordb-api-prod", () => {
  it("deploy.sh vectordb-api-dev --auto-approve: synth, init/plan/apply with dev.tfvars, no secret needed, then GET /api/v1/health on the load balancer over HTTP", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["vectordb-api-dev", "--auto-approve"]);
    expect(r.stderr).not.toMatch(/error|missing secrets/);
    expect(r.code).toBe(0);
    const d = chdirArg("vectordb-api-dev");
    expect(commandsOf(sb)).toEqual([
      "npm run synth -- vectordb-api-dev",
      `terraform ${d} init -input=false`,
      `terraform ${d} plan -input=false -detailed-exitcode -out=tfplan ${varFileArg("vectordb-api", "vectordb-api-dev")}`,
      `terraform ${d} apply -input=false ${varFileArg("vectordb-api", "vectordb-api-dev")} tfplan`,
      `terraform ${d} output`,
      `terraform ${d} output -json health_checks`,
      healthRequest("vectordb-api-dev"),
    ]);
    expect(sb.calls()[0].cwd).toBe(sb.root);
    // The four API keys have a default (""): the secret can be filled after the first apply; nothing to ask for.
    expect(r.stderr).toContain("secrets: none required; optional secrets (they have defaults): api_key, metabase_api_key, openai_api_key, pinecone_api_key");
    expect(existsSync(join(sb.root, "environments", "vectordb-api", "dev.secrets.tfvars"))).toBe(false);
    expect(sleeps(sb)).toEqual([]); // healthy at the first attempt
    expect(r.stdout).toMatch(
      /^PASS {2}health {2}GET http:\/\/vectordb-api-dev-1234567890\.us-east-1\.elb\.amazonaws\.com:80\/api\/v1\/health {2}HTTP 200$/m,
    );
    expect(r.stdout).toMatch(/^healthy: 1\/1 checks passed for vectordb-api-dev-1234567890\.us-east-1\.elb\.amazonaws\.com \(1 attempt\(s\), \d+s\)$/m);
    expect(r.stderr).toContain("stack vectordb-api-dev deployed");
  });

  it("deploy.sh vectordb-api-prod: an API key given as TF_VAR_ is accepted, the others stay optional, nothing is written", async ({ expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", ["vectordb-api-prod", "--plan-only"], { env: { TF_VAR_api_key: "sample-api-key-0c1d" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("secrets: none required; optional secrets (they have defaults): api_key, metabase_api_key, openai_api_key, pinecone_api_key");
    expect(commandsOf(sb)).toEqual([
      "npm run synth -- vectordb-api-prod",
      `terraform ${chdirArg("vectordb-api-prod")} init -input=false`,
      `terraform ${chdirArg("vectordb-api-prod")} plan -input=false -detailed-exitcode -out=tfplan ${varFileArg("vectordb-api", "vectordb-api-prod")}`,
    ]);
    expect(commandsOf(sb).join("\n")).not.toContain("sample-api-key"); // reaches Terraform through the environment only
    expect(existsSync(join(sb.root, "environments", "vectordb-api", "prod.secrets.tfvars"))).toBe(false);
  });

  it("health-check.sh vectordb-api-prod: GET https://<domain>:443/api/v1/health from the output, exit 0", async ({ expect, onTestFinished }) => {
    const sb = synthesized({ onTestFinished });
    const r = await sb.run("health-check.sh", ["vectordb-api-prod"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(commandsOf(sb)).toEqual([`terraform ${chdirArg("vectordb-api-prod")} output -json health_checks`, healthRequest("vectordb-api-prod")]);
    expect(r.stdout.trim().split("\n")).toEqual([
      "PASS  health  GET https://api.example.com:443/api/v1/health  HTTP 200",
      expect.stringMatching(/^healthy: 1\/1 checks passed for api\.example\.com \(1 attempt\(s\), \d+s\)$/),
    ]);
  });

  it("health-check.sh vectordb-api-dev: a 502 from the load balancer (no healthy target) fails the run (exit 1)", async ({ expect, onTestFinished }) => {
    const sb = synthesized({ onTestFinished }, curlAnswering(502));
    const r = await sb.run("health-check.sh", ["vectordb-api-dev", "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(commandsOf(sb)).toEqual([`terraform ${chdirArg("vectordb-api-dev")} output -json health_checks`, healthRequest("vectordb-api-dev")]);
    expect(r.stdout).toMatch(/^FAIL {2}health {2}GET http:\/\/vectordb-api-dev-1234567890\.us-east-1\.elb\.amazonaws\.com:80\/api\/v1\/health {2}HTTP 502$/m);
    expect(r.stdout).toMatch(/^unhealthy: 0\/1 checks passed for vectordb-api-dev-1234567890\.us-east-1\.elb\.amazonaws\.com after 1 attempt\(s\) in \d+s \(timeout 0s\); failing: health$/m);
  });

  it("destroy.sh vectordb-api-dev --yes: final snapshot of the data volume first, then terraform destroy with dev.tfvars", async ({ expect, onTestFinished }) => {
    const sb = synthesized({ onTestFinished });
    const r = await sb.run("destroy.sh", ["vectordb-api-dev", "--yes"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const d = chdirArg("vectordb-api-dev");
    const { instance, volume } = FACTS["vectordb-api-dev"];
    expect(commandsOf(sb)).toEqual([
      `terraform ${d} init -input=false`,
      `terraform ${d} state list`,
      `terraform ${d} output -json snapshot_volume_ids`,
      `terraform ${d} output -raw aws_region`,
      `aws ec2 describe-volumes --region us-east-1 --volume-ids ${volume} --output json`,
      `aws ec2 stop-instances --region us-east-1 --instance-ids ${instance} --output text`,
      `aws ec2 wait instance-stopped --region us-east-1 --instance-ids ${instance}`,
      expect.stringMatching(new RegExp(`^aws ec2 create-snapshot --region us-east-1 --volume-id ${volume} --description Final snapshot of ${volume} \\(stack vectordb-api-dev\\) before destroy \\(.+\\) --tag-specifications \\[.*\\] --query SnapshotId --output text$`)),
      `aws ec2 wait snapshot-completed --region us-east-1 --snapshot-ids ${snapshotOf(volume)}`,
      `terraform ${d} destroy -input=false -auto-approve ${varFileArg("vectordb-api", "vectordb-api-dev")}`,
    ]);
    const [spec] = JSON.parse(argOf(sb.calls().find((c) => c.args[1] === "create-snapshot")!.args, "--tag-specifications")!);
    expect(Object.fromEntries(spec.Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]))).toEqual({
      Name: `vectordb-api-dev-final-${volume}`,
      Environment: "dev",
      Stack: "vectordb-api-dev",
      SourceVolumeId: volume,
      CreatedBy: "destroy.sh",
    });
    expect(r.stdout).toContain("Destroyed stack vectordb-api-dev.");
    expect(r.stdout).toContain(`Removed ${STATE.length} resource(s):`);
    expect(r.stdout).toContain(`Kept: final snapshot ${snapshotOf(volume)} of ${volume} in us-east-1`);
  });

  // With the repository's tfvars, dev and prod are environments of lighthouse and vectordb-api alike: a bare
  // environment no longer names a stack.
  it.for(["dev", "prod"])("deploy.sh %s: ambiguous between lighthouse and vectordb-api, running nothing", async (bare, { expect, onTestFinished }) => {
    const sb = sandbox({ onTestFinished });
    const r = await sb.run("deploy.sh", [bare, "--plan-only"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'${bare}' is ambiguous: it is an environment of several systems; give the stack name, one of: lighthouse-${bare}, vectordb-api-${bare}`);
    expect(sb.calls()).toEqual([]);
  });
});
