// The generic Auto Scaling group of compose hosts on a bare stack: synth-only property assertions.
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AutoScalingHosts, AutoScalingHostsProps } from "../modules/auto-scaling-host/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";

const MINIMAL: AutoScalingHostsProps = {
  name: "shop-test",
  appName: "shop",
  title: "Shop",
  environment: "test",
  region: "us-east-1",
  partition: "aws",
  accountId: "123456789012",
  subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
  securityGroupIds: ["sg-0123456789abcdef0"],
  minSize: 2,
  maxSize: 4,
  application: (host) => ({
    composeFile: `services:\n  web:\n    image: nginx:1.27\n    platform: ${host.platform}\n    ports: ["8080:80"]\n`,
  }),
};

function synthGroup(overrides: Partial<AutoScalingHostsProps> = {}, extend?: (stack: TerraformStack) => Partial<AutoScalingHostsProps>): TfJson {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new AutoScalingHosts(stack, "hosts", { ...MINIMAL, ...overrides, ...extend?.(stack) });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return synthStack(stack);
}

/** The local whose name starts with `name` (cdktf appends a hash). */
function localOf(json: TfJson, name: string): [string, string] {
  const found = Object.entries(json.locals).find(([n]) => n.startsWith(`${name}_`));
  if (!found) throw new Error(`no local ${name}`);
  return found;
}

describe("AutoScalingHosts defaults", () => {
  const json = synthGroup();
  const template = onlyResource(json, "aws_launch_template");
  const group = onlyResource(json, "aws_autoscaling_group");

  it("launches Amazon Linux 2023 for the instance type's CPU, a t4g.small without key pair", () => {
    expect(template.instance_type).toBe("t4g.small");
    const [amiId, ami] = Object.entries<any>(json.data.aws_ssm_parameter)[0]!;
    expect(template.image_id).toBe(`\${data.aws_ssm_parameter.${amiId}.insecure_value}`);
    expect(ami.name).toBe(`/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-\${local.${localOf(json, "hosts_architecture")[0]}}`);
    expect(template.key_name).toBe('${(length("") >= 1) ? "" : null}');
  });

  it("requires IMDSv2 with one hop and an encrypted gp3 root deleted with the instance", () => {
    expect(template.metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 });
    expect(template.block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 20, encrypted: "true", delete_on_termination: "true" } },
    ]);
  });

  it("sends the boot script gzipped from a local, with the role's profile and the security groups, as the default version", () => {
    const [name, script] = localOf(json, "hosts_user_data");
    expect(template.user_data).toBe(`\${base64gzip(local.${name})}`);
    expect(script).toContain("image: nginx:1.27");
    expect(template.iam_instance_profile.arn).toMatch(/^\$\{aws_iam_instance_profile\.hosts_Role_Profile_[0-9A-F]+\.arn\}$/);
    expect(template.vpc_security_group_ids).toEqual(["sg-0123456789abcdef0"]);
    expect(template.update_default_version).toBe(true);
  });

  it("sizes the group from min, max and desired (min by default) in the given subnets", () => {
    expect(group).toMatchObject({ min_size: 2, max_size: 4, desired_capacity: 2, vpc_zone_identifier: MINIMAL.subnetIds, target_group_arns: [] });
  });

  it("checks health through the load balancer after a 300 s grace period", () => {
    expect(group).toMatchObject({ health_check_type: "ELB", health_check_grace_period: 300 });
  });

  it("runs the latest launch template version and rolls it out with half the group in service", () => {
    expect(group.launch_template.id).toMatch(/^\$\{aws_launch_template\.hosts_LaunchTemplate_[0-9A-F]+\.id\}$/);
    expect(group.launch_template.version).toMatch(/^\$\{aws_launch_template\.hosts_LaunchTemplate_[0-9A-F]+\.latest_version\}$/);
    expect(group.instance_refresh).toEqual({ strategy: "Rolling", preferences: { min_healthy_percentage: 50 } });
    expect(group.instance_refresh.triggers).toBeUndefined();
  });

  it("leaves the running count to scaling and tags instances at launch", () => {
    expect(group.lifecycle).toEqual({ ignore_changes: ["desired_capacity"] });
    expect(group.tag).toEqual([{ key: "Name", value: "shop-test", propagate_at_launch: true }]);
  });

  it("has no data volume, no Elastic IP, no scaling policy and names no system", () => {
    for (const type of ["aws_instance", "aws_ebs_volume", "aws_volume_attachment", "aws_eip", "aws_autoscaling_policy"]) {
      expect(resourcesOf(json, type), type).toEqual([]);
    }
    expect(localOf(json, "hosts_user_data")[1]).not.toContain("DATA_VOLUME_ID");
    expect(JSON.stringify(json)).not.toMatch(/openlit|clickhouse|lighthouse|vectordb/i);
  });

  it("costs instances, root volumes and agent metrics times the desired capacity", () => {
    const items = json.output.cost_breakdown.value;
    expect(items["hosts-instances"]).toMatch(/^\$\{try\(format\("%\.2f", \(\(730 \* \{.*\}\["t4g\.small"\]\) \* 2\)\), "unknown"\)\}$/);
    expect(items["hosts-volumes"]).toBe('${try(format("%.2f", 3.2), "unknown")}');
    expect(items["hosts-agent-metrics"]).toBe('${try(format("%.2f", 1.2), "unknown")}');
  });
});

describe("AutoScalingHosts options", () => {
  it("attaches target groups and scales on CPU and requests per target", () => {
    const json = synthGroup({
      targetGroupArns: ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/0123456789abcdef"],
      healthCheckGracePeriodSeconds: 600,
      scaling: { cpuTargetPercent: 60, requestsPerTarget: { loadBalancerArnSuffix: "app/shop/0123456789abcdef", targetGroupArnSuffix: "targetgroup/shop/0123456789abcdef", value: 500 } },
    });
    const group = onlyResource(json, "aws_autoscaling_group");
    expect(group.target_group_arns).toEqual(["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/0123456789abcdef"]);
    expect(group.health_check_grace_period).toBe(600);
    const policies = Object.fromEntries(resourcesOf(json, "aws_autoscaling_policy").map(([, p]) => [p.name, p]));
    expect(policies["shop-test-cpu-target"]).toMatchObject({
      policy_type: "TargetTrackingScaling",
      target_tracking_configuration: { predefined_metric_specification: { predefined_metric_type: "ASGAverageCPUUtilization" }, target_value: 60 },
    });
    expect(policies["shop-test-cpu-target"].autoscaling_group_name).toMatch(/aws_autoscaling_group\.hosts_[0-9A-F]+\.name/);
    expect(policies["shop-test-requests-per-target"].target_tracking_configuration).toEqual({
      predefined_metric_specification: { predefined_metric_type: "ALBRequestCountPerTarget", resource_label: "app/shop/0123456789abcdef/targetgroup/shop/0123456789abcdef" },
      target_value: 500,
    });
  });

  it("switches the requests-per-target policy with a Terraform boolean (count), the CPU policy always there", () => {
    const json = synthGroup({}, (stack) => ({
      scaling: {
        cpuTargetPercent: 60,
        requestsPerTarget: {
          loadBalancerArnSuffix: "app/shop/0123456789abcdef",
          targetGroupArnSuffix: "targetgroup/shop/0123456789abcdef",
          value: 500,
          enabled: new TerraformVariable(stack, "by_requests", { type: "bool" }).booleanValue,
        },
      },
    }));
    const policies = Object.fromEntries(resourcesOf(json, "aws_autoscaling_policy").map(([, p]) => [p.name, p]));
    expect(policies["shop-test-requests-per-target"].count).toBe("${var.by_requests ? 1 : 0}");
    expect(policies["shop-test-cpu-target"].count).toBeUndefined();
  });

  it("launches before it terminates when the refresh may run above the group's size", () => {
    const json = synthGroup({ instanceRefreshMinHealthyPercentage: 100, instanceRefreshMaxHealthyPercentage: 200 });
    expect(onlyResource(json, "aws_autoscaling_group").instance_refresh.preferences).toEqual({ min_healthy_percentage: 100, max_healthy_percentage: 200 });
    expect(onlyResource(synthGroup(), "aws_autoscaling_group").instance_refresh.preferences).toEqual({ min_healthy_percentage: 50 });
  });

  it("takes Terraform numbers for the sizes and multiplies the cost by the desired one", () => {
    const json = synthGroup({}, (stack) => ({
      minSize: new TerraformVariable(stack, "min", { type: "number" }).numberValue,
      maxSize: new TerraformVariable(stack, "max", { type: "number" }).numberValue,
      desiredCapacity: new TerraformVariable(stack, "desired", { type: "number" }).numberValue,
    }));
    expect(onlyResource(json, "aws_autoscaling_group")).toMatchObject({ min_size: "${var.min}", max_size: "${var.max}", desired_capacity: "${var.desired}" });
    const items = json.output.cost_breakdown.value;
    expect(items["hosts-instances"]).toMatch(/\["t4g\.small"\]\) \* var\.desired\)/);
    expect(items["hosts-volumes"]).toBe('${try(format("%.2f", (1.6 * var.desired)), "unknown")}');
  });

  it("picks the AMI and platform for an x86 instance type", () => {
    const json = synthGroup({ instanceType: "m7i.large" });
    expect(onlyResource(json, "aws_launch_template").instance_type).toBe("m7i.large");
    expect(localOf(json, "hosts_architecture")[1]).toContain('"m7i.large"');
  });

  it("lets callers extend the role", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const hosts = new AutoScalingHosts(stack, "hosts", MINIMAL);
    hosts.role.addPolicy("ReadBucket", "read-bucket", [{ Sid: "Read", Action: "s3:GetObject", Resource: "arn:aws:s3:::shop/*" }]);
    new TerraformOutput(stack, "group", { value: hosts.groupName });
    new TerraformOutput(stack, "template", { value: hosts.launchTemplateId });
    const json = synthStack(stack);
    expect(resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p.name)).toContain("read-bucket");
    expect(json.output.group.value).toBe(`\${aws_autoscaling_group.${hosts.group.friendlyUniqueId}.name}`);
    expect(json.output.template.value).toBe(`\${aws_launch_template.${hosts.launchTemplate.friendlyUniqueId}.id}`);
  });
});

describe("AutoScalingHosts misuse", () => {
  it("reports every problem at once, the shared host props with ComposeHost's messages", () => {
    expect(() => synthGroup({ instanceType: "large", rootVolumeSizeGiB: 4, subnetIds: [], securityGroupIds: [], minSize: 3, maxSize: 2 })).toThrow(
      new RegExp(["Invalid props for test/hosts", 'instanceType "large"', "rootVolumeSizeGiB 4", "securityGroupIds is empty", "subnetIds is empty", "minSize 3 is above maxSize 2"].join("[\\s\\S]*")),
    );
  });

  it("rejects a desired capacity outside min..max, a bad grace period and bad scaling targets", () => {
    expect(() =>
      synthGroup({
        desiredCapacity: 5,
        healthCheckGracePeriodSeconds: -1,
        scaling: { cpuTargetPercent: 0, requestsPerTarget: { loadBalancerArnSuffix: "shop", targetGroupArnSuffix: "arn:aws:tg", value: 0 } },
      }),
    ).toThrow(
      new RegExp(
        [
          "desiredCapacity 5 must be a whole number between minSize 2 and maxSize 4",
          "healthCheckGracePeriodSeconds -1",
          "scaling.cpuTargetPercent 0",
          "scaling.requestsPerTarget.value 0",
          'targetGroupArnSuffix "arn:aws:tg" is not a target group',
          'loadBalancerArnSuffix "shop" is not an application load balancer',
        ].join("[\\s\\S]*"),
      ),
    );
  });

  it("leaves sizes that are Terraform numbers to plan time", () => {
    expect(() =>
      synthGroup({}, (stack) => ({ minSize: new TerraformVariable(stack, "min", { type: "number" }).numberValue, maxSize: 1 })),
    ).not.toThrow();
  });
});
