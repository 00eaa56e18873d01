import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { InstanceAlarms } from "../modules/instance-alarms/index.js";
import { VolumeSnapshots } from "../modules/volume-snapshots/index.js";
import { onlyResource, resourcesOf, synthOpenlit, bootScriptOf } from "./support/synth.js";

const stripHash = (id: string) => id.replace(/_[0-9A-F]{8}$/, "");

describe("recovery alarms", () => {
  const json = synthOpenlit("demo");
  const alarms = Object.fromEntries(resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([id, a]) => [stripHash(id), a]));

  it("recovers the instance when the system status check fails", () => {
    expect(alarms["alarms_SystemCheck"]).toMatchObject({
      alarm_name: "openlit-${var.environment}-system-check",
      namespace: "AWS/EC2",
      metric_name: "StatusCheckFailed_System",
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
    });
    expect(alarms["alarms_SystemCheck"].dimensions.InstanceId).toMatch(/^\$\{aws_instance\./);
    expect(alarms["alarms_SystemCheck"].alarm_actions).toMatch(/^\$\{concat\(\["arn:.*:automate:\$\{var\.aws_region\}:ec2:recover"\], aws_sns_topic\..*\[\*\]\.arn\)\}$/);
  });

  it("reboots the instance when the instance status check fails", () => {
    expect(alarms["alarms_InstanceCheck"]).toMatchObject({ metric_name: "StatusCheckFailed_Instance", alarm_name: "openlit-${var.environment}-instance-check" });
    expect(alarms["alarms_InstanceCheck"].alarm_actions).toContain(":ec2:reboot");
  });

  it("notifies on root and data disk usage and on memory, from the CloudWatch agent's metrics", () => {
    expect(alarms["alarms_Disk-root"]).toMatchObject({ namespace: "CWAgent", metric_name: "disk_used_percent", threshold: 85 });
    expect(alarms["alarms_Disk-root"].dimensions).toMatchObject({ path: "/", fstype: "xfs" });
    expect(alarms["alarms_Disk-data"].dimensions).toMatchObject({ path: "/var/lib/openlit", fstype: "xfs" });
    expect(alarms["alarms_Memory"]).toMatchObject({ namespace: "CWAgent", metric_name: "mem_used_percent", threshold: 90 });
    for (const key of ["alarms_Disk-root", "alarms_Disk-data", "alarms_Memory"]) {
      expect(alarms[key].alarm_actions).toMatch(/^\$\{aws_sns_topic\..*\[\*\]\.arn\}$/);
    }
  });

  it("has the agent report exactly the dimensions the alarms watch", () => {
    const ud = bootScriptOf(json);
    expect(ud).toContain('"append_dimensions": { "InstanceId": "$${aws:InstanceId}" }');
    expect(ud).toContain('"resources": ["/", "/var/lib/openlit"], "drop_device": true');
    expect(ud).toContain("amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s");
  });

  it("rejects thresholds outside 1-99", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    expect(
      () => new InstanceAlarms(stack, "a", { instanceId: "i-1", namePrefix: "x", region: "us-east-1", partition: "aws", diskUsedPercent: 100, memoryUsedPercent: -1 }),
    ).toThrow(/diskUsedPercent 100 must be between 1 and 99[\s\S]*memoryUsedPercent -1 must be between 1 and 99/);
  });
});

describe("alert topic", () => {
  const json = synthOpenlit("demo");

  it("exists only with an alarm_email, encrypted with its own key that CloudWatch may use", () => {
    const when = "${(length(var.alarm_email) >= 1) ? 1 : 0}";
    const topic = onlyResource(json, "aws_sns_topic");
    const key = resourcesOf(json, "aws_kms_key").find(([id]) => id.startsWith("alerts_Key_"))![1];
    expect(topic.count).toBe(when);
    expect(key.count).toBe(when);
    expect(onlyResource(json, "aws_sns_topic_subscription")).toMatchObject({ count: when, protocol: "email", endpoint: "${var.alarm_email}" });
    expect(topic.kms_master_key_id).toMatch(/^\$\{one\(aws_kms_key\..*\[\*\]\.arn\)\}$/);
    expect(key.enable_key_rotation).toBe(true);
    expect(key.policy).toContain('"Service" = "cloudwatch.amazonaws.com"');
    expect(key.policy).toContain('"Action" = ["kms:Decrypt", "kms:GenerateDataKey*"]');
  });
});

describe("daily data snapshots", () => {
  const json = synthOpenlit("demo");

  it("snapshot only this stack's data volume, daily, keeping snapshot_retention_days", () => {
    const policy = onlyResource(json, "aws_dlm_lifecycle_policy");
    expect(policy.policy_details.target_tags).toEqual({ "openlit:snapshot-policy": "openlit-${var.environment}-data" });
    expect(policy.policy_details.schedule[0]).toMatchObject({ create_rule: { interval: 24, interval_unit: "HOURS", times: ["03:00"] }, retain_rule: { count: "${var.snapshot_retention_days}" }, copy_tags: true });
    expect(onlyResource(json, "aws_ebs_volume").tags["openlit:snapshot-policy"]).toBe("openlit-${var.environment}-data");
    expect(policy.state).toBe("ENABLED");
  });

  it("runs under a role DLM can assume, with AWS's DLM service policy", () => {
    const attachments = resourcesOf(json, "aws_iam_role_policy_attachment").map(([, a]) => a.policy_arn);
    expect(attachments).toContainEqual(expect.stringMatching(/:iam::aws:policy\/service-role\/AWSDataLifecycleManagerServiceRole$/));
    const role = resourcesOf(json, "aws_iam_role").find(([id]) => id.startsWith("snapshots_Role"))![1];
    expect(role.assume_role_policy).toContain('"Service" = "dlm.amazonaws.com"');
  });

  it("keeps a final snapshot when Terraform destroys the volume", () => {
    expect(onlyResource(json, "aws_ebs_volume").final_snapshot).toBe("${var.data_volume_final_snapshot}");
  });

  it("rejects a retention or a time DLM cannot take", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    expect(() => new VolumeSnapshots(stack, "s", { name: "x", partition: "aws", targetTag: { key: "k", value: "v" }, retainCount: 0, timeUtc: "3am" })).toThrow(
      /retainCount 0 must be a whole number of snapshots from 1 to 1000[\s\S]*timeUtc "3am" must be HH:MM in UTC/,
    );
  });
});

describe("container logs", () => {
  const json = synthOpenlit("demo");

  it("go to a per-stack log group with a retention, when enabled", () => {
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/openlit/${var.environment}/containers",
      retention_in_days: "${var.log_retention_days}",
      count: "${var.enable_container_logs ? 1 : 0}",
    });
  });

  it("may be written by the instance to that group only", () => {
    const policy = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p).find((p) => p.name === "write-container-logs");
    expect(policy.count).toBe("${var.enable_container_logs ? 1 : 0}");
    expect(policy.policy).toContain('"Action" = ["logs:CreateLogStream", "logs:PutLogEvents"]');
    expect(policy.policy).toContain(":log-group:/openlit/${var.environment}/containers:*");
  });

  it("use the awslogs driver when enabled and rotated JSON files otherwise", () => {
    const logging = Object.entries(json.locals).find(([n]) => n.startsWith("openlit_container_logging"))![1];
    expect(logging).toMatch(/^\$\{var\.enable_container_logs \? jsonencode\(\{"driver" = "awslogs".*"awslogs-group" = "\/openlit\/\$\{var\.environment\}\/containers".*\) : jsonencode\(\{"driver" = "json-file", "options" = \{"max-size" = "10m", "max-file" = "5"\}\}\)\}$/);
  });

  it("metrics publishing is limited to the CWAgent namespace", () => {
    const policy = resourcesOf(json, "aws_iam_role_policy").map(([, p]) => p).find((p) => p.name === "publish-cwagent-metrics");
    expect(policy.policy).toContain('"Condition" = {"StringEquals" = {"cloudwatch:namespace" = "CWAgent"}}');
  });
});
