import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import {
  cidrRules, emailListRule, emailRule, HOST_NAME, instanceTypeRule, logRetentionRule, portRule, secret, variable, wholeNumberRule,
} from "../variables.js";

/**
 * The stack's inputs: exactly the RFC's variable names (so its terraform.tfvars layout works unchanged),
 * plus a few more. Every one has a type, a description, and a validation wherever a wrong value is possible;
 * messages say what to do. Passwords are sensitive and ephemeral: never in plan files or state.
 */
/** OpenLIT's password rule (createNewUser, 1.24.2): 8-128 characters, an upper-case letter, a lower-case letter, a digit. */
const OPENLIT_PASSWORD_RULE = (value: string) =>
  `length(${value}) >= 8 && length(${value}) <= 128 && can(regex("[A-Z]", ${value})) && can(regex("[a-z]", ${value})) && can(regex("[0-9]", ${value}))`;

export interface OpenlitVariables {
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
  readonly ownerPassword: TerraformVariable;
  readonly allowSelfRegistration: TerraformVariable;
  readonly domainName: TerraformVariable;
  readonly route53ZoneId: TerraformVariable;
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

/** OpenLIT's variables (aws_region and environment are every stack's, see SystemStack). */
export function createOpenlitVariables(scope: Construct): OpenlitVariables {
  return {
    instanceType: variable(
      scope,
      "instance_type",
      { type: "string", default: "t4g.small", description: "EC2 instance type. Graviton (t4g, m7g, …) runs arm64 images; others x86_64. t4g.small: 2 vCPU, 2 GiB." },
      [instanceTypeRule("instance_type", '"t4g.small" or "t4g.medium"')],
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
        ...cidrRules("allowed_cidr"),
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
      { type: "string", default: "", description: "OpenLIT image tag: required with ecr_repository (the tag scripts/build-and-push.sh printed). Empty: the pinned release of the public image." },
      [
        ["can(regex(\"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$\", var.image_tag))", "image_tag must be a Docker tag (letters, digits, _ . -, at most 128), e.g. \"dev-20250801\"."],
        ['var.ecr_repository == "" || var.image_tag != ""', "image_tag is empty but ecr_repository is set: use the tag scripts/build-and-push.sh printed (it never pushes \"latest\")."],
      ],
    ),
    clickhouseHost: variable(
      scope,
      "clickhouse_host",
      { type: "string", description: "ClickHouse Cloud host for the OpenLIT UI; may start with https:// as in the RFC, e.g. https://abc123.us-east-1.aws.clickhouse.cloud." },
      [[`can(regex("^(https?://)?${HOST_NAME}$", var.clickhouse_host))`, "clickhouse_host must be a host name, optionally with https://, and no port, path or spaces, e.g. \"https://abc123.us-east-1.aws.clickhouse.cloud\"."]],
    ),
    clickhousePort: variable(scope, "clickhouse_port", { type: "string", default: "8443", description: "ClickHouse HTTPS port for the UI (8443 on ClickHouse Cloud)." }, [portRule("clickhouse_port", "8443")]),
    clickhouseDatabase: variable(scope, "clickhouse_database", { type: "string", default: "openlit", description: "ClickHouse database for OpenLIT's tables." }, [
      ["can(regex(\"^[A-Za-z0-9_]+$\", var.clickhouse_database))", "clickhouse_database must be letters, digits and underscores, e.g. \"openlit\"."],
    ]),
    clickhouseUsername: variable(scope, "clickhouse_username", { type: "string", default: "default", description: "ClickHouse user." }, [
      ["can(regex(\"^[A-Za-z0-9_.@-]+$\", var.clickhouse_username))", "clickhouse_username must be letters, digits and _ . @ -, e.g. \"default\"."],
    ]),
    clickhousePassword: secret(scope, "clickhouse_password", { type: "string", description: "ClickHouse password. Secret: set TF_VAR_clickhouse_password or environments/openlit/<env>.secrets.tfvars; stored only in SSM." }, [
      ["length(var.clickhouse_password) > 0", "clickhouse_password is empty: set TF_VAR_clickhouse_password or put it in environments/openlit/<env>.secrets.tfvars."],
      [
        `can(regex("^[A-Za-z0-9_.@%+,:=*?!#^{}\\\\[\\\\]-]*$", var.clickhouse_password))`,
        "clickhouse_password may only contain letters, digits and _ - . @ % + , : = * ? ! # ^ { } [ ]: OpenLIT 1.24.2's entrypoint re-reads it through an unquoted shell line, which cuts or breaks on $ ` \\ ' \" ; & | < > ( ) ~ and spaces. Choose a ClickHouse password without them.",
      ],
    ]),
    otelHost: variable(
      scope,
      "otel_host",
      { type: "string", default: "", description: "ClickHouse host for the collector's native protocol, bare (no scheme). Empty: clickhouse_host without its scheme." },
      [[`can(regex("^(${HOST_NAME})?$", var.otel_host))`, "otel_host must be a bare host name without scheme, port or spaces, e.g. \"abc123.us-east-1.aws.clickhouse.cloud\"."]],
    ),
    otelPort: variable(scope, "otel_port", { type: "string", default: "9440", description: "ClickHouse native port for the collector (9440 = TLS on ClickHouse Cloud)." }, [portRule("otel_port", "9440")]),
    otelSecure: variable(scope, "otel_secure", { type: "bool", default: true, description: "TLS between the collector and ClickHouse; ClickHouse Cloud requires it." }),
    demoEmails: variable(scope, "demo_emails", { type: "string", default: "", description: "Comma-separated demo account e-mails. Empty: no demo accounts." }, [
      emailListRule("demo_emails"),
    ]),
    demoPasswords: secret(scope, "demo_passwords", { type: "string", default: "", description: "Comma-separated demo account passwords, one per e-mail. Secret: TF_VAR_demo_passwords or the secrets tfvars." }, [
      ["length(split(\",\", var.demo_passwords)) == length(split(\",\", var.demo_emails)) && (var.demo_emails == \"\") == (var.demo_passwords == \"\")", "demo_passwords must hold exactly one password per demo_emails entry, comma-separated in the same order."],
      [
        `var.demo_passwords == "" || alltrue([for p in split(",", var.demo_passwords) : ${OPENLIT_PASSWORD_RULE("p")}])`,
        "demo_passwords must each be 8-128 characters with an upper-case letter, a lower-case letter and a digit (OpenLIT's password rule).",
      ],
    ]),
    ownerPassword: secret(scope, "owner_password", { type: "string", description: "New password of OpenLIT's owner account (OWNER_EMAIL, user@openlit.io), which OpenLIT seeds with a published default: set at first boot, re-applied when secrets_version changes. Secret: TF_VAR_owner_password or the secrets tfvars." }, [
      [OPENLIT_PASSWORD_RULE("var.owner_password"), "owner_password must be 8-128 characters with an upper-case letter, a lower-case letter and a digit (OpenLIT's password rule)."],
    ]),
    domainName: variable(
      scope,
      "domain_name",
      { type: "string", default: "", description: "DNS name for HTTPS: the UI on https://<domain_name> and OTLP over TLS on <domain_name>:4317/4318, with a Let's Encrypt certificate the proxy renews (port 80 opens to everyone for the ACME challenge and the redirect). Its A record must point at the Elastic IP (route53_zone_id makes it). Empty: plain HTTP on port 3000, as in the RFC." },
      [[`can(regex("^(${HOST_NAME}\\\\.[A-Za-z]{2,63})?$", var.domain_name))`, "domain_name must be a DNS name such as \"openlit.example.com\", or empty for plain HTTP on port 3000."]],
    ),
    route53ZoneId: variable(
      scope,
      "route53_zone_id",
      { type: "string", default: "", description: "Route 53 hosted zone in which to create domain_name's A record (pointing at the Elastic IP). Empty: create the record yourself." },
      [
        ["can(regex(\"^(Z[A-Z0-9]{1,32})?$\", var.route53_zone_id))", "route53_zone_id must be a hosted zone id such as \"Z0123456789ABCDEFGHIJ\", or empty."],
        ['var.route53_zone_id == "" || var.domain_name != ""', "route53_zone_id is set but domain_name is empty: set domain_name to the name to create in that zone."],
      ],
    ),
    allowSelfRegistration: variable(scope, "allow_self_registration", { type: "bool", default: false, description: "Let anyone who reaches the UI create an account on /register (OpenLIT has no switch for it: the proxy in front of the UI refuses it unless this is true)." }),
    availabilityZone: variable(scope, "availability_zone", { type: "string", default: "", description: "Availability zone for the instance and its data volume. Empty: the region's first zone. Changing it moves the data volume (a new, empty one)." }, [
      ["can(regex(\"^([a-z]{2}(-gov)?-[a-z]+-[0-9][a-z])?$\", var.availability_zone))", "availability_zone must be a zone name such as \"us-east-1a\", or empty."],
    ]),
    subnetId: variable(scope, "subnet_id", { type: "string", default: "", description: "Public subnet for the instance. Empty: the default VPC's default subnet in availability_zone." }, [
      ["can(regex(\"^(subnet-[0-9a-f]{8,17})?$\", var.subnet_id))", "subnet_id must look like subnet-0123456789abcdef0, or be empty for the default VPC."],
    ]),
    rootVolumeSize: variable(scope, "root_volume_size", { type: "number", default: 20, description: "Root volume (gp3, encrypted) in GiB: OS, images, logs." }, [
      wholeNumberRule("root_volume_size", 8, 16384, "root_volume_size must be a whole number of GiB from 8 (Amazon Linux 2023's minimum) to 16384."),
    ]),
    dataVolumeSize: variable(scope, "data_volume_size", { type: "number", default: 10, description: "OpenLIT data volume (gp3, encrypted) in GiB; survives instance replacement." }, [
      wholeNumberRule("data_volume_size", 1, 16384, "data_volume_size must be a whole number of GiB from 1 to 16384."),
    ]),
    dataVolumeFinalSnapshot: variable(scope, "data_volume_final_snapshot", { type: "bool", default: true, description: "Snapshot the data volume when Terraform destroys it." }),
    detailedMonitoring: variable(scope, "detailed_monitoring", { type: "bool", default: false, description: "CloudWatch 1-minute instance metrics (extra cost)." }),
    secretsVersion: variable(scope, "secrets_version", { type: "number", default: 1, description: "Bump to write new clickhouse_password / demo_passwords values to SSM (write-only values are not diffed)." }, [
      ["var.secrets_version >= 1 && floor(var.secrets_version) == var.secrets_version", "secrets_version must be a whole number >= 1; increase it by one to push new passwords."],
    ]),
    enableHealthGate: variable(scope, "enable_health_gate", { type: "bool", default: false, description: "After apply, run scripts/health-check.sh against the Elastic IP from the machine running Terraform (needs bash, curl and access to ports 3000/4317/4318); apply fails if OpenLIT never becomes healthy." }),
    alarmEmail: variable(scope, "alarm_email", { type: "string", default: "", description: "E-mail for alarm notifications (recovery, reboot, disk, memory) through an encrypted SNS topic; confirm the subscription mail. Empty: no topic." }, [
      emailRule("alarm_email", "ops@example.com", true),
    ]),
    snapshotRetentionDays: variable(scope, "snapshot_retention_days", { type: "number", default: 7, description: "Daily snapshots of the OpenLIT data volume to keep (Data Lifecycle Manager, 03:00 UTC)." }, [
      wholeNumberRule("snapshot_retention_days", 1, 1000, "snapshot_retention_days must be a whole number from 1 to 1000."),
    ]),
    enableContainerLogs: variable(scope, "enable_container_logs", { type: "bool", default: true, description: "Send container logs to CloudWatch Logs (/openlit/<environment>/containers); false keeps them in rotated local files only." }),
    logRetentionDays: variable(scope, "log_retention_days", { type: "number", default: 14, description: "Days CloudWatch Logs keeps container logs." }, [
      logRetentionRule("log_retention_days"),
    ]),
  };
}
