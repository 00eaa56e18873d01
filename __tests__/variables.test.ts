import { ENVIRONMENTS } from "../stacks/environments.js";
import { HOURLY_PRICE_USD } from "../modules/ec2-openlit/index.js";
import { synthOpenlit } from "./support/synth.js";
import { requireTerraform, unwrap } from "./support/terraform.js";
import { evaluateVariables, SAMPLE_SECRETS, SAMPLE_SECRETS_NO_DEMO, sampleSecretsFor } from "./support/variables.js";

// These tests run the real Terraform engine (no provider needed for variables, locals and outputs).
beforeAll(requireTerraform);

const json = synthOpenlit("demo");
const demo = (vars: Record<string, string> = {}, outputs: Record<string, string> = {}) =>
  evaluateVariables(json, { tfvars: ["environments/demo.tfvars", SAMPLE_SECRETS], vars, outputs });

describe("environment tfvars", () => {
  it.concurrent.each(ENVIRONMENTS.map((e) => e.name))("environments/%s.tfvars passes every validation of its stack", async (environment) => {
    const run = await evaluateVariables(synthOpenlit(environment), { tfvars: [`environments/${environment}.tfvars`, sampleSecretsFor(environment)] });
    expect(run.stderr).toBe("");
    expect(run.ok).toBe(true);
  });

  it.concurrent("the RFC's terraform.tfvars.example layout is accepted as it is", async () => {
    const run = await evaluateVariables(json, { tfvars: ["environments/terraform.tfvars.example", SAMPLE_SECRETS_NO_DEMO] });
    expect(run.ok, run.stderr).toBe(true);
  });

  it.concurrent("a tfvars file of another environment is refused by the stack", async () => {
    const run = await evaluateVariables(json, { tfvars: ["environments/staging.tfvars", SAMPLE_SECRETS_NO_DEMO] });
    expect(run.ok).toBe(false);
    expect(unwrap(run.stderr)).toContain('This is the openlit-demo stack: set environment = "demo" or use environments/demo.tfvars with it.');
  });
});

describe("variable validations", () => {
  // Each row: the wrong input, and the message the operator sees.
  const cases: [string, Record<string, string>, string][] = [
    ["an invalid CIDR", { allowed_cidr: "203.0.113.7" }, "allowed_cidr must be an IPv4 CIDR such as 203.0.113.7/32"],
    ["a CIDR with host bits", { allowed_cidr: "203.0.113.7/24" }, "allowed_cidr has host bits set: use the network address"],
    ["SSH open to 0.0.0.0/0", { allowed_cidr: "0.0.0.0/0", key_pair_name: "ops" }, "allowed_cidr opens SSH to the whole internet"],
    ["a malformed instance type", { instance_type: "t4g-small" }, "instance_type must look like family.size"],
    ["a region that is not one", { aws_region: "us-east" }, "aws_region must be a region code"],
    ["a clickhouse_host with a path", { clickhouse_host: "https://ch.example.com/db" }, "clickhouse_host must be a host name, optionally with https://"],
    ["a clickhouse_host with spaces", { clickhouse_host: "ch example.com" }, "clickhouse_host must be a host name"],
    ["an otel_host with a scheme", { otel_host: "https://ch.example.com" }, "otel_host must be a bare host name without scheme"],
    ["a port out of range", { clickhouse_port: "70000" }, "clickhouse_port must be a port number between 1 and 65535"],
    ["a port that is not a number", { otel_port: "tls" }, "otel_port must be a port number between 1 and 65535"],
    ["fewer passwords than e-mails", { demo_passwords: "only-one" }, "demo_passwords must hold exactly one password per demo_emails entry"],
    ["passwords without e-mails", { demo_emails: "", demo_passwords: "x" }, "demo_passwords must hold exactly one password per demo_emails entry"],
    ["a malformed demo e-mail", { demo_emails: "demo@example.com,not-an-email" }, "demo_emails must be comma-separated e-mail addresses"],
    ["an empty ClickHouse password", { clickhouse_password: "" }, "clickhouse_password is empty: set TF_VAR_clickhouse_password"],
    ["a password with a single quote", { clickhouse_password: "it's" }, "clickhouse_password must not contain single quotes or line breaks"],
    ["an account id that is not 12 digits", { aws_account_id: "12345" }, "aws_account_id must be 12 digits"],
    ["an ECR repository with capitals", { ecr_repository: "OpenLIT" }, "ecr_repository must be an ECR repository name"],
    ["a tag with a colon", { image_tag: "v1:2" }, "image_tag must be a Docker tag"],
    ["a tiny root volume", { root_volume_size: "4" }, "root_volume_size must be a whole number of GiB from 8"],
    ["a fractional data volume", { data_volume_size: "1.5" }, "data_volume_size must be a whole number of GiB from 1 to 16384"],
    ["a zone that is not one", { availability_zone: "east" }, "availability_zone must be a zone name"],
    ["a subnet id that is not one", { subnet_id: "my-subnet" }, "subnet_id must look like subnet-0123456789abcdef0"],
    ["a secrets_version of zero", { secrets_version: "0" }, "secrets_version must be a whole number >= 1"],
    ["two alarm e-mails", { alarm_email: "a@example.com,b@example.com" }, "alarm_email must be one e-mail address"],
    ["a snapshot retention of zero", { snapshot_retention_days: "0" }, "snapshot_retention_days must be a whole number from 1 to 1000"],
    ["a log retention CloudWatch does not offer", { log_retention_days: "10" }, "log_retention_days must be one of CloudWatch Logs' periods: 1, 3, 5, 7, 14"],
  ];

  it.concurrent.each(cases)("rejects %s with a message that says what to do", async (_what, vars, message) => {
    const run = await demo(vars);
    expect(run.ok).toBe(false);
    expect(unwrap(run.stderr)).toContain(message);
  });

  it.concurrent("reports a missing required variable by name", async () => {
    const run = await evaluateVariables(json, { tfvars: ["environments/demo.tfvars"] });
    expect(run.ok).toBe(false);
    expect(unwrap(run.stderr)).toMatch(/No value for required variable.*clickhouse_password/);
  });

  it.concurrent("accepts the RFC's own value shapes: https:// host, string ports, comma-separated accounts", async () => {
    const run = await demo({ clickhouse_host: "https://abc123.us-east-1.aws.clickhouse.cloud", clickhouse_port: "8443", otel_port: "9440", key_pair_name: "ops", allowed_cidr: "198.51.100.23/32" });
    expect(run.ok, run.stderr).toBe(true);
  });
});

describe("derived values", () => {
  const cost = json.output.estimated_monthly_cost_usd.value;

  it.concurrent("estimates the demo environment under the RFC's $25/month", async () => {
    const run = await demo({}, { cost });
    expect(run.ok, run.stderr).toBe(true);
    expect(Number(run.outputs.cost)).toBeGreaterThan(15);
    expect(Number(run.outputs.cost)).toBeLessThan(25);
  });

  it.concurrent("prices bigger choices higher and says when a type has no list price", async () => {
    expect(Number((await demo({ instance_type: "t4g.medium", data_volume_size: "50" }, { cost })).outputs.cost)).toBeGreaterThan(30);
    expect((await demo({ instance_type: "m8g.large" }, { cost })).outputs.cost).toBe("unknown: no list price for m8g.large in modules/ec2-openlit/cost-estimate.ts");
  });

  it.concurrent("derives the CPU architecture from the instance type", async () => {
    const expression = Object.entries(json.locals).find(([name]) => name.startsWith("openlit_architecture"))![1];
    const types: Record<string, string> = {
      "t4g.small": "arm64", "m7g.large": "arm64", "c6gn.xlarge": "arm64", "m6gd.large": "arm64", "x2gd.medium": "arm64", "im4gn.large": "arm64",
      "is4gen.large": "arm64", "g5g.xlarge": "arm64", "hpc7g.4xlarge": "arm64", "a1.medium": "arm64", "r8g.large": "arm64",
      "t3.small": "x86_64", "t3a.medium": "x86_64", "m7i-flex.large": "x86_64", "g4dn.xlarge": "x86_64", "c5n.large": "x86_64", "inf2.xlarge": "x86_64", "m5.large": "x86_64",
    };
    const outputs = Object.fromEntries(Object.keys(types).map((t, i) => [`t${i}`, expression.replaceAll("var.instance_type", JSON.stringify(t))]));
    const run = await demo({}, outputs);
    expect(run.ok, run.stderr).toBe(true);
    expect(Object.fromEntries(Object.keys(types).map((t, i) => [t, run.outputs[`t${i}`]]))).toEqual(types);
  });

  it.concurrent("defaults otel_host to clickhouse_host without its scheme", async () => {
    const otel = `\${${json.locals.otel_host_resolved.slice(2, -1)}}`;
    expect((await demo({ otel_host: "" }, { otel })).outputs.otel).toBe("change-me.us-east-1.aws.clickhouse.cloud");
    expect((await demo({ otel_host: "native.example.com" }, { otel })).outputs.otel).toBe("native.example.com");
  });

  it.concurrent("has a list price for every Graviton size the RFC mentions", () => {
    expect(HOURLY_PRICE_USD["t4g.small"]).toBeDefined();
    expect(HOURLY_PRICE_USD["t4g.medium"]).toBeDefined();
  });
});
