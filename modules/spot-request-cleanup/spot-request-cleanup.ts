import { Construct } from "constructs";
// Provider docs: https://registry.terraform.io/providers/hashicorp/null/latest/docs/resources/resource
import { Resource } from "@cdktf/provider-null/lib/resource";
import { countWhen, isKnown, Switch, validateAll } from "../core/index.js";

/**
 * Default `scriptPath`: `scripts/cancel-spot-request.sh` of this repository, reached from the synthesized stack
 * directory `cdktf.out/stacks/<stack>/` (Terraform's `path.module` there; `local-exec` runs in that directory when
 * Terraform is run with `-chdir=cdktf.out/stacks/<stack>`).
 */
export const DEFAULT_CANCEL_SPOT_REQUEST_SCRIPT = "${path.module}/../../../scripts/cancel-spot-request.sh";

/**
 * The provisioner's command. Every value travels as an environment variable taken from `self.triggers` (a
 * destroy-time provisioner may reference nothing else), never spliced into the shell command; `$NAME` without
 * braces keeps Terraform from reading them as its own `${...}` interpolations.
 */
export const CANCEL_SPOT_REQUEST_COMMAND = 'bash "$SPOT_CLEANUP_SCRIPT" --region "$SPOT_REGION" --instance-id "$SPOT_INSTANCE_ID"';

/** Props of {@link SpotRequestCleanup}. */
export interface SpotRequestCleanupProps {
  /**
   * The spot instance: its `id` attribute (a reference, e.g. `instance.id`). The reference is what makes the cleanup
   * depend on the instance, so Terraform runs it before terminating the instance; a literal id gives no such order.
   */
  readonly instanceId: string;
  /** The instance's region, e.g. the stack's region data source (`region`) or a literal "eu-west-1". */
  readonly region: string;
  /**
   * Whether the cleanup exists, usually the same switch as the instance's spot market. `false`/`true` give
   * `count = 0/1`; a Terraform boolean token gives `count = <token> ? 1 : 0`. Turning it off destroys the cleanup,
   * which cancels the running instance's request (see the class doc).
   * @default true
   */
  readonly enabled?: Switch;
  /**
   * Path of the cancel script, as seen from Terraform's working directory (the synthesized stack directory). May use
   * Terraform expressions such as `${path.module}`. It is a trigger: changing it replaces the cleanup (see the class doc).
   * @default DEFAULT_CANCEL_SPOT_REQUEST_SCRIPT ("${path.module}/../../../scripts/cancel-spot-request.sh")
   */
  readonly scriptPath?: string;
}

/**
 * Cancels an instance's persistent spot request before Terraform terminates the instance.
 *
 * Why: an `aws_instance` with `instance_market_options { market_type = "spot", spot_options { spot_instance_type =
 * "persistent" } }` creates a persistent spot request, and the AWS provider terminates the instance without
 * cancelling it (hashicorp/terraform-provider-aws#38142). AWS then re-opens the request and launches an orphan
 * instance, outside Terraform. AWS's order is: cancel the request, then terminate the instance.
 *
 * How: a `null_resource` whose triggers are the instance id, the region and the script path, with a destroy-time
 * `local-exec` provisioner running `scripts/cancel-spot-request.sh` with those values (from `self.triggers`, as
 * environment variables). The trigger references the instance, so the cleanup depends on it and Terraform destroys
 * the cleanup first, which runs the cancel, then terminates the instance: on `terraform destroy`, and on a
 * replacement of the instance (a new id replaces the cleanup; the old one cancels the old instance's request first).
 * When the cancel fails, the destroy stops before the instance is terminated; fix the cause and run it again.
 *
 * Needs: the `null` provider configured in the stack (`new NullProvider(...)`; this construct does not create it),
 * and bash and the AWS CLI v2 with credentials (ec2:DescribeInstances, ec2:DescribeSpotInstanceRequests,
 * ec2:CancelSpotInstanceRequests) on the machine running Terraform.
 *
 * Side effects to know: whatever destroys the cleanup alone also cancels the request of the instance that keeps
 * running: `enabled` turned off, or a new `region` or `scriptPath` (triggers, so they replace it). The instance keeps
 * running, without its request: after an interruption nothing brings it back. Removing the construct from the code
 * runs nothing: Terraform forgets a destroy-time provisioner together with its resource block; turn `enabled` off
 * first. Instances that are not on the spot market have no request: the script then does nothing.
 */
export class SpotRequestCleanup extends Construct {
  /** The `null_resource` carrying the destroy-time provisioner (count 0 or 1). */
  public readonly resource: Resource;

  constructor(scope: Construct, id: string, props: SpotRequestCleanupProps) {
    super(scope, id);

    const scriptPath = props.scriptPath ?? DEFAULT_CANCEL_SPOT_REQUEST_SCRIPT;
    validateAll(this, [
      { failed: !props.instanceId, message: "instanceId is empty: pass the spot instance's id (instance.id), so the cleanup runs before the instance is terminated." },
      {
        failed: isKnown(props.instanceId) && props.instanceId !== "" && !/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(props.instanceId),
        message: `instanceId "${props.instanceId}" is not an EC2 instance id: pass the instance's id attribute (instance.id).`,
      },
      { failed: !props.region, message: "region is empty: pass the instance's region, e.g. the stack's region data source." },
      {
        failed: isKnown(props.region) && props.region !== "" && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(props.region),
        message: `region "${props.region}" is not an AWS region name, e.g. "eu-west-1".`,
      },
      { failed: !scriptPath, message: "scriptPath must not be empty." },
    ]);

    this.resource = new Resource(this, "Resource", {
      count: countWhen(props.enabled ?? true),
      triggers: { instance_id: props.instanceId, region: props.region, script: scriptPath },
      provisioners: [
        {
          type: "local-exec",
          when: "destroy",
          command: CANCEL_SPOT_REQUEST_COMMAND,
          environment: {
            SPOT_CLEANUP_SCRIPT: "${self.triggers.script}",
            SPOT_REGION: "${self.triggers.region}",
            SPOT_INSTANCE_ID: "${self.triggers.instance_id}",
          },
        },
      ],
    });
  }
}
