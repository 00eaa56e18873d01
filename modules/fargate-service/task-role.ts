import { Construct } from "constructs";
import { Fn } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/iam_role
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/iam_role_policy
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Switch } from "../core/index.js";
import { inlinePolicy, type PolicyStatement } from "../compose-host/host-role.js";

export interface TaskRoleProps {
  /** Name prefix of the role (at most 38 characters; IAM appends a unique suffix). */
  readonly namePrefix: string;
  readonly description: string;
  /** The account whose ECS tasks may assume the role (aws:SourceAccount). */
  readonly accountId: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A role ECS tasks assume (`ecs-tasks.amazonaws.com`, on behalf of this account only: aws:SourceAccount, against the
 * confused deputy), with inline policies only. Used for both the execution role (ECS pulls images, writes logs and
 * reads secrets with it) and the task role (what the application may do); callers add statements with
 * {@link TaskRole.addPolicy}.
 */
export class TaskRole extends Construct {
  readonly role: IamRole;
  /** ARN of the role. */
  readonly arn: string;
  /** Name of the role (generated from the prefix). */
  readonly name: string;
  /** The inline policies, in the order they were added. */
  readonly policies: IamRolePolicy[] = [];

  constructor(scope: Construct, id: string, props: TaskRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "Resource", {
      namePrefix: props.namePrefix,
      description: props.description,
      assumeRolePolicy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ecs-tasks.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
          },
        ],
      }),
      tags: props.tags === undefined ? undefined : { ...props.tags },
    });
    this.arn = this.role.arn;
    this.name = this.role.name;
  }

  /**
   * Adds an inline policy to the role.
   * @param id construct id (part of the Terraform address: keep it stable)
   * @param name policy name, unique within the role
   * @param enabled a Terraform boolean (or false) makes the policy conditional: `count` 1 or 0
   */
  addPolicy(id: string, name: string, statements: readonly PolicyStatement[], enabled: Switch = true): IamRolePolicy {
    const policy = inlinePolicy(this, id, this.role, name, statements, enabled);
    this.policies.push(policy);
    return policy;
  }
}
