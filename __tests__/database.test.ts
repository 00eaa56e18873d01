// Database on a bare stack: the DB instance, its subnet group, parameter group and security group, every prop and
// default, the outputs, the cost item (listed, unlisted and Terraform values), the validation. Synth only: no
// Terraform run here.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { Database, DatabaseProps, GP3_USD_PER_GIB_MONTH, POSTGRES_INSTANCE_USD_PER_HOUR } from "../modules/database/index.js";
import { onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BASE: DatabaseProps = { name: "orders-db", vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], allowedSecurityGroups: { app: "sg-app" }, databaseName: "orders" };

/** The stack with one database `db` (BASE plus `props`, built by a function when props need the stack), and its cost outputs. */
function synthDatabase(props: Partial<DatabaseProps> | ((stack: TerraformStack) => Partial<DatabaseProps>) = {}): TfJson {
  const stack = bareStack();
  new Database(stack, "db", { ...BASE, ...(typeof props === "function" ? props(stack) : props) });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return synthStack(stack);
}

const instanceOf = (json: TfJson) => onlyResource(json, "aws_db_instance");
const idOf = (json: TfJson, type: string) => resourcesOf(json, type)[0]![0];
const usd = (expression: string | number) => `\${try(format("%.2f", ${expression}), "unknown")}`;
/** The literal amount of a cost item, e.g. 52.56 out of `${try(format("%.2f", 52.56), "unknown")}`. */
const amount = (item: string) => Number(/^\$\{try\(format\("%\.2f", ([0-9.e-]+)\), "unknown"\)\}$/.exec(item)![1]);

describe("Database with defaults", () => {
  const json = synthDatabase();
  const sg = `aws_security_group.${idOf(json, "aws_security_group")}`;

  it("creates the instance, its subnet group, parameter group, security group and one ingress rule, with stable ids", () => {
    const types = ["aws_db_instance", "aws_db_parameter_group", "aws_db_subnet_group", "aws_security_group", "aws_vpc_security_group_ingress_rule"];
    expect(Object.keys(json.resource).sort()).toEqual(types);
    expect(types.map((t) => idOf(json, t).replace(/_[0-9A-F]{8}$/, ""))).toEqual(["db", "db_ParameterGroup", "db_SubnetGroup", "db_SecurityGroup", "db_SecurityGroup_ingress-postgres-app"]);
  });

  it("runs PostgreSQL 16 on db.t3.medium, gp3 encrypted with autoscaling, private, password managed by RDS, protected, with backups", () => {
    expect(instanceOf(json)).toEqual({
      identifier: "orders-db",
      engine: "postgres",
      engine_version: "16",
      auto_minor_version_upgrade: true,
      instance_class: "db.t3.medium",
      allocated_storage: 20,
      max_allocated_storage: 100,
      storage_type: "gp3",
      storage_encrypted: true,
      multi_az: false,
      db_subnet_group_name: `\${aws_db_subnet_group.${idOf(json, "aws_db_subnet_group")}.name}`,
      vpc_security_group_ids: [`\${${sg}.id}`],
      publicly_accessible: false,
      port: 5432,
      parameter_group_name: `\${aws_db_parameter_group.${idOf(json, "aws_db_parameter_group")}.name}`,
      db_name: "orders",
      username: "postgres",
      manage_master_user_password: true,
      backup_retention_period: 7,
      backup_window: "03:00-04:00",
      maintenance_window: "sun:05:00-sun:06:00",
      copy_tags_to_snapshot: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: "orders-db-final",
      performance_insights_enabled: true,
      performance_insights_retention_period: 7,
      enabled_cloudwatch_logs_exports: ["postgresql"],
      apply_immediately: false,
      tags: {},
    });
  });

  it("never sets a password, a KMS key or public access", () => {
    const instance = instanceOf(json);
    expect(instance).not.toHaveProperty("password");
    expect(instance).not.toHaveProperty("password_wo");
    expect(instance).not.toHaveProperty("kms_key_id");
    expect(instance).not.toHaveProperty("master_user_secret_kms_key_id");
  });

  it("puts the instance in the given subnets", () => {
    expect(onlyResource(json, "aws_db_subnet_group")).toEqual({ name: "orders-db", description: "Subnets of database orders-db", subnet_ids: ["subnet-a", "subnet-b"], tags: {} });
  });

  it("enforces TLS through its own parameter group of the major's family", () => {
    expect(onlyResource(json, "aws_db_parameter_group")).toEqual({
      name_prefix: "orders-db-",
      family: "postgres16",
      description: "Database orders-db: TLS required",
      parameter: [{ name: "rds.force_ssl", value: "1" }],
      tags: {},
      lifecycle: { create_before_destroy: true },
    });
  });

  it("opens 5432 only to the allowed security groups, and nothing outbound", () => {
    expect(onlyResource(json, "aws_security_group")).toEqual({
      name_prefix: "orders-db-",
      description: "Database orders-db: PostgreSQL clients from the allowed security groups only",
      vpc_id: "vpc-1",
      tags: {},
      lifecycle: { create_before_destroy: true },
    });
    expect(onlyResource(json, "aws_vpc_security_group_ingress_rule")).toEqual({
      security_group_id: `\${${sg}.id}`,
      description: "PostgreSQL over TLS",
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
      referenced_security_group_id: "sg-app",
      tags: {},
    });
    expect(json.resource.aws_vpc_security_group_egress_rule).toBeUndefined();
  });

  it("prices a single-AZ db.t3.medium for 730 hours and 20 GiB of gp3", () => {
    expect(amount(json.output.cost_breakdown.value["db-instance"])).toBeCloseTo(0.072 * 730, 9);
    expect(amount(json.output.cost_breakdown.value["db-storage"])).toBeCloseTo(0.115 * 20, 9);
  });
});

describe("Database outputs", () => {
  const stack = bareStack();
  const db = new Database(stack, "db", BASE);
  const outputs = { endpoint: db.endpoint, port: db.port, secret: db.masterSecretArn, sg: db.securityGroupId, identifier: db.identifier, arn: db.arn };
  for (const [name, value] of Object.entries(outputs)) new TerraformOutput(stack, name, { value });
  const json = synthStack(stack);
  const instance = `aws_db_instance.${idOf(json, "aws_db_instance")}`;
  const out = (name: keyof typeof outputs) => json.output[name].value;

  it("exposes the address, identifier, ARN and the master secret's ARN as references, and the port", () => {
    expect([out("endpoint"), out("identifier"), out("arn"), out("secret")]).toEqual([
      `\${${instance}.address}`,
      `\${${instance}.identifier}`,
      `\${${instance}.arn}`,
      `\${${instance}.master_user_secret[0].secret_arn}`,
    ]);
    expect(out("port")).toBe(5432);
    expect(out("sg")).toMatch(/^\$\{aws_security_group\.db_SecurityGroup_[0-9A-F]{8}\.id\}$/);
  });
});

describe("Database options", () => {
  it("takes the version, class, storage, user, backups, windows, logs and tags given", () => {
    const json = synthDatabase({
      engineVersion: "17",
      instanceClass: "db.t4g.small",
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 200,
      masterUsername: "owner",
      backupRetentionDays: 14,
      backupWindow: "01:00-01:30",
      maintenanceWindow: "sat:22:00-sat:23:00",
      cloudwatchLogsExports: ["postgresql", "upgrade"],
      applyImmediately: true,
      tags: { team: "data" },
    });
    expect(instanceOf(json)).toMatchObject({
      engine_version: "17",
      instance_class: "db.t4g.small",
      allocated_storage: 50,
      max_allocated_storage: 200,
      username: "owner",
      backup_retention_period: 14,
      backup_window: "01:00-01:30",
      maintenance_window: "sat:22:00-sat:23:00",
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
      apply_immediately: true,
      tags: { team: "data" },
    });
    expect(onlyResource(json, "aws_db_parameter_group")).toMatchObject({ family: "postgres17", tags: { team: "data" } });
    for (const type of ["aws_db_subnet_group", "aws_security_group"]) expect(onlyResource(json, type).tags).toEqual({ team: "data" });
  });

  it("encrypts storage and the master secret with the given key", () => {
    expect(instanceOf(synthDatabase({ kmsKeyArn: KEY_ARN }))).toMatchObject({ storage_encrypted: true, kms_key_id: KEY_ARN, master_user_secret_kms_key_id: KEY_ARN });
  });

  it("switches Multi-AZ on, deletion protection, the final snapshot and Performance Insights off", () => {
    const instance = instanceOf(synthDatabase({ multiAz: true, deletionProtection: false, finalSnapshot: false, performanceInsights: false }));
    expect(instance).toMatchObject({ multi_az: true, deletion_protection: false, skip_final_snapshot: true, performance_insights_enabled: false });
    expect(instance).not.toHaveProperty("performance_insights_retention_period");
  });

  it("takes every switch from Terraform", () => {
    const json = synthDatabase((s) => {
      const bool = (name: string) => new TerraformVariable(s, name, { type: "bool" }).booleanValue;
      return { multiAz: bool("multi_az"), deletionProtection: bool("protect"), finalSnapshot: bool("snapshot"), performanceInsights: bool("pi"), applyImmediately: bool("now") };
    });
    expect(instanceOf(json)).toMatchObject({
      multi_az: "${var.multi_az}",
      deletion_protection: "${var.protect}",
      skip_final_snapshot: "${!var.snapshot}",
      performance_insights_enabled: "${var.pi}",
      performance_insights_retention_period: "${var.pi ? 7 : null}",
      apply_immediately: "${var.now}",
    });
  });

  it("opens 5432 to each allowed security group, one rule per key", () => {
    const json = synthDatabase({ allowedSecurityGroups: { app: "sg-app", worker: "sg-worker" } });
    const rules = resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(([, r]) => [r.referenced_security_group_id, r.from_port, r.to_port]);
    expect(rules).toEqual([["sg-app", 5432, 5432], ["sg-worker", 5432, 5432]]);
  });

  it("names everything from a Terraform name", () => {
    const json = synthDatabase((s) => ({ name: new TerraformVariable(s, "name", { type: "string" }).stringValue }));
    expect(instanceOf(json)).toMatchObject({ identifier: "${var.name}", final_snapshot_identifier: "${var.name}-final" });
    expect(onlyResource(json, "aws_db_parameter_group").name_prefix).toBe("${var.name}-");
  });
});

describe("Database master password rotation", () => {
  it("keeps RDS's own schedule by default: no rotation resource", () => {
    expect(resourcesOf(synthDatabase(), "aws_secretsmanager_secret_rotation")).toEqual([]);
  });

  it("sets the schedule of the RDS-managed secret, without rotating on apply", () => {
    const rotation = onlyResource(synthDatabase({ masterPasswordRotation: { scheduleExpression: "cron(0 4 ? * SUN *)" } }), "aws_secretsmanager_secret_rotation");
    expect(rotation).toEqual({
      secret_id: expect.stringMatching(/^\$\{aws_db_instance\.db_[0-9A-F]+\.master_user_secret\[0\]\.secret_arn\}$/),
      rotate_immediately: false,
      rotation_rules: { schedule_expression: "cron(0 4 ? * SUN *)", duration: "1h" },
    });
  });
});

describe("Database cost item", () => {
  const items = (props: Partial<DatabaseProps> | ((stack: TerraformStack) => Partial<DatabaseProps>)) => synthDatabase(props).output.cost_breakdown.value as Record<string, string>;

  it("keeps a price for every listed class", () => {
    expect(POSTGRES_INSTANCE_USD_PER_HOUR).toMatchObject({ "db.t3.micro": 0.018, "db.t4g.medium": 0.065, "db.m7g.large": 0.168 });
    expect(GP3_USD_PER_GIB_MONTH).toBe(0.115);
  });

  it("doubles instance and storage with Multi-AZ", () => {
    const cost = items({ instanceClass: "db.m7g.large", allocatedStorageGiB: 100, maxAllocatedStorageGiB: 500, multiAz: true });
    expect(amount(cost["db-instance"]!)).toBeCloseTo(0.168 * 730 * 2, 9);
    expect(amount(cost["db-storage"]!)).toBeCloseTo(0.115 * 100 * 2, 9);
  });

  it("makes Multi-AZ and the storage Terraform expressions when they are variables", () => {
    const cost = items((s) => ({
      multiAz: new TerraformVariable(s, "multi_az", { type: "bool" }).booleanValue,
      allocatedStorageGiB: new TerraformVariable(s, "storage", { type: "number" }).numberValue,
    }));
    const monthly = 0.072 * 730;
    expect(cost["db-instance"]).toBe(usd(`var.multi_az ? ${monthly * 2} : ${monthly}`));
    expect(cost["db-storage"]).toBe(usd("var.multi_az ? ((var.storage * 0.115) * 2) : (var.storage * 0.115)"));
  });

  it("looks an unlisted or a Terraform class up, so an unlisted one shows as unknown instead of failing", () => {
    expect(items({ instanceClass: "db.r8g.large" })["db-instance"]).toMatch(/^\$\{try\(format\("%\.2f", \(\{"db\.t3\.micro" = 0\.018, .*\}\["db\.r8g\.large"\] \* 730\)\), "unknown"\)\}$/);
    expect(items((s) => ({ instanceClass: new TerraformVariable(s, "class", { type: "string" }).stringValue }))["db-instance"]).toMatch(/\(\{"db\.t3\.micro" = 0\.018, .*\}\[var\.class\] \* 730\)/);
  });
});

describe("Database validation", () => {
  const problems = (props: Partial<DatabaseProps>) => problemsOf(() => new Database(bareStack(), "d", { ...BASE, ...props } as DatabaseProps));

  it("reports every problem at once", () => {
    expect(
      problems({
        name: "Orders--db-",
        engineVersion: "16.4",
        instanceClass: "t3.medium",
        allocatedStorageGiB: 10,
        maxAllocatedStorageGiB: 10,
        kmsKeyArn: "alias/db",
        subnetIds: ["subnet-a"],
        allowedSecurityGroups: { App: "sg-app" },
        databaseName: "1orders",
        masterUsername: "admin",
        backupRetentionDays: 0,
        backupWindow: "3:00-4:00",
        maintenanceWindow: "sun:05:00-sun:05:15",
        cloudwatchLogsExports: ["postgresql", "postgresql"],
      }),
    ).toEqual([
      'name "Orders--db-" must be 1-63 lower-case letters, digits and hyphens, starting with a letter, without "--" or a trailing hyphen, e.g. "orders-db".',
      'engineVersion "16.4" is not a PostgreSQL major version: give the major only, e.g. "16" (minor versions are applied by RDS).',
      'instanceClass "t3.medium" is not a DB instance class: use db.family.size, e.g. "db.t4g.medium".',
      "allocatedStorageGiB 10 must be a whole number of GiB from 20 to 65536 (gp3).",
      "maxAllocatedStorageGiB 10 must be a whole number of GiB from 21 to 65536 (the storage autoscaling ceiling).",
      'kmsKeyArn "alias/db" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.',
      "subnetIds must list at least two private subnets in different availability zones: RDS requires it for a DB subnet group.",
      'allowedSecurityGroups key "App" must be lower-case letters, digits and dashes.',
      'databaseName "1orders" must be 1-63 letters, digits and underscores, starting with a letter, e.g. "orders".',
      'masterUsername "admin" is reserved by RDS or PostgreSQL (admin, rdsadmin, rdsrepladmin, public, user, current_user, session_user, rds_*, pg_*): choose another, e.g. "postgres".',
      "backupRetentionDays 0 must be a whole number of days from 1 to 35.",
      'backupWindow "3:00-4:00" must be a daily UTC range of at least 30 minutes, HH:MM-HH:MM, e.g. "03:00-04:00".',
      'maintenanceWindow "sun:05:00-sun:05:15" must be a weekly UTC range of at least 30 minutes, ddd:HH:MM-ddd:HH:MM, e.g. "sun:05:00-sun:06:00".',
      'cloudwatchLogsExports ["postgresql","postgresql"] must list "postgresql", "upgrade", "iam-db-auth-error" at most once each.',
    ]);
  });

  it("requires storage headroom above the allocated size", () => {
    expect(problems({ allocatedStorageGiB: 100, maxAllocatedStorageGiB: 100 })).toEqual([
      "maxAllocatedStorageGiB 100 must be above allocatedStorageGiB 100: it is the ceiling storage autoscaling may grow to.",
    ]);
  });

  it("refuses the names RDS reserves for the master user, in any case", () => {
    for (const name of ["rdsadmin", "RDSADMIN", "rds_superuser", "pg_monitor", "public"]) expect(problems({ masterUsername: name })).toHaveLength(1);
    expect(problems({ masterUsername: "bad-name" })).toEqual(['masterUsername "bad-name" must be 1-63 letters, digits and underscores, starting with a letter.']);
  });

  it("refuses overlapping backup and maintenance windows, an empty client list and a bad log", () => {
    expect(problems({ backupWindow: "05:30-06:30", allowedSecurityGroups: {}, cloudwatchLogsExports: ["audit" as never] })).toEqual([
      "allowedSecurityGroups is empty: give the security groups of the clients, e.g. { app: appGroup.id }; the database is open to nothing else.",
      'backupWindow "05:30-06:30" overlaps maintenanceWindow "sun:05:00-sun:06:00": RDS needs them apart; move one.',
      'cloudwatchLogsExports ["audit"] must list "postgresql", "upgrade", "iam-db-auth-error" at most once each.',
    ]);
  });

  it("refuses a rotation schedule that is not cron() or rate(), and a window outside 1h-24h", () => {
    expect(problems({ masterPasswordRotation: { scheduleExpression: "every sunday", duration: "90m" } })).toEqual([
      'masterPasswordRotation.scheduleExpression "every sunday" must be a Secrets Manager schedule, cron(...) or rate(N days), e.g. "cron(0 4 ? * SUN *)".',
      'masterPasswordRotation.duration "90m" must be a whole number of hours from 1h to 24h, e.g. "1h".',
    ]);
  });

  it("leaves Terraform values to Terraform", () => {
    const stack = bareStack();
    const text = (name: string) => new TerraformVariable(stack, name, { type: "string" }).stringValue;
    const number = (name: string) => new TerraformVariable(stack, name, { type: "number" }).numberValue;
    expect(
      new Database(stack, "d", {
        ...BASE,
        name: text("name"),
        engineVersion: text("version"),
        instanceClass: text("class"),
        allocatedStorageGiB: number("storage"),
        maxAllocatedStorageGiB: number("max"),
        kmsKeyArn: text("key"),
        subnetIds: new TerraformVariable(stack, "subnets", { type: "list(string)" }).listValue,
        databaseName: text("db"),
        masterUsername: text("user"),
        backupRetentionDays: number("days"),
        backupWindow: text("bw"),
        maintenanceWindow: text("mw"),
      }),
    ).toBeInstanceOf(Database);
  });
});
