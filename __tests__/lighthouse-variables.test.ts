import { stackName } from "../stacks/base-stack.js";
import { synthLighthouse, TfJson } from "./support/synth.js";
import { LIGHTHOUSE_VARIABLE_ERRORS } from "./support/input-errors.js";
import { docsTableTests, readTfvarsWithLists, RunValue, variableCatalogue } from "./support/variable-catalogue.js";

// The Lighthouse stacks' variables through the real Terraform engine (no provider needed for variables, locals and
// outputs): every case below is a `run` block of Terraform's own test framework, all planned by ONE `terraform test`.

const ENVIRONMENTS = ["dev", "prod"] as const;
type Environment = (typeof ENVIRONMENTS)[number];
const STACK = (environment: Environment) => stackName("lighthouse", environment);
const stacks: Record<string, TfJson> = Object.fromEntries(
  ENVIRONMENTS.map((environment) => [STACK(environment), synthLighthouse(environment)]),
);
const TFVARS = (environment: Environment) => `environments/lighthouse/${environment}.tfvars`;

/** The environment's tfvars with overrides, as `-var-file=<env>.tfvars -var=…` gives them. */
const tfvars = (environment: Environment, overrides: Readonly<Record<string, RunValue>> = {}) => ({ ...readTfvarsWithLists(TFVARS(environment)), ...overrides });
// A wrong input is its environment's tfvars with overrides: rejections whose overrides nothing of the stack reads
// together share a bare run (support/rejection-batches.ts).
const harness = variableCatalogue({ stacks, bases: Object.fromEntries(ENVIRONMENTS.map((environment) => [STACK(environment), tfvars(environment)])), alsoExpectFailures: true });
const { plan, expectPasses, expectRejected } = harness;
/** A wrong input of the environment's stack (support/variable-catalogue.ts). */
const rejection = (name: string, environment: Environment, variables: Record<string, RunValue>, message: string) =>
  harness.rejection(name, STACK(environment), variables, message);

// The document's two terraform.tfvars, unchanged, with the cost its calculator gives for each.
const DOCUMENT_COST: Record<Environment, string> = { dev: "$3.54", prod: "$23.36" };
const cost = "output.estimated_monthly_cost";
const documentExamples = ENVIRONMENTS.map((environment) => [
  environment,
  plan({
    name: `tfvars_${environment}`,
    module: STACK(environment),
    variables: tfvars(environment),
    asserts: [{ condition: `${cost} == "${DOCUMENT_COST[environment]}"`, message: `estimated_monthly_cost is \${${cost}}` }],
  }),
]);
const otherEnvironment = rejection(
  "other_environment",
  "prod",
  readTfvarsWithLists(TFVARS("dev")),
  'This is the lighthouse-prod stack: set environment = "prod" or use environments/lighthouse/prod.tfvars with it.',
);
const catalogue = LIGHTHOUSE_VARIABLE_ERRORS.map((e, i) => [`lighthouse-${e.environment}`, e.what, rejection(`catalogue_${i}`, e.environment, tfvars(e.environment, e.vars), e.message)] as const);

// Values at the edge of what each rule allows: accepted, with no diagnostic at all.
/** `prefix` filled up to `length` characters. */
const ofLength = (prefix: string, length: number, fill = "x") => prefix + fill.repeat(length - prefix.length);
const EDGE_VALID: readonly { what: string; environment: Environment; vars: Record<string, RunValue> }[] = [
  { what: "SSH from one address, with a key pair", environment: "dev", vars: { ssh_key_name: "ops", ssh_allowed_cidr_blocks: ["203.0.113.7/32"] } },
  { what: "SSH from several ranges", environment: "prod", vars: { ssh_allowed_cidr_blocks: ["10.0.0.0/16", "192.168.0.0/24", "203.0.113.7/32"] } },
  { what: "a password of 16 characters", environment: "dev", vars: { db_password: ofLength("Abcdefgh", 16, "1") } },
  { what: "a password of 128 characters, with every allowed punctuation mark", environment: "prod", vars: { db_password_secret_id: "", db_password: ofLength("_.~+=,:-Ab", 128, "1") } },
  {
    what: "every optional name empty in dev, and no key pair",
    environment: "dev",
    vars: { ssh_key_name: "", ssh_allowed_cidr_blocks: [], vpc_name: "", private_subnet_name: "", backend_security_group_name: "", db_password_secret_id: "", db_password: "", backup_s3_bucket: "", alerts_sns_topic_name: "", alarm_email: "", domain_name: "" },
  },
  {
    what: "every optional name empty in prod: the stack creates the secret, bucket and topic",
    environment: "prod",
    vars: { ssh_key_name: "", ssh_allowed_cidr_blocks: [], vpc_name: "", private_subnet_name: "", backend_security_group_name: "", db_password_secret_id: "", db_password: "", backup_s3_bucket: "", alerts_sns_topic_name: "", alarm_email: "", domain_name: "" },
  },
  { what: "a subnet by name in any VPC", environment: "dev", vars: { vpc_name: "", private_subnet_name: "lighthouse-dev-private" } },
  { what: "names with spaces and single quotes", environment: "prod", vars: { vpc_name: "Ops' VPC", private_subnet_name: "Private subnet A", backend_security_group_name: "Backend servers" } },
  { what: "a secret given by its ARN", environment: "prod", vars: { db_password_secret_id: "arn:aws:secretsmanager:us-east-1:123456789012:secret:lighthouse/prod/db/password-AbCdEf" } },
  { what: "a 3-character bucket name", environment: "prod", vars: { backup_s3_bucket: "abc" } },
  { what: "a 63-character bucket name with dots", environment: "dev", vars: { backup_s3_bucket: ofLength("lighthouse.backups-", 63) } },
  { what: "a 256-character topic name", environment: "dev", vars: { alerts_sns_topic_name: ofLength("lighthouse_dev-", 256) } },
  { what: "an alarm e-mail and a sub-zone", environment: "dev", vars: { alarm_email: "ops@example.com", domain_name: "db.internal.example.com", dns_private_zone: true } },
  {
    what: "every number at its lowest",
    environment: "dev",
    vars: { volume_size_gb: 1, db_password_version: 1, backup_retention_days: 1, dump_retention_days: 1, log_retention_days: 1, spot_price_factor: 0.01 },
  },
  {
    what: "every number at its highest",
    environment: "dev",
    vars: { volume_size_gb: 16384, db_password_version: 1000000, backup_retention_days: 36500, dump_retention_days: 36500, log_retention_days: 3653, spot_price_factor: 1 },
  },
  { what: "numbers and booleans given as strings, as TF_VAR_ variables give them", environment: "prod", vars: { volume_size_gb: "200", backup_retention_days: "35", enable_monitoring: "false" } },
];
const accepted = EDGE_VALID.map((e, i) => [`lighthouse-${e.environment}`, e.what, harness.accept(`edge_valid_${i}`, STACK(e.environment), tfvars(e.environment, e.vars))] as const);

beforeAll(harness.start);

describe("the document's tfvars", () => {
  it.each(documentExamples)("environments/lighthouse/%s.tfvars passes every validation unchanged, at the document's cost", async (_environment, run) => {
    await expectPasses(run);
  });

  it("a tfvars file of another environment is refused by the stack", async () => {
    await expectRejected(otherEnvironment);
  });
});

describe("variable validations", () => {
  harness.catalogueTests(catalogue, accepted);

  // Controls: cases that must NOT pass, so a harness that read every run as passed would fail these tests.
  harness.controlTests(STACK("dev"), tfvars("dev"), { expectFailure: "var.ssh_allowed_cidr_blocks", assert: { condition: `${cost} == "$0.00"`, message: `estimated_monthly_cost is \${${cost}}` }, shows: "estimated_monthly_cost is $3.54" });
});

docsTableTests("lighthouse", LIGHTHOUSE_VARIABLE_ERRORS);
