import { LIGHTHOUSE_VARIABLE_ERRORS } from "./support/input-errors.js";
import { docsTableTests } from "./support/variable-catalogue.js";
import { EdgeValue, ofLength, systemVariables } from "./support/system-variables.js";

// The Lighthouse stacks' variables through the real Terraform engine (no provider needed for variables, locals and
// outputs): every case below is a `run` block of Terraform's own test framework, all planned by ONE `terraform test`.

const system = systemVariables("lighthouse", { alsoExpectFailures: true });
const { STACK, tfvars, harness } = system;
const { expectPasses, expectRejected } = harness;

// The document's two terraform.tfvars, unchanged, with the cost its calculator gives for each.
const cost = "output.estimated_monthly_cost";
const documentExamples = system.tfvarsFiles("estimated_monthly_cost", cost, { dev: "$3.54", prod: "$23.36" });
const otherEnvironment = system.otherEnvironment();
const catalogue = system.catalogue(LIGHTHOUSE_VARIABLE_ERRORS);

// Values at the edge of what each rule allows: accepted, with no diagnostic at all.
const EDGE_VALID: readonly EdgeValue[] = [
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
const accepted = system.accepted(EDGE_VALID);

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
