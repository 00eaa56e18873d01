import { Construct } from "constructs";
import { Fn, IResolvable } from "cdktf";
import { countWhen, Switch } from "../core/index.js";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";

export interface InstanceRoleProps {
  readonly namePrefix: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** SSM path of this stack's parameters (`/openlit/demo`); the role reads below it and nowhere else. */
  readonly parameterPath: string;
  /** Terraform boolean: whether the image comes from ECR. */
  readonly usesEcr: IResolvable;
  /** ARN of the ECR repository (evaluated only when usesEcr). */
  readonly ecrRepositoryArn: string;
  /** Terraform boolean: whether containers log to CloudWatch Logs. */
  readonly logsEnabled: Switch;
  /** ARN of the container log group (evaluated only when logsEnabled). */
  readonly logGroupArn: string;
}

/**
 * The instance's identity: Session Manager, read of its own SSM parameters, and ECR pull only when the
 * image is in ECR. Specific actions only; ecr:GetAuthorizationToken has no resource-level scope in IAM.
 */
export class InstanceRole extends Construct {
  readonly role: IamRole;
  readonly profile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: InstanceRoleProps) {
    super(scope, id);
    // Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role
    this.role = new IamRole(this, "Resource", {
      namePrefix: props.namePrefix,
      description: "OpenLIT instance: Session Manager, own SSM parameters, ECR pull, metrics, container logs",
      assumeRolePolicy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });

    new IamRolePolicyAttachment(this, "SessionManager", {
      role: this.role.name,
      policyArn: `arn:${props.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    });

    new IamRolePolicy(this, "ReadOwnParameters", {
      name: "read-own-ssm-parameters",
      role: this.role.id,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadOwnParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters"],
            Resource: `arn:${props.partition}:ssm:${props.region}:${props.accountId}:parameter${props.parameterPath}/*`,
          },
        ],
      }),
    });

    const ecrPull = new IamRolePolicy(this, "EcrPull", {
      name: "ecr-pull",
      role: this.role.id,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
          {
            Sid: "EcrPullOpenlit",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            Resource: props.ecrRepositoryArn,
          },
        ],
      }),
    });
    ecrPull.count = countWhen(props.usesEcr);

    // The CloudWatch agent's memory and disk metrics; PutMetricData has no resource scope, so the
    // namespace condition is what keeps it narrow.
    new IamRolePolicy(this, "PublishMetrics", {
      name: "publish-cwagent-metrics",
      role: this.role.id,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "CwAgentMetrics",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": "CWAgent" } },
          },
        ],
      }),
    });

    const logs = new IamRolePolicy(this, "ContainerLogs", {
      name: "write-container-logs",
      role: this.role.id,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteContainerLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${props.logGroupArn}:*`,
          },
        ],
      }),
    });
    logs.count = countWhen(props.logsEnabled);

    this.profile = new IamInstanceProfile(this, "Profile", {
      namePrefix: props.namePrefix,
      role: this.role.name,
    });
  }
}
