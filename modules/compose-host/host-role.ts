import { Construct } from "constructs";
import { Fn, IResolvable } from "cdktf";
import { countWhen, Switch } from "../core/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";

/** One IAM policy statement, as in a policy document. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect?: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, unknown>>;
}

/**
 * The actions of the AWS managed policy AmazonSSMManagedInstanceCore (Session Manager, Run Command, inventory,
 * associations) except ssm:GetParameter and ssm:GetParameters, which it grants on every parameter.
 */
export const SSM_AGENT_ACTIONS = [
  "ssm:DescribeAssociation",
  "ssm:GetDeployablePatchSnapshotForInstance",
  "ssm:GetDocument",
  "ssm:DescribeDocument",
  "ssm:GetManifest",
  "ssm:ListAssociations",
  "ssm:ListInstanceAssociations",
  "ssm:PutInventory",
  "ssm:PutComplianceItems",
  "ssm:PutConfigurePackageResult",
  "ssm:UpdateAssociationStatus",
  "ssm:UpdateInstanceAssociationStatus",
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
];

export interface HostRoleProps {
  readonly namePrefix: string;
  readonly description: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** SSM path of the host's own parameters; the role reads below it and nowhere else. "" for none. */
  readonly parameterPath: string;
  /** Terraform boolean: whether images come from ECR. */
  readonly usesEcr: IResolvable;
  /** ARN of the ECR repository (evaluated only when usesEcr). */
  readonly ecrRepositoryArn: string;
  /** Whether containers log to CloudWatch Logs. */
  readonly logsEnabled: Switch;
  /** ARN of the container log group (evaluated only when logsEnabled). */
  readonly logGroupArn: string;
  /**
   * ARNs of more container log groups, written to like the main one.
   * @default []
   */
  readonly extraLogGroupArns?: readonly string[];
}

/**
 * The instance's identity: Session Manager, read of its own SSM parameters, CloudWatch agent metrics, container
 * logs, and ECR pull only when the image is in ECR. Specific actions only (ecr:GetAuthorizationToken and
 * cloudwatch:PutMetricData have no resource-level scope in IAM). Callers add their own statements with
 * {@link HostRole.addPolicy}.
 */
export class HostRole extends Construct {
  readonly role: IamRole;
  readonly profile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: HostRoleProps) {
    super(scope, id);
    // Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role
    this.role = new IamRole(this, "Resource", {
      namePrefix: props.namePrefix,
      description: props.description,
      assumeRolePolicy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });

    // What AmazonSSMManagedInstanceCore grants the SSM agent, without its ssm:GetParameter(s) on every parameter
    // of the account: the host reads its own parameters (below) and no one else's.
    this.addPolicy("SessionManagerAgent", "ssm-agent", [
      { Sid: "SsmAgent", Effect: "Allow", Action: SSM_AGENT_ACTIONS, Resource: "*" },
    ]);

    if (props.parameterPath) {
      this.addPolicy("ReadOwnParameters", "read-own-ssm-parameters", [
        {
          Sid: "ReadOwnParameters",
          Effect: "Allow",
          Action: ["ssm:GetParameter", "ssm:GetParameters"],
          Resource: `arn:${props.partition}:ssm:${props.region}:${props.accountId}:parameter${props.parameterPath}/*`,
        },
      ]);
    }

    this.addPolicy(
      "EcrPull",
      "ecr-pull",
      [
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
          Resource: props.ecrRepositoryArn,
        },
      ],
      props.usesEcr,
    );

    // The CloudWatch agent's memory and disk metrics; PutMetricData has no resource scope, so the
    // namespace condition is what keeps it narrow.
    this.addPolicy("PublishMetrics", "publish-cwagent-metrics", [
      {
        Sid: "CwAgentMetrics",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "CWAgent" } },
      },
    ]);

    // Each group's streams by name (`<group ARN>:*`), nothing wider. One group keeps the single-resource form.
    const logGroupArns = [props.logGroupArn, ...(props.extraLogGroupArns ?? [])];
    const logStreams = logGroupArns.map((arn) => `${arn}:*`);
    this.addPolicy(
      "ContainerLogs",
      "write-container-logs",
      [{ Sid: "WriteContainerLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: logStreams.length === 1 ? logStreams[0]! : logStreams }],
      props.logsEnabled,
    );

    this.profile = new IamInstanceProfile(this, "Profile", {
      namePrefix: props.namePrefix,
      role: this.role.name,
    });
  }

  /**
   * Adds an inline policy to the role (what the application on the host may do beyond the host's own needs).
   * @param id construct id (part of the Terraform address: keep it stable)
   * @param name policy name, unique within the role
   * @param enabled a Terraform boolean makes the policy conditional
   */
  addPolicy(id: string, name: string, statements: readonly PolicyStatement[], enabled: Switch = true): IamRolePolicy {
    return inlinePolicy(this, id, this.role, name, statements, enabled);
  }
}

/**
 * An inline policy of a role, created in `scope` under `id` (part of the Terraform address: keep it stable); a
 * Terraform boolean `enabled` makes it conditional (`count` 1 or 0).
 */
export function inlinePolicy(scope: Construct, id: string, role: IamRole, name: string, statements: readonly PolicyStatement[], enabled: Switch = true): IamRolePolicy {
  const policy = new IamRolePolicy(scope, id, {
    name,
    role: role.id,
    policy: Fn.jsonencode({ Version: "2012-10-17", Statement: statements }),
  });
  if (enabled !== true) policy.count = countWhen(enabled);
  return policy;
}
