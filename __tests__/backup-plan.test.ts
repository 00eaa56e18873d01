// BackupPlan on a bare stack, with only what a caller gives.
import { TerraformOutput, TerraformVariable } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { BackupPlan, BackupPlanProps } from "../modules/backup-plan/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { onlyResource, resourcesOf, TfJson } from "./support/synth.js";
import { problemsOf as problemsOfCall, synthBare as bare } from "./support/bare-stack.js";

const BASE: BackupPlanProps = { name: "shop", partition: "aws", accountId: "123456789012", selectionTag: { key: "backup", value: "daily" } };

function withPlan(props: Partial<BackupPlanProps> = {}): TfJson {
  return bare((s) => {
    new BackupPlan(s, "backups", { ...BASE, ...props });
    CostEstimate.of(s).writeOutputs(s, "test");
  });
}

const problemsOf = (props: Partial<BackupPlanProps>): readonly string[] => problemsOfCall(() => withPlan(props));

describe("BackupPlan", () => {
  const json = withPlan({ costedSizeGiB: 100 });

  it("creates a vault encrypted with a rotated customer managed key that the account administers", () => {
    const key = onlyResource(json, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    expect(JSON.parse(key.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }],
    });
    const vault = onlyResource(json, "aws_backup_vault");
    expect(vault).toMatchObject({ name: "shop-vault", force_destroy: false });
    expect(vault.kms_key_arn).toMatch(/^\$\{aws_kms_key\.backups_Key_[0-9A-F]{8}\.arn\}$/);
  });

  it("uses a given key instead of creating one, and maps forceDestroy", () => {
    const given = withPlan({ kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc", forceDestroy: true, vaultName: "custom" });
    expect(resourcesOf(given, "aws_kms_key")).toEqual([]);
    expect(onlyResource(given, "aws_backup_vault")).toMatchObject({ name: "custom", kms_key_arn: "arn:aws:kms:us-east-1:123456789012:key/abc", force_destroy: true });
    expect(Object.keys(given.output.cost_breakdown.value)).toEqual([]);
  });

  it("decides at plan time whether to create the key when kmsKeyArn is a variable", () => {
    const json = bare((s) => {
      const arn = new TerraformVariable(s, "kms_key_arn", { type: "string", default: "" });
      new BackupPlan(s, "backups", { ...BASE, kmsKeyArn: arn.stringValue });
    });
    expect(onlyResource(json, "aws_kms_key").count).toBe("${(length(var.kms_key_arn) < 1) ? 1 : 0}");
    expect(onlyResource(json, "aws_backup_vault").kms_key_arn).toMatch(/^\$\{\(length\(var\.kms_key_arn\) < 1\) \? one\(aws_kms_key\..*\[\*\]\.arn\) : var\.kms_key_arn\}$/);
  });

  it("interpolates variables into the JSON policies and counts notifications to a topic variable", () => {
    const json = bare((s) => {
      const partition = new TerraformVariable(s, "partition", { type: "string", default: "aws" });
      const topic = new TerraformVariable(s, "topic_arn", { type: "string", default: "" });
      new BackupPlan(s, "backups", { ...BASE, partition: partition.stringValue, notifyTopicArn: topic.stringValue });
    });
    expect(JSON.parse(onlyResource(json, "aws_kms_key").policy).Statement[0].Principal.AWS).toBe("arn:${var.partition}:iam::123456789012:root");
    expect(onlyResource(json, "aws_backup_vault_notifications").count).toBe("${(length(var.topic_arn) >= 1) ? 1 : 0}");
  });

  it("runs one daily rule by default: 05:00 UTC, kept 7 days, into the vault", () => {
    const plan = onlyResource(json, "aws_backup_plan");
    expect(plan.name).toBe("shop");
    expect(plan.rule).toEqual([
      {
        rule_name: "daily",
        target_vault_name: expect.stringMatching(/^\$\{aws_backup_vault\.backups_Vault_[0-9A-F]{8}\.name\}$/),
        schedule: "cron(0 5 ? * * *)",
        start_window: 60,
        completion_window: 1440,
        lifecycle: { delete_after: 7 },
        recovery_point_tags: {},
      },
    ]);
  });

  it("takes several rules with cold storage and recovery point tags", () => {
    const rules = onlyResource(
      withPlan({
        rules: [
          { name: "daily", recoveryPointTags: { kind: "daily" } },
          { name: "monthly", schedule: "cron(0 6 1 * ? *)", deleteAfterDays: 365, coldStorageAfterDays: 30, startWindowMinutes: 120, completionWindowMinutes: 600 },
        ],
      }),
      "aws_backup_plan",
    ).rule;
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatchObject({ rule_name: "daily", recovery_point_tags: { kind: "daily" } });
    expect(rules[1]).toMatchObject({ rule_name: "monthly", schedule: "cron(0 6 1 * ? *)", start_window: 120, completion_window: 600, lifecycle: { delete_after: 365, cold_storage_after: 30 } });
  });

  it("gives AWS Backup a role with AWS's service-role policies for backup and restore", () => {
    const role = onlyResource(json, "aws_iam_role");
    expect(role.name_prefix).toBe("shop-backup-");
    expect(JSON.parse(role.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    expect(resourcesOf(json, "aws_iam_role_policy_attachment").map(([, a]) => a.policy_arn).sort()).toEqual([
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]);
    const govCloud = withPlan({ partition: "aws-us-gov" });
    expect(resourcesOf(govCloud, "aws_iam_role_policy_attachment").every(([, a]) => a.policy_arn.startsWith("arn:aws-us-gov:iam::aws:policy/service-role/"))).toBe(true);
  });

  it("selects by one tag with STRINGEQUALS, or by ARNs", () => {
    const byTag = onlyResource(json, "aws_backup_selection");
    expect(byTag).toMatchObject({ name: "shop-selection", selection_tag: [{ type: "STRINGEQUALS", key: "backup", value: "daily" }] });
    expect(byTag.resources).toBeUndefined();
    expect(byTag.plan_id).toMatch(/^\$\{aws_backup_plan\.backups_[0-9A-F]{8}\.id\}$/);
    expect(byTag.iam_role_arn).toMatch(/^\$\{aws_iam_role\.backups_Role_[0-9A-F]{8}\.arn\}$/);

    const arns = ["arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"];
    const byArn = onlyResource(withPlan({ selectionTag: undefined, resourceArns: arns }), "aws_backup_selection");
    expect(byArn.resources).toEqual(arns);
    expect(byArn.selection_tag).toBeUndefined();
  });

  it("sends vault events to a topic only when one is given, and says what the topic must allow", () => {
    expect(resourcesOf(json, "aws_backup_vault_notifications")).toEqual([]);
    let plan!: BackupPlan;
    const notified = bare((s) => {
      plan = new BackupPlan(s, "backups", { ...BASE, notifyTopicArn: "arn:aws:sns:us-east-1:123456789012:ops" });
    });
    expect(onlyResource(notified, "aws_backup_vault_notifications")).toMatchObject({
      sns_topic_arn: "arn:aws:sns:us-east-1:123456789012:ops",
      backup_vault_events: ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"],
    });
    expect(plan.topicPolicyStatement).toMatchObject({ Principal: { Service: "backup.amazonaws.com" }, Action: "SNS:Publish", Resource: "arn:aws:sns:us-east-1:123456789012:ops" });
    expect(plan.topicKeyPolicyStatement).toMatchObject({ Principal: { Service: "backup.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"] });
  });

  it("prices the created key and the warm backup storage", () => {
    expect(json.output.cost_breakdown.value).toEqual({ "backups-key": '${try(format("%.2f", 1), "unknown")}', "backups-storage": '${try(format("%.2f", 5), "unknown")}' });
  });

  it("reports every problem at once, naming the prop and the fix", () => {
    expect(
      problemsOf({
        name: "shop backups",
        selectionTag: { key: " ", value: "" },
        rules: [
          { name: "daily", schedule: "rate(1 day)", deleteAfterDays: 0.5, startWindowMinutes: 30, completionWindowMinutes: 20 },
          { name: "cold", deleteAfterDays: 100, coldStorageAfterDays: 30 },
          { name: "frozen", coldStorageAfterDays: 0 },
        ],
        notifyEvents: ["BACKUP_JOB_FAILED"],
      }),
    ).toEqual([
      'name "shop backups" must be 1-30 letters, digits, dashes and underscores (it names the vault, the plan, the selection and the role prefix).',
      'vaultName "shop backups-vault" must be 2-50 letters, digits, dashes and underscores.',
      'rules["daily"].schedule "rate(1 day)" must be an AWS cron expression with six fields, e.g. "cron(0 5 ? * * *)" for 05:00 UTC daily.',
      'rules["daily"].deleteAfterDays 0.5 must be a whole number of days, at least 1.',
      'rules["daily"].startWindowMinutes 30 must be a whole number of minutes, at least 60.',
      'rules["daily"].completionWindowMinutes 20 must be a whole number of minutes greater than startWindowMinutes 30.',
      'rules["cold"].deleteAfterDays 100 must be at least coldStorageAfterDays + 90 (120): AWS keeps cold recovery points for at least 90 days.',
      'rules["frozen"].coldStorageAfterDays 0 must be a whole number of days, at least 1 (or leave it out for no cold storage).',
      "selectionTag.key is empty: give the tag key the resources to back up carry.",
      'selectionTag.value is empty: give the value of tag " " the resources to back up carry.',
      expect.stringMatching(/^notifyEvents "BACKUP_JOB_FAILED" is not an event AWS Backup sends \(deprecated or unknown\): use BACKUP_JOB_STARTED, BACKUP_JOB_COMPLETED, .*; BACKUP_JOB_COMPLETED reports failures too\.$/),
    ]);
  });

  it("refuses a plan that selects nothing, an empty or repeated rule list and a non-ARN", () => {
    expect(problemsOf({ selectionTag: undefined, rules: [] })).toEqual([
      'rules is empty: give at least one rule, e.g. [{ name: "daily" }], or leave rules out for the daily default.',
      "nothing is selected: give selectionTag ({ key, value } that the resources to back up carry) or resourceArns.",
    ]);
    expect(problemsOf({ rules: [{ name: "a" }, { name: "a" }], resourceArns: ["vol-1"], notifyEvents: [] })).toEqual([
      "rules names must be unique in the plan; repeated: a.",
      'resourceArns[0] "vol-1" is not an ARN: use e.g. "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0".',
      "notifyEvents is empty: list at least one event, or leave notifyTopicArn out for no notifications.",
    ]);
  });

  it("leaves values that are Terraform tokens to AWS", () => {
    expect(() =>
      bare((s) => {
        const days = new TerraformVariable(s, "days", { type: "number", default: 7 });
        const schedule = new TerraformVariable(s, "schedule", { type: "string", default: "cron(0 5 ? * * *)" });
        new BackupPlan(s, "backups", { ...BASE, rules: [{ name: "daily", deleteAfterDays: days.numberValue, schedule: schedule.stringValue }], costedSizeGiB: days.numberValue });
      }),
    ).not.toThrow();
  });
});

describe("BackupPlan with kmsKeyGiven", () => {
  // The caller's key (e.g. a data volume's), whose ARN is known only after apply: no count may depend on it.
  const json = bare((s) => {
    const key = new KmsKey(s, "data", { description: "data volume key" });
    const plan = new BackupPlan(s, "backups", { ...BASE, kmsKeyArn: key.arn, kmsKeyGiven: true, costedSizeGiB: 100 });
    new TerraformOutput(s, "kms_key_arn", { value: plan.kmsKeyArn });
    CostEstimate.of(s).writeOutputs(s, "test");
  });

  it("creates no key of its own, counted or not, and encrypts the vault with the given ARN as is", () => {
    expect(Object.keys(json.resource.aws_kms_key)).toEqual(["data"]);
    const vault = onlyResource(json, "aws_backup_vault");
    expect(vault.kms_key_arn).toBe("${aws_kms_key.data.arn}");
    expect(vault.count).toBeUndefined();
  });

  it("exposes the given ARN as kmsKeyArn", () => {
    expect(json.output.kms_key_arn.value).toBe("${aws_kms_key.data.arn}");
  });

  it("prices no key, only the storage", () => {
    expect(Object.keys(json.output.cost_breakdown.value)).toEqual(["backups-storage"]);
  });
});
