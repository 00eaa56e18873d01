import type { TfJson } from "./support/synth.js";
import { AGENT_PLATFORM_VARIABLE_ERRORS } from "./support/input-errors.js";
import { offlineModule } from "./support/variables.js";
import { docsTableTests } from "./support/variable-catalogue.js";
import { EdgeValue, Environment, EXISTING_NETWORK, ofLength, systemVariables } from "./support/system-variables.js";

// The AGENT platform stacks' variables through the real Terraform engine (no provider needed for variables, locals,
// outputs and the `database_connections` check): every case below is a `run` block of Terraform's own test framework,
// all planned by ONE `terraform test`. Wrong inputs share bare runs, which show each one's message
// (support/variable-catalogue.ts).

// What plan checks without a provider, with the stack's `check` block: it reads only variables and the local of the
// estimated max_connections, so its warning shows in the runs (a passing run must not warn either).
const system = systemVariables("agent-platform", { moduleOf: (stack) => ({ ...offlineModule(stack), check: (stack as TfJson & { check: object }).check }) });
const { STACK, tfvars, harness } = system;
const { plan, expectPasses, expectRejected, resultOf } = harness;

// The two tfvars files, unchanged: nothing refused, no warning of the check, and the log groups of the environment.
const LOG_GROUPS = (environment: Environment) => ["backend", "frontend", "chroma"].map((part) => `/agent-platform/${environment}/${part}`).join(",");
const logGroups = 'join(",", output.log_groups)';
const tfvarsFiles = system.tfvarsFiles("log_groups", logGroups, { dev: LOG_GROUPS("dev"), prod: LOG_GROUPS("prod") });
// dev's file without its HTTP opt-in, which prod refuses on its own account.
const otherEnvironment = system.otherEnvironment({ allow_http_only: false });
const catalogue = system.catalogue(AGENT_PLATFORM_VARIABLE_ERRORS);

// Values at the edge of what each rule allows: accepted, with no diagnostic at all (no warning of the check either).
const TEN_EMAILS = Array.from({ length: 10 }, (_, i) => `finance+${i + 1}@example.com`);
const EDGE_VALID: readonly EdgeValue[] = [
  { what: "an existing VPC (8- and 17-digit ids) with two public and three private subnets", environment: "prod", vars: EXISTING_NETWORK },
  {
    what: "a certificate of the same region and no zone (the operator points the DNS name)",
    environment: "prod",
    vars: { aws_region: "eu-west-1", hosted_zone_name: "", certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" },
  },
  {
    what: "a GovCloud region with its certificate, beside a zone",
    environment: "prod",
    vars: { aws_region: "us-gov-west-1", certificate_arn: "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" },
  },
  { what: "a domain that is its zone's apex, and HTTP allowed beside it", environment: "dev", vars: { domain_name: "agent.example.co", hosted_zone_name: "agent.example.co" } },
  {
    what: "every number at its lowest, one NAT gateway in prod",
    environment: "prod",
    vars: {
      nat_gateways: 1, app_min_size: 1, app_max_size: 1, scaling_cpu_target: 10, scaling_requests_per_target: 0, root_volume_size: 20, backend_workers: 1,
      keep_images: 2, db_pool_size: 1, db_max_overflow: 0, redis_db: 0, db_allocated_storage: 20, db_max_allocated_storage: 21, db_backup_retention_days: 1,
      chroma_volume_size: 1, uploads_glacier_days: 1, log_retention_days: 1, budget_limit_usd: 0.01,
    },
  },
  {
    what: "every number at its highest, two NAT gateways in dev (20 servers x 1 worker x 250 = 5000 connections, an unlisted class's cap)",
    environment: "dev",
    vars: {
      nat_gateways: 2, app_min_size: 20, app_max_size: 20, scaling_cpu_target: 90, scaling_requests_per_target: 1000000, root_volume_size: 16384, backend_workers: 1,
      keep_images: 1000, db_pool_size: 200, db_max_overflow: 50, redis_db: 15, db_instance_class: "db.r7g.4xlarge", db_allocated_storage: 65535, db_max_allocated_storage: 65536,
      db_backup_retention_days: 35, chroma_volume_size: 16384, uploads_glacier_days: 3650, log_retention_days: 3653, budget_limit_usd: 1000000,
    },
  },
  { what: "32 workers on one server (32 x 12 = 384 of db.t3.medium's 404 connections)", environment: "prod", vars: { app_min_size: 1, app_max_size: 1, backend_workers: 32, db_pool_size: 10, db_max_overflow: 2 } },
  { what: "the largest overflow on db.t3.small (1 x 1 x 201 of its 202 connections)", environment: "dev", vars: { backend_workers: 1, db_pool_size: 1, db_max_overflow: 200 } },
  { what: "connections exactly at db.t3.medium's 404 (1 x 4 x 101)", environment: "prod", vars: { app_min_size: 1, app_max_size: 1, db_pool_size: 100, db_max_overflow: 1 } },
  { what: "four servers on db.t3.large (4 x 4 x 30 = 480 of its 808)", environment: "prod", vars: { app_max_size: 4, db_instance_class: "db.t3.large" } },
  { what: "10 budget e-mails", environment: "prod", vars: { budget_emails: TEN_EMAILS } },
  { what: "no budget e-mail, an alarm e-mail with a plus", environment: "prod", vars: { budget_emails: [], alarm_email: "ops+agent@example.com" } },
  { what: "a 128-character tag starting with _, other types and classes, PostgreSQL 14", environment: "prod", vars: { image_tag: ofLength("_v1.4.2-", 128), instance_type: "m5.xlarge", chroma_instance_type: "r7g.large", cache_node_type: "cache.r7g.large", db_instance_class: "db.r7g.large", db_engine_version: "14" } },
  { what: "a tag that only starts with latest, and a commit id", environment: "dev", vars: { image_tag: "latest-1a2b3c4" } },
  { what: "health paths with every allowed character", environment: "prod", vars: { backend_health_path: "/api/v1/health.json", frontend_health_path: "/_next/~status-ok" } },
  { what: "63-character database and user names, PostgreSQL 17, a multi-AZ database", environment: "prod", vars: { db_name: ofLength("A", 63, "9"), db_username: ofLength("agent_", 63), db_engine_version: "17", db_multi_az: true } },
  { what: "a user name that only begins with a reserved one (administrator)", environment: "dev", vars: { db_username: "administrator" } },
  { what: "a user name pgadmin (pg without the _ RDS reserves)", environment: "prod", vars: { db_username: "pgadmin" } },
  { what: "the log level CRITICAL", environment: "dev", vars: { log_level: "CRITICAL" } },
  {
    what: "numbers and booleans given as strings, as TF_VAR_ variables give them",
    environment: "prod",
    vars: { app_min_size: "2", app_max_size: "3", backend_workers: "4", db_pool_size: "20", db_max_overflow: "10", redis_db: "0", budget_limit_usd: "500", nat_gateways: "2", db_multi_az: "true", enable_monitoring: "false", enable_health_gate: "true", allow_http_only: "false" },
  },
];
const accepted = system.accepted(EDGE_VALID);

// The check block: valid variables whose connections outgrow the database. `terraform plan` shows its assertion as a
// warning and goes on; `terraform test` counts a failed check as an error of the run unless the run expects it.
const CONNECTIONS = tfvars("prod", { app_max_size: 10 });
const connectionsShown = plan({ name: "check_connections_shown", module: STACK("prod"), variables: CONNECTIONS });
const connectionsExpected = plan({ name: "check_connections_expect", module: STACK("prod"), variables: CONNECTIONS, expectFailures: ["check.database_connections"] });

beforeAll(harness.start);

describe("the stacks' tfvars", () => {
  it.each(tfvarsFiles)("environments/agent-platform/%s.tfvars passes every validation unchanged", async (_environment, run) => {
    await expectPasses(run);
  });

  it("a tfvars file of another environment is refused by the stack", async () => {
    await expectRejected(otherEnvironment);
  });
});

describe("variable validations", () => {
  harness.catalogueTests(catalogue, accepted);

  it("warns when app_max_size x backend_workers x (db_pool_size + db_max_overflow) outgrows the database", async () => {
    const [shown, why] = await resultOf(connectionsShown);
    expect(
      shown.diagnostics.map(({ severity, summary, detail }) => ({ severity, summary, detail })),
      why,
    ).toEqual([
      {
        severity: "error",
        summary: "Check block assertion failed",
        detail: "app_max_size x backend_workers x (db_pool_size + db_max_overflow) = 1200 connections at most, above the about 404 that db.t3.medium allows: lower one of them, or choose a larger db_instance_class.",
      },
    ]);
    expect(shown.status, why).toBe("error");
    const [expected, expectedWhy] = await resultOf(connectionsExpected);
    expect(expected, expectedWhy).toEqual({ status: "pass", diagnostics: [] });
  });

  // Controls: cases that must NOT pass, so a harness that read every run as passed would fail these tests.
  harness.controlTests(STACK("dev"), tfvars("dev"), { expectFailure: "var.budget_emails", assert: { condition: `${logGroups} == ""`, message: `log_groups is \${${logGroups}}` }, shows: `log_groups is ${LOG_GROUPS("dev")}` });
});

docsTableTests("agent-platform", AGENT_PLATFORM_VARIABLE_ERRORS);
