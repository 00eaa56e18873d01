import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/backup_plan
import { BackupPlan as AwsBackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultNotifications } from "@cdktf/provider-aws/lib/backup-vault-notifications";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountAdministersKey, choose, countWhen, isEmpty, isKnown, isNonEmpty, oneOf, Switch, validateAll } from "../core/index.js";
import { CostEstimate, costKey, KMS_KEY_USD_PER_MONTH } from "../cost-estimate/index.js";
import { BACKUP_WARM_USD_PER_GIB_MONTH, BackupPlanProps, withDefaults } from "./props.js";
import { validateBackupPlanProps } from "./validate-props.js";

/** A policy statement for the caller to add to a policy it owns (JSON-encode it with the rest). */
export type PolicyStatement = Readonly<Record<string, unknown>>;

/** Whether a string prop is set: decided here for a literal, at plan time for a token. */
function isSet(value: string): Switch {
  return isKnown(value) ? value !== "" : isNonEmpty(value);
}

/**
 * AWS Backup of the resources that carry one tag (or are listed by ARN): a vault encrypted with a customer managed
 * KMS key (created unless one is given), a plan of one or more rules (daily at 05:00 UTC, kept 7 days by default),
 * the service role AWS Backup assumes (AWS's service-role policies for backup and restore), the selection, and
 * optionally the vault's notifications to an SNS topic.
 */
export class BackupPlan extends Construct {
  readonly vault: BackupVault;
  readonly plan: AwsBackupPlan;
  readonly role: IamRole;
  readonly selection: BackupSelection;
  /** The vault's name and ARN. */
  readonly vaultName: string;
  readonly vaultArn: string;
  /** The plan's id (and ARN). */
  readonly planId: string;
  readonly planArn: string;
  /** The role AWS Backup assumes. */
  readonly roleArn: string;
  /** The KMS key that encrypts the vault: the created key, or kmsKeyArn. */
  readonly kmsKeyArn: string;
  /**
   * What notifyTopicArn's topic policy must allow, or the vault's notifications never arrive:
   * backup.amazonaws.com may publish. Add it to the topic's policy (aws_sns_topic_policy).
   */
  readonly topicPolicyStatement: PolicyStatement;
  /** What an encrypted notification topic's key policy must allow: backup.amazonaws.com may use the key. */
  readonly topicKeyPolicyStatement: PolicyStatement;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateBackupPlanProps(this, p);
    validateAll(this, [
      { failed: props.kmsKeyGiven === true && isKnown(p.kmsKeyArn) && p.kmsKeyArn === "", message: "kmsKeyGiven is true but kmsKeyArn is empty: give the key's ARN, or leave kmsKeyGiven out to create a key." },
    ]);
    const tags = { ...p.tags };

    // The key: created when kmsKeyArn is "" (known now, or decided at plan time for a token).
    const createKey: Switch = props.kmsKeyGiven ? false : isKnown(p.kmsKeyArn) ? p.kmsKeyArn === "" : isEmpty(p.kmsKeyArn);
    let key: KmsKey | undefined;
    if (createKey !== false) {
      key = new KmsKey(this, "Key", {
        description: `Encrypts backup vault ${p.vaultName}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        // A plain JSON string: reviewable in the plan as it is; tokens (partition, account) become interpolations.
        policy: JSON.stringify({
          Version: "2012-10-17",
          // The backup role's managed policies grant its use.
          Statement: [accountAdministersKey(p.partition, p.accountId)],
        }),
        tags,
      });
      if (createKey !== true) key.count = countWhen(createKey);
    }
    this.kmsKeyArn = key === undefined ? p.kmsKeyArn : createKey === true ? key.arn : choose(createKey, oneOf(key, "arn"), p.kmsKeyArn);

    this.vault = new BackupVault(this, "Vault", {
      name: p.vaultName,
      kmsKeyArn: this.kmsKeyArn,
      forceDestroy: p.forceDestroy,
      tags,
    });

    this.plan = new AwsBackupPlan(this, "Resource", {
      name: p.name,
      rule: p.rules.map((r) => ({
        ruleName: r.name,
        targetVaultName: this.vault.name,
        schedule: r.schedule,
        startWindow: r.startWindowMinutes,
        completionWindow: r.completionWindowMinutes,
        lifecycle: { deleteAfter: r.deleteAfterDays, coldStorageAfter: r.coldStorageAfterDays },
        recoveryPointTags: { ...r.recoveryPointTags },
      })),
      tags,
    });

    this.role = new IamRole(this, "Role", {
      namePrefix: `${p.name}-backup-`,
      description: "AWS Backup: back up and restore the selected resources",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    });
    // AWS's managed service-role policies (not the FullAccess policies meant for people).
    new IamRolePolicyAttachment(this, "BackupPolicy", {
      role: this.role.name,
      policyArn: `arn:${p.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup`,
    });
    new IamRolePolicyAttachment(this, "RestorePolicy", {
      role: this.role.name,
      policyArn: `arn:${p.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores`,
    });

    this.selection = new BackupSelection(this, "Selection", {
      name: `${p.name}-selection`,
      planId: this.plan.id,
      iamRoleArn: this.role.arn,
      selectionTag: p.selectionTag === undefined ? undefined : [{ type: "STRINGEQUALS", key: p.selectionTag.key, value: p.selectionTag.value }],
      resources: p.resourceArns.length > 0 ? [...p.resourceArns] : undefined,
    });

    const notify = isSet(p.notifyTopicArn);
    if (notify !== false) {
      const notifications = new BackupVaultNotifications(this, "Notifications", {
        backupVaultName: this.vault.name,
        snsTopicArn: p.notifyTopicArn,
        backupVaultEvents: [...p.notifyEvents],
      });
      if (notify !== true) notifications.count = countWhen(notify);
    }
    this.topicPolicyStatement = {
      Sid: "BackupVaultPublishes",
      Effect: "Allow",
      Principal: { Service: "backup.amazonaws.com" },
      Action: "SNS:Publish",
      Resource: p.notifyTopicArn,
    };
    this.topicKeyPolicyStatement = {
      Sid: "BackupVaultPublishes",
      Effect: "Allow",
      Principal: { Service: "backup.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
    };

    this.vaultName = this.vault.name;
    this.vaultArn = this.vault.arn;
    this.planId = this.plan.id;
    this.planArn = this.plan.arn;
    this.roleArn = this.role.arn;

    const costs = CostEstimate.of(this);
    if (createKey !== false) {
      costs.add({
        key: costKey(this, "key"),
        usd: createKey === true ? KMS_KEY_USD_PER_MONTH : Token.asNumber(Fn.conditional(createKey, KMS_KEY_USD_PER_MONTH, 0)),
        description: "KMS key of the backup vault (only when the module creates it)",
      });
    }
    if (p.costedSizeGiB !== undefined) {
      costs.add({
        key: costKey(this, "storage"),
        usd: Token.isUnresolved(p.costedSizeGiB) ? Token.asNumber(Op.mul(p.costedSizeGiB, BACKUP_WARM_USD_PER_GIB_MONTH)) : p.costedSizeGiB * BACKUP_WARM_USD_PER_GIB_MONTH,
        description: "AWS Backup warm storage (about one full copy of the selected resources)",
      });
    }
  }
}

