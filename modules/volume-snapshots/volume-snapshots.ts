import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dlm_lifecycle_policy
import { DlmLifecyclePolicy } from "@cdktf/provider-aws/lib/dlm-lifecycle-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { isKnown, validateAll } from "../core/index.js";
import { CostEstimate, costKey, SNAPSHOT_USD_PER_GIB_MONTH } from "../cost-estimate/index.js";

export interface VolumeSnapshotsProps {
  /** Policy description and role name prefix. */
  readonly name: string;
  readonly partition: string;
  /**
   * One tag that only the volumes to snapshot carry. A single tag, because DLM selects volumes carrying
   * *any* of its target tags: two tags would widen the selection, not narrow it.
   */
  readonly targetTag: { readonly key: string; readonly value: string };
  /**
   * Snapshots kept (one a day), 1-1000.
   * @default 7
   */
  readonly retainCount?: number;
  /**
   * Time of day (UTC, HH:MM) the snapshot starts; DLM starts within the following hour.
   * @default "03:00"
   */
  readonly timeUtc?: string;
  /**
   * Tags added to every snapshot (beyond the volume's own, which are copied).
   * @default {}
   */
  readonly snapshotTags?: Readonly<Record<string, string>>;
  /**
   * Customer managed KMS keys of the targeted volumes: Data Lifecycle Manager's role may use them (snapshots of a
   * volume are encrypted with its key).
   * @default []
   */
  readonly kmsKeyArns?: readonly string[];
  /**
   * Size of the targeted volumes in GiB, for the stack's cost estimate (at most one full copy is stored:
   * daily snapshots are incremental).
   * @default - no cost item
   */
  readonly costedSizeGiB?: number;
}

/** Daily EBS snapshots with Data Lifecycle Manager, kept for a fixed number of days. */
export class VolumeSnapshots extends Construct {
  readonly policy: DlmLifecyclePolicy;

  constructor(scope: Construct, id: string, props: VolumeSnapshotsProps) {
    super(scope, id);
    const retainCount = props.retainCount ?? 7;
    const timeUtc = props.timeUtc ?? "03:00";
    validateAll(this, [
      { failed: isKnown(retainCount) && (!Number.isInteger(retainCount) || retainCount < 1 || retainCount > 1000), message: `retainCount ${retainCount} must be a whole number of snapshots from 1 to 1000.` },
      { failed: isKnown(timeUtc) && !/^([01]\d|2[0-3]):[0-5]\d$/.test(timeUtc), message: `timeUtc "${timeUtc}" must be HH:MM in UTC, e.g. "03:00".` },
    ]);

    const role = new IamRole(this, "Role", {
      namePrefix: `${props.name}-dlm-`,
      description: "Data Lifecycle Manager: create and delete snapshots of tagged volumes",
      assumeRolePolicy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(this, "ServiceRole", {
      role: role.name,
      policyArn: `arn:${props.partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole`,
    });

    if (props.kmsKeyArns?.length) {
      new IamRolePolicy(this, "UseVolumeKeys", {
        name: "use-volume-keys",
        role: role.id,
        policy: Fn.jsonencode({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "SnapshotEncryptedVolumes",
              Effect: "Allow",
              Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
              Resource: [...props.kmsKeyArns],
            },
          ],
        }),
      });
    }

    this.policy = new DlmLifecyclePolicy(this, "Resource", {
      description: `${props.name}: daily snapshots`,
      executionRoleArn: role.arn,
      state: "ENABLED",
      policyDetails: {
        resourceTypes: ["VOLUME"],
        targetTags: { [props.targetTag.key]: props.targetTag.value },
        schedule: [
          {
            name: "daily",
            createRule: { interval: 24, intervalUnit: "HOURS", times: [timeUtc] },
            retainRule: { count: retainCount },
            copyTags: true,
            tagsToAdd: { ...props.snapshotTags },
          },
        ],
      },
    });

    if (props.costedSizeGiB !== undefined) {
      CostEstimate.of(this).add({
        key: costKey(this, "storage"),
        usd: Token.isUnresolved(props.costedSizeGiB) ? Token.asNumber(Op.mul(props.costedSizeGiB, SNAPSHOT_USD_PER_GIB_MONTH)) : props.costedSizeGiB * SNAPSHOT_USD_PER_GIB_MONTH,
        description: "EBS snapshot storage (at most one full copy)",
      });
    }
  }
}
