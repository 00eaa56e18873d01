import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { emailRule, HOST_NAME, instanceTypeRule, logRetentionRule, secret, variable, wholeNumberRule } from "../variables.js";
import { LighthouseProfile } from "./profiles.js";

/**
 * The stack's inputs: the document's variable names (its two terraform.tfvars examples work unchanged), plus a few
 * more. Per-environment defaults come from the profile (dev: t4g.micro spot, 20 GB; prod: t4g.small, 100 GB).
 */
export interface LighthouseVariables {
  readonly sshKeyName: TerraformVariable;
  readonly sshAllowedCidrBlocks: TerraformVariable;
  readonly vpcName: TerraformVariable;
  readonly privateSubnetName: TerraformVariable;
  readonly backendSecurityGroupName: TerraformVariable;
  readonly instanceType: TerraformVariable;
  readonly volumeSizeGb: TerraformVariable;
  readonly dbPasswordSecretId: TerraformVariable;
  readonly dbPassword: TerraformVariable;
  readonly dbPasswordVersion: TerraformVariable;
  readonly backupS3Bucket: TerraformVariable;
  readonly alertsSnsTopicName: TerraformVariable;
  readonly alarmEmail: TerraformVariable;
  readonly enableMonitoring: TerraformVariable;
  readonly domainName: TerraformVariable;
  readonly dnsPrivateZone: TerraformVariable;
  readonly backupRetentionDays: TerraformVariable;
  readonly dumpRetentionDays: TerraformVariable;
  readonly logRetentionDays: TerraformVariable;
  readonly enableHealthGate: TerraformVariable;
  /** Only on spot profiles: the cost estimate's spot price as a share of on-demand. */
  readonly spotPriceFactor?: TerraformVariable;
}

const NAME_TAG = (name: string, what: string, example: string) =>
  [`length(var.${name}) <= 255 && !can(regex("[\\\\n\\\\r\\"]", var.${name}))`, `${name} must be the Name tag of an existing ${what} (at most 255 characters, no double quotes or line breaks), e.g. "${example}", or empty.`] as const;

export function createLighthouseVariables(scope: Construct, environment: string, profile: LighthouseProfile): LighthouseVariables {
  return {
    sshKeyName: variable(
      scope,
      "ssh_key_name",
      { type: "string", default: "", description: "Existing EC2 key pair for SSH as ec2-user. SSH goes through Session Manager (no open port) unless ssh_allowed_cidr_blocks opens port 22. Empty: no key, Session Manager shells only." },
      [["length(var.ssh_key_name) <= 255 && !can(regex(\"[\\\\n\\\\r\\\"' ]\", var.ssh_key_name))", "ssh_key_name must be the name of an existing EC2 key pair (at most 255 characters, no spaces or quotes), or empty."]],
    ),
    sshAllowedCidrBlocks: variable(
      scope,
      "ssh_allowed_cidr_blocks",
      { type: "list(string)", default: [], description: "IPv4 CIDRs allowed to reach SSH on port 22 (only with ssh_key_name), e.g. your VPN's range. Empty: port 22 stays closed; SSH through Session Manager still works." },
      [
        ["alltrue([for c in var.ssh_allowed_cidr_blocks : can(cidrnetmask(c)) && try(cidrsubnet(c, 0, 0) == c, false)])", "ssh_allowed_cidr_blocks must be IPv4 CIDRs given by their network address, e.g. [\"10.0.0.0/16\"] or [\"203.0.113.7/32\"]."],
        ["alltrue([for c in var.ssh_allowed_cidr_blocks : !endswith(c, \"/0\")])", "ssh_allowed_cidr_blocks opens SSH to the whole internet: narrow it to your VPN or address (x.x.x.x/32), or leave it empty and use Session Manager."],
        ["length(var.ssh_allowed_cidr_blocks) == 0 || var.ssh_key_name != \"\"", "ssh_allowed_cidr_blocks is set but ssh_key_name is empty: set the key pair, or leave the list empty (Session Manager needs no open port)."],
      ],
    ),
    vpcName: variable(scope, "vpc_name", { type: "string", default: "", description: "Name tag of the VPC of private_subnet_name (narrows the subnet lookup). Empty: any VPC." }, [NAME_TAG("vpc_name", "VPC", "lighthouse-prod-vpc")]),
    privateSubnetName: variable(
      scope,
      "private_subnet_name",
      { type: "string", default: "", description: "Name tag of the private subnet for the instance (needs a NAT gateway or VPC endpoints for packages, images and AWS APIs). Empty: the default VPC's default subnet in the first zone." },
      [NAME_TAG("private_subnet_name", "subnet", "lighthouse-prod-private-subnet"), ['var.vpc_name == "" || var.private_subnet_name != ""', "vpc_name is set but private_subnet_name is empty: name the subnet too (the VPC only narrows the subnet lookup)."]],
    ),
    backendSecurityGroupName: variable(
      scope,
      "backend_security_group_name",
      { type: "string", default: "", description: "Name of the backend servers' security group (in the instance's VPC): the only source allowed to reach PostgreSQL on 5432. Empty: 5432 is not opened to anything (use the Session Manager port forward)." },
      [["length(var.backend_security_group_name) <= 255 && !can(regex(\"[\\\\n\\\\r\\\"]\", var.backend_security_group_name)) && !startswith(var.backend_security_group_name, \"sg-\")", "backend_security_group_name must be a security group's name (not its sg- id), e.g. \"lighthouse-prod-backend-sg\", or empty."]],
    ),
    instanceType: variable(
      scope,
      "instance_type",
      { type: "string", default: profile.instanceType, description: "EC2 instance type. Graviton (t4g, m7g, r7g) runs arm64, others x86_64. t4g.micro: 2 vCPU, 1 GiB; t4g.small: 2 GiB; t4g.medium: 4 GiB. PostgreSQL's memory settings follow it at every start." },
      [instanceTypeRule("instance_type", '"t4g.micro", "t4g.small" or "t4g.medium"')],
    ),
    volumeSizeGb: variable(
      scope,
      "volume_size_gb",
      { type: "number", default: profile.volumeSizeGb, description: "Data volume (gp3, encrypted, own KMS key) in GiB, mounted at /mnt/timescaledb-data. Can only grow: the filesystem follows at the next start of the database service." },
      [wholeNumberRule("volume_size_gb", 1, 16384, "volume_size_gb must be a whole number of GiB from 1 to 16384.")],
    ),
    dbPasswordSecretId: variable(
      scope,
      "db_password_secret_id",
      {
        type: "string",
        default: "",
        description: profile.passwordStore === "secretsmanager"
          ? "Name or ARN of an existing Secrets Manager secret holding the database password as plain text (e.g. \"lighthouse/prod/db/password\"). Empty: the stack creates the secret lighthouse/<environment>/db/password."
          : `Not used by this stack: lighthouse-${environment} keeps the password as an SSM SecureString at /lighthouse/${environment}/db/password. Leave empty.`,
      },
      profile.passwordStore === "secretsmanager"
        ? [["can(regex(\"^([A-Za-z0-9/_+=.@-]{1,512}|arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)?$\", var.db_password_secret_id))", "db_password_secret_id must be a Secrets Manager secret name (letters, digits and /_+=.@-) or ARN, e.g. \"lighthouse/prod/db/password\", or empty to create one."]]
        : [["var.db_password_secret_id == \"\"", `db_password_secret_id is for the prod stack's Secrets Manager secret; lighthouse-${environment} keeps its password in SSM at /lighthouse/${environment}/db/password: leave it empty.`]],
    ),
    dbPassword: secret(
      scope,
      "db_password",
      { type: "string", default: "", description: "Database password of the postgres user, written only through a write-only argument (never in plan or state). Empty: Terraform generates one (two random UUIDs) when it creates the secret. Ignored with db_password_secret_id (the existing secret holds it)." },
      [["var.db_password == \"\" || (length(var.db_password) >= 16 && length(var.db_password) <= 128 && can(regex(\"^[A-Za-z0-9_.~+=,:-]+$\", var.db_password)))", "db_password must be 16-128 characters, only letters, digits and _ . ~ + = , : - (safe unquoted in a connection URL and a dotenv line), or empty to let Terraform generate one."],
        ['var.db_password == "" || var.db_password_secret_id == ""', "db_password is set but db_password_secret_id names an existing secret, which holds the password: leave db_password empty, or put the new value in that secret."],
      ],
    ),
    dbPasswordVersion: variable(
      scope,
      "db_password_version",
      { type: "number", default: 1, description: "Bump to write a new db_password (or a newly generated one) to the secret: write-only values are not compared. The database takes the new password at the next start of its service." },
      [wholeNumberRule("db_password_version", 1, 1000000, "db_password_version must be a whole number from 1 to 1000000; increase it by one to push a new password.")],
    ),
    backupS3Bucket: variable(
      scope,
      "backup_s3_bucket",
      { type: "string", default: "", description: "Existing S3 bucket for the nightly pg_dump files (under lighthouse-<environment>/). Empty: the stack creates a private, versioned, encrypted bucket with a lifecycle." },
      [["can(regex(\"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$\", var.backup_s3_bucket)) && !strcontains(var.backup_s3_bucket, \"..\")", "backup_s3_bucket must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), e.g. \"lighthouse-backups-prod\", or empty to create one."]],
    ),
    alertsSnsTopicName: variable(
      scope,
      "alerts_sns_topic_name",
      { type: "string", default: "", description: "Existing SNS topic the alarms notify (CloudWatch must be allowed to publish: unencrypted, or a customer managed key that allows cloudwatch.amazonaws.com). Empty: an encrypted topic is created when alarm_email is set." },
      [["can(regex(\"^[A-Za-z0-9_-]{0,256}$\", var.alerts_sns_topic_name))", "alerts_sns_topic_name must be an SNS topic name (letters, digits, - and _, at most 256), e.g. \"lighthouse-prod-alerts\", or empty."]],
    ),
    alarmEmail: variable(scope, "alarm_email", { type: "string", default: "", description: "E-mail subscribed to a topic the stack creates for the alarms (when alerts_sns_topic_name is empty); confirm the subscription mail. Empty: no topic is created." }, [
      emailRule("alarm_email", "ops@example.com", true),
      ['var.alarm_email == "" || var.alerts_sns_topic_name == ""', "alarm_email is set but alerts_sns_topic_name names an existing topic, which the alarms notify instead: subscribe the address to that topic (aws sns subscribe), or leave alerts_sns_topic_name empty."],
    ]),
    enableMonitoring: variable(
      scope,
      "enable_monitoring",
      { type: "bool", default: profile.monitoring, description: "CloudWatch alarms (lighthouse-<environment>-timescaledb-*: CPU, disks, memory, status checks) and a dashboard. Status-check recovery is always on." },
    ),
    domainName: variable(
      scope,
      "domain_name",
      { type: "string", default: "", description: "Route 53 hosted zone (by name) in which to create timescaledb-<environment>.<domain_name> pointing at the instance's private address. Empty: no DNS record; database_endpoint is the private IP." },
      [[`can(regex("^(${HOST_NAME}\\\\.[A-Za-z]{2,63})?$", var.domain_name))`, "domain_name must be a DNS zone name such as \"example.com\", or empty for no DNS record."]],
    ),
    dnsPrivateZone: variable(scope, "dns_private_zone", { type: "bool", default: false, description: "Look domain_name up as a private hosted zone (a VPC-only name) instead of the public one." }),
    backupRetentionDays: variable(
      scope,
      "backup_retention_days",
      { type: "number", default: profile.backupRetentionDays, description: "Days AWS Backup keeps the daily recovery points of the data volume (vault lighthouse-<environment>-timescaledb-vault)." },
      [wholeNumberRule("backup_retention_days", 1, 36500, "backup_retention_days must be a whole number of days from 1 to 36500.")],
    ),
    dumpRetentionDays: variable(
      scope,
      "dump_retention_days",
      { type: "number", default: 30, description: "Days the nightly pg_dump files stay in the backup bucket (created bucket only; an existing bucket keeps its owner's lifecycle)." },
      [wholeNumberRule("dump_retention_days", 1, 36500, "dump_retention_days must be a whole number of days from 1 to 36500.")],
    ),
    logRetentionDays: variable(scope, "log_retention_days", { type: "number", default: 14, description: "Days CloudWatch Logs keeps the database's container logs." }, [logRetentionRule("log_retention_days")]),
    enableHealthGate: variable(
      scope,
      "enable_health_gate",
      { type: "bool", default: false, description: "After apply, run scripts/health-check.sh from the machine running Terraform: pg_isready and the timescaledb extension checked on the instance through SSM Run Command (needs the AWS CLI there); apply fails if the database never becomes ready." },
    ),
    ...(profile.spot
      ? {
          spotPriceFactor: variable(
            scope,
            "spot_price_factor",
            { type: "number", default: 0.3, description: "Spot price as a share of the on-demand price, for the cost estimate only (the document's 0.30; spot prices move)." },
            [["var.spot_price_factor > 0 && var.spot_price_factor <= 1", "spot_price_factor must be more than 0 and at most 1, e.g. 0.3 for a 70 % discount."]],
          ),
        }
      : {}),
  };
}
