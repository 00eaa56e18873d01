import { VECTORDB_VARIABLE_ERRORS } from "./support/input-errors.js";
import { docsTableTests } from "./support/variable-catalogue.js";
import { EdgeValue, EXISTING_NETWORK, ofLength, systemVariables } from "./support/system-variables.js";

// The VectorDB API stacks' variables through the real Terraform engine (no provider needed for variables, locals and
// outputs): every case below is a `run` block of Terraform's own test framework, all planned by ONE `terraform test`.
// Wrong inputs share bare runs, which show each one's message (support/variable-catalogue.ts).

const system = systemVariables("vectordb-api");
const { STACK, tfvars, harness } = system;
const { expectPasses, expectRejected } = harness;

// The two tfvars files, unchanged: nothing refused, and the log groups the document names (prod) or their -dev twins.
const LOG_GROUPS = { dev: "/aws/ec2/vectordb-api-dev,/aws/ec2/vectordb-worker-dev", prod: "/aws/ec2/vectordb-api,/aws/ec2/vectordb-worker" };
const logGroups = 'join(",", output.log_groups)';
const tfvarsFiles = system.tfvarsFiles("log_groups", logGroups, LOG_GROUPS);
// dev's file without its HTTP opt-in, which prod refuses on its own account.
const otherEnvironment = system.otherEnvironment({ allow_http_only: false });
const catalogue = system.catalogue(VECTORDB_VARIABLE_ERRORS);

// Values at the edge of what each rule allows: accepted, with no diagnostic at all.
const EDGE_VALID: readonly EdgeValue[] = [
  { what: "an existing VPC (8- and 17-digit ids) with two public and three private subnets", environment: "prod", vars: EXISTING_NETWORK },
  {
    what: "a domain with a given certificate and no zone (the operator points the DNS name)",
    environment: "prod",
    vars: { aws_region: "us-gov-west-1", hosted_zone_name: "", certificate_arn: "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" },
  },
  { what: "a domain that is its zone's apex, and HTTP allowed beside it", environment: "dev", vars: { domain_name: "vectordb.example.co", hosted_zone_name: "vectordb.example.co" } },
  { what: "SSH from several ranges inside the VPC, with a 255-character key pair name", environment: "dev", vars: { key_pair_name: ofLength("ops-", 255), ssh_allowed_cidr_blocks: ["10.8.0.0/16", "192.168.1.0/24", "10.0.3.7/32"] } },
  { what: "an image in a namespaced repository of another account, with a 128-character tag", environment: "prod", vars: { ecr_repository: "team/vectordb-api.v2_x", aws_account_id: "210987654321", image_tag: ofLength("_v1.4.2-", 128) } },
  { what: "a tag that only starts with latest", environment: "dev", vars: { image_tag: "latest-1" } },
  { what: "a Metabase URL with a port and a path, and an internal host name", environment: "prod", vars: { metabase_url: "https://metabase:8443/api/v1?x=1" } },
  { what: "a one-character index name, and the default namespace", environment: "dev", vars: { pinecone_index_name: "v", pinecone_namespace: "" } },
  { what: "a 45-character index name starting with a digit, and a namespace with spaces", environment: "prod", vars: { pinecone_index_name: ofLength("1-vectors-", 45, "9"), pinecone_namespace: "clients 2024" } },
  {
    what: "the four API keys given as an operator would (TF_VAR_*), with JSON-special characters",
    environment: "prod",
    vars: { api_key: 'k"ey\\1', openai_api_key: "sk-proj-0123456789", pinecone_api_key: "pc-0123456789", metabase_api_key: "mb_0123456789" },
  },
  {
    what: "every number at its lowest, one NAT gateway in prod",
    environment: "prod",
    vars: { nat_gateways: 1, root_volume_size: 8, data_volume_size: 1, chunk_size: 1, batch_size: 1, max_workers: 1, task_timeout: 120, openai_rate_limit: 1, secrets_version: 1, csv_retention_days: 1, log_retention_days: 1 },
  },
  {
    what: "every number at its highest, two NAT gateways in dev",
    environment: "dev",
    vars: { nat_gateways: 2, root_volume_size: 16384, data_volume_size: 16384, chunk_size: 1000000, batch_size: 1000, max_workers: 64, task_timeout: 86400, openai_rate_limit: 1000, secrets_version: 1000000, csv_retention_days: 3650, log_retention_days: 3653 },
  },
  { what: "the document's recommended m5.xlarge, a larger cache and an alarm e-mail", environment: "prod", vars: { instance_type: "m5.xlarge", cache_node_type: "cache.r7g.large", alarm_email: "ops+vectordb@example.com" } },
  {
    what: "numbers and booleans given as strings, as TF_VAR_ variables give them",
    environment: "prod",
    vars: { max_workers: "8", task_timeout: "3600", nat_gateways: "1", enable_monitoring: "false", enable_health_gate: "true", allow_http_only: "false" },
  },
];
const accepted = system.accepted(EDGE_VALID);

beforeAll(harness.start);

describe("the stacks' tfvars", () => {
  it.each(tfvarsFiles)("environments/vectordb-api/%s.tfvars passes every validation unchanged", async (_environment, run) => {
    await expectPasses(run);
  });

  it("a tfvars file of another environment is refused by the stack", async () => {
    await expectRejected(otherEnvironment);
  });
});

describe("variable validations", () => {
  harness.catalogueTests(catalogue, accepted);

  // Controls: cases that must NOT pass, so a harness that read every run as passed would fail these tests.
  harness.controlTests(STACK("dev"), tfvars("dev"), { expectFailure: "var.ssh_allowed_cidr_blocks", assert: { condition: `${logGroups} == ""`, message: `log_groups is \${${logGroups}}` }, shows: `log_groups is ${LOG_GROUPS.dev}` });
});

docsTableTests("vectordb-api", VECTORDB_VARIABLE_ERRORS);
