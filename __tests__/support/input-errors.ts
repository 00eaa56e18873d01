import { Construct } from "constructs";
import { TerraformStack, Testing, Token } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { ComposeHost, ComposeHostProps } from "../../modules/compose-host/index.js";
import { SecureParameters } from "../../modules/secure-parameters/index.js";
import { CostEstimate } from "../../modules/cost-estimate/index.js";
import { PrivateBucket } from "../../modules/private-bucket/index.js";
import { BackupPlan } from "../../modules/backup-plan/index.js";
import { ManagedSecret } from "../../modules/managed-secret/index.js";
import { OpenlitApplicationProps, validateOpenlitApplication } from "../../stacks/openlit/application.js";
import { MINIMAL_HOST_PROPS } from "./compose-host.js";
import { SecurityGroup, SecurityGroupProps } from "../../modules/security-group/index.js";
import { InstanceAlarms } from "../../modules/instance-alarms/index.js";
import { VolumeSnapshots } from "../../modules/volume-snapshots/index.js";
import { HealthGate } from "../../modules/health-gate/index.js";

/**
 * Every wrong input an operator or a stack author can give, and the exact message they see. The tests run
 * each row; the README's "When input is wrong" tables must show each message (docs-match test).
 */
export interface VariableError {
  readonly what: string;
  /** Overrides on top of environments/demo.tfvars and the sample secrets. */
  readonly vars: Record<string, string>;
  readonly message: string;
}

export const VARIABLE_ERRORS: readonly VariableError[] = [
  { what: "an invalid CIDR", vars: { allowed_cidr: "203.0.113.7" }, message: "allowed_cidr must be an IPv4 CIDR such as 203.0.113.7/32" },
  { what: "a CIDR with host bits", vars: { allowed_cidr: "203.0.113.7/24" }, message: "allowed_cidr has host bits set: use the network address" },
  { what: "SSH open to 0.0.0.0/0", vars: { allowed_cidr: "0.0.0.0/0", key_pair_name: "ops" }, message: "allowed_cidr opens SSH to the whole internet" },
  { what: "a malformed instance type", vars: { instance_type: "t4g-small" }, message: "instance_type must look like family.size" },
  { what: "a region that is not one", vars: { aws_region: "us-east" }, message: "aws_region must be a region code" },
  { what: "a clickhouse_host with a path", vars: { clickhouse_host: "https://ch.example.com/db" }, message: "clickhouse_host must be a host name, optionally with https://" },
  { what: "a clickhouse_host with spaces", vars: { clickhouse_host: "ch example.com" }, message: "clickhouse_host must be a host name" },
  { what: "an otel_host with a scheme", vars: { otel_host: "https://ch.example.com" }, message: "otel_host must be a bare host name without scheme" },
  { what: "a port out of range", vars: { clickhouse_port: "70000" }, message: "clickhouse_port must be a port number between 1 and 65535" },
  { what: "a port that is not a number", vars: { otel_port: "tls" }, message: "otel_port must be a port number between 1 and 65535" },
  { what: "fewer passwords than e-mails", vars: { demo_passwords: "Only-one-1" }, message: "demo_passwords must hold exactly one password per demo_emails entry" },
  { what: "passwords without e-mails", vars: { demo_emails: "", demo_passwords: "Lone-pass-1" }, message: "demo_passwords must hold exactly one password per demo_emails entry" },
  { what: "a malformed demo e-mail", vars: { demo_emails: "demo@example.com,not-an-email" }, message: "demo_emails must be comma-separated e-mail addresses" },
  { what: "an empty ClickHouse password", vars: { clickhouse_password: "" }, message: "clickhouse_password is empty: set TF_VAR_clickhouse_password" },
  { what: "a ClickHouse password with a single quote", vars: { clickhouse_password: "it's" }, message: "clickhouse_password may only contain letters, digits and _ - . @ % + , : = * ? ! # ^ { } [ ]" },
  { what: "a ClickHouse password with $ (OpenLIT's entrypoint would cut pa$word9 to pa)", vars: { clickhouse_password: "pa$word9" }, message: "clickhouse_password may only contain letters, digits and _ - . @ % + , : = * ? ! # ^ { } [ ]" },
  { what: "a ClickHouse password with & (it would stop OpenLIT's container)", vars: { clickhouse_password: "a&b-Long-1" }, message: "clickhouse_password may only contain letters, digits and _ - . @ % + , : = * ? ! # ^ { } [ ]" },
  { what: "a ClickHouse password with ; or a space", vars: { clickhouse_password: "x;y z" }, message: "clickhouse_password may only contain letters, digits and _ - . @ % + , : = * ? ! # ^ { } [ ]" },
  { what: "an owner password OpenLIT would refuse", vars: { owner_password: "short" }, message: "owner_password must be 8-128 characters with an upper-case letter, a lower-case letter and a digit (OpenLIT's password rule)." },
  { what: "OpenLIT's published default as owner password", vars: { owner_password: "openlituser" }, message: "owner_password must be 8-128 characters with an upper-case letter, a lower-case letter and a digit (OpenLIT's password rule)." },
  { what: "a demo password without a digit", vars: { demo_passwords: "Demo-pass-1,Demo-pass-two" }, message: "demo_passwords must each be 8-128 characters with an upper-case letter, a lower-case letter and a digit (OpenLIT's password rule)." },
  { what: "a domain name with a scheme", vars: { domain_name: "https://openlit.example.com" }, message: "domain_name must be a DNS name such as \"openlit.example.com\", or empty for plain HTTP on port 3000." },
  { what: "a Route 53 zone without a domain name", vars: { route53_zone_id: "Z0123456789ABCDEFGHIJ" }, message: "route53_zone_id is set but domain_name is empty: set domain_name to the name to create in that zone." },
  { what: "an ECR image without a tag (nothing pushes latest)", vars: { ecr_repository: "openlit", image_tag: "" }, message: "image_tag is empty but ecr_repository is set: use the tag scripts/build-and-push.sh printed (it never pushes \"latest\")." },
  { what: "an account id that is not 12 digits", vars: { aws_account_id: "12345" }, message: "aws_account_id must be 12 digits" },
  { what: "an ECR repository with capitals", vars: { ecr_repository: "OpenLIT" }, message: "ecr_repository must be an ECR repository name" },
  { what: "a tag with a colon", vars: { image_tag: "v1:2" }, message: "image_tag must be a Docker tag" },
  { what: "a tiny root volume", vars: { root_volume_size: "4" }, message: "root_volume_size must be a whole number of GiB from 8" },
  { what: "a fractional data volume", vars: { data_volume_size: "1.5" }, message: "data_volume_size must be a whole number of GiB from 1 to 16384" },
  { what: "a zone that is not one", vars: { availability_zone: "east" }, message: "availability_zone must be a zone name" },
  { what: "a subnet id that is not one", vars: { subnet_id: "my-subnet" }, message: "subnet_id must look like subnet-0123456789abcdef0" },
  { what: "a secrets_version of zero", vars: { secrets_version: "0" }, message: "secrets_version must be a whole number >= 1" },
  { what: "two alarm e-mails", vars: { alarm_email: "a@example.com,b@example.com" }, message: "alarm_email must be one e-mail address" },
  { what: "a snapshot retention of zero", vars: { snapshot_retention_days: "0" }, message: "snapshot_retention_days must be a whole number from 1 to 1000" },
  { what: "a log retention CloudWatch does not offer", vars: { log_retention_days: "10" }, message: "log_retention_days must be one of CloudWatch Logs' periods: 1, 3, 5, 7, 14" },
  { what: "the demo stack given environment = \"staging\"", vars: { environment: "staging" }, message: 'This is the openlit-demo stack: set environment = "demo" or use environments/openlit/demo.tfvars with it.' },
];

/** A wrong input of a system's stack: a row of its docs' "When input is wrong" table and a run of its variable test. */
export interface SystemVariableError {
  readonly what: string;
  /** The stack given the input: <system>-<environment>. */
  readonly environment: "dev" | "prod";
  /**
   * Overrides on top of environments/<system>/<environment>.tfvars (and, where the system has them, the sample
   * secrets an operator exports); a list for a list(string) variable.
   */
  readonly vars: Readonly<Record<string, string | readonly string[]>>;
  readonly message: string;
  /**
   * Messages the same plan shows besides `message`, where the stack cannot show it alone (the test checks the plan
   * shows exactly these).
   */
  readonly alsoShown?: readonly string[];
}


/** Wrong inputs to the Lighthouse stacks, each with the exact message `terraform plan` stops with (docs/lighthouse.md shows each). */
export const LIGHTHOUSE_VARIABLE_ERRORS: readonly SystemVariableError[] = [
  { what: "a region that is not one", environment: "dev", vars: { aws_region: "us-east" }, message: 'aws_region must be a region code such as "us-east-1".' },
  { what: "the dev stack given environment = \"prod\"", environment: "dev", vars: { environment: "prod" }, message: 'This is the lighthouse-dev stack: set environment = "dev" or use environments/lighthouse/dev.tfvars with it.' },
  { what: "the prod stack given environment = \"dev\"", environment: "prod", vars: { environment: "dev" }, message: 'This is the lighthouse-prod stack: set environment = "prod" or use environments/lighthouse/prod.tfvars with it.' },
  { what: "a key pair name with a space", environment: "dev", vars: { ssh_key_name: "my key" }, message: "ssh_key_name must be the name of an existing EC2 key pair (at most 255 characters, no spaces or quotes), or empty." },
  { what: "an SSH source without a prefix length", environment: "dev", vars: { ssh_allowed_cidr_blocks: ["203.0.113.7"] }, message: 'ssh_allowed_cidr_blocks must be IPv4 CIDRs given by their network address, e.g. ["10.0.0.0/16"] or ["203.0.113.7/32"].' },
  { what: "an SSH source with host bits", environment: "dev", vars: { ssh_allowed_cidr_blocks: ["10.0.0.1/16"] }, message: 'ssh_allowed_cidr_blocks must be IPv4 CIDRs given by their network address, e.g. ["10.0.0.0/16"] or ["203.0.113.7/32"].' },
  { what: "SSH open to 0.0.0.0/0", environment: "dev", vars: { ssh_allowed_cidr_blocks: ["0.0.0.0/0"] }, message: "ssh_allowed_cidr_blocks opens SSH to the whole internet: narrow it to your VPN or address (x.x.x.x/32), or leave it empty and use Session Manager." },
  { what: "SSH sources without a key pair", environment: "dev", vars: { ssh_key_name: "", ssh_allowed_cidr_blocks: ["10.0.0.0/16"] }, message: "ssh_allowed_cidr_blocks is set but ssh_key_name is empty: set the key pair, or leave the list empty (Session Manager needs no open port)." },
  { what: "a VPC name with double quotes", environment: "dev", vars: { vpc_name: 'lighthouse "dev"', private_subnet_name: "lighthouse-dev-private" }, message: 'vpc_name must be the Name tag of an existing VPC (at most 255 characters, no double quotes or line breaks), e.g. "lighthouse-prod-vpc", or empty.' },
  { what: "a subnet name with a line break", environment: "dev", vars: { private_subnet_name: "lighthouse-dev\nprivate" }, message: 'private_subnet_name must be the Name tag of an existing subnet (at most 255 characters, no double quotes or line breaks), e.g. "lighthouse-prod-private-subnet", or empty.' },
  { what: "a VPC without a subnet name", environment: "dev", vars: { vpc_name: "lighthouse-dev-vpc" }, message: "vpc_name is set but private_subnet_name is empty: name the subnet too (the VPC only narrows the subnet lookup)." },
  { what: "a security group id instead of its name", environment: "dev", vars: { backend_security_group_name: "sg-0123456789abcdef0" }, message: 'backend_security_group_name must be a security group\'s name (not its sg- id), e.g. "lighthouse-prod-backend-sg", or empty.' },
  { what: "a malformed instance type", environment: "dev", vars: { instance_type: "t4g-micro" }, message: 'instance_type must look like family.size, e.g. "t4g.micro", "t4g.small" or "t4g.medium".' },
  { what: "a fractional volume size", environment: "dev", vars: { volume_size_gb: "20.5" }, message: "volume_size_gb must be a whole number of GiB from 1 to 16384." },
  { what: "a password beside an existing secret", environment: "prod", vars: { db_password: "Abcdefgh123456789" }, message: "db_password is set but db_password_secret_id names an existing secret, which holds the password: leave db_password empty, or put the new value in that secret." },
  { what: "an alarm e-mail beside an existing topic", environment: "prod", vars: { alarm_email: "ops@example.com" }, message: "alarm_email is set but alerts_sns_topic_name names an existing topic, which the alarms notify instead: subscribe the address to that topic (aws sns subscribe), or leave alerts_sns_topic_name empty." },
  { what: "a Secrets Manager secret for the dev stack", environment: "dev", vars: { db_password_secret_id: "lighthouse/dev/db/password" }, message: "db_password_secret_id is for the prod stack's Secrets Manager secret; lighthouse-dev keeps its password in SSM at /lighthouse/dev/db/password: leave it empty." },
  { what: "a secret id with spaces", environment: "prod", vars: { db_password_secret_id: "lighthouse prod password" }, message: 'db_password_secret_id must be a Secrets Manager secret name (letters, digits and /_+=.@-) or ARN, e.g. "lighthouse/prod/db/password", or empty to create one.' },
  { what: "a 15-character password", environment: "dev", vars: { db_password: "Abcdefgh1234567" }, message: "db_password must be 16-128 characters, only letters, digits and _ . ~ + = , : - (safe unquoted in a connection URL and a dotenv line), or empty to let Terraform generate one." },
  { what: "a password with @ (it would end a connection URL's user part)", environment: "prod", vars: { db_password_secret_id: "", db_password: "Abcdefgh@12345678" }, message: "db_password must be 16-128 characters, only letters, digits and _ . ~ + = , : - (safe unquoted in a connection URL and a dotenv line), or empty to let Terraform generate one." },
  { what: "a password version of zero", environment: "dev", vars: { db_password_version: "0" }, message: "db_password_version must be a whole number from 1 to 1000000; increase it by one to push a new password." },
  { what: "a bucket name with capitals", environment: "prod", vars: { backup_s3_bucket: "Lighthouse-Backups-Prod" }, message: 'backup_s3_bucket must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), e.g. "lighthouse-backups-prod", or empty to create one.' },
  { what: "a bucket name with two dots in a row", environment: "prod", vars: { backup_s3_bucket: "lighthouse..backups" }, message: 'backup_s3_bucket must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), e.g. "lighthouse-backups-prod", or empty to create one.' },
  { what: "a topic ARN instead of its name", environment: "prod", vars: { alerts_sns_topic_name: "arn:aws:sns:us-east-1:123456789012:lighthouse-prod-alerts" }, message: 'alerts_sns_topic_name must be an SNS topic name (letters, digits, - and _, at most 256), e.g. "lighthouse-prod-alerts", or empty.' },
  { what: "two alarm e-mails", environment: "dev", vars: { alarm_email: "a@example.com,b@example.com" }, message: 'alarm_email must be one e-mail address, e.g. "ops@example.com", or empty.' },
  { what: "a domain name with a scheme", environment: "prod", vars: { domain_name: "https://example.com" }, message: 'domain_name must be a DNS zone name such as "example.com", or empty for no DNS record.' },
  { what: "a backup retention of zero days", environment: "prod", vars: { backup_retention_days: "0" }, message: "backup_retention_days must be a whole number of days from 1 to 36500." },
  { what: "a dump retention of zero days", environment: "dev", vars: { dump_retention_days: "0" }, message: "dump_retention_days must be a whole number of days from 1 to 36500." },
  { what: "a log retention CloudWatch does not offer", environment: "dev", vars: { log_retention_days: "10" }, message: "log_retention_days must be one of CloudWatch Logs' periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653." },
  { what: "a spot price factor above 1", environment: "dev", vars: { spot_price_factor: "1.5" }, message: "spot_price_factor must be more than 0 and at most 1, e.g. 0.3 for a 70 % discount." },
];

const SUBNET_IDS = 'must be subnet ids (subnet- and 8 to 17 lower-case hex digits), e.g. ["subnet-0123456789abcdef0"].';
const VPC = { vpc_id: "vpc-0123456789abcdef0" };
const PUBLIC_SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
const PRIVATE_SUBNETS = ["subnet-0fedcba9876543210", "subnet-0fedcba9876543211"];
const PINECONE_INDEX = 'pinecone_index_name must be a Pinecone index name (lower-case letters, digits and -, starting and ending with a letter or digit, at most 45), e.g. "vectors-prod".';
const SSH_CIDRS = 'ssh_allowed_cidr_blocks must be narrow IPv4 CIDRs given by their network address (never /0), e.g. ["10.8.0.0/16"].';
const IMAGE_TAG = 'image_tag must be an image tag (letters, digits, _ . -, at most 128) other than "latest", e.g. "v1.4.2" or a commit id.';
const METABASE_URL = 'metabase_url must be an https:// URL, e.g. "https://metabase.example.com".';

/** Wrong inputs to the VectorDB API stacks, each with the exact message `terraform plan` stops with (docs/vectordb-api.md shows each). */
export const VECTORDB_VARIABLE_ERRORS: readonly SystemVariableError[] = [
  { what: "a region that is not one", environment: "dev", vars: { aws_region: "us-east" }, message: 'aws_region must be a region code such as "us-east-1".' },
  { what: "the dev stack given environment = \"prod\"", environment: "dev", vars: { environment: "prod" }, message: 'This is the vectordb-api-dev stack: set environment = "dev" or use environments/vectordb-api/dev.tfvars with it.' },
  { what: "the prod stack given environment = \"dev\"", environment: "prod", vars: { environment: "dev" }, message: 'This is the vectordb-api-prod stack: set environment = "prod" or use environments/vectordb-api/prod.tfvars with it.' },
  { what: "a VPC given by its Name tag", environment: "prod", vars: { vpc_id: "vectordb-prod-vpc", public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: PRIVATE_SUBNETS }, message: "vpc_id must look like vpc-0123456789abcdef0, or be empty to create the network." },
  { what: "a public subnet given by its Name tag", environment: "prod", vars: { ...VPC, public_subnet_ids: ["public-a", "public-b"], private_subnet_ids: PRIVATE_SUBNETS }, message: `public_subnet_ids ${SUBNET_IDS}` },
  { what: "one public subnet (the load balancer needs two zones)", environment: "prod", vars: { ...VPC, public_subnet_ids: ["subnet-0123456789abcdef0"], private_subnet_ids: PRIVATE_SUBNETS }, message: "public_subnet_ids needs two subnets in different zones of vpc_id (the load balancer spans two zones)." },
  { what: "a private subnet id in capitals", environment: "prod", vars: { ...VPC, public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: ["subnet-0FEDCBA9876543210", "subnet-0fedcba9876543211"] }, message: `private_subnet_ids ${SUBNET_IDS}` },
  { what: "an existing VPC without private subnets", environment: "prod", vars: { ...VPC, public_subnet_ids: PUBLIC_SUBNETS }, message: "private_subnet_ids needs two subnets in different zones of vpc_id (the cache's subnet group spans them)." },
  { what: "no NAT gateway", environment: "dev", vars: { nat_gateways: "0" }, message: "nat_gateways must be 1 or 2: the instance needs outbound internet for OpenAI and Pinecone." },
  { what: "a domain name with a scheme", environment: "prod", vars: { domain_name: "https://api.example.com" }, message: 'domain_name must be a DNS name such as "api.example.com", or empty.' },
  { what: "a hosted zone id instead of its name", environment: "prod", vars: { hosted_zone_name: "Z0123456789ABCDEFGHIJ" }, message: 'hosted_zone_name must be a zone name such as "example.com", or empty.' },
  { what: "a domain without its hosted zone or a certificate", environment: "prod", vars: { hosted_zone_name: "" }, message: "domain_name is set without hosted_zone_name: name its Route 53 zone (the certificate is validated there), or give certificate_arn." },
  { what: "an IAM server certificate instead of an ACM one", environment: "prod", vars: { certificate_arn: "arn:aws:iam::123456789012:server-certificate/api" }, message: "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), or empty." },
  { what: "a domain outside its hosted zone", environment: "prod", vars: { domain_name: "api.example.org", hosted_zone_name: "example.com" }, message: "domain_name is not in hosted_zone_name: the certificate's validation record and the alias go into that zone, so the name must end with it (api.example.com in example.com)." },
  { what: "a certificate of another region", environment: "prod", vars: { certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" }, message: "certificate_arn is in another region than aws_region: a load balancer only uses ACM certificates of its own region; request or import one there." },
  { what: "subnets without their VPC", environment: "dev", vars: { private_subnet_ids: ["subnet-0123abcd", "subnet-4567cdef"] }, message: "public_subnet_ids and private_subnet_ids are given without vpc_id: set vpc_id too to use an existing network, or leave the lists empty to create one." },
  { what: "a certificate without the name it is for", environment: "prod", vars: { domain_name: "", hosted_zone_name: "", certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" }, message: "certificate_arn is set but domain_name is empty: give the DNS name the certificate is for (clients and the health check use it)." },
  { what: "plain HTTP in production", environment: "prod", vars: { allow_http_only: "true" }, message: "allow_http_only is for trying the API in dev: production serves HTTPS only. Set domain_name and hosted_zone_name, or certificate_arn." },
  { what: "an API key with a single quote", environment: "dev", vars: { api_key: "abc'def" }, message: "api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; API_KEY is read from the secret at every start)." },
  { what: "an OpenAI key with a line break", environment: "dev", vars: { openai_api_key: "sk-abc\ndef" }, message: "openai_api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; OPENAI_API_KEY is read from the secret at every start)." },
  { what: "a Pinecone key with a single quote", environment: "prod", vars: { pinecone_api_key: "pc'x" }, message: "pinecone_api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; PINECONE_API_KEY is read from the secret at every start)." },
  { what: "a Metabase key with a carriage return", environment: "prod", vars: { metabase_api_key: "mb\rx" }, message: "metabase_api_key must not contain single quotes or line breaks (the instance writes it into a single-quoted env line; METABASE_API_KEY is read from the secret at every start)." },
  { what: "a malformed instance type", environment: "prod", vars: { instance_type: "t3-large" }, message: 'instance_type must look like family.size, e.g. "t3.large" or "m5.xlarge".' },
  { what: "a 4 GiB root volume", environment: "dev", vars: { root_volume_size: "4" }, message: "root_volume_size must be a whole number of GiB from 8 to 16384." },
  { what: "a fractional data volume", environment: "dev", vars: { data_volume_size: "20.5" }, message: "data_volume_size must be a whole number of GiB from 1 to 16384." },
  { what: "a key pair name with a space", environment: "dev", vars: { key_pair_name: "my key" }, message: "key_pair_name must be the name of an existing EC2 key pair (no spaces or quotes), or empty." },
  { what: "an SSH source without a prefix length", environment: "dev", vars: { key_pair_name: "ops", ssh_allowed_cidr_blocks: ["10.8.0.1"] }, message: SSH_CIDRS },
  { what: "an SSH source with host bits", environment: "dev", vars: { key_pair_name: "ops", ssh_allowed_cidr_blocks: ["10.8.0.1/16"] }, message: SSH_CIDRS },
  { what: "SSH open to 0.0.0.0/0", environment: "prod", vars: { key_pair_name: "ops", ssh_allowed_cidr_blocks: ["10.8.0.0/16", "0.0.0.0/0"] }, message: SSH_CIDRS },
  { what: "SSH sources without a key pair", environment: "dev", vars: { ssh_allowed_cidr_blocks: ["10.8.0.0/16"] }, message: "ssh_allowed_cidr_blocks is set but key_pair_name is empty: set the key pair, or use Session Manager (no open port)." },
  { what: "an ECR repository with capitals", environment: "dev", vars: { ecr_repository: "VectorDB-API" }, message: 'ecr_repository must be an ECR repository name, e.g. "vectordb-api".' },
  { what: "the latest tag (a rollback needs the previous tag)", environment: "prod", vars: { image_tag: "latest" }, message: IMAGE_TAG },
  { what: "an image reference instead of its tag", environment: "dev", vars: { image_tag: "vectordb-api:v1.4.2" }, message: IMAGE_TAG },
  { what: "an account id that is not 12 digits", environment: "prod", vars: { aws_account_id: "12345" }, message: "aws_account_id must be 12 digits, or empty." },
  { what: "a Metabase URL over plain HTTP", environment: "prod", vars: { metabase_url: "http://metabase.example.com" }, message: METABASE_URL },
  { what: "a Metabase URL without a scheme", environment: "dev", vars: { metabase_url: "metabase.example.com" }, message: METABASE_URL },
  { what: "an index name with capitals and an underscore", environment: "prod", vars: { pinecone_index_name: "Vectors_Prod" }, message: PINECONE_INDEX },
  { what: "an index name ending with a dash (Pinecone refuses it)", environment: "dev", vars: { pinecone_index_name: "vectors-" }, message: PINECONE_INDEX },
  { what: "an index name of 46 characters", environment: "dev", vars: { pinecone_index_name: "v".repeat(46) }, message: PINECONE_INDEX },
  { what: "a namespace with a quote", environment: "dev", vars: { pinecone_namespace: "team's" }, message: "pinecone_namespace must not contain quotes, backslashes or line breaks (it is written to the application's env file)." },
  { what: "a chunk size of zero", environment: "dev", vars: { chunk_size: "0" }, message: "chunk_size must be a whole number from 1 to 1000000, e.g. 1000." },
  { what: "a batch size above Pinecone's 1000 per upsert", environment: "prod", vars: { batch_size: "1001" }, message: "batch_size must be a whole number from 1 to 1000, e.g. 100." },
  { what: "a fractional worker count", environment: "dev", vars: { max_workers: "2.5" }, message: "max_workers must be a whole number from 1 to 64, e.g. 4." },
  { what: "a task timeout that leaves no soft limit (60 s less)", environment: "prod", vars: { task_timeout: "60" }, message: "task_timeout must be a whole number of seconds from 120 to 86400, e.g. 1800." },
  { what: "an OpenAI rate limit of zero", environment: "dev", vars: { openai_rate_limit: "0" }, message: "openai_rate_limit must be a whole number from 1 to 1000, e.g. 5." },
  { what: "a secrets version of zero", environment: "prod", vars: { secrets_version: "0" }, message: "secrets_version must be a whole number from 1 to 1000000; increase it by one to push new keys." },
  { what: "CSV files kept zero days", environment: "dev", vars: { csv_retention_days: "0" }, message: "csv_retention_days must be a whole number from 1 to 3650, e.g. 30." },
  { what: "an EC2 type as cache node type", environment: "prod", vars: { cache_node_type: "t3.micro" }, message: "cache_node_type must look like cache.t3.micro." },
  { what: "a log retention CloudWatch does not offer", environment: "dev", vars: { log_retention_days: "10" }, message: "log_retention_days must be one of CloudWatch Logs' periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653." },
  { what: "two alarm e-mails", environment: "prod", vars: { alarm_email: "a@example.com,b@example.com" }, message: 'alarm_email must be one e-mail address, e.g. "ops@example.com", or empty.' },
];

const AGENT_IMAGE_TAG = IMAGE_TAG;
const AGENT_DB_USERNAME = 'db_username must start with a letter, hold only letters, digits and _ (at most 63), and not be a name RDS reserves (admin, rdsadmin, postgres, public, user, rds*, pg_*), e.g. "agent_admin".';
const AGENT_BUDGET_EMAILS = 'budget_emails must be at most 10 e-mail addresses, e.g. ["finance@example.com"].';
const AGENT_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

/** Wrong inputs to the AGENT platform stacks, each with the exact message `terraform plan` stops with (docs/agent-platform.md shows each). */
export const AGENT_PLATFORM_VARIABLE_ERRORS: readonly SystemVariableError[] = [
  { what: "a region that is not one", environment: "dev", vars: { aws_region: "us-east" }, message: 'aws_region must be a region code such as "us-east-1".' },
  { what: "the dev stack given environment = \"prod\"", environment: "dev", vars: { environment: "prod" }, message: 'This is the agent-platform-dev stack: set environment = "dev" or use environments/agent-platform/dev.tfvars with it.' },
  { what: "the prod stack given environment = \"dev\"", environment: "prod", vars: { environment: "dev" }, message: 'This is the agent-platform-prod stack: set environment = "prod" or use environments/agent-platform/prod.tfvars with it.' },
  // --- Network
  { what: "a VPC given by its Name tag", environment: "prod", vars: { vpc_id: "agent-platform-prod-vpc", public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: PRIVATE_SUBNETS }, message: "vpc_id must look like vpc-0123456789abcdef0, or be empty to create the network." },
  { what: "a public subnet given by its Name tag", environment: "prod", vars: { ...VPC, public_subnet_ids: ["public-a", "public-b"], private_subnet_ids: PRIVATE_SUBNETS }, message: `public_subnet_ids ${SUBNET_IDS}` },
  { what: "one public subnet (the load balancer needs two zones)", environment: "prod", vars: { ...VPC, public_subnet_ids: ["subnet-0123456789abcdef0"], private_subnet_ids: PRIVATE_SUBNETS }, message: "public_subnet_ids needs two subnets in different zones of vpc_id (the load balancer spans two zones)." },
  { what: "a private subnet id in capitals", environment: "prod", vars: { ...VPC, public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: ["subnet-0FEDCBA9876543210", "subnet-0fedcba9876543211"] }, message: `private_subnet_ids ${SUBNET_IDS}` },
  { what: "an existing VPC with one private subnet", environment: "prod", vars: { ...VPC, public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: ["subnet-0fedcba9876543210"] }, message: "private_subnet_ids needs two subnets in different zones of vpc_id (the app servers, the database's and the cache's subnet groups span them)." },
  { what: "subnets without their VPC", environment: "dev", vars: { public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: PRIVATE_SUBNETS }, message: "public_subnet_ids and private_subnet_ids are given without vpc_id: set vpc_id too to use an existing network, or leave the lists empty to create one." },
  { what: "no NAT gateway", environment: "dev", vars: { nat_gateways: "0" }, message: "nat_gateways must be 1 or 2: the servers need outbound internet for images, updates and the application's own calls." },
  // --- HTTPS
  { what: "a domain name with a scheme", environment: "prod", vars: { domain_name: "https://agent.example.com" }, message: 'domain_name must be a DNS name such as "agent.example.com", or empty.' },
  { what: "a hosted zone id instead of its name", environment: "prod", vars: { hosted_zone_name: "Z0123456789ABCDEFGHIJ" }, message: 'hosted_zone_name must be a zone name such as "example.com", or empty.' },
  { what: "a domain without its hosted zone or a certificate", environment: "prod", vars: { hosted_zone_name: "" }, message: "domain_name is set without hosted_zone_name: name its Route 53 zone (the certificate is validated there), or give certificate_arn." },
  { what: "a domain outside its hosted zone", environment: "prod", vars: { domain_name: "agent.example.org" }, message: "domain_name is not in hosted_zone_name: the certificate's validation record and the alias go into that zone, so the name must end with it (agent.example.com in example.com)." },
  { what: "an IAM server certificate instead of an ACM one", environment: "prod", vars: { certificate_arn: "arn:aws:iam::123456789012:server-certificate/agent" }, message: "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), or empty." },
  { what: "a certificate of another region", environment: "prod", vars: { certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" }, message: "certificate_arn is in another region than aws_region: a load balancer only uses ACM certificates of its own region; request or import one there." },
  { what: "a certificate without the name it is for", environment: "dev", vars: { certificate_arn: AGENT_CERTIFICATE }, message: "certificate_arn is set but domain_name is empty: give the DNS name the certificate is for (clients and the health check use it)." },
  { what: "plain HTTP in production", environment: "prod", vars: { allow_http_only: "true" }, message: "allow_http_only is for trying the platform in dev: production serves HTTPS only. Set domain_name and hosted_zone_name, or certificate_arn." },
  // --- App servers
  { what: "a malformed instance type", environment: "prod", vars: { instance_type: "t3-large" }, message: 'instance_type must look like family.size, e.g. "t3.large" or "t3.xlarge".' },
  { what: "no app server at night (app_min_size = 0)", environment: "prod", vars: { app_min_size: "0" }, message: "app_min_size must be a whole number from 1 to 20, e.g. 2." },
  { what: "no app server in dev", environment: "dev", vars: { app_min_size: "0" }, message: "app_min_size must be a whole number from 1 to 20, e.g. 1." },
  { what: "more app servers than the stack allows", environment: "prod", vars: { app_max_size: "25" }, message: "app_max_size must be a whole number from 1 to 20, e.g. 3." },
  { what: "a fractional app server count", environment: "dev", vars: { app_max_size: "1.5" }, message: "app_max_size must be a whole number from 1 to 20, e.g. 1." },
  { what: "app_max_size below app_min_size", environment: "prod", vars: { app_max_size: "1" }, message: "app_max_size is below app_min_size: raise app_max_size or lower app_min_size." },
  { what: "a CPU target of 95 %", environment: "prod", vars: { scaling_cpu_target: "95" }, message: "scaling_cpu_target must be a whole number from 10 to 90, e.g. 60." },
  { what: "request scaling switched off with -1", environment: "dev", vars: { scaling_requests_per_target: "-1" }, message: "scaling_requests_per_target must be a whole number from 0 to 1000000, e.g. 1000." },
  { what: "Amazon Linux's 8 GiB minimum as root volume", environment: "dev", vars: { root_volume_size: "8" }, message: "root_volume_size must be a whole number from 20 to 16384, e.g. 30." },
  { what: "no backend worker", environment: "prod", vars: { backend_workers: "0" }, message: "backend_workers must be a whole number from 1 to 32, e.g. 4." },
  { what: "a backend health path without its leading slash", environment: "prod", vars: { backend_health_path: "api/health" }, message: 'backend_health_path must be a URL path starting with / (letters, digits, . _ ~ - /, at most 1024 characters), e.g. "/api/health".' },
  { what: "a frontend health check given as a URL", environment: "dev", vars: { frontend_health_path: "http://localhost:3000/" }, message: 'frontend_health_path must be a URL path starting with / (letters, digits, . _ ~ - /, at most 1024 characters), e.g. "/".' },
  // --- Images
  { what: "the latest tag (a rollback needs the previous tag)", environment: "prod", vars: { image_tag: "latest" }, message: AGENT_IMAGE_TAG },
  { what: "an image reference instead of its tag", environment: "dev", vars: { image_tag: "agent-platform-dev/backend:v1.0.0" }, message: AGENT_IMAGE_TAG },
  { what: "keeping one image (nothing to roll back to)", environment: "dev", vars: { keep_images: "1" }, message: "keep_images must be a whole number from 2 to 1000, e.g. 20." },
  // --- The backend's settings
  { what: "a pool size of 0 (SQLAlchemy's \"no limit\")", environment: "dev", vars: { db_pool_size: "0" }, message: "db_pool_size must be a whole number from 1 to 200, e.g. 20." },
  { what: "an overflow of -1 (SQLAlchemy's \"no limit\")", environment: "prod", vars: { db_max_overflow: "-1" }, message: "db_max_overflow must be a whole number from 0 to 200, e.g. 10." },
  { what: "a Redis database Valkey does not have (0-15)", environment: "prod", vars: { redis_db: "16" }, message: "redis_db must be a whole number from 0 to 15, e.g. 0." },
  { what: "a log level in lower case", environment: "prod", vars: { log_level: "info" }, message: 'log_level must be one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL".' },
  // --- Database
  { what: "an EC2 type as database class", environment: "prod", vars: { db_instance_class: "t3.medium" }, message: "db_instance_class must look like db.t3.medium." },
  { what: "a minor version as engine version", environment: "prod", vars: { db_engine_version: "16.4" }, message: 'db_engine_version must be a PostgreSQL major version RDS offers: "14", "15", "16" or "17".' },
  { what: "a database name with a dash", environment: "dev", vars: { db_name: "agent-platform" }, message: 'db_name must start with a letter and hold only letters, digits and _ (at most 63), e.g. "agent".' },
  { what: "admin as master user (RDS reserves it)", environment: "prod", vars: { db_username: "admin" }, message: AGENT_DB_USERNAME },
  { what: "postgres as master user", environment: "dev", vars: { db_username: "postgres" }, message: AGENT_DB_USERNAME },
  { what: "a master user starting with rds", environment: "dev", vars: { db_username: "rds_agent" }, message: AGENT_DB_USERNAME },
  { what: "a 19 GiB database", environment: "prod", vars: { db_allocated_storage: "19" }, message: "db_allocated_storage must be a whole number from 20 to 65535, e.g. 20." },
  { what: "a storage ceiling above RDS's 64 TiB", environment: "prod", vars: { db_max_allocated_storage: "70000" }, message: "db_max_allocated_storage must be a whole number from 21 to 65536, e.g. 100." },
  { what: "a storage ceiling not above the allocated storage", environment: "prod", vars: { db_allocated_storage: "100", db_max_allocated_storage: "100" }, message: "db_max_allocated_storage must be above db_allocated_storage (the headroom RDS may grow into)." },
  { what: "90 days of backups (RDS keeps 35 at most)", environment: "prod", vars: { db_backup_retention_days: "90" }, message: "db_backup_retention_days must be a whole number from 1 to 35, e.g. 7." },
  // --- Cache, vector store, uploads
  { what: "an EC2 type as cache node type", environment: "prod", vars: { cache_node_type: "t3.micro" }, message: "cache_node_type must look like cache.t3.micro." },
  { what: "a ChromaDB host type with a space", environment: "prod", vars: { chroma_instance_type: "t4g medium" }, message: 'chroma_instance_type must look like family.size, e.g. "t4g.medium" or "r7g.large".' },
  { what: "no ChromaDB volume", environment: "prod", vars: { chroma_volume_size: "0" }, message: "chroma_volume_size must be a whole number from 1 to 16384, e.g. 50." },
  { what: "a fractional ChromaDB volume", environment: "dev", vars: { chroma_volume_size: "20.5" }, message: "chroma_volume_size must be a whole number from 1 to 16384, e.g. 20." },
  { what: "uploads to Glacier at once (0 days)", environment: "dev", vars: { uploads_glacier_days: "0" }, message: "uploads_glacier_days must be a whole number from 1 to 3650, e.g. 90." },
  // --- Operations
  { what: "a log retention CloudWatch does not offer", environment: "dev", vars: { log_retention_days: "10" }, message: "log_retention_days must be one of CloudWatch Logs' periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653." },
  { what: "two alarm e-mails", environment: "prod", vars: { alarm_email: "ops@example.com,oncall@example.com" }, message: 'alarm_email must be one e-mail address, e.g. "ops@example.com", or empty.' },
  { what: "a budget of 0", environment: "prod", vars: { budget_limit_usd: "0" }, message: "budget_limit_usd must be more than 0 and at most 1000000 (USD per month), e.g. 500." },
  { what: "11 budget e-mails (AWS Budgets notifies at most 10)", environment: "prod", vars: { budget_emails: Array.from({ length: 11 }, (_, i) => `finance${i + 1}@example.com`) }, message: AGENT_BUDGET_EMAILS },
  { what: "a budget e-mail without @", environment: "dev", vars: { budget_emails: ["finance.example.com"] }, message: AGENT_BUDGET_EMAILS },
  { what: "two budget e-mails in one entry", environment: "prod", vars: { budget_emails: ["finance@example.com,ops@example.com"] }, message: AGENT_BUDGET_EMAILS },
];

/**
 * What an h3-pipeline operator exports as TF_VAR_… besides the tfvars: the ClickHouse password in both environments,
 * and in prod (self-hosted ClickHouse) the cluster CA's certificate (public) and key (secret). Shaped like PEM for the
 * variables' rules, nothing a node could use; the same as the offline plans' (offline-terraform/stack-plans.test.ts).
 */
export const H3_PIPELINE_SAMPLE_CA_CERT = "-----BEGIN CERTIFICATE-----\nTEST-CA-CERTIFICATE\n-----END CERTIFICATE-----\n";
export const H3_PIPELINE_SAMPLE_CA_KEY = "-----BEGIN PRIVATE KEY-----\ntest-Clickhouse-CA-key-s3cret\n-----END PRIVATE KEY-----\n";
export const H3_PIPELINE_SAMPLE_INPUTS: Readonly<Record<"dev" | "prod", Readonly<Record<string, string>>>> = {
  dev: { clickhouse_password: "test-Clickhouse-s3cret" },
  prod: { clickhouse_password: "test-Clickhouse-s3cret", clickhouse_ca_cert: H3_PIPELINE_SAMPLE_CA_CERT, clickhouse_ca_key: H3_PIPELINE_SAMPLE_CA_KEY },
};

const H3_IMAGE_TAG = IMAGE_TAG;
const H3_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const H3_CLOUD_HOST = "abc123.us-east-1.aws.clickhouse.cloud";
const H3_PRIVATELINK_HOST = "abc123.us-east-1.vpce.aws.clickhouse.cloud";
const H3_PRIVATELINK_SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
const H3_TASK_CPU = "task_cpu must be 1024, 2048 or 4096 (1, 2 or 4 vCPU; the document's range).";
const H3_TASK_MEMORY = "task_memory does not go with task_cpu on Fargate: 1024 takes 2048-8192 MiB, 2048 takes 4096-8192, 4096 takes 8192 (in steps of 1024).";
const H3_HEALTH_PATH = 'health_check_path must be a URL path starting with / (letters, digits, . _ ~ - /, at most 1024 characters), e.g. "/health".';
const H3_CLICKHOUSE_HOST = 'clickhouse_host must be a host name without scheme or port, e.g. "abc123.us-east-1.aws.clickhouse.cloud".';
const H3_CLICKHOUSE_PORT = "clickhouse_port must be 9440 (native protocol over TLS) or 8443 (HTTPS): the tasks reach ClickHouse, Cloud or self-hosted, over TLS only, never on a plaintext port such as the document's 9000.";
const H3_CLOUD_WITHOUT_HOST = "clickhouse_deployment is \"cloud\" but clickhouse_host is empty: give the ClickHouse Cloud service's host (its connection details).";
const H3_PRIVATELINK_DNS_NAME = "clickhouse_privatelink_service_name is set but clickhouse_host is not the service's PrivateLink DNS name (<id>.<region>.vpce.aws.clickhouse.cloud, from the console's Private Endpoint settings): set it, so the tasks connect through the endpoint.";
const H3_VOLUME_SIZE = "clickhouse_volume_size must be a whole number from 1000 to 5000, e.g. 1000.";
const H3_VOLUME_IOPS = "clickhouse_volume_iops must be a whole number from 3000 to 10000, e.g. 3000.";
const H3_CA_CERT = "clickhouse_ca_cert must be a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), as scripts/make-private-ca.sh writes ca.crt.";
const H3_CA_CERT_MISSING = "clickhouse_deployment is \"self-hosted\" but clickhouse_ca_cert is empty: make the cluster's CA with scripts/make-private-ca.sh and give its ca.crt (and TF_VAR_clickhouse_ca_key).";
const H3_CA_KEY = "clickhouse_ca_key must be an unencrypted PEM private key (-----BEGIN ... PRIVATE KEY-----), as scripts/make-private-ca.sh writes ca.key: the nodes read it without a passphrase.";
const H3_CA_KEY_MISSING = "clickhouse_deployment is \"self-hosted\" but clickhouse_ca_key is empty: export TF_VAR_clickhouse_ca_key=\"$(cat ca.key)\" (scripts/make-private-ca.sh made it with ca.crt); the nodes issue their certificates with it.";
const H3_BACKUP_TIME = 'clickhouse_backup_time must be a UTC time HH:MM, e.g. "02:00".';

/** Three private subnets: the self-hosted ClickHouse nodes need a zone each. */
const H3_PRIVATE_SUBNETS = [...PRIVATE_SUBNETS, "subnet-0fedcba9876543212"];
/** Wrong inputs to the h3-pipeline stacks, each with the exact message `terraform plan` stops with (docs/h3-pipeline.md shows each). */
export const H3_PIPELINE_VARIABLE_ERRORS: readonly SystemVariableError[] = [
  { what: "a region that is not one", environment: "dev", vars: { aws_region: "us-east" }, message: 'aws_region must be a region code such as "us-east-1".' },
  { what: "the dev stack given environment = \"prod\"", environment: "dev", vars: { environment: "prod" }, message: 'This is the h3-pipeline-dev stack: set environment = "dev" or use environments/h3-pipeline/dev.tfvars with it.' },
  { what: "the prod stack given environment = \"dev\"", environment: "prod", vars: { environment: "dev" }, message: 'This is the h3-pipeline-prod stack: set environment = "prod" or use environments/h3-pipeline/prod.tfvars with it.' },
  // --- Network
  { what: "a VPC given by its Name tag", environment: "prod", vars: { vpc_id: "h3-pipeline-prod-vpc", public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: H3_PRIVATE_SUBNETS }, message: "vpc_id must look like vpc-0123456789abcdef0, or be empty to create the network." },
  { what: "a public subnet given by its Name tag", environment: "prod", vars: { ...VPC, public_subnet_ids: ["public-a", "public-b"], private_subnet_ids: H3_PRIVATE_SUBNETS }, message: `public_subnet_ids ${SUBNET_IDS}` },
  { what: "one public subnet (the load balancer needs two zones)", environment: "prod", vars: { ...VPC, public_subnet_ids: ["subnet-0123456789abcdef0"], private_subnet_ids: H3_PRIVATE_SUBNETS }, message: "public_subnet_ids needs two subnets in different zones of vpc_id (the load balancer spans two zones)." },
  { what: "a private subnet id in capitals", environment: "prod", vars: { ...VPC, public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: ["subnet-0FEDCBA9876543210", "subnet-0fedcba9876543211", "subnet-0fedcba9876543212"] }, message: `private_subnet_ids ${SUBNET_IDS}` },
  { what: "an existing VPC with one private subnet", environment: "dev", vars: { ...VPC, public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: ["subnet-0fedcba9876543210"] }, message: "private_subnet_ids needs two subnets in different zones of vpc_id (the service spreads its tasks over them)." },
  { what: "self-hosted nodes in an existing VPC with two private subnets (a zone would hold two Keeper members)", environment: "prod", vars: { ...VPC, public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: PRIVATE_SUBNETS }, message: "clickhouse_deployment is \"self-hosted\" in an existing VPC with fewer than three private subnets: give three, in three zones, so that a zone's outage leaves Keeper two of its three members." },
  { what: "subnets without their VPC", environment: "dev", vars: { public_subnet_ids: PUBLIC_SUBNETS, private_subnet_ids: H3_PRIVATE_SUBNETS }, message: "public_subnet_ids and private_subnet_ids are given without vpc_id: set vpc_id too to use an existing network, or leave the lists empty to create one." },
  { what: "no NAT gateway", environment: "dev", vars: { nat_gateways: "0" }, message: "nat_gateways must be 1 or 2: the tasks need outbound internet for ECR, ClickHouse Cloud and AWS APIs." },
  { what: "one NAT gateway per zone of three", environment: "prod", vars: { nat_gateways: "3" }, message: "nat_gateways must be 1 or 2: the tasks need outbound internet for ECR, ClickHouse Cloud and AWS APIs." },
  // --- HTTPS
  { what: "a domain name with a scheme", environment: "prod", vars: { domain_name: "https://h3.example.com" }, message: 'domain_name must be a DNS name such as "h3.example.com", or empty.' },
  { what: "a hosted zone id instead of its name", environment: "prod", vars: { hosted_zone_name: "Z0123456789ABCDEFGHIJ" }, message: 'hosted_zone_name must be a zone name such as "example.com", or empty.' },
  { what: "a domain without its hosted zone or a certificate", environment: "prod", vars: { hosted_zone_name: "" }, message: "domain_name is set without hosted_zone_name: name its Route 53 zone (the certificate is validated there), or give certificate_arn." },
  { what: "a domain outside its hosted zone", environment: "prod", vars: { domain_name: "h3.example.org" }, message: "domain_name is not in hosted_zone_name: the certificate's validation record and the alias go into that zone, so the name must end with it (h3.example.com in example.com)." },
  { what: "an IAM server certificate instead of an ACM one", environment: "prod", vars: { certificate_arn: "arn:aws:iam::123456789012:server-certificate/h3" }, message: "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), or empty." },
  { what: "a certificate of another region", environment: "prod", vars: { certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789" }, message: "certificate_arn is in another region than aws_region: a load balancer only uses ACM certificates of its own region; request or import one there." },
  { what: "a certificate without the name it is for", environment: "dev", vars: { certificate_arn: H3_CERTIFICATE }, message: "certificate_arn is set but domain_name is empty: give the DNS name the certificate is for (clients and the health check use it)." },
  { what: "plain HTTP in production", environment: "prod", vars: { allow_http_only: "true" }, message: "allow_http_only is for trying the pipeline's API in dev: production serves HTTPS only. Set domain_name and hosted_zone_name, or certificate_arn." },
  // --- Service
  { what: "the latest tag (a rollback needs the previous tag)", environment: "prod", vars: { image_tag: "latest" }, message: H3_IMAGE_TAG },
  { what: "an image reference instead of its tag", environment: "dev", vars: { image_tag: "h3-pipeline-dev/app:v1.0.0" }, message: H3_IMAGE_TAG },
  { what: "Fargate's 0.5 vCPU (512 units), below the document's range", environment: "prod", vars: { task_cpu: "512" }, message: H3_TASK_CPU },
  { what: "vCPUs instead of CPU units", environment: "dev", vars: { task_cpu: "1.5" }, message: H3_TASK_CPU },
  { what: "16 GiB on 1 vCPU (Fargate allows 8 at most)", environment: "prod", vars: { task_memory: "16384" }, message: H3_TASK_MEMORY },
  { what: "4 vCPU with 4 GiB (Fargate asks 8 GiB at least)", environment: "dev", vars: { task_cpu: "4096", task_memory: "4096" }, message: H3_TASK_MEMORY },
  { what: "memory in GB instead of MiB", environment: "prod", vars: { task_memory: "2" }, message: H3_TASK_MEMORY },
  { what: "no task at night (min_tasks = 0)", environment: "prod", vars: { min_tasks: "0" }, message: "min_tasks must be a whole number from 1 to 100, e.g. 2." },
  { what: "more tasks than the stack allows", environment: "dev", vars: { max_tasks: "200" }, message: "max_tasks must be a whole number from 1 to 100, e.g. 20." },
  { what: "max_tasks below min_tasks", environment: "prod", vars: { max_tasks: "1" }, message: "max_tasks is below min_tasks: raise max_tasks or lower min_tasks." },
  { what: "a CPU target of 100 %", environment: "prod", vars: { cpu_target: "100" }, message: "cpu_target must be a whole number from 10 to 95, e.g. 70." },
  { what: "a memory target as a fraction", environment: "dev", vars: { memory_target: "0.8" }, message: "memory_target must be a whole number from 10 to 95, e.g. 80." },
  { what: "a scale-out cooldown in milliseconds", environment: "prod", vars: { scale_out_cooldown: "60000" }, message: "scale_out_cooldown must be a whole number from 0 to 3600, e.g. 60." },
  { what: "a scale-in cooldown of two hours", environment: "prod", vars: { scale_in_cooldown: "7200" }, message: "scale_in_cooldown must be a whole number from 0 to 3600, e.g. 300." },
  { what: "a health path without its leading slash", environment: "prod", vars: { health_check_path: "health" }, message: H3_HEALTH_PATH },
  { what: "a health check given as a URL", environment: "dev", vars: { health_check_path: "http://localhost:3000/health" }, message: H3_HEALTH_PATH },
  // --- ClickHouse
  { what: "a deployment that is neither", environment: "dev", vars: { clickhouse_deployment: "cluster" }, message: 'clickhouse_deployment must be "cloud" (ClickHouse Cloud, the document\'s option B) or "self-hosted" (three EC2 nodes, option A).' },
  { what: "ClickHouse Cloud without its host", environment: "dev", vars: { clickhouse_host: "" }, message: H3_CLOUD_WITHOUT_HOST },
  { what: "prod switched to ClickHouse Cloud without its host", environment: "prod", vars: { clickhouse_deployment: "cloud" }, message: H3_CLOUD_WITHOUT_HOST },
  { what: "a Cloud host beside the self-hosted nodes", environment: "prod", vars: { clickhouse_host: H3_CLOUD_HOST }, message: "clickhouse_host is set but clickhouse_deployment is \"self-hosted\": the tasks connect to the nodes' own DNS name; remove clickhouse_host, or choose \"cloud\"." },
  { what: "a host with https://", environment: "dev", vars: { clickhouse_host: `https://${H3_CLOUD_HOST}` }, message: H3_CLICKHOUSE_HOST },
  { what: "a host with its port", environment: "dev", vars: { clickhouse_host: `${H3_CLOUD_HOST}:9440` }, message: H3_CLICKHOUSE_HOST },
  { what: "the document's plaintext port 9000", environment: "dev", vars: { clickhouse_port: "9000" }, message: H3_CLICKHOUSE_PORT },
  { what: "ClickHouse's plaintext HTTP port 8123", environment: "prod", vars: { clickhouse_port: "8123" }, message: H3_CLICKHOUSE_PORT },
  { what: "a user name with a space", environment: "dev", vars: { clickhouse_user: "h3 app" }, message: 'clickhouse_user must be a ClickHouse user name (a letter or _, then letters, digits, _ . -, at most 64), e.g. "default".' },
  { what: "the nodes' own backup user as the application's", environment: "prod", vars: { clickhouse_user: "local_backup" }, message: 'clickhouse_user "local_backup" is the self-hosted nodes\' own backup user (no password, on the node only): choose another name, e.g. "default".' },
  { what: "a database name with a dash", environment: "prod", vars: { clickhouse_database: "h3-pipeline" }, message: 'clickhouse_database must be a database name (a letter or _, then letters, digits and _, at most 64), e.g. "default".' },
  { what: "a password of 4097 characters", environment: "dev", vars: { clickhouse_password: "x".repeat(4097) }, message: "clickhouse_password must be at most 4096 characters." },
  { what: "a password version of zero", environment: "prod", vars: { clickhouse_password_version: "0" }, message: "clickhouse_password_version must be a whole number from 1 to 1000000, e.g. 1." },
  { what: "the endpoint's vpce- id instead of the service name", environment: "dev", vars: { clickhouse_privatelink_service_name: "vpce-0123456789abcdef0", clickhouse_host: H3_PRIVATELINK_HOST }, message: 'clickhouse_privatelink_service_name must look like "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", or be empty.' },
  {
    what: "PrivateLink with the self-hosted nodes",
    environment: "prod",
    vars: { clickhouse_privatelink_service_name: H3_PRIVATELINK_SERVICE },
    message: "clickhouse_privatelink_service_name is for ClickHouse Cloud: remove it, or set clickhouse_deployment = \"cloud\".",
  },
  { what: "PrivateLink with the service's public host", environment: "dev", vars: { clickhouse_privatelink_service_name: H3_PRIVATELINK_SERVICE }, message: H3_PRIVATELINK_DNS_NAME },
  // --- ClickHouse (self-hosted)
  { what: "a malformed node type", environment: "prod", vars: { clickhouse_instance_type: "r6i-2xlarge" }, message: 'clickhouse_instance_type must look like family.size, e.g. "r6i.2xlarge" or "r7g.2xlarge".' },
  { what: "a 500 GiB volume (the document's 1-5 TB)", environment: "prod", vars: { clickhouse_volume_size: "500" }, message: H3_VOLUME_SIZE },
  { what: "a 6000 GiB volume", environment: "prod", vars: { clickhouse_volume_size: "6000" }, message: H3_VOLUME_SIZE },
  { what: "2000 IOPS (gp3 gives 3000)", environment: "prod", vars: { clickhouse_volume_iops: "2000" }, message: H3_VOLUME_IOPS },
  { what: "12000 IOPS", environment: "prod", vars: { clickhouse_volume_iops: "12000" }, message: H3_VOLUME_IOPS },
  { what: "100 MiB/s (gp3 gives 125)", environment: "prod", vars: { clickhouse_volume_throughput: "100" }, message: "clickhouse_volume_throughput must be a whole number from 125 to 1000, e.g. 250." },
  { what: "1000 MiB/s on 3000 IOPS (750 at most)", environment: "prod", vars: { clickhouse_volume_throughput: "1000" }, message: "clickhouse_volume_throughput may be at most clickhouse_volume_iops / 4 MiB/s on gp3: raise the IOPS or lower the throughput." },
  { what: "the CA's key as its certificate", environment: "prod", vars: { clickhouse_ca_cert: H3_PIPELINE_SAMPLE_CA_KEY }, message: H3_CA_CERT },
  { what: "the certificate's file name instead of its content", environment: "prod", vars: { clickhouse_ca_cert: "private-ca/ca.crt" }, message: H3_CA_CERT },
  { what: "self-hosted without the CA certificate (TF_VAR_clickhouse_ca_cert not exported)", environment: "prod", vars: { clickhouse_ca_cert: "" }, message: H3_CA_CERT_MISSING },
  { what: "dev switched to self-hosted without a CA", environment: "dev", vars: { clickhouse_deployment: "self-hosted", clickhouse_host: "" }, message: H3_CA_CERT_MISSING, alsoShown: [H3_CA_KEY_MISSING] },
  { what: "self-hosted with the CA's certificate but not its key", environment: "prod", vars: { clickhouse_ca_key: "" }, message: H3_CA_KEY_MISSING },
  { what: "a CA key protected by a passphrase", environment: "prod", vars: { clickhouse_ca_key: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n" }, message: H3_CA_KEY },
  { what: "no password (it is required)", environment: "prod", vars: { clickhouse_password: "" }, message: "clickhouse_password is empty: export TF_VAR_clickhouse_password (ClickHouse Cloud: the service's password; self-hosted: the one the nodes give the application's user)." },
  { what: "the CA's certificate as its key", environment: "prod", vars: { clickhouse_ca_key: H3_PIPELINE_SAMPLE_CA_CERT }, message: H3_CA_KEY },
  { what: "the key's file name instead of its content", environment: "prod", vars: { clickhouse_ca_key: "private-ca/ca.key" }, message: H3_CA_KEY },
  { what: "a CA key version of zero", environment: "prod", vars: { clickhouse_ca_key_version: "0" }, message: "clickhouse_ca_key_version must be a whole number from 1 to 1000000, e.g. 1." },
  { what: "a backup time with am/pm", environment: "prod", vars: { clickhouse_backup_time: "2am" }, message: H3_BACKUP_TIME },
  { what: "a backup time of 24:00", environment: "prod", vars: { clickhouse_backup_time: "24:00" }, message: H3_BACKUP_TIME },
  // --- Storage
  { what: "uploads to Glacier at once (0 days)", environment: "dev", vars: { uploads_glacier_days: "0" }, message: "uploads_glacier_days must be a whole number from 1 to 3650, e.g. 30." },
  { what: "processed files kept forever with 0", environment: "prod", vars: { processed_expiration_days: "0" }, message: "processed_expiration_days must be a whole number from 1 to 3650, e.g. 90." },
  { what: "backups kept in Glacier for ten years and a day", environment: "prod", vars: { backups_glacier_days: "3651" }, message: "backups_glacier_days must be a whole number from 1 to 3650, e.g. 7." },
  // --- Operations
  { what: "a log retention CloudWatch does not offer", environment: "prod", vars: { log_retention_days: "45" }, message: "log_retention_days must be one of CloudWatch Logs' periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653." },
  { what: "an alarm e-mail without @", environment: "prod", vars: { alarm_email: "ops.example.com" }, message: 'alarm_email must be one e-mail address, e.g. "ops@example.com", or empty.' },
];

/**
 * A system's "When input is wrong" table, as docs/<system>.md holds it between `<!-- variable-errors:start -->` and
 * `<!-- variable-errors:end -->`: one row per catalogue entry, its overrides as tfvars lines (values in JSON, which is
 * how HCL writes strings and lists; a string of more than 200 characters by its beginning and length), `|` escaped for
 * Markdown, and after the message any other the same plan shows (alsoShown).
 */
export function variableErrorsTable(
  system: string,
  errors: readonly SystemVariableError[],
): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  // A value too long to read in a table (a password of 4097 characters) shows its beginning and its length.
  const assignment = (name: string, value: string | readonly string[]) =>
    typeof value === "string" && value.length > 200
      ? `\`${name} = ${JSON.stringify(value.slice(0, 8)).slice(0, -1)}…"\` (${value.length} characters)`
      : `\`${name} = ${JSON.stringify(value)}\``;
  const input = (e: SystemVariableError) => `${e.what}: ${Object.entries(e.vars).map(([name, value]) => assignment(name, value)).join(", ")}`;
  // Where the stack cannot show a message alone, the row says what else the plan shows.
  const message = (e: SystemVariableError) => [e.message, ...(e.alsoShown ?? []).map((m) => `Also shown: ${m}`)].join(" ");
  return [
    "| stack | input (on top of its tfvars) | message |",
    "| --- | --- | --- |",
    ...errors.map((e) => `| \`${system}-${e.environment}\` | ${cell(input(e))} | ${cell(message(e))} |`),
  ].join("\n");
}

export interface PropError {
  readonly construct: string;
  readonly what: string;
  readonly build: (stack: TerraformStack) => void;
  readonly message: string;
}

const sg = (overrides: Partial<SecurityGroupProps>) => (stack: TerraformStack) =>
  new SecurityGroup(stack, "sg", {
    vpcId: "vpc-1",
    namePrefix: "t-",
    allowedSources: { operator: "203.0.113.7/32" },
    ingressPorts: [{ key: "ui", fromPort: 3000, description: "UI" }],
    ...overrides,
  });

const host = (overrides: Partial<ComposeHostProps>) => (stack: TerraformStack) => new ComposeHost(stack, "host", { ...MINIMAL_HOST_PROPS, ...overrides });
const volume = { sizeGiB: 10, mountPoint: "/var/lib/shop" };

const OPENLIT_APP: OpenlitApplicationProps = {
  clickhouse: { host: "https://ch.example.com", port: "8443", database: "openlit", username: "default" },
  otel: { host: "ch.example.com", port: "9440", secure: true },
  demoEmails: "",
  allowSelfRegistration: false,
  domainName: "",
  image: { ecrRepository: "", tag: "" },
};
const openlitApp = (overrides: Partial<OpenlitApplicationProps>) => (stack: TerraformStack) =>
  validateOpenlitApplication(new Construct(stack, "openlit"), { ...OPENLIT_APP, ...overrides });

const UI_CHECK = [{ name: "ui", protocol: "http", port: 3000 }] as const;
const alarms = { instanceId: "i-1", namePrefix: "t", region: "us-east-1", partition: "aws" };
const snapshots = { name: "t", partition: "aws", targetTag: { key: "k", value: "v" } };

export const PROP_ERRORS: readonly PropError[] = [
  { construct: "SecurityGroup", what: "no ports", build: sg({ ingressPorts: [] }), message: "ingressPorts is empty: list at least one port, or do not create the group." },
  { construct: "SecurityGroup", what: "no sources", build: sg({ allowedSources: {} }), message: 'allowedSources is empty: give at least one CIDR, e.g. { operator: "203.0.113.7/32" }, or a security group in allowedSecurityGroups.' },
  { construct: "SecurityGroup", what: "a port key with capitals", build: sg({ ingressPorts: [{ key: "UI", fromPort: 3000, description: "UI" }] }), message: 'ingressPorts key "UI" must be lower-case letters, digits and dashes.' },
  { construct: "SecurityGroup", what: "port 0", build: sg({ ingressPorts: [{ key: "ui", fromPort: 0, description: "UI" }] }), message: 'ingressPorts["ui"].fromPort 0 is not a port: use 1-65535.' },
  { construct: "SecurityGroup", what: "a range that ends below its start", build: sg({ ingressPorts: [{ key: "otlp", fromPort: 4318, toPort: 4317, description: "OTLP" }] }), message: 'ingressPorts["otlp"].toPort 4317 must be a port (1-65535) not below fromPort 4318.' },
  { construct: "SecurityGroup", what: "a rule without description", build: sg({ ingressPorts: [{ key: "ui", fromPort: 3000, description: " " }] }), message: 'ingressPorts["ui"].description is empty: say what listens on the port.' },
  { construct: "SecurityGroup", what: "two ports with one key", build: sg({ ingressPorts: [{ key: "ui", fromPort: 3000, description: "a" }, { key: "ui", fromPort: 3001, description: "b" }] }), message: "ingressPorts keys must be unique; repeated: ui." },
  { construct: "SecurityGroup", what: "a source that is not a CIDR", build: sg({ allowedSources: { operator: "203.0.113.7" } }), message: 'allowedSources["operator"] "203.0.113.7" is not a CIDR: use e.g. 203.0.113.7/32.' },
  { construct: "SecurityGroup", what: "a source key with spaces", build: sg({ allowedSources: { "my office": "198.51.100.0/24" } }), message: 'allowedSources key "my office" must be lower-case letters, digits and dashes.' },
  { construct: "SecurityGroup", what: "a tcp egress rule without ports", build: sg({ egressRules: [{ key: "https", cidr: "0.0.0.0/0", protocol: "tcp", description: "HTTPS" }] }), message: 'egressRules["https"] is tcp: give fromPort (and toPort for a range), or use protocol "-1" for all traffic.' },
  { construct: "SecurityGroup", what: "an egress CIDR that is not one", build: sg({ egressRules: [{ key: "all", cidr: "anywhere", protocol: "-1", description: "all" }] }), message: 'egressRules["all"].cidr "anywhere" is not a CIDR.' },
  { construct: "ComposeHost", what: "an instance type without size", build: host({ instanceType: "large" }), message: 'instanceType "large" is not an EC2 instance type: use family.size, e.g. "t4g.small".' },
  { construct: "ComposeHost", what: "a 4 GiB root volume", build: host({ rootVolumeSizeGiB: 4 }), message: "rootVolumeSizeGiB 4 is out of range: Amazon Linux 2023 needs at least 8 GiB; use 8-16384." },
  { construct: "ComposeHost", what: "an empty data volume", build: host({ dataVolume: { ...volume, sizeGiB: 0 } }), message: "dataVolume.sizeGiB 0 is out of range: use a whole number of GiB, 1-16384." },
  { construct: "ComposeHost", what: "a data volume mounted on /", build: host({ dataVolume: { ...volume, mountPoint: "/" } }), message: 'dataVolume.mountPoint "/" must be an absolute path other than /, e.g. "/var/lib/myapp".' },
  { construct: "ComposeHost", what: "an app directory off the volume", build: host({ dataVolume: { ...volume, directory: "/srv/data" } }), message: 'dataVolume.directory "/srv/data" must be inside dataVolume.mountPoint "/var/lib/shop".' },
  { construct: "ComposeHost", what: "an app name with capitals", build: host({ appName: "Shop" }), message: 'appName "Shop" must be lower-case letters, digits and dashes, starting with a letter (it names /opt/<appName> and <appName>.service).' },
  { construct: "ComposeHost", what: "a compose version without v", build: host({ composeVersion: "2.29" }), message: 'composeVersion "2.29" must be a compose release tag such as "v2.29.7".' },
  { construct: "ComposeHost", what: "a 5 s volume wait", build: host({ volumeWaitSeconds: 5 }), message: "volumeWaitSeconds 5 is too short: Terraform attaches the volume after boot; use at least 30." },
  { construct: "ComposeHost", what: "a 10-day log retention", build: host({ containerLogs: { enabled: true, groupName: "/shop/test/containers", retentionDays: 10 } }), message: "containerLogs.retentionDays 10 is not a CloudWatch Logs retention: use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653." },
  { construct: "ComposeHost", what: "a secret env var in lower case", build: host({ secrets: { path: "/shop/test", parameters: { "db-password": { envVar: "db_password", value: "${var.pw}", description: "db" } } } }), message: 'secrets.parameters["db-password"].envVar "db_password" must be an environment variable name (A-Z, 0-9, _).' },
  { construct: "ComposeHost", what: "no security group", build: host({ securityGroupIds: [] }), message: "securityGroupIds is empty: pass the group that opens the application's ports." },
  { construct: "SecureParameters", what: "secrets version 0", build: (s) => new SecureParameters(s, "p", { path: "/shop/test", version: 0, parameters: { pw: { value: "${var.pw}", description: "pw" } } }), message: "version 0 must be a whole number >= 1; bump it to push new values." },
  { construct: "SecureParameters", what: "a path with a trailing slash", build: (s) => new SecureParameters(s, "p", { path: "/shop/", parameters: { pw: { value: "${var.pw}", description: "pw" } } }), message: 'path "/shop/" must start with / and not end with one, e.g. "/myapp/prod".' },
  { construct: "CostEstimate", what: "one cost key twice", build: (s) => CostEstimate.of(s).add({ key: "disk", usd: 1, description: "a" }, { key: "disk", usd: 2, description: "b" }), message: 'cost item key "disk" is already in this stack\'s estimate: keys must be unique per stack.' },
  { construct: "OpenLIT application", what: "an otel host with scheme", build: openlitApp({ otel: { host: "https://ch.example.com", port: "9440", secure: true } }), message: 'otel.host "https://ch.example.com" must be a bare host name: drop the scheme (the collector speaks ClickHouse\'s native protocol).' },
  { construct: "OpenLIT application", what: "a public image with spaces", build: openlitApp({ publicImage: "Not An Image" }), message: 'publicImage "Not An Image" is not an image reference: use repository:tag.' },
  { construct: "OpenLIT application", what: "a collector image with spaces", build: openlitApp({ collectorImage: "otel collector" }), message: 'collectorImage "otel collector" is not an image reference: use repository:tag.' },
  { construct: "PrivateBucket", what: "a bucket name with capitals", build: (s) => new PrivateBucket(s, "b", { bucketName: "Acme-Backups" }), message: 'bucketName "Acme-Backups" may only hold lower-case letters, digits, dots and hyphens, and must start and end with a letter or digit.' },
  { construct: "PrivateBucket", what: "a transition after the expiration", build: (s) => new PrivateBucket(s, "b", { bucketName: "acme-backups", lifecycleRules: [{ key: "old", expirationDays: 30, transition: { days: 60, storageClass: "GLACIER" } }] }), message: 'lifecycleRules["old"].transition.days 60 must be less than expirationDays 30: objects move to cheaper storage before they expire.' },
  { construct: "BackupPlan", what: "nothing selected", build: (s) => new BackupPlan(s, "p", { name: "shop", partition: "aws", accountId: "123456789012" }), message: "nothing is selected: give selectionTag ({ key, value } that the resources to back up carry) or resourceArns." },
  { construct: "BackupPlan", what: "a retention of zero days", build: (s) => new BackupPlan(s, "p", { name: "shop", partition: "aws", accountId: "123456789012", selectionTag: { key: "backup", value: "yes" }, rules: [{ name: "daily", deleteAfterDays: 0 }] }), message: 'rules["daily"].deleteAfterDays 0 must be a whole number of days, at least 1.' },
  { construct: "ManagedSecret", what: "a literal secret value", build: (s) => new ManagedSecret(s, "m", { name: "shop/prod/db", value: "hunter2-literal", region: "us-east-1", partition: "aws", accountId: "123456789012" }), message: "value is a literal string: pass a sensitive, ephemeral variable's value (a Terraform token) so the secret is not written into the synthesized configuration." },
  { construct: "ManagedSecret", what: "a recovery window of 3 days", build: (s) => new ManagedSecret(s, "m", { name: "shop/prod/db", value: "${var.pw}", recoveryWindowInDays: 3, region: "us-east-1", partition: "aws", accountId: "123456789012" }), message: "recoveryWindowInDays 3 must be 0 (delete at once, no recovery) or a whole number of days from 7 to 30." },
  { construct: "InstanceAlarms", what: "a 100 % disk threshold", build: (s) => new InstanceAlarms(s, "a", { ...alarms, diskUsedPercent: 100 }), message: "diskUsedPercent 100 must be between 1 and 99." },
  { construct: "InstanceAlarms", what: "a memory threshold from a variable", build: (s) => new InstanceAlarms(s, "a", { ...alarms, memoryUsedPercent: Token.asNumber("${var.memory}") }), message: "memoryUsedPercent must be a number known at synth, not a Terraform expression: it decides whether the memory alarm exists." },
  { construct: "InstanceAlarms", what: "a negative memory threshold", build: (s) => new InstanceAlarms(s, "a", { ...alarms, memoryUsedPercent: -1 }), message: "memoryUsedPercent -1 must be between 1 and 99, or 0 for no memory alarm." },
  { construct: "VolumeSnapshots", what: "keeping no snapshot", build: (s) => new VolumeSnapshots(s, "s", { ...snapshots, retainCount: 0 }), message: "retainCount 0 must be a whole number of snapshots from 1 to 1000." },
  { construct: "VolumeSnapshots", what: "a time that is not HH:MM", build: (s) => new VolumeSnapshots(s, "s", { ...snapshots, timeUtc: "3am" }), message: 'timeUtc "3am" must be HH:MM in UTC, e.g. "03:00".' },
  { construct: "HealthGate", what: "a host with shell characters", build: (s) => new HealthGate(s, "g", { host: "bad host;rm", checks: UI_CHECK }), message: 'host "bad host;rm" must be an IP address or DNS name.' },
  { construct: "HealthGate", what: "a zero timeout", build: (s) => new HealthGate(s, "g", { host: "203.0.113.7", checks: UI_CHECK, timeoutSeconds: 0 }), message: "timeoutSeconds must be a whole number of seconds >= 1, got 0." },
  { construct: "HealthGate", what: "a port out of range", build: (s) => new HealthGate(s, "g", { host: "203.0.113.7", checks: [{ name: "ui", protocol: "http", port: 70000 }] }), message: 'checks["ui"].port must be a port number between 1 and 65535, got 70000.' },
  { construct: "HealthGate", what: "no checks", build: (s) => new HealthGate(s, "g", { host: "203.0.113.7", checks: [] }), message: "checks is empty: give at least one HTTP or TCP check." },
  { construct: "HealthGate", what: "a tcp check with a path", build: (s) => new HealthGate(s, "g", { host: "203.0.113.7", checks: [{ name: "db", protocol: "tcp", port: 5432, path: "/" }] }), message: 'checks["db"] is a tcp check: path, method and body apply to http checks only.' },
  { construct: "HealthGate", what: "host given as a trigger", build: (s) => new HealthGate(s, "g", { host: "203.0.113.7", checks: UI_CHECK, triggers: { host: "x" } }), message: 'triggers must not contain "host": the host is always a trigger.' },
];

/** A stack with both providers, for building a construct in a test. */
export function emptyStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "input-errors");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new NullProvider(stack, "null");
  return stack;
}
