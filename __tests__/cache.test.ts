// Cache on a bare stack: the replication group, its subnet group, security group and log groups, every prop and
// default, the outputs and url(), the cost item (listed, unlisted and Terraform node types), the validation; and, by
// the real Terraform engine, the cost expressions of Cache and Table (their schema: the offline validate of the stacks using them).
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { Cache, CacheProps, REDIS_OSS_NODE_USD_PER_HOUR, VALKEY_PRICE_FACTOR } from "../modules/cache/index.js";
import { dailyWindow, weeklyWindow, windowsOverlap } from "../modules/core/index.js";
import { Table } from "../modules/table/index.js";
import { onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";
import { applyOffline, requireTerraform } from "./support/terraform.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BASE: CacheProps = { name: "shop-cache", vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], allowedSecurityGroups: { app: "sg-app" } };

/** The stack with one cache `cache` (BASE plus `props`, built by a function when props need the stack), and its cost outputs. */
function synthCache(props: Partial<CacheProps> | ((stack: TerraformStack) => Partial<CacheProps>) = {}): { json: TfJson; cache: Cache } {
  const stack = bareStack();
  const cache = new Cache(stack, "cache", { ...BASE, ...(typeof props === "function" ? props(stack) : props) });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return { json: synthStack(stack), cache };
}

const groupOf = (json: TfJson) => onlyResource(json, "aws_elasticache_replication_group");
const idOf = (json: TfJson, type: string) => resourcesOf(json, type)[0]![0];
const usd = (expression: string | number) => `\${try(format("%.2f", ${expression}), "unknown")}`;
/** The literal amount of a cost item, e.g. 9.928 out of `${try(format("%.2f", 9.928), "unknown")}`. */
const amount = (item: string) => Number(/^\$\{try\(format\("%\.2f", ([0-9.e-]+)\), "unknown"\)\}$/.exec(item)![1]);

describe("Cache with defaults", () => {
  const { json } = synthCache();
  const sg = `aws_security_group.${idOf(json, "aws_security_group")}`;

  it("creates the replication group, its subnet group, its security group and one ingress rule, with stable ids", () => {
    expect(Object.keys(json.resource).sort()).toEqual(["aws_elasticache_replication_group", "aws_elasticache_subnet_group", "aws_security_group", "aws_vpc_security_group_ingress_rule"]);
    expect(
      ["aws_elasticache_replication_group", "aws_elasticache_subnet_group", "aws_security_group", "aws_vpc_security_group_ingress_rule"].map((t) => idOf(json, t).replace(/_[0-9A-F]{8}$/, "")),
    ).toEqual(["cache", "cache_SubnetGroup", "cache_SecurityGroup", "cache_SecurityGroup_ingress-cache-app"]);
  });

  it("runs one Valkey 8.1 cache.t3.micro node, TLS required, encrypted at rest, daily snapshots kept a day, changes in the maintenance window", () => {
    expect(groupOf(json)).toEqual({
      replication_group_id: "shop-cache",
      description: "Cache shop-cache",
      engine: "valkey",
      engine_version: "8.1",
      node_type: "cache.t3.micro",
      port: 6379,
      num_cache_clusters: 1,
      multi_az_enabled: false,
      automatic_failover_enabled: false,
      subnet_group_name: `\${aws_elasticache_subnet_group.${idOf(json, "aws_elasticache_subnet_group")}.name}`,
      security_group_ids: [`\${${sg}.id}`],
      transit_encryption_enabled: true,
      transit_encryption_mode: "required",
      at_rest_encryption_enabled: "true",
      snapshot_retention_limit: 1,
      snapshot_window: "03:00-04:00",
      maintenance_window: "sun:05:00-sun:06:00",
      apply_immediately: false,
      tags: {},
    });
  });

  it("puts the nodes in the given subnets", () => {
    expect(onlyResource(json, "aws_elasticache_subnet_group")).toEqual({ name: "shop-cache", description: "Subnets of cache shop-cache", subnet_ids: ["subnet-a", "subnet-b"], tags: {} });
  });

  it("opens the port only to the allowed security groups, and nothing outbound", () => {
    expect(onlyResource(json, "aws_security_group")).toEqual({
      name_prefix: "shop-cache-",
      description: "Cache shop-cache: TLS clients from the allowed security groups only",
      vpc_id: "vpc-1",
      tags: {},
      lifecycle: { create_before_destroy: true },
    });
    expect(onlyResource(json, "aws_vpc_security_group_ingress_rule")).toEqual({
      security_group_id: `\${${sg}.id}`,
      description: "Valkey over TLS",
      ip_protocol: "tcp",
      from_port: 6379,
      to_port: 6379,
      referenced_security_group_id: "sg-app",
      tags: {},
    });
    expect(json.resource.aws_vpc_security_group_egress_rule).toBeUndefined();
  });

  it("prices one Valkey node: the Redis OSS list price less 20 %, for 730 hours", () => {
    expect(amount(json.output.cost_breakdown.value["cache-nodes"])).toBeCloseTo(0.017 * 0.8 * 730, 9);
  });
});

describe("Cache outputs", () => {
  const stack = bareStack();
  const cache = new Cache(stack, "cache", BASE);
  const port = new TerraformVariable(stack, "port", { type: "number" }).numberValue;
  const onVariablePort = new Cache(stack, "other", { ...BASE, name: "other-cache", port });
  const outputs = {
    id: cache.replicationGroupId, arn: cache.arn, primary: cache.primaryEndpoint, reader: cache.readerEndpoint, sg: cache.securityGroupId,
    url: cache.url(), url3: cache.url(3), variablePortUrl: onVariablePort.url(),
  };
  for (const [name, value] of Object.entries(outputs)) new TerraformOutput(stack, name, { value });
  const json = synthStack(stack);
  const group = `aws_elasticache_replication_group.${resourcesOf(json, "aws_elasticache_replication_group").find(([id]) => id.startsWith("cache_"))![0]}`;
  const other = `aws_elasticache_replication_group.${resourcesOf(json, "aws_elasticache_replication_group").find(([id]) => id.startsWith("other_"))![0]}`;
  const out = (name: keyof typeof outputs) => json.output[name].value;

  it("exposes the group's id, ARN, endpoints and security group as references, and the port as given", () => {
    expect([out("id"), out("arn"), out("primary"), out("reader")]).toEqual([`\${${group}.id}`, `\${${group}.arn}`, `\${${group}.primary_endpoint_address}`, `\${${group}.reader_endpoint_address}`]);
    expect(out("sg")).toMatch(/^\$\{aws_security_group\.cache_SecurityGroup_[0-9A-F]{8}\.id\}$/);
    expect(cache.port).toBe(6379);
  });

  it("builds a TLS URL to the primary endpoint, database 0 by default", () => {
    expect(out("url")).toBe(`rediss://\${${group}.primary_endpoint_address}:6379/0`);
    expect(out("url3")).toBe(`rediss://\${${group}.primary_endpoint_address}:6379/3`);
    expect(out("variablePortUrl")).toBe(`rediss://\${${other}.primary_endpoint_address}:\${var.port}/0`);
  });

  it("rejects a database that is not a whole number >= 0", () => {
    expect(problemsOf(() => cache.url(-1))).toEqual(['url database -1 must be a whole number >= 0 (0-15 with the default "databases" parameter).']);
  });
});

describe("Cache options", () => {
  it("runs Redis OSS 7.1 by default with engine redis, or the version given", () => {
    expect(groupOf(synthCache({ engine: "redis" }).json)).toMatchObject({ engine: "redis", engine_version: "7.1" });
    expect(groupOf(synthCache({ engineVersion: "7.2" }).json)).toMatchObject({ engine: "valkey", engine_version: "7.2" });
  });

  it("adds replicas, and with multiAz automatic failover", () => {
    expect(groupOf(synthCache({ replicas: 1 }).json)).toMatchObject({ num_cache_clusters: 2, multi_az_enabled: false, automatic_failover_enabled: false });
    expect(groupOf(synthCache({ replicas: 2, multiAz: true }).json)).toMatchObject({ num_cache_clusters: 3, multi_az_enabled: true, automatic_failover_enabled: true });
  });

  it("takes replicas and multiAz from Terraform", () => {
    const { json } = synthCache((s) => ({
      replicas: new TerraformVariable(s, "replicas", { type: "number" }).numberValue,
      multiAz: new TerraformVariable(s, "multi_az", { type: "bool" }).booleanValue,
    }));
    expect(groupOf(json)).toMatchObject({ num_cache_clusters: "${(var.replicas + 1)}", multi_az_enabled: "${var.multi_az}", automatic_failover_enabled: "${var.multi_az}" });
  });

  it("listens on another port, in the group and in its rule", () => {
    const { json } = synthCache({ port: 6380 });
    expect(groupOf(json).port).toBe(6380);
    expect(onlyResource(json, "aws_vpc_security_group_ingress_rule")).toMatchObject({ from_port: 6380, to_port: 6380 });
  });

  it("opens the port to each allowed security group with its own rule, described by the engine", () => {
    const { json } = synthCache({ engine: "redis", allowedSecurityGroups: { app: "sg-app", worker: "sg-worker" } });
    const rules = resourcesOf(json, "aws_vpc_security_group_ingress_rule");
    expect(rules.map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r.referenced_security_group_id, r.description])).toEqual([
      ["cache_SecurityGroup_ingress-cache-app", "sg-app", "Redis OSS over TLS"],
      ["cache_SecurityGroup_ingress-cache-worker", "sg-worker", "Redis OSS over TLS"],
    ]);
  });

  it("takes the node type, key, snapshots, windows, parameter group, final snapshot, description, apply-immediately and tags", () => {
    const { json } = synthCache({
      nodeType: "cache.t4g.small",
      kmsKeyArn: KEY_ARN,
      snapshotRetentionDays: 7,
      snapshotWindow: "22:30-23:30",
      maintenanceWindow: "tue:01:00-tue:02:30",
      parameterGroupName: "shop-valkey8",
      finalSnapshotIdentifier: "shop-cache-final",
      description: "Sessions and rate limits",
      applyImmediately: true,
      tags: { team: "shop" },
    });
    expect(groupOf(json)).toMatchObject({
      node_type: "cache.t4g.small",
      kms_key_id: KEY_ARN,
      at_rest_encryption_enabled: "true",
      snapshot_retention_limit: 7,
      snapshot_window: "22:30-23:30",
      maintenance_window: "tue:01:00-tue:02:30",
      parameter_group_name: "shop-valkey8",
      final_snapshot_identifier: "shop-cache-final",
      description: "Sessions and rate limits",
      apply_immediately: true,
      tags: { team: "shop" },
    });
    for (const type of ["aws_elasticache_subnet_group", "aws_security_group", "aws_vpc_security_group_ingress_rule"]) expect(onlyResource(json, type).tags, type).toEqual({ team: "shop" });
  });

  it("delivers the slow log as JSON to a log group kept 30 days by default", () => {
    const { json } = synthCache({ logDelivery: {} });
    expect(resourcesOf(json, "aws_cloudwatch_log_group").map(([id, g]) => [id.replace(/_[0-9A-F]{8}$/, ""), g])).toEqual([
      ["cache_SlowLog", { name: "/aws/elasticache/shop-cache/slow-log", retention_in_days: 30, tags: {} }],
    ]);
    expect(groupOf(json).log_delivery_configuration).toEqual([
      { destination: `\${aws_cloudwatch_log_group.${idOf(json, "aws_cloudwatch_log_group")}.name}`, destination_type: "cloudwatch-logs", log_format: "json", log_type: "slow-log" },
    ]);
  });

  it("delivers both logs as text with the retention given", () => {
    const { json } = synthCache({ logDelivery: { logTypes: ["slow-log", "engine-log"], retentionDays: 7, format: "text" } });
    expect(resourcesOf(json, "aws_cloudwatch_log_group").map(([, g]) => [g.name, g.retention_in_days]).sort()).toEqual([
      ["/aws/elasticache/shop-cache/engine-log", 7],
      ["/aws/elasticache/shop-cache/slow-log", 7],
    ]);
    expect(groupOf(json).log_delivery_configuration.map((c: { log_type: string; log_format: string }) => [c.log_type, c.log_format])).toEqual([
      ["slow-log", "text"],
      ["engine-log", "text"],
    ]);
  });
});

describe("Cache cost item", () => {
  const item = (props: Partial<CacheProps> | ((stack: TerraformStack) => Partial<CacheProps>)) => synthCache(props).json.output.cost_breakdown.value["cache-nodes"] as string;

  it("keeps the us-east-1 Redis OSS list prices and the Valkey factor in the module", () => {
    expect(REDIS_OSS_NODE_USD_PER_HOUR).toMatchObject({
      "cache.t3.micro": 0.017, "cache.t3.small": 0.034, "cache.t3.medium": 0.068,
      "cache.t4g.micro": 0.016, "cache.t4g.small": 0.032, "cache.t4g.medium": 0.065, "cache.m7g.large": 0.158,
    });
    expect(VALKEY_PRICE_FACTOR).toBe(0.8);
  });

  it("prices every node at the engine's price: Redis OSS in full, Valkey 20 % less", () => {
    expect(amount(item({ engine: "redis", nodeType: "cache.t4g.small", replicas: 2 }))).toBeCloseTo(0.032 * 730 * 3, 9);
    expect(amount(item({ nodeType: "cache.m7g.large", replicas: 1, multiAz: true }))).toBeCloseTo(0.158 * 0.8 * 730 * 2, 9);
  });

  it("multiplies by a Terraform replica count", () => {
    expect(item((s) => ({ engine: "redis", replicas: new TerraformVariable(s, "replicas", { type: "number" }).numberValue }))).toBe(usd("((0.017 * 730) * (var.replicas + 1))"));
  });

  it("looks an unlisted or a Terraform node type up, so an unlisted one shows as unknown instead of failing", () => {
    const unlisted = item({ nodeType: "cache.r8g.large" });
    // cdktf renders a two-argument lookup as an index into the price map, which fails for a missing key: try() catches it.
    expect(unlisted).toMatch(/^\$\{try\(format\("%\.2f", \(\(\{"cache\.t3\.micro" = 0\.017, .*\}\["cache\.r8g\.large"\] \* 584\) \* 1\)\), "unknown"\)\}$/);
    expect(item((s) => ({ nodeType: new TerraformVariable(s, "node_type", { type: "string" }).stringValue }))).toMatch(/\(\(\{"cache\.t3\.micro" = 0\.017, .*\}\[var\.node_type\] \* 584\) \* 1\)/);
  });
});

describe("Cache validation", () => {
  const problems = (props: Partial<CacheProps>) => problemsOf(() => new Cache(bareStack(), "c", { ...BASE, ...props } as CacheProps));
  const accepted = (props: Partial<CacheProps>) => new Cache(bareStack(), "c", { ...BASE, ...props }) instanceof Cache;

  it("reports every problem at once", () => {
    expect(
      problems({
        name: "Shop--cache-",
        description: " ",
        engineVersion: "8",
        nodeType: "t4g.micro",
        replicas: 6,
        subnetIds: [],
        allowedSecurityGroups: {},
        port: 0,
        kmsKeyArn: "alias/cache",
        snapshotRetentionDays: 36,
        snapshotWindow: "3:00-4:00",
        maintenanceWindow: "sun:05:00-sun:05:30",
        parameterGroupName: "",
        finalSnapshotIdentifier: "1-final",
        logDelivery: { logTypes: [], retentionDays: 10 },
      }),
    ).toEqual([
      'name "Shop--cache-" must be 1-40 lower-case letters, digits and hyphens, starting with a letter, without "--" or a trailing hyphen, e.g. "shop-cache".',
      "description is empty: say what the cache holds, or leave it out.",
      'engineVersion "8" is not a Valkey version: use <major>.<minor>, e.g. "8.1" or "7.2".',
      'nodeType "t4g.micro" is not a cache node type: use cache.family.size, e.g. "cache.t4g.micro".',
      "replicas 6 must be a whole number of read replicas from 0 to 5.",
      "subnetIds is empty: give the private subnets the cache nodes go in.",
      "allowedSecurityGroups is empty: give the security groups of the clients, e.g. { app: appGroup.id }; the cache is open to nothing else.",
      "port 0 is not a port: use 1-65535 (6379 is the usual one).",
      'kmsKeyArn "alias/cache" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.',
      "snapshotRetentionDays 36 must be a whole number of days from 0 (no automatic snapshots) to 35.",
      'snapshotWindow "3:00-4:00" must be a daily UTC range of at least 60 minutes, HH:MM-HH:MM, e.g. "03:00-04:00".',
      'maintenanceWindow "sun:05:00-sun:05:30" must be a weekly UTC range of at least 60 minutes, ddd:HH:MM-ddd:HH:MM, e.g. "sun:05:00-sun:06:00".',
      "parameterGroupName is empty: name a parameter group, or leave it out for the engine's default.",
      'finalSnapshotIdentifier "1-final" must be 1-255 letters, digits and hyphens, starting with a letter, without "--" or a trailing hyphen.',
      'logDelivery.logTypes is empty: list "slow-log" and/or "engine-log", or leave logDelivery out.',
      "logDelivery.retentionDays 10 is not a CloudWatch Logs retention: use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
    ]);
  });

  it("wants a replica and two subnets for Multi-AZ", () => {
    expect(problems({ multiAz: true, subnetIds: ["subnet-a"] })).toEqual([
      "multiAz needs a replica to fail over to: set replicas to 1 or more, or leave multiAz off.",
      "multiAz needs subnets in at least two availability zones: give two or more subnetIds.",
    ]);
  });

  it("checks the engine and its version format", () => {
    expect(problems({ engine: "redis", engineVersion: "7.1.0" })).toEqual([
      'engineVersion "7.1.0" is not a Redis OSS version: use <major>.<minor> from 6 on, e.g. "7.1" or "6.2" (<major>.<minor>.<patch> before 6).',
    ]);
    expect(accepted({ engine: "redis", engineVersion: "5.0.6" })).toBe(true);
    expect(problems({ engine: "memcached" as "redis" })).toEqual(['engine "memcached" is not a replication group engine: use "valkey" or "redis".']);
  });

  it("checks security group keys, duplicate log types and a 41-character name", () => {
    expect(problems({ name: `a${"b".repeat(40)}`, allowedSecurityGroups: { "App Servers": "sg-1" }, logDelivery: { logTypes: ["slow-log", "slow-log"] } })).toEqual([
      `name "a${"b".repeat(40)}" must be 1-40 lower-case letters, digits and hyphens, starting with a letter, without "--" or a trailing hyphen, e.g. "shop-cache".`,
      'allowedSecurityGroups key "App Servers" must be lower-case letters, digits and dashes.',
      'logDelivery.logTypes ["slow-log","slow-log"] must list "slow-log" and "engine-log" at most once each.',
    ]);
  });

  it("keeps the snapshot window out of the maintenance window, across midnight and the week's end", () => {
    expect(problems({ snapshotWindow: "05:30-06:30" })).toEqual([
      'snapshotWindow "05:30-06:30" overlaps maintenanceWindow "sun:05:00-sun:06:00": ElastiCache needs them apart; move one.',
    ]);
    expect(problems({ snapshotWindow: "23:30-00:30", maintenanceWindow: "sun:00:00-sun:01:00" })).toHaveLength(1);
    expect(problems({ snapshotWindow: "01:00-02:00", maintenanceWindow: "sat:23:30-sun:01:30" })).toHaveLength(1);
    expect(accepted({ snapshotWindow: "06:00-07:00" })).toBe(true);
  });

  it("leaves values that are Terraform tokens to Terraform", () => {
    const stack = bareStack();
    const text = (name: string) => new TerraformVariable(stack, name, { type: "string" }).stringValue;
    const number = (name: string) => new TerraformVariable(stack, name, { type: "number" }).numberValue;
    expect(() => new Cache(stack, "c", { ...BASE, name: text("name"), nodeType: text("node"), replicas: number("replicas"), port: number("port"), snapshotWindow: text("window") })).not.toThrow();
  });

  it("stops synth with the construct path", () => {
    expect(() => new Cache(bareStack(), "c", { ...BASE, name: "1cache" })).toThrow(/^Invalid props for bare\/c:\n  - name "1cache" must be 1-40/);
  });
});

describe("Cache windows", () => {
  it("reads daily and weekly windows into minutes, wrapping past midnight and the week's end", () => {
    expect(dailyWindow("03:00-04:00")).toEqual({ start: 180, end: 240 });
    expect(dailyWindow("23:30-00:30")).toEqual({ start: 1410, end: 1470 });
    expect(weeklyWindow("sun:05:00-sun:06:00")).toEqual({ start: 300, end: 360 });
    expect(weeklyWindow("sat:23:00-sun:01:00")).toEqual({ start: 6 * 1440 + 1380, end: 7 * 1440 + 60 });
    expect([dailyWindow("24:00-01:00"), weeklyWindow("sun:05:00-06:00")]).toEqual([undefined, undefined]);
  });

  it("finds an overlap on any day of the week", () => {
    const weekly = weeklyWindow("wed:10:00-wed:11:00")!;
    expect(windowsOverlap(dailyWindow("10:59-11:59")!, weekly)).toBe(true);
    expect(windowsOverlap(dailyWindow("11:00-12:00")!, weekly)).toBe(false);
  });
});

describe("Cache and Table cost expressions in Terraform", () => {
  it("evaluates listed, unlisted and Terraform node types, replica counts and table sizes", async () => {
    requireTerraform();
    const stack = bareStack();
    const variable = (name: string, type: string, value: string | number | boolean) => new TerraformVariable(stack, name, { type, default: value });
    new Cache(stack, "listed", { ...BASE, name: "listed", nodeType: variable("node_type", "string", "cache.t4g.micro").stringValue, replicas: variable("replicas", "number", 1).numberValue });
    new Cache(stack, "unlisted", { ...BASE, name: "unlisted", engine: "redis", nodeType: "cache.x9.huge" });
    new Table(stack, "orders", { name: "orders", hashKey: { name: "pk", type: "S" }, costedSizeGiB: variable("size", "number", 40).numberValue, pointInTimeRecovery: variable("pitr", "bool", false).booleanValue });
    CostEstimate.of(stack).writeOutputs(stack, "test");
    const json = synthStack(stack);
    const run = await applyOffline({ variable: json.variable, output: { total: json.output.estimated_monthly_cost_usd, items: json.output.cost_breakdown } });
    expect(run.stderr).toBe("");
    expect(run.outputs).toEqual({
      total: "unknown: an item has no list price (see cost_breakdown)",
      items: { "listed-nodes": (0.016 * 0.8 * 730 * 2).toFixed(2), "unlisted-nodes": "unknown", "orders-storage": "10.00", "orders-pitr": "0.00" },
    });
  });
});

