import { Construct } from "constructs";
import { TerraformVariable, TerraformVariableConfig } from "cdktf";
import { LOG_RETENTION_DAYS } from "../modules/ec2-openlit/index.js";

/**
 * The stack's inputs: exactly the RFC's variable names (so its terraform.tfvars layout works unchanged),
 * plus a few more. Every one has a type, a description, and a validation wherever a wrong value is possible;
 * messages say what to do. Passwords are sensitive and ephemeral: never in plan files or state.
 */
export interface OpenlitVariables {
  readonly awsRegion: TerraformVariable;
  readonly environment: TerraformVariable;
  readonly instanceType: TerraformVariable;
  readonly keyPairName: TerraformVariable;
  readonly allowedCidr: TerraformVariable;
  readonly awsAccountId: TerraformVariable;
  readonly ecrRepository: TerraformVariable;
  readonly imageTag: TerraformVariable;
  readonly clickhouseHost: TerraformVariable;
  readonly clickhousePort: TerraformVariable;
  readonly clickhouseDatabase: TerraformVariable;
  readonly clickhouseUsername: TerraformVariable;
  readonly clickhousePassword: TerraformVariable;
  readonly otelHost: TerraformVariable;
  readonly otelPort: TerraformVariable;
  readonly otelSecure: TerraformVariable;
  readonly demoEmails: TerraformVariable;
  readonly demoPasswords: TerraformVariable;
  readonly availabilityZone: TerraformVariable;
  readonly subnetId: TerraformVariable;
  readonly rootVolumeSize: TerraformVariable;
  readonly dataVolumeSize: TerraformVariable;
  readonly dataVolumeFinalSnapshot: TerraformVariable;
  readonly detailedMonitoring: TerraformVariable;
  readonly secretsVersion: TerraformVariable;
  readonly enableHealthGate: TerraformVariable;
  readonly alarmEmail: TerraformVariable;
  readonly snapshotRetentionDays: TerraformVariable;
  readonly enableContainerLogs: TerraformVariable;
  readonly logRetentionDays: TerraformVariable;
}

type Rule = readonly [condition: string, errorMessage: string];

function variable(scope: Construct, name: string, config: TerraformVariableConfig, rules: readonly Rule[] = []): TerraformVariable {
  return new TerraformVariable(scope, name, {
    ...config,
    validation: rules.length ? rules.map(([condition, errorMessage]) => ({ condition: `\${${condition}}`, errorMessage })) : undefined,
  });
}

/** A secret: sensitive (redacted in output) and ephemeral (kept out of plan files and state; Terraform >= 1.10). */
function secret(scope: Construct, name: string, config: TerraformVariableConfig, rules: readonly Rule[]): TerraformVariable {
  const v = variable(scope, name, { ...config, sensitive: true }, rules);
  // cdktf 0.21's types predate `ephemeral`; the override writes the plain Terraform argument.
  v.addOverride("ephemeral", true);
  return v;
}

const HOST = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*";
const portRules = (name: string): Rule[] => [
  [
    `can(tonumber(var.${name})) && try(tonumber(var.${name}) >= 1 && tonumber(var.${name}) <= 65535 && floor(tonumber(var.${name})) == tonumber(var.${name}), false)`,
    `${name} must be a port number between 1 and 65535, e.g. "${name === "otel_port" ? "9440" : "8443"}".`,
  ],
];
const noQuotes = (name: string): Rule => [
  `!can(regex("['\\n\\r]", var.${name}))`,
  `${name} must not contain single quotes or line breaks (it is written to a dotenv file on the instance).`,
];

export function createOpenlitVariables(scope: Construct, environment: string): OpenlitVariables {
  return {
    awsRegion: variable(scope, "aws_region", { type: "string", default: "us-east-1", description: "AWS region to deploy to." }, [
      ["can(regex(\"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$\", var.aws_region))", "aws_region must be a region code such as \"us-east-1\"."],
    ]),
    environment: variable(
      scope,
      "environment",
      { type: "string", default: environment, description: `Environment name; this stack is for "${environment}".` },
      [[`var.environment == "${environment}"`, `This is the openlit-${environment} stack: set environment = "${environment}" or use environments/openlit/${environment}.tfvars with it.`]],
    ),
    instanceType: variable(
      scope,
      "instance_type",
      { type: "string", default: "t4g.small", description: "EC2 instance type. Graviton (t4g, m7g, …) runs arm64 images; others x86_64. t4g.small: 2 vCPU, 2 GiB." },
      [["can(regex(\"^[a-z][a-z0-9-]*\\\\.[a-z0-9]+$\", var.instance_type))", "instance_type must look like family.size, e.g. \"t4g.small\" or \"t4g.medium\"."]],
    ),
    keyPairName: variable(
      scope,
      "key_pair_name",
      { type: "string", default: "", description: "Existing EC2 key pair for SSH. Empty: no SSH port, use Session Manager (aws ssm start-session)." },
      [["length(var.key_pair_name) <= 255 && !can(regex(\"[\\\\n\\\\r]\", var.key_pair_name))", "key_pair_name must be the name of an existing EC2 key pair (at most 255 characters), or empty."]],
    ),
    allowedCidr: variable(
      scope,
      "allowed_cidr",
      { type: "string", description: "IPv4 CIDR allowed to reach SSH (when a key pair is set), the UI on 3000 and OTLP on 4317-4318, e.g. your IP as 203.0.113.7/32." },
      [
        ["can(cidrnetmask(var.allowed_cidr))", "allowed_cidr must be an IPv4 CIDR such as 203.0.113.7/32 (find your IP with: curl -s https://checkip.amazonaws.com)."],
        ["!can(cidrnetmask(var.allowed_cidr)) || try(cidrsubnet(var.allowed_cidr, 0, 0) == var.allowed_cidr, false)", "allowed_cidr has host bits set: use the network address, e.g. 203.0.113.0/24 instead of 203.0.113.7/24."],
        ["var.key_pair_name == \"\" || !endswith(var.allowed_cidr, \"/0\")", "allowed_cidr opens SSH to the whole internet: narrow it to your IP (x.x.x.x/32), or leave key_pair_name empty and use Session Manager."],
      ],
    ),
    awsAccountId: variable(
      scope,
      "aws_account_id",
      { type: "string", default: "", description: "Account owning the ECR repository. Empty: the account Terraform deploys into." },
      [["can(regex(\"^([0-9]{12})?$\", var.aws_account_id))", "aws_account_id must be 12 digits (aws sts get-caller-identity --query Account --output text), or empty."]],
    ),
    ecrRepository: variable(
      scope,
      "ecr_repository",
      { type: "string", default: "", description: "ECR repository with a custom OpenLIT image (scripts/build-and-push.sh). Empty: OpenLIT's public image." },
      [["can(regex(\"^(([a-z0-9]+([._-][a-z0-9]+)*/)*[a-z0-9]+([._-][a-z0-9]+)*)?$\", var.ecr_repository))", "ecr_repository must be an ECR repository name (lower case, digits, . _ - /), e.g. \"openlit\", or empty."]],
    ),
    imageTag: variable(
      scope,
      "image_tag",
      { type: "string", default: "", description: "OpenLIT image tag. Empty: \"latest\" for ECR, the pinned release for the public image." },
      [["can(regex(\"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$\", var.image_tag))", "image_tag must be a Docker tag (letters, digits, _ . -, at most 128), e.g. \"dev-20250801\"."]],
    ),
    clickhouseHost: variable(
      scope,
      "clickhouse_host",
      { type: "string", description: "ClickHouse Cloud host for the OpenLIT UI; may start with https:// as in the RFC, e.g. https://abc123.us-east-1.aws.clickhouse.cloud." },
      [[`can(regex("^(https?://)?${HOST}$", var.clickhouse_host))`, "clickhouse_host must be a host name, optionally with https://, and no port, path or spaces, e.g. \"https://abc123.us-east-1.aws.clickhouse.cloud\"."]],
    ),
    clickhousePort: variable(scope, "clickhouse_port", { type: "string", default: "8443", description: "ClickHouse HTTPS port for the UI (8443 on ClickHouse Cloud)." }, portRules("clickhouse_port")),
    clickhouseDatabase: variable(scope, "clickhouse_database", { type: "string", default: "openlit", description: "ClickHouse database for OpenLIT's tables." }, [
      ["can(regex(\"^[A-Za-z0-9_]+$\", var.clickhouse_database))", "clickhouse_database must be letters, digits and underscores, e.g. \"openlit\"."],
    ]),
    clickhouseUsername: variable(scope, "clickhouse_username", { type: "string", default: "default", description: "ClickHouse user." }, [
      ["can(regex(\"^[A-Za-z0-9_.@-]+$\", var.clickhouse_username))", "clickhouse_username must be letters, digits and _ . @ -, e.g. \"default\"."],
    ]),
    clickhousePassword: secret(scope, "clickhouse_password", { type: "string", description: "ClickHouse password. Secret: set TF_VAR_clickhouse_password or environments/openlit/<env>.secrets.tfvars; stored only in SSM." }, [
      ["length(var.clickhouse_password) > 0", "clickhouse_password is empty: set TF_VAR_clickhouse_password or put it in environments/openlit/<env>.secrets.tfvars."],
      noQuotes("clickhouse_password"),
    ]),
    otelHost: variable(
      scope,
      "otel_host",
      { type: "string", default: "", description: "ClickHouse host for the collector's native protocol, bare (no scheme). Empty: clickhouse_host without its scheme." },
      [[`can(regex("^(${HOST})?$", var.otel_host))`, "otel_host must be a bare host name without scheme, port or spaces, e.g. \"abc123.us-east-1.aws.clickhouse.cloud\"."]],
    ),
    otelPort: variable(scope, "otel_port", { type: "string", default: "9440", description: "ClickHouse native port for the collector (9440 = TLS on ClickHouse Cloud)." }, portRules("otel_port")),
    otelSecure: variable(scope, "otel_secure", { type: "bool", default: true, description: "TLS between the collector and ClickHouse; ClickHouse Cloud requires it." }),
    demoEmails: variable(scope, "demo_emails", { type: "string", default: "", description: "Comma-separated demo account e-mails. Empty: no demo accounts." }, [
      ["var.demo_emails == \"\" || alltrue([for e in split(\",\", var.demo_emails) : can(regex(\"^[^@,\\\\s]+@[^@,\\\\s]+\\\\.[^@,\\\\s]+$\", e))])", "demo_emails must be comma-separated e-mail addresses without spaces, e.g. \"demo@example.com,sales@example.com\"."],
    ]),
    demoPasswords: secret(scope, "demo_passwords", { type: "string", default: "", description: "Comma-separated demo account passwords, one per e-mail. Secret: TF_VAR_demo_passwords or the secrets tfvars." }, [
      ["length(split(\",\", var.demo_passwords)) == length(split(\",\", var.demo_emails)) && (var.demo_emails == \"\") == (var.demo_passwords == \"\")", "demo_passwords must hold exactly one password per demo_emails entry, comma-separated in the same order."],
      noQuotes("demo_passwords"),
    ]),
    availabilityZone: variable(scope, "availability_zone", { type: "string", default: "", description: "Availability zone for the instance and its data volume. Empty: the region's first zone. Changing it moves the data volume (a new, empty one)." }, [
      ["can(regex(\"^([a-z]{2}(-gov)?-[a-z]+-[0-9][a-z])?$\", var.availability_zone))", "availability_zone must be a zone name such as \"us-east-1a\", or empty."],
    ]),
    subnetId: variable(scope, "subnet_id", { type: "string", default: "", description: "Public subnet for the instance. Empty: the default VPC's default subnet in availability_zone." }, [
      ["can(regex(\"^(subnet-[0-9a-f]{8,17})?$\", var.subnet_id))", "subnet_id must look like subnet-0123456789abcdef0, or be empty for the default VPC."],
    ]),
    rootVolumeSize: variable(scope, "root_volume_size", { type: "number", default: 20, description: "Root volume (gp3, encrypted) in GiB: OS, images, logs." }, [
      ["var.root_volume_size >= 8 && var.root_volume_size <= 16384 && floor(var.root_volume_size) == var.root_volume_size", "root_volume_size must be a whole number of GiB from 8 (Amazon Linux 2023's minimum) to 16384."],
    ]),
    dataVolumeSize: variable(scope, "data_volume_size", { type: "number", default: 10, description: "OpenLIT data volume (gp3, encrypted) in GiB; survives instance replacement." }, [
      ["var.data_volume_size >= 1 && var.data_volume_size <= 16384 && floor(var.data_volume_size) == var.data_volume_size", "data_volume_size must be a whole number of GiB from 1 to 16384."],
    ]),
    dataVolumeFinalSnapshot: variable(scope, "data_volume_final_snapshot", { type: "bool", default: true, description: "Snapshot the data volume when Terraform destroys it." }),
    detailedMonitoring: variable(scope, "detailed_monitoring", { type: "bool", default: false, description: "CloudWatch 1-minute instance metrics (extra cost)." }),
    secretsVersion: variable(scope, "secrets_version", { type: "number", default: 1, description: "Bump to write new clickhouse_password / demo_passwords values to SSM (write-only values are not diffed)." }, [
      ["var.secrets_version >= 1 && floor(var.secrets_version) == var.secrets_version", "secrets_version must be a whole number >= 1; increase it by one to push new passwords."],
    ]),
    enableHealthGate: variable(scope, "enable_health_gate", { type: "bool", default: false, description: "After apply, run scripts/health-check.sh against the Elastic IP from the machine running Terraform (needs bash, curl and access to ports 3000/4317/4318); apply fails if OpenLIT never becomes healthy." }),
    alarmEmail: variable(scope, "alarm_email", { type: "string", default: "", description: "E-mail for alarm notifications (recovery, reboot, disk, memory) through an encrypted SNS topic; confirm the subscription mail. Empty: no topic." }, [
      ["var.alarm_email == \"\" || can(regex(\"^[^@,\\\\s]+@[^@,\\\\s]+\\\\.[^@,\\\\s]+$\", var.alarm_email))", "alarm_email must be one e-mail address, e.g. \"ops@example.com\", or empty."],
    ]),
    snapshotRetentionDays: variable(scope, "snapshot_retention_days", { type: "number", default: 7, description: "Daily snapshots of the OpenLIT data volume to keep (Data Lifecycle Manager, 03:00 UTC)." }, [
      ["var.snapshot_retention_days >= 1 && var.snapshot_retention_days <= 1000 && floor(var.snapshot_retention_days) == var.snapshot_retention_days", "snapshot_retention_days must be a whole number from 1 to 1000."],
    ]),
    enableContainerLogs: variable(scope, "enable_container_logs", { type: "bool", default: true, description: "Send container logs to CloudWatch Logs (/openlit/<environment>/containers); false keeps them in rotated local files only." }),
    logRetentionDays: variable(scope, "log_retention_days", { type: "number", default: 14, description: "Days CloudWatch Logs keeps container logs." }, [
      [`contains([${LOG_RETENTION_DAYS.join(", ")}], var.log_retention_days)`, `log_retention_days must be one of CloudWatch Logs' periods: ${LOG_RETENTION_DAYS.join(", ")}.`],
    ]),
  };
}
