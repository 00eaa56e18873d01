import {
  H3_PIPELINE_SAMPLE_CA_CERT,
  H3_PIPELINE_SAMPLE_INPUTS,
  H3_PIPELINE_VARIABLE_ERRORS,
} from "./support/input-errors.js";
import { messageOf } from "./support/rejection-batches.js";
import { validationsOf } from "./support/variables.js";
import { docsTableTests } from "./support/variable-catalogue.js";
import { EdgeValue, EXISTING_NETWORK, ofLength, systemVariables } from "./support/system-variables.js";

// The h3-pipeline stacks' variables through the real Terraform engine (no provider needed for variables, locals and
// outputs): every case below is a `run` block of Terraform's own test framework, all planned by ONE `terraform test`.
// Wrong inputs share bare runs, which show each one's message (support/variable-catalogue.ts).

/**
 * Each environment's tfvars with the inputs the operator exports as TF_VAR_… (the ClickHouse password; in prod also
 * the cluster CA's certificate and key: H3_PIPELINE_SAMPLE_INPUTS), as `-var-file=<env>.tfvars -var=…` with those
 * variables in the environment gives them.
 */
const system = systemVariables("h3-pipeline", { exported: H3_PIPELINE_SAMPLE_INPUTS });
const { STACK, stacks, tfvars, harness } = system;
const { plan, expectPasses, expectRejected, resultOf } = harness;

// The two tfvars files with the exported inputs: nothing refused, and where the tasks reach ClickHouse (ClickHouse
// Cloud in dev, the three self-hosted nodes' shared name in prod).
const ENDPOINT = { dev: "change-me.us-east-1.aws.clickhouse.cloud:9440", prod: "clickhouse.h3-pipeline-prod.internal:9440" } as const;
const endpoint = "output.clickhouse_endpoint";
const tfvarsFiles = system.tfvarsFiles("clickhouse_endpoint", endpoint, ENDPOINT);
// dev's file (with the password the operator exports) without its HTTP opt-in, which prod refuses on its own account.
const otherEnvironment = system.otherEnvironment({ allow_http_only: false });
const catalogue = system.catalogue(H3_PIPELINE_VARIABLE_ERRORS);
// Rows whose message the stack never shows alone (a defect of its rules, reported): a bare run each, which must show
// exactly the row's message and the others it names, so the row's validation is proven to answer, and a fixed rule
// fails here until the row loses its alsoShown.
const shownWithOthers = H3_PIPELINE_VARIABLE_ERRORS.flatMap((e, i) =>
  e.alsoShown ? [[STACK(e.environment), e.what, e, plan({ name: `catalogue_${i}_shown`, module: STACK(e.environment), variables: tfvars(e.environment, e.vars) })] as const] : [],
);

// Values at the edge of what each rule allows: accepted, with no diagnostic at all.
const PRIVATELINK = { clickhouse_privatelink_service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", clickhouse_host: "abc123.us-east-1.vpce.aws.clickhouse.cloud" };
const EDGE_VALID: readonly EdgeValue[] = [
  { what: "an existing VPC (8- and 17-digit ids) with two public and three private subnets", environment: "prod", vars: EXISTING_NETWORK },
  {
    what: "a certificate of the same region and no zone (the operator points the DNS name)",
    environment: "prod",
    vars: { hosted_zone_name: "", certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" },
  },
  {
    what: "a GovCloud region with its certificate, beside a zone",
    environment: "prod",
    vars: { aws_region: "us-gov-west-1", certificate_arn: "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" },
  },
  { what: "a domain that is its zone's apex, and HTTP allowed beside it", environment: "dev", vars: { domain_name: "h3.example.co", hosted_zone_name: "h3.example.co" } },
  {
    what: "every number at its lowest, one NAT gateway in prod (throughput 125 MiB/s on 3000 IOPS)",
    environment: "prod",
    vars: {
      nat_gateways: 1, task_cpu: 1024, task_memory: 2048, min_tasks: 1, max_tasks: 1, cpu_target: 10, memory_target: 10, scale_out_cooldown: 0, scale_in_cooldown: 0,
      clickhouse_password_version: 1, clickhouse_volume_size: 1000, clickhouse_volume_iops: 3000, clickhouse_volume_throughput: 125, clickhouse_ca_key_version: 1,
      uploads_glacier_days: 1, processed_expiration_days: 1, backups_glacier_days: 1, log_retention_days: 1,
    },
  },
  {
    what: "every number at its highest, two NAT gateways in dev (1000 MiB/s on 10000 IOPS, under their 2500)",
    environment: "dev",
    vars: {
      nat_gateways: 2, task_cpu: 4096, task_memory: 8192, min_tasks: 100, max_tasks: 100, cpu_target: 95, memory_target: 95, scale_out_cooldown: 3600, scale_in_cooldown: 3600,
      clickhouse_password_version: 1000000, clickhouse_volume_size: 5000, clickhouse_volume_iops: 10000, clickhouse_volume_throughput: 1000, clickhouse_ca_key_version: 1000000,
      uploads_glacier_days: 3650, processed_expiration_days: 3650, backups_glacier_days: 3650, log_retention_days: 3653,
    },
  },
  { what: "1 vCPU with 8 GiB, its most", environment: "prod", vars: { task_cpu: 1024, task_memory: 8192 } },
  { what: "2 vCPU with 4 GiB, its least", environment: "dev", vars: { task_cpu: 2048, task_memory: 4096 } },
  { what: "4 vCPU with 8 GiB, its only size in the range", environment: "prod", vars: { task_cpu: 4096, task_memory: 8192 } },
  { what: "as many tasks at least as at most", environment: "prod", vars: { min_tasks: 20, max_tasks: 20 } },
  { what: "1000 GiB with 10000 IOPS and 1000 MiB/s", environment: "prod", vars: { clickhouse_volume_size: 1000, clickhouse_volume_iops: 10000, clickhouse_volume_throughput: 1000 } },
  { what: "throughput exactly IOPS / 4 (750 MiB/s on 3000 IOPS), 5000 GiB", environment: "prod", vars: { clickhouse_volume_size: 5000, clickhouse_volume_throughput: 750 } },
  { what: "1000 MiB/s on the least IOPS that allow it (4000)", environment: "prod", vars: { clickhouse_volume_iops: 4000, clickhouse_volume_throughput: 1000 } },
  { what: "self-hosted with a user other than default, the HTTPS port, another node type", environment: "prod", vars: { clickhouse_user: "h3_app", clickhouse_database: "h3_pipeline", clickhouse_port: 8443, clickhouse_instance_type: "r7g.2xlarge" } },
  {
    what: "dev switched to self-hosted with its CA (certificate without a trailing newline, as $(cat ca.crt) gives it; an EC key)",
    environment: "dev",
    vars: {
      clickhouse_deployment: "self-hosted",
      clickhouse_host: "",
      clickhouse_ca_cert: H3_PIPELINE_SAMPLE_CA_CERT.trimEnd(),
      clickhouse_ca_key: "-----BEGIN EC PRIVATE KEY-----\ntest-Clickhouse-CA-key-s3cret\n-----END EC PRIVATE KEY-----",
    },
  },
  { what: "ClickHouse Cloud with PrivateLink", environment: "dev", vars: PRIVATELINK },
  { what: "prod on ClickHouse Cloud with PrivateLink, no CA", environment: "prod", vars: { clickhouse_deployment: "cloud", ...PRIVATELINK, clickhouse_ca_cert: "", clickhouse_ca_key: "" } },
  { what: "a Cloud host of one label", environment: "dev", vars: { clickhouse_host: "clickhouse" } },
  { what: "64-character user and database names, a user with . and -", environment: "dev", vars: { clickhouse_user: ofLength("_h3.app-", 64), clickhouse_database: ofLength("H", 64, "9") } },
  { what: "a password of 4096 characters", environment: "dev", vars: { clickhouse_password: "x".repeat(4096) } },
  { what: "backups at 00:00", environment: "prod", vars: { clickhouse_backup_time: "00:00" } },
  { what: "backups at 23:59", environment: "prod", vars: { clickhouse_backup_time: "23:59" } },
  { what: "a 128-character tag starting with _", environment: "prod", vars: { image_tag: ofLength("_v1.4.2-", 128) } },
  { what: "a tag that only starts with latest", environment: "dev", vars: { image_tag: "latest-1a2b3c4" } },
  { what: "a health path with every allowed character", environment: "prod", vars: { health_check_path: "/api/v1/_health.json~ok-2" } },
  { what: "an alarm e-mail with a plus, the longest log retention", environment: "prod", vars: { alarm_email: "ops+h3@example.com", log_retention_days: 3653 } },
  {
    what: "numbers and booleans given as strings, as TF_VAR_ variables give them",
    environment: "prod",
    vars: {
      nat_gateways: "2", task_cpu: "2048", task_memory: "4096", min_tasks: "2", max_tasks: "10", cpu_target: "70", memory_target: "80", scale_out_cooldown: "60", scale_in_cooldown: "300",
      clickhouse_port: "8443", clickhouse_password_version: "2", clickhouse_volume_size: "2000", clickhouse_volume_iops: "6000", clickhouse_volume_throughput: "500", clickhouse_ca_key_version: "2",
      uploads_glacier_days: "30", processed_expiration_days: "90", backups_glacier_days: "7", log_retention_days: "90", allow_http_only: "false", enable_monitoring: "true", enable_health_gate: "false",
    },
  },
];
const accepted = system.accepted(EDGE_VALID);

beforeAll(harness.start);

describe("the stacks' tfvars", () => {
  it.each(tfvarsFiles)("environments/h3-pipeline/%s.tfvars passes every validation unchanged, with the exported inputs", async (_environment, run) => {
    await expectPasses(run);
  });

  it("a tfvars file of another environment is refused by the stack", async () => {
    await expectRejected(otherEnvironment);
  });
});

describe("variable validations", () => {
  harness.catalogueTests(catalogue, accepted, shownWithOthers.map(([, , e]) => e.message));

  it.each(shownWithOthers)("%s rejects %s with its message and the others the row names", async (stack, _what, e, run) => {
    const [shown, why] = await resultOf(run);
    expect(shown.status, why).toBe("error");
    const validations = validationsOf(stacks[stack]!);
    // Each message names one validation of the stack, and the plan shows exactly these.
    for (const message of [e.message, ...e.alsoShown!]) expect(validations.filter((v) => v.errorMessage === message), message).toHaveLength(1);
    // In any order: Terraform reports independent validations as they finish.
    const byMessage = (a: { message: string }, b: { message: string }) => a.message.localeCompare(b.message);
    expect(
      shown.diagnostics.map((d) => ({ summary: d.summary, message: messageOf(d.detail) })).sort(byMessage),
      why,
    ).toEqual([e.message, ...e.alsoShown!].map((message) => ({ summary: "Invalid value for variable", message })).sort(byMessage));
  });

  // Controls: cases that must NOT pass, so a harness that read every run as passed would fail these tests.
  harness.controlTests(STACK("dev"), tfvars("dev"), { expectFailure: "var.alarm_email", assert: { condition: `${endpoint} == ""`, message: `clickhouse_endpoint is \${${endpoint}}` }, shows: `clickhouse_endpoint is ${ENDPOINT.dev}` });
});

docsTableTests("h3-pipeline", H3_PIPELINE_VARIABLE_ERRORS);
