import { DATA_MOUNT, TIMESCALEDB_IMAGE } from "../stacks/lighthouse/database.js";
import { bootScriptOf, onlyResource, resourcesOf, synthLighthouse, TfJson } from "./support/synth.js";

/** The document's variable names: both of its terraform.tfvars examples use only these. */
const DOCUMENT_VARIABLES = [
  "aws_region", "ssh_key_name", "vpc_name", "private_subnet_name", "backend_security_group_name", "instance_type", "volume_size_gb",
  "db_password_secret_id", "backup_s3_bucket", "alerts_sns_topic_name", "domain_name", "ssh_allowed_cidr_blocks",
];
/** The outputs the document's commands read. */
const DOCUMENT_OUTPUTS = [
  "instance_id", "database_endpoint", "database_connection_string", "ssh_command", "instance_private_ip", "cloudwatch_dashboard_url",
  "alarm_sns_topic_arn", "estimated_monthly_cost",
];

const dev = synthLighthouse("dev");
const prod = synthLighthouse("prod");
const both: [string, TfJson][] = [["dev", dev], ["prod", prod]];
const instanceOf = (json: TfJson) => onlyResource(json, "aws_instance");
const policiesOf = (json: TfJson) => resourcesOf(json, "aws_iam_role_policy").map(([, p]) => JSON.stringify(p.policy));

describe.each(both)("lighthouse-%s", (env, json) => {
  it("takes the document's variable names, each with a type and a description", () => {
    for (const name of DOCUMENT_VARIABLES) expect(json.variable, name).toHaveProperty(name);
    for (const [name, v] of Object.entries(json.variable)) {
      expect(v.type, name).toMatch(/^(string|number|bool|list\(string\))$/);
      expect(v.description, name).toBeTruthy();
    }
  });

  it("writes the password only through a write-only argument, from a sensitive and ephemeral variable", () => {
    expect(json.variable.db_password).toMatchObject({ sensitive: true, ephemeral: true, default: "" });
    const stores = [...resourcesOf(json, "aws_ssm_parameter"), ...resourcesOf(json, "aws_secretsmanager_secret_version")].map(([, r]) => r);
    expect(stores).toHaveLength(1);
    for (const store of stores) {
      expect(store).not.toHaveProperty("value");
      expect(store).not.toHaveProperty("secret_string");
      // A value Terraform generates (two random UUIDs) when db_password is empty: never a literal in the configuration.
      expect(store.value_wo ?? store.secret_string_wo).toMatch(/^\$\{\(length\(var\.db_password\) >= 1\) \? var\.db_password : replace\(.*uuid\(\)/);
    }
  });

  it("gives outputs the document's commands use, and a connection string without a password", () => {
    for (const name of DOCUMENT_OUTPUTS) expect(json.output, name).toHaveProperty(name);
    expect(json.output.database_connection_string.value).toMatch(/^postgresql:\/\/postgres@\$\{.*\}:5432\/lighthouse_[a-z]+\?sslmode=require$/);
    for (const [name, o] of Object.entries(json.output)) expect(JSON.stringify(o.value), name).not.toContain("db_password}");
    expect(json.output.database_port_forward_command.value).toContain("AWS-StartPortForwardingSession");
  });

  it("runs TimescaleDB pinned to a release, its data on the encrypted data volume at the document's mount point", () => {
    expect(TIMESCALEDB_IMAGE).toMatch(/^timescale\/timescaledb:\d+\.\d+\.\d+-pg16$/);
    const script = bootScriptOf(json);
    expect(script).toContain(`image: ${TIMESCALEDB_IMAGE}`);
    expect(script).toContain(`DATA_MOUNT="${DATA_MOUNT}"`);
    expect(script).toContain(`POSTGRES_DB: lighthouse_${env}`);
    expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({ encrypted: true, type: "gp3", size: "${var.volume_size_gb}" });
  });

  it("never opens 5432 to an address range: only to the backend security group, when it is named", () => {
    const rules = resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    const postgres = rules.filter((r) => r.from_port === 5432);
    expect(postgres).toHaveLength(1);
    expect(postgres[0]).not.toHaveProperty("cidr_ipv4");
    expect(postgres[0].referenced_security_group_id).toContain("data.aws_security_group.backend_security_group");
    expect(postgres[0].count).toContain("var.backend_security_group_name");
    const ssh = rules.filter((r) => r.from_port === 22);
    expect(ssh).toHaveLength(1);
    expect(ssh[0].for_each).toContain("var.ssh_allowed_cidr_blocks");
  });

  it("backs the volume up with AWS Backup in the document's vault, and dumps to a bucket prefix the role alone may write", () => {
    expect(onlyResource(json, "aws_backup_vault").name).toBe(`lighthouse-${env}-timescaledb-vault`);
    expect(JSON.stringify(onlyResource(json, "aws_backup_selection").resources)).toContain("aws_ebs_volume.timescaledb_DataVolume");
    expect(onlyResource(json, "aws_backup_plan").rule[0].lifecycle.delete_after).toBe("${var.backup_retention_days}");
    const bucketPolicy = policiesOf(json).find((p) => p.includes("s3:PutObject"));
    expect(bucketPolicy).toContain(`/lighthouse-${env}/*`);
    expect(bootScriptOf(json)).toContain("OnCalendar=*-*-* 03:00:00 UTC");
  });

  it("names its alarms lighthouse-<env>-timescaledb-*, CPU and data disk at 80 %", () => {
    const alarms = resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
    for (const a of alarms) expect(a.alarm_name).toMatch(new RegExp(`^lighthouse-${env}-timescaledb-`));
    expect(alarms.find((a) => a.metric_name === "CPUUtilization")).toMatchObject({ threshold: 80, count: "${var.enable_monitoring ? 1 : 0}" });
    expect(alarms.find((a) => a.dimensions.path === DATA_MOUNT)).toMatchObject({ threshold: 80 });
  });

  it("copies no host or address from the document", () => {
    expect(JSON.stringify(json).includes("karmacadabra") || JSON.stringify(json).includes("ultravioletadao")).toBe(false);
  });
});

describe("lighthouse-dev", () => {
  it("is the document's t4g.micro on a persistent spot request that stops on interruption, with a cleanup of that request", () => {
    expect(dev.variable.instance_type.default).toBe("t4g.micro");
    expect(dev.variable.volume_size_gb.default).toBe(20);
    expect(instanceOf(dev).instance_market_options).toEqual({
      market_type: "spot",
      spot_options: { instance_interruption_behavior: "stop", spot_instance_type: "persistent" },
    });
    const cleanup = resourcesOf(dev, "null_resource").filter(([id]) => id.startsWith("spot_request_cleanup"));
    expect(cleanup).toHaveLength(1);
    expect(JSON.stringify(cleanup[0]![1].provisioner)).toContain('"when":"destroy"');
  });

  it("keeps the password as an SSM SecureString at /lighthouse/dev/db/password that only this role reads", () => {
    expect(onlyResource(dev, "aws_ssm_parameter")).toMatchObject({ name: "/lighthouse/dev/db/password", type: "SecureString", value_wo_version: "${var.db_password_version}" });
    expect(dev.resource.aws_secretsmanager_secret).toBeUndefined();
    expect(policiesOf(dev).find((p) => p.includes("ssm:GetParameter"))).toContain(":parameter/lighthouse/dev/db/*");
    expect(dev.variable.db_password_secret_id.validation[0].condition).toBe('${var.db_password_secret_id == ""}');
  });

  it("reboots on a failed system check (a spot instance cannot be recovered) and leaves monitoring off by default", () => {
    const system = resourcesOf(dev, "aws_cloudwatch_metric_alarm").find(([id]) => id.startsWith("alarms_SystemCheck"))![1];
    expect(JSON.stringify(system.alarm_actions)).toContain("ec2:reboot");
    expect(dev.variable.enable_monitoring.default).toBe(false);
  });
});

describe("lighthouse-prod", () => {
  it("is the document's t4g.small on demand with 100 GB", () => {
    expect(prod.variable.instance_type.default).toBe("t4g.small");
    expect(prod.variable.volume_size_gb.default).toBe(100);
    expect(instanceOf(prod)).not.toHaveProperty("instance_market_options");
    expect(resourcesOf(prod, "null_resource").filter(([id]) => id.startsWith("spot_request_cleanup"))).toHaveLength(0);
  });

  it("keeps the password in Secrets Manager: an existing secret by db_password_secret_id, or lighthouse/prod/db/password", () => {
    expect(onlyResource(prod, "aws_secretsmanager_secret")).toMatchObject({ name: "lighthouse/prod/db/password", count: "${(length(var.db_password_secret_id) < 1) ? 1 : 0}" });
    expect(onlyResource(prod, "aws_secretsmanager_secret_version")).toHaveProperty("secret_string_wo");
    expect(Object.keys(prod.data.aws_secretsmanager_secret ?? {})).toHaveLength(1);
    expect(prod.resource.aws_ssm_parameter).toBeUndefined();
    expect(policiesOf(prod).find((p) => p.includes("secretsmanager:GetSecretValue"))).toBeDefined();
    expect(bootScriptOf(prod)).toContain("aws secretsmanager get-secret-value");
  });

  it("recovers the instance on a failed system check, watches by default and draws a dashboard", () => {
    const system = resourcesOf(prod, "aws_cloudwatch_metric_alarm").find(([id]) => id.startsWith("alarms_SystemCheck"))![1];
    expect(JSON.stringify(system.alarm_actions)).toContain("ec2:recover");
    expect(prod.variable.enable_monitoring.default).toBe(true);
    expect(onlyResource(prod, "aws_cloudwatch_dashboard").dashboard_name).toBe("lighthouse-prod-timescaledb");
  });

  it("names the database timescaledb-prod.<domain_name> in the zone of that name, pointing at the private address", () => {
    const record = onlyResource(prod, "aws_route53_record");
    expect(record).toMatchObject({ name: "timescaledb-prod.${var.domain_name}", type: "A" });
    expect(record.records[0]).toContain("private_ip");
  });
});
