import { SYSTEMS } from "../stacks/systems.js";
import { HOURLY_PRICE_USD } from "../modules/cost-estimate/index.js";
import { synthOpenlit } from "./support/synth.js";
import { requireTerraform, unwrap } from "./support/terraform.js";
import { VARIABLE_ERRORS } from "./support/input-errors.js";
import { evaluateVariables, SAMPLE_SECRETS, SAMPLE_SECRETS_NO_DEMO, sampleSecretsFor } from "./support/variables.js";

// These tests run the real Terraform engine (no provider needed for variables, locals and outputs).
beforeAll(requireTerraform);

const json = synthOpenlit("demo");
const demo = (vars: Record<string, string> = {}, outputs: Record<string, string> = {}) =>
  evaluateVariables(json, { tfvars: ["environments/openlit/demo.tfvars", SAMPLE_SECRETS], vars, outputs });

describe("environment tfvars", () => {
  it.concurrent.each([...SYSTEMS.find((s) => s.name === "openlit")!.environments])("environments/%s.tfvars passes every validation of its stack", async (environment) => {
    const run = await evaluateVariables(synthOpenlit(environment), { tfvars: [`environments/openlit/${environment}.tfvars`, sampleSecretsFor(environment)] });
    expect(run.stderr).toBe("");
    expect(run.ok).toBe(true);
  });

  it.concurrent("the RFC's terraform.tfvars.example layout is accepted as it is", async () => {
    const run = await evaluateVariables(json, { tfvars: ["environments/openlit/terraform.tfvars.example", SAMPLE_SECRETS_NO_DEMO] });
    expect(run.ok, run.stderr).toBe(true);
  });

  it.concurrent("a tfvars file of another environment is refused by the stack", async () => {
    const run = await evaluateVariables(json, { tfvars: ["environments/openlit/staging.tfvars", SAMPLE_SECRETS_NO_DEMO] });
    expect(run.ok).toBe(false);
    expect(unwrap(run.stderr)).toContain('This is the openlit-demo stack: set environment = "demo" or use environments/openlit/demo.tfvars with it.');
  });
});

describe("variable validations", () => {
  // Each row of the shared catalogue: the wrong input, and the message the operator sees.
  const cases = VARIABLE_ERRORS.map((e) => [e.what, e.vars, e.message] as const);

  it.concurrent.each(cases)("rejects %s with a message that says what to do", async (_what, vars, message) => {
    const run = await demo(vars);
    expect(run.ok).toBe(false);
    expect(unwrap(run.stderr)).toContain(message);
  });

  it.concurrent("reports a missing required variable by name", async () => {
    const run = await evaluateVariables(json, { tfvars: ["environments/openlit/demo.tfvars"] });
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

  it.concurrent("estimates the demo environment under the RFC's $25/month, alerts included", async () => {
    const run = await demo({}, { cost });
    expect(run.ok, run.stderr).toBe(true);
    // t4g.small 12.26 + 30 GiB gp3 2.40 + snapshots 0.50 + IPv4 3.65 + agent metrics 0.90 + transfer 0.50
    expect(run.outputs.cost).toBe("20.21");
    const withAlerts = await demo({ alarm_email: "ops@example.com" }, { cost });
    expect(withAlerts.outputs.cost).toBe("21.21");
  });

  it.concurrent("prices bigger choices higher and says when a type has no list price", async () => {
    expect(Number((await demo({ instance_type: "t4g.medium", data_volume_size: "50" }, { cost })).outputs.cost)).toBeGreaterThan(30);
    const unlisted = await demo({ instance_type: "m8g.large" }, { cost });
    expect(unlisted.outputs.cost).toBe("unknown: an item has no list price (see cost_breakdown)");
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
