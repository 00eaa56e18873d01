import { IResolvable } from "cdktf";

/** One rule of the plan: when backups start and how long their recovery points are kept. */
export interface BackupRuleProps {
  /** Rule name, unique in the plan: 1-50 letters, digits, dashes, underscores and dots. */
  readonly name: string;
  /**
   * When backups start: an AWS cron expression with six fields, evaluated in UTC.
   * @default "cron(0 5 ? * * *)" - daily at 05:00 UTC
   */
  readonly schedule?: string;
  /**
   * Days a recovery point is kept (whole days, >= 1; with cold storage at least coldStorageAfterDays + 90).
   * @default 7
   */
  readonly deleteAfterDays?: number;
  /**
   * Days after which a recovery point moves to cold storage (whole days, >= 1). Only resource types that support
   * cold storage move; AWS keeps cold recovery points for at least 90 days, hence deleteAfterDays >= this + 90.
   * @default - no cold storage
   */
  readonly coldStorageAfterDays?: number;
  /**
   * Minutes after the scheduled time within which a backup must start, or it is cancelled (whole, >= 60).
   * @default 60
   */
  readonly startWindowMinutes?: number;
  /**
   * Minutes after a backup starts within which it must complete, or it is cancelled (whole, > startWindowMinutes).
   * @default 1440 - one day, so a stuck job ends before the next daily one
   */
  readonly completionWindowMinutes?: number;
  /**
   * Tags added to every recovery point the rule creates.
   * @default {}
   */
  readonly recoveryPointTags?: Readonly<Record<string, string>>;
}

export interface BackupPlanProps {
  /**
   * Names the plan, the selection (`<name>-selection`), the role prefix (`<name>-backup-`) and, by default, the
   * vault (`<name>-vault`): 1-30 letters, digits, dashes and underscores.
   */
  readonly name: string;
  /** Partition (`aws`, `aws-cn`, `aws-us-gov`) for the managed policy ARNs and the key policy. */
  readonly partition: string;
  /** Account that administers the created KMS key (its root principal, as in AWS's default key policy). */
  readonly accountId: string;
  /**
   * Vault name (unique in the account and region): 2-50 letters, digits, dashes and underscores.
   * @default "<name>-vault"
   */
  readonly vaultName?: string;
  /**
   * Customer managed KMS key that encrypts the vault. "" creates a key (rotation on, account root administers,
   * about $1/month); a Terraform token that may be "" decides at plan time.
   * @default "" - the module creates the key
   */
  readonly kmsKeyArn?: string;
  /**
   * kmsKeyArn is a key that exists or is created with the stack (e.g. another resource's `arn`, known only after
   * apply): use it as is, without deciding at plan time whether it is "" (a count cannot wait for apply).
   * @default false
   */
  readonly kmsKeyGiven?: boolean;
  /**
   * Whether `terraform destroy` deletes the vault with its recovery points (the vault's force_destroy).
   * Leave false in production: destroying the stack then fails while recovery points remain.
   * @default false
   */
  readonly forceDestroy?: boolean | IResolvable;
  /**
   * The plan's rules (one or more).
   * @default [{ name: "daily" }] - daily at 05:00 UTC, kept 7 days
   */
  readonly rules?: readonly BackupRuleProps[];
  /**
   * Selects the resources that carry this tag (STRINGEQUALS). One tag, as a selection matches resources carrying
   * *any* of its tags: a second tag would widen the selection, not narrow it.
   * @default - none: resourceArns must be given
   */
  readonly selectionTag?: { readonly key: string; readonly value: string };
  /**
   * Selects these resources by ARN (with selectionTag too, resources matching either are backed up).
   * @default [] - selectionTag must be given
   */
  readonly resourceArns?: readonly string[];
  /**
   * SNS topic for the vault's events; "" sends none. The topic's policy must let backup.amazonaws.com publish
   * (add {@link BackupPlan.topicPolicyStatement}); an encrypted topic's key policy must let it use the key
   * (add {@link BackupPlan.topicKeyPolicyStatement}).
   * @default "" - no notifications
   */
  readonly notifyTopicArn?: string;
  /**
   * Vault events sent to notifyTopicArn. BACKUP_JOB_COMPLETED covers every outcome (the message's State says
   * COMPLETED, FAILED, ABORTED or EXPIRED): filter an e-mail subscription with
   * `{"State": [{"anything-but": "COMPLETED"}]}` to receive only problems. The older *_FAILED/*_SUCCESSFUL job
   * events (BACKUP_JOB_FAILED, RESTORE_JOB_SUCCESSFUL, ...) are deprecated by AWS and never sent, so they are refused.
   * @default ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"]
   */
  readonly notifyEvents?: readonly string[];
  /**
   * Size of the selected resources in GiB, for the stack's cost estimate (warm backup storage, about one full
   * copy: later backups are incremental).
   * @default - no storage cost item
   */
  readonly costedSizeGiB?: number;
  /**
   * Tags for the key, the vault, the plan and the role.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place. */
export const BACKUP_PLAN_DEFAULTS = {
  kmsKeyArn: "",
  forceDestroy: false,
  notifyTopicArn: "",
  notifyEvents: ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"],
  rule: {
    name: "daily",
    schedule: "cron(0 5 ? * * *)",
    deleteAfterDays: 7,
    startWindowMinutes: 60,
    completionWindowMinutes: 1440,
  },
} as const;

/** Vault events AWS Backup still sends (PutBackupVaultNotifications); the others it lists are deprecated. */
export const SUPPORTED_VAULT_EVENTS: readonly string[] = [
  "BACKUP_JOB_STARTED", "BACKUP_JOB_COMPLETED",
  "COPY_JOB_STARTED", "COPY_JOB_SUCCESSFUL", "COPY_JOB_FAILED",
  "RESTORE_JOB_STARTED", "RESTORE_JOB_COMPLETED",
  "RECOVERY_POINT_MODIFIED",
  "S3_BACKUP_OBJECT_FAILED", "S3_RESTORE_OBJECT_FAILED",
  "CONTINUOUS_BACKUP_INTERRUPTED",
  "RECOVERY_POINT_INDEX_COMPLETED", "RECOVERY_POINT_INDEX_DELETED", "RECOVERY_POINT_INDEXING_FAILED",
];

/**
 * Warm backup storage per GiB-month (us-east-1 list price of EBS snapshots kept by AWS Backup). Defined here, not in
 * the cost-estimate price table, so the module owns its price.
 */
export const BACKUP_WARM_USD_PER_GIB_MONTH = 0.05;

export type ResolvedBackupRule = Required<Omit<BackupRuleProps, "coldStorageAfterDays">> & Pick<BackupRuleProps, "coldStorageAfterDays">;

export interface ResolvedBackupPlanProps extends Required<Omit<BackupPlanProps, "selectionTag" | "costedSizeGiB" | "rules" | "kmsKeyGiven">> {
  readonly rules: readonly ResolvedBackupRule[];
  readonly selectionTag?: BackupPlanProps["selectionTag"];
  readonly costedSizeGiB?: number;
}

/** The props with every default filled in. */
export function withDefaults(props: BackupPlanProps): ResolvedBackupPlanProps {
  const d = BACKUP_PLAN_DEFAULTS;
  return {
    ...props,
    vaultName: props.vaultName ?? `${props.name}-vault`,
    kmsKeyArn: props.kmsKeyArn ?? d.kmsKeyArn,
    forceDestroy: props.forceDestroy ?? d.forceDestroy,
    rules: (props.rules ?? [{ name: d.rule.name }]).map((r) => ({
      name: r.name,
      schedule: r.schedule ?? d.rule.schedule,
      deleteAfterDays: r.deleteAfterDays ?? d.rule.deleteAfterDays,
      coldStorageAfterDays: r.coldStorageAfterDays,
      startWindowMinutes: r.startWindowMinutes ?? d.rule.startWindowMinutes,
      completionWindowMinutes: r.completionWindowMinutes ?? d.rule.completionWindowMinutes,
      recoveryPointTags: r.recoveryPointTags ?? {},
    })),
    resourceArns: props.resourceArns ?? [],
    notifyTopicArn: props.notifyTopicArn ?? d.notifyTopicArn,
    notifyEvents: props.notifyEvents ?? d.notifyEvents,
    tags: props.tags ?? {},
  };
}
