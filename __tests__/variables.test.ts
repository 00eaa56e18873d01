import { SYSTEMS } from "../stacks/systems.js";
import { stackName as systemStackName } from "../stacks/base-stack.js";
import { HOURLY_PRICE_USD } from "../modules/cost-estimate/index.js";

const ENVIRONMENTS = SYSTEMS.find((s) => s.name === "openlit")!.environments.map((name) => ({ name }));
const stackName = (environment: string) => systemStackName("openlit", environment);
import { synthOpenlit, TfJson } from "./support/synth.js";
import { unwrap } from "./support/terraform.js";
import { VARIABLE_ERRORS } from "./support/input-errors.js";
import { TfValue } from "./support/terraform-test.js";
import { evaluateVariables, offlineModule, SAMPLE_SECRETS, SAMPLE_SECRETS_NO_DEMO, sampleSecretsFor, tfvarsOf } from "./support/variables.js";
import { variableCatalogue } from "./support/variable-catalogue.js";

// These tests run the real Terraform engine (no provider needed for variables, locals and outputs): every
// case below is a `run` block of Terraform's own test framework, all planned by ONE `terraform test`.

const stacks: Record<string, TfJson> = Object.fromEntries(ENVIRONMENTS.map((e) => [stackName(e.name), synthOpenlit(e.name)]));
const json = synthOpenlit("demo");
const DEMO = stackName("demo");
const DEMO_TFVARS = ["environments/openlit/demo.tfvars", SAMPLE_SECRETS];
const demo = (overrides: Record<string, TfValue> = {}) => tfvarsOf(DEMO_TFVARS, overrides);

// The stack's own `architecture` output, with only what it reads (instance_type and its validation): 18 plans of
// the whole stack would cost more than all the other cases.
const ARCHITECTURE = `${DEMO}-architecture`;

/**
 * The harness (support/variable-catalogue.ts). A catalogue message begins exactly one validation's error_message (the
 * catalogue keeps the README's wording), and the bare plan must show that whole error_message. A wrong input of the
 * demo stack is demo() with overrides: those whose overrides nothing of the stack reads together share a bare run. A
 * wrong input planned alone (another environment's file) gets `expect_failures = [var.x]`, which passes only when var.x
 * fails and nothing else does, and a bare plan too where var.x has several rules, to show which one failed.
 */
const harness = variableCatalogue({
  stacks,
  modules: { [ARCHITECTURE]: offlineModule(json, { outputs: ["architecture"] }) },
  bases: { [DEMO]: demo() },
  messageMatch: "prefix",
  alsoExpectFailures: true,
});
const { plan, rejection, resultOf, expectPasses, expectRejected } = harness;

const environments = ENVIRONMENTS.map((e) => [
  e.name,
  plan({ name: `tfvars_${e.name}`, module: stackName(e.name), variables: tfvarsOf([`environments/openlit/${e.name}.tfvars`, sampleSecretsFor(e.name)]) }),
]);
const rfcExample = plan({ name: "rfc_example", module: DEMO, variables: tfvarsOf(["environments/openlit/terraform.tfvars.example", SAMPLE_SECRETS_NO_DEMO]) });
const otherEnvironment = rejection(
  "other_environment",
  DEMO,
  tfvarsOf(["environments/openlit/staging.tfvars", SAMPLE_SECRETS_NO_DEMO]),
  'This is the openlit-demo stack: set environment = "demo" or use environments/openlit/demo.tfvars with it.',
);
const catalogue = VARIABLE_ERRORS.map((e, i) => [e.what, rejection(`catalogue_${i}`, DEMO, demo(e.vars), e.message)] as const);
const rfcShapes = plan({
  name: "rfc_shapes",
  module: DEMO,
  variables: demo({ clickhouse_host: "https://abc123.us-east-1.aws.clickhouse.cloud", clickhouse_port: "8443", otel_port: "9440", key_pair_name: "ops", allowed_cidr: "198.51.100.23/32" }),
});

const cost = "output.estimated_monthly_cost_usd";
const costIs = (name: string, overrides: Record<string, TfValue>, condition: string) =>
  plan({ name, module: DEMO, variables: demo(overrides), asserts: [{ condition, message: `estimated_monthly_cost_usd is \${${cost}}` }] });
// t4g.small 12.26 + 30 GiB gp3 2.40 + snapshots 0.50 + IPv4 3.65 + agent metrics 0.90 + data key 1.00 + 5 alarms 0.50 + transfer 0.50
const costDemo = costIs("cost_demo", {}, `${cost} == "21.71"`);
const costAlerts = costIs("cost_alerts", { alarm_email: "ops@example.com" }, `${cost} == "22.71"`);
const costBigger = costIs("cost_bigger", { instance_type: "t4g.medium", data_volume_size: "50" }, `tonumber(${cost}) > 30`);
const costUnlisted = costIs("cost_unlisted", { instance_type: "m8g.large" }, `${cost} == "unknown: an item has no list price (see cost_breakdown)"`);

const ARCHITECTURES: Record<string, string> = {
  "t4g.small": "arm64", "m7g.large": "arm64", "c6gn.xlarge": "arm64", "m6gd.large": "arm64", "x2gd.medium": "arm64", "im4gn.large": "arm64",
  "is4gen.large": "arm64", "g5g.xlarge": "arm64", "hpc7g.4xlarge": "arm64", "a1.medium": "arm64", "r8g.large": "arm64",
  "t3.small": "x86_64", "t3a.medium": "x86_64", "m7i-flex.large": "x86_64", "g4dn.xlarge": "x86_64", "c5n.large": "x86_64", "inf2.xlarge": "x86_64", "m5.large": "x86_64",
};
const architectures = Object.entries(ARCHITECTURES).map(([type, arch], i) =>
  plan({ name: `architecture_${i}`, module: ARCHITECTURE, variables: { instance_type: type }, asserts: [{ condition: `output.architecture == "${arch}"`, message: `${type}: architecture is \${output.architecture}` }] }),
);

const otelIs = (name: string, otelHost: string, expected: string) =>
  plan({ name, module: DEMO, variables: demo({ otel_host: otelHost }), asserts: [{ condition: `local.otel_host_resolved == "${expected}"`, message: "otel host resolved to ${local.otel_host_resolved}" }] });
const otelDefault = otelIs("otel_default", "", "change-me.us-east-1.aws.clickhouse.cloud");
const otelSet = otelIs("otel_set", "native.example.com", "native.example.com");

// Controls: cases that must NOT pass, so a harness that read every run as passed would fail these tests.
const controlExpect = plan({ name: "control_expect", module: DEMO, variables: demo(), expectFailures: ["var.allowed_cidr"] });
const controlAssert = plan({ name: "control_assert", module: DEMO, variables: demo(), asserts: [{ condition: `${cost} == "0.00"`, message: "cost is ${" + cost + "}" }] });

beforeAll(harness.start);

describe("environment tfvars", () => {
  it.each(environments)("environments/openlit/%s.tfvars passes every validation of its stack", async (_environment, run) => {
    await expectPasses(run);
  });

  it("the RFC's terraform.tfvars.example layout is accepted as it is", async () => {
    await expectPasses(rfcExample);
  });

  it("a tfvars file of another environment is refused by the stack", async () => {
    await expectRejected(otherEnvironment);
  });
});

describe("variable validations", () => {
  // Each row of the shared catalogue: the wrong input, and the message the operator sees.
  it.each(catalogue)("rejects %s with a message that says what to do", async (_what, row) => {
    await expectRejected(row);
  });

  it.concurrent("reports a missing required variable by name", async () => {
    const run = await evaluateVariables(json, { tfvars: ["environments/openlit/demo.tfvars"] });
    expect(run.ok).toBe(false);
    expect(unwrap(run.stderr)).toMatch(/No value for required variable.*clickhouse_password/);
  });

  it("accepts the RFC's own value shapes: https:// host, string ports, comma-separated accounts", async () => {
    await expectPasses(rfcShapes);
  });

  it("reads a run that should have failed, or whose assertion is false, as failed", async () => {
    const [expected] = await resultOf(controlExpect);
    expect(expected.status).toBe("error");
    expect(expected.diagnostics.map((d) => d.summary)).toEqual(["Missing expected failure"]);
    const [asserted] = await resultOf(controlAssert);
    expect(asserted).toEqual({ status: "fail", diagnostics: [expect.objectContaining({ summary: "Test assertion failed", detail: "cost is 21.71" })] });
    expect((await resultOf("no_such_run"))[0].status).toBe("missing");
  });
});

describe("derived values", () => {
  it("estimates the demo environment under the RFC's $25/month, alerts included", async () => {
    await expectPasses(costDemo);
    await expectPasses(costAlerts);
  });

  it("prices bigger choices higher and says when a type has no list price", async () => {
    await expectPasses(costBigger);
    await expectPasses(costUnlisted);
  });

  it.each(Object.keys(ARCHITECTURES).map((type, i) => [type, ARCHITECTURES[type], architectures[i]]))(
    "derives the CPU architecture from the instance type: %s is %s",
    async (_type, _arch, run) => {
      await expectPasses(run);
    },
  );

  it("defaults otel_host to clickhouse_host without its scheme", async () => {
    await expectPasses(otelDefault);
    await expectPasses(otelSet);
  });

  it("has a list price for every Graviton size the RFC mentions", () => {
    expect(HOURLY_PRICE_USD["t4g.small"]).toBeDefined();
    expect(HOURLY_PRICE_USD["t4g.medium"]).toBeDefined();
  });
});
