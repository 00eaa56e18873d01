// The small generic modules, each on a bare stack with only what a caller gives (no system around them).
import { IResolvable, TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AlertTopic } from "../modules/alert-topic/index.js";
import { SecureParameters } from "../modules/secure-parameters/index.js";
import { CostEstimate, monthlyInstancePrice } from "../modules/cost-estimate/index.js";
import { VolumeSnapshots } from "../modules/volume-snapshots/index.js";
import { SecurityGroup } from "../modules/security-group/index.js";
import { SubnetLookup } from "../modules/subnet-lookup/index.js";
import { InstanceAlarms, InstanceAlarmsProps } from "../modules/instance-alarms/index.js";
import { ValidationError } from "../modules/core/index.js";
import { onlyResource, resourcesOf, TfJson } from "./support/synth.js";
import { synthBare as bare } from "./support/bare-stack.js";
import { applyOffline, requireTerraform } from "./support/terraform.js";

describe("AlertTopic", () => {
  it("creates the key, the topic and the subscription only when an e-mail is given, and prices the key", () => {
    const json = bare((s) => {
      const email = new TerraformVariable(s, "email", { type: "string", default: "" });
      new AlertTopic(s, "alerts", { name: "shop-alerts", partition: "aws", accountId: "123456789012", email: email.stringValue });
      CostEstimate.of(s).writeOutputs(s, "test");
    });
    for (const type of ["aws_kms_key", "aws_sns_topic", "aws_sns_topic_subscription"]) expect(onlyResource(json, type).count).toBe("${(length(var.email) >= 1) ? 1 : 0}");
    expect(onlyResource(json, "aws_sns_topic").kms_master_key_id).toMatch(/one\(aws_kms_key\..*\[\*\]\.arn\)/);
    expect(json.output.cost_breakdown.value["alerts-key"]).toContain("(length(var.email) >= 1) ? 1 : 0");
  });
});

describe("AlertTopic with existingTopicName", () => {
  /** An alert topic on the variable email (and topic_name, when given), with enabled and topicArns as outputs. */
  function synthTopic(withExisting: boolean): TfJson {
    return bare((s) => {
      const email = new TerraformVariable(s, "email", { type: "string", default: "" });
      const existingTopicName = withExisting ? new TerraformVariable(s, "topic_name", { type: "string", default: "" }).stringValue : undefined;
      const alerts = new AlertTopic(s, "alerts", { name: "shop-alerts", partition: "aws", accountId: "123456789012", email: email.stringValue, existingTopicName });
      new TerraformOutput(s, "enabled", { value: alerts.enabled });
      new TerraformOutput(s, "arns", { value: alerts.topicArns });
    });
  }
  const without = synthTopic(false);
  const given = synthTopic(true);
  const topicId = (json: TfJson) => resourcesOf(json, "aws_sns_topic")[0]![0];

  it("left out: looks nothing up, enabled stays length(email) >= 1 and topicArns the created topic's splat", () => {
    expect(without.data).toBeUndefined();
    expect(without.output.enabled.value).toBe("${(length(var.email) >= 1)}");
    expect(without.output.arns.value).toBe(`\${aws_sns_topic.${topicId(without)}[*].arn}`);
  });

  it("a variable: looks the topic up by name when the name is set", () => {
    expect(Object.values(given.data.aws_sns_topic)).toEqual([{ name: "${var.topic_name}", count: "${(length(var.topic_name) >= 1) ? 1 : 0}" }]);
  });

  it("a variable: creates the key, the topic and the subscription only for an empty name and a given e-mail", () => {
    const when = "${((length(var.topic_name) < 1) && (length(var.email) >= 1)) ? 1 : 0}";
    for (const type of ["aws_kms_key", "aws_sns_topic", "aws_sns_topic_subscription"]) expect(onlyResource(given, type).count, type).toBe(when);
    expect(given.output.enabled.value).toBe("${((length(var.topic_name) < 1) && (length(var.email) >= 1))}");
  });

  it("a variable: topicArns is the created topic's splat followed by the found topic's", () => {
    const found = Object.keys(given.data.aws_sns_topic)[0];
    expect(given.output.arns.value).toBe(`\${concat(aws_sns_topic.${topicId(given)}[*].arn, data.aws_sns_topic.${found}[*].arn)}`);
  });
});

describe("SecureParameters", () => {
  const json = bare((s) => {
    const on = new TerraformVariable(s, "with_token", { type: "bool", default: false });
    new SecureParameters(s, "secrets", {
      path: "/shop/prod",
      version: 3,
      parameters: {
        "db-password": { value: "${var.db_password}", description: "database" },
        "api-token": { value: "${var.api_token}", description: "API", enabled: on.booleanValue },
      },
    });
  });
  const params = Object.fromEntries(resourcesOf(json, "aws_ssm_parameter").map(([id, p]) => [id.replace(/_[0-9A-F]{8}$/, ""), p]));

  it("names each parameter by its key under the path, as a construct id in PascalCase", () => {
    expect(Object.keys(params).sort()).toEqual(["secrets_ApiToken", "secrets_DbPassword"]);
    expect(params.secrets_DbPassword.name).toBe("/shop/prod/db-password");
  });

  it("writes only through write-only arguments, versioned, and counts the optional one", () => {
    expect(params.secrets_DbPassword).toMatchObject({ type: "SecureString", value_wo: "${var.db_password}", value_wo_version: 3 });
    expect(params.secrets_DbPassword.value).toBeUndefined();
    expect(params.secrets_DbPassword.count).toBeUndefined();
    expect(params.secrets_ApiToken.count).toBe("${var.with_token ? 1 : 0}");
  });
});

describe("CostEstimate", () => {
  beforeAll(requireTerraform);

  it("sums every module's items into a total with two decimals and lists each item", async () => {
    const json = bare((s) => {
      const size = new TerraformVariable(s, "size", { type: "number", default: 10 });
      new VolumeSnapshots(s, "snapshots", { name: "shop", partition: "aws", targetTag: { key: "k", value: "v" }, costedSizeGiB: size.numberValue });
      CostEstimate.of(s).add({ key: "fixed", usd: 1.25, description: "a fixed fee" });
      CostEstimate.of(s).writeOutputs(s, "test");
    });
    const run = await applyOffline({ variable: json.variable, output: { total: json.output.estimated_monthly_cost_usd, items: json.output.cost_breakdown } });
    expect(run.stderr).toBe("");
    expect(run.outputs).toEqual({ total: "1.75", items: { "snapshots-storage": "0.50", fixed: "1.25" } });
  });

  it("says unknown instead of failing the plan when an item cannot be priced", async () => {
    const json = bare((s) => {
      const type = new TerraformVariable(s, "instance_type", { type: "string", default: "m8g.large" });
      CostEstimate.of(s).add({ key: "instance", usd: monthlyInstancePrice(type.stringValue), description: "unlisted" }, { key: "fixed", usd: 1, description: "fee" });
      CostEstimate.of(s).writeOutputs(s, "test");
    });
    const run = await applyOffline({ variable: json.variable, output: { total: json.output.estimated_monthly_cost_usd, items: json.output.cost_breakdown } });
    expect(run.outputs).toEqual({ total: "unknown: an item has no list price (see cost_breakdown)", items: { instance: "unknown", fixed: "1.00" } });
  });
});

describe("SecurityGroup sources", () => {
  it("opens a port to another security group by reference, keyed like CIDR sources", () => {
    const json = bare((s) => {
      new SecurityGroup(s, "db", {
        vpcId: "vpc-1",
        namePrefix: "db-",
        allowedSources: {},
        allowedSecurityGroups: { app: "sg-0123456789abcdef0" },
        ingressPorts: [{ key: "postgres", fromPort: 5432, description: "PostgreSQL" }],
      });
    });
    const [[id, rule]] = resourcesOf(json, "aws_vpc_security_group_ingress_rule");
    expect(id).toMatch(/^db_ingress-postgres-app_/);
    expect(rule).toMatchObject({ referenced_security_group_id: "sg-0123456789abcdef0", from_port: 5432, to_port: 5432 });
    expect(rule.cidr_ipv4).toBeUndefined();
  });
});

describe("SubnetLookup", () => {
  it("takes the given subnet, or the default VPC's default subnet in the chosen or first zone", () => {
    const json = bare((s) => {
      const subnet = new TerraformVariable(s, "subnet_id", { type: "string", default: "" });
      const zone = new TerraformVariable(s, "zone", { type: "string", default: "" });
      new SubnetLookup(s, "network", { subnetId: subnet.stringValue, availabilityZone: zone.stringValue });
    });
    const subnet = Object.values(json.data.aws_subnet)[0];
    expect(subnet.id).toBe("${(length(var.subnet_id) < 1) ? null : var.subnet_id}");
    expect(subnet.default_for_az).toBe("${(length(var.subnet_id) < 1) ? true : null}");
    expect(subnet.availability_zone).toMatch(/^\$\{\(length\(var\.subnet_id\) < 1\) \? \(length\(var\.zone\) >= 1\) \? var\.zone : element\(data\.aws_availability_zones\.network_zones_[0-9A-F]{8}\.names, 0\) : null\}$/);
  });
});

describe("SubnetLookup by name", () => {
  it("finds a subnet by its Name tag, in the VPC named by its Name tag, when no id is given", () => {
    const json = bare((s) => {
      const vars = Object.fromEntries(["subnet_id", "subnet_name", "vpc_name"].map((n) => [n, new TerraformVariable(s, n, { type: "string", default: "" }).stringValue]));
      new SubnetLookup(s, "network", { subnetId: vars.subnet_id!, subnetName: vars.subnet_name!, vpcName: vars.vpc_name! });
    });
    const subnet = Object.values(json.data.aws_subnet)[0];
    const [vpcId, vpc] = Object.entries(json.data.aws_vpc)[0]!;
    expect(vpc).toMatchObject({ tags: { Name: "${var.vpc_name}" }, count: "${(((length(var.subnet_id) < 1) && (length(var.subnet_name) >= 1)) && (length(var.vpc_name) >= 1)) ? 1 : 0}" });
    expect(subnet.tags).toBe('${((length(var.subnet_id) < 1) && (length(var.subnet_name) >= 1)) ? {"Name" = var.subnet_name} : null}');
    expect(subnet.vpc_id).toBe(`\${one(data.aws_vpc.${vpcId}[*].id)}`);
    expect(subnet.default_for_az).toBe("${((length(var.subnet_id) + length(var.subnet_name)) < 1) ? true : null}");
  });
});

describe("InstanceAlarms on a spot host", () => {
  it("reboots on a failed system check when asked (spot instances cannot be recovered) and prices its alarms", () => {
    const json = bare((s) => {
      new InstanceAlarms(s, "alarms", { instanceId: "i-1", namePrefix: "shop-dev", region: "us-east-1", partition: "aws", systemCheckAction: "reboot", memoryUsedPercent: 0 });
      CostEstimate.of(s).writeOutputs(s, "test");
    });
    const system = resourcesOf(json, "aws_cloudwatch_metric_alarm").find(([id]) => id.startsWith("alarms_SystemCheck"))![1];
    expect(system.alarm_actions).toBe('${concat(["arn:aws:automate:us-east-1:ec2:reboot"], [])}');
    expect(resourcesOf(json, "aws_cloudwatch_metric_alarm")).toHaveLength(2);
    expect(json.output.cost_breakdown.value["alarms-alarms"]).toBe('${try(format("%.2f", 0.2), "unknown")}');
  });
});

describe("InstanceAlarms CPU alarm", () => {
  const NOTIFY = ["arn:aws:sns:us-east-1:123456789012:ops"];
  const alarmsOf = (props: Partial<InstanceAlarmsProps> = {}) => {
    const json = bare((s) => new InstanceAlarms(s, "alarms", { instanceId: "i-1", namePrefix: "shop-dev", region: "us-east-1", partition: "aws", notify: NOTIFY, ...props }));
    return Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([id, a]) => [id.replace(/_[0-9A-F]{8}$/, ""), a]));
  };
  const problemsOf = (cpuUtilizationPercent: (s: TerraformStack) => number) => {
    const stack = new TerraformStack(Testing.app(), "bare");
    try {
      new InstanceAlarms(stack, "alarms", { instanceId: "i-1", namePrefix: "shop-dev", region: "us-east-1", partition: "aws", cpuUtilizationPercent: cpuUtilizationPercent(stack) });
    } catch (e) {
      if (e instanceof ValidationError) return e.problems;
      throw e;
    }
    throw new Error("expected a ValidationError");
  };

  it("is absent by default and with cpuUtilizationPercent 0", () => {
    expect(Object.keys(alarmsOf())).not.toContain("alarms_Cpu");
    expect(Object.keys(alarmsOf({ cpuUtilizationPercent: 0 }))).not.toContain("alarms_Cpu");
  });

  it("with 80: notifies when average CPU is at or over 80 % for three 5-minute periods", () => {
    expect(alarmsOf({ cpuUtilizationPercent: 80 }).alarms_Cpu).toEqual({
      alarm_name: "shop-dev-cpu",
      alarm_description: expect.stringContaining("over 80%"),
      namespace: "AWS/EC2",
      metric_name: "CPUUtilization",
      dimensions: { InstanceId: "i-1" },
      statistic: "Average",
      period: 300,
      evaluation_periods: 3,
      threshold: 80,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "missing",
      alarm_actions: NOTIFY,
      ok_actions: NOTIFY,
    });
  });

  it("rejects 100, a negative threshold and a Terraform expression", () => {
    expect(problemsOf(() => 100)).toEqual(["cpuUtilizationPercent 100 must be between 1 and 99, or 0 for no CPU alarm."]);
    expect(problemsOf(() => -1)).toEqual(["cpuUtilizationPercent -1 must be between 1 and 99, or 0 for no CPU alarm."]);
    expect(problemsOf((s) => new TerraformVariable(s, "cpu", { type: "number" }).numberValue)).toEqual([
      "cpuUtilizationPercent must be a number known at synth, not a Terraform expression: it decides whether the CPU alarm exists.",
    ]);
  });
});

describe("InstanceAlarms watchEnabled", () => {
  /** Status checks, a root disk, CPU and memory alarms (5 in all), with alarmArns and the cost breakdown as outputs. */
  function synthAlarms(watchEnabled?: (s: TerraformStack) => boolean | IResolvable): { json: TfJson; alarms: Record<string, any> } {
    const json = bare((s) => {
      const alarms = new InstanceAlarms(s, "alarms", {
        instanceId: "i-1", namePrefix: "shop-dev", region: "us-east-1", partition: "aws",
        filesystems: [{ key: "root", path: "/", fstype: "xfs" }], cpuUtilizationPercent: 80, watchEnabled: watchEnabled?.(s),
      });
      new TerraformOutput(s, "arns", { value: alarms.alarmArns });
      CostEstimate.of(s).writeOutputs(s, "test");
    });
    return { json, alarms: Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([id, a]) => [id.replace(/_[0-9A-F]{8}$/, ""), a])) };
  }
  const watched = ["alarms_Disk-root", "alarms_Cpu", "alarms_Memory"];
  const statusChecks = ["alarms_SystemCheck", "alarms_InstanceCheck"];
  const byDefault = synthAlarms();
  const switched = synthAlarms((s) => new TerraformVariable(s, "monitoring", { type: "bool", default: true }).booleanValue);
  const off = synthAlarms(() => false);
  const idOf = (json: TfJson, key: string) => resourcesOf(json, "aws_cloudwatch_metric_alarm").find(([id]) => id.startsWith(`${key}_`))![0];
  const price = (json: TfJson) => json.output.cost_breakdown.value["alarms-alarms"];

  it("left out: counts nothing, alarmArns lists each alarm and all five are priced", () => {
    for (const alarm of Object.values(byDefault.alarms)) expect(alarm.count).toBeUndefined();
    expect(byDefault.json.output.arns.value).toEqual(["SystemCheck", "InstanceCheck", "Disk-root", "Cpu", "Memory"].map((k) => `\${aws_cloudwatch_metric_alarm.${idOf(byDefault.json, `alarms_${k}`)}.arn}`));
    expect(price(byDefault.json)).toBe('${try(format("%.2f", 0.5), "unknown")}');
  });

  it("a variable: counts the disk, CPU and memory alarms on it, never the status checks", () => {
    for (const key of watched) expect(switched.alarms[key].count, key).toBe("${var.monitoring ? 1 : 0}");
    for (const key of statusChecks) expect(switched.alarms[key].count, key).toBeUndefined();
  });

  it("a variable: alarmArns is the status checks' ARNs followed by the other alarms' splats", () => {
    const ref = (key: string, splat = "") => `aws_cloudwatch_metric_alarm.${idOf(switched.json, key)}${splat}.arn`;
    expect(switched.json.output.arns.value).toBe(`\${concat([${statusChecks.map((k) => ref(k)).join(", ")}], ${watched.map((k) => ref(k, "[*]")).join(", ")})}`);
  });

  it("a variable: prices all five alarms when on, the two status checks when off", () => {
    expect(price(switched.json)).toBe('${try(format("%.2f", var.monitoring ? 0.5 : 0.2), "unknown")}');
  });

  it("false: the disk, CPU and memory alarms get count 0 and only the two status checks are priced", () => {
    for (const key of watched) expect(off.alarms[key].count, key).toBe(0);
    for (const key of statusChecks) expect(off.alarms[key].count, key).toBeUndefined();
    expect(price(off.json)).toBe('${try(format("%.2f", 0.2), "unknown")}');
  });
});
