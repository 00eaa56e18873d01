import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationError } from "../core/index.js";
import { validateComposeHostProps } from "../compose-host/validate-props.js";
import { AutoScalingHostsProps } from "./props.js";

const wholeAtLeast = (value: number | undefined, min: number) => isKnown(value) && (!Number.isInteger(value) || value < min);
const TARGET_GROUP_SUFFIX = /^targetgroup\/[^/]+\/[^/]+$/;
const LOAD_BALANCER_SUFFIX = /^app\/[^/]+\/[^/]+$/;

/**
 * Checks what can be checked at synth (Terraform tokens are left to variable validations): ComposeHost's checks of the
 * shared props, then the group's own; every problem is reported at once.
 */
export function validateAutoScalingHostsProps(scope: IConstruct, props: AutoScalingHostsProps): void {
  const shared = sharedProblems(scope, props);
  const { minSize, maxSize, desiredCapacity, healthCheckGracePeriodSeconds: grace, instanceRefreshMinHealthyPercentage: healthy, instanceRefreshMaxHealthyPercentage: most } = props;
  const cpu = props.scaling?.cpuTargetPercent;
  const requests = props.scaling?.requestsPerTarget;
  validateAll(scope, [
    ...shared.map((message) => ({ failed: true, message })),
    { failed: props.subnetIds.length === 0, message: "subnetIds is empty: give the private subnets the group launches into." },
    { failed: wholeAtLeast(minSize, 0), message: `minSize ${minSize} must be a whole number >= 0.` },
    { failed: wholeAtLeast(maxSize, 1), message: `maxSize ${maxSize} must be a whole number >= 1.` },
    { failed: isKnown(minSize) && isKnown(maxSize) && minSize > maxSize, message: `minSize ${minSize} is above maxSize ${maxSize}: raise maxSize or lower minSize.` },
    {
      failed: isKnown(desiredCapacity) && (!Number.isInteger(desiredCapacity) || (isKnown(minSize) && desiredCapacity < minSize) || (isKnown(maxSize) && desiredCapacity > maxSize)),
      message: `desiredCapacity ${desiredCapacity} must be a whole number between minSize ${minSize} and maxSize ${maxSize}.`,
    },
    { failed: wholeAtLeast(grace, 0), message: `healthCheckGracePeriodSeconds ${grace} must be a whole number of seconds >= 0.` },
    {
      failed: isKnown(healthy) && (!Number.isInteger(healthy) || healthy < 0 || healthy > 100),
      message: `instanceRefreshMinHealthyPercentage ${healthy} must be a whole percentage, 0-100.`,
    },
    {
      failed: isKnown(most) && !(Number.isInteger(most) && most >= 100 && most <= 200),
      message: `instanceRefreshMaxHealthyPercentage ${most} must be a whole percentage, 100-200, e.g. 200 to launch before terminating.`,
    },
    { failed: isKnown(cpu) && !(cpu > 0 && cpu <= 100), message: `scaling.cpuTargetPercent ${cpu} must be more than 0 and at most 100, e.g. 60.` },
    { failed: requests !== undefined && isKnown(requests.value) && !(requests.value > 0), message: `scaling.requestsPerTarget.value ${requests?.value} must be more than 0.` },
    {
      failed: requests !== undefined && isKnown(requests.targetGroupArnSuffix) && !TARGET_GROUP_SUFFIX.test(requests.targetGroupArnSuffix),
      message: `scaling.requestsPerTarget.targetGroupArnSuffix "${requests?.targetGroupArnSuffix}" is not a target group's arn_suffix: use targetgroup/<name>/<id> (aws_lb_target_group.arn_suffix).`,
    },
    {
      failed: requests !== undefined && isKnown(requests.loadBalancerArnSuffix) && !LOAD_BALANCER_SUFFIX.test(requests.loadBalancerArnSuffix),
      message: `scaling.requestsPerTarget.loadBalancerArnSuffix "${requests?.loadBalancerArnSuffix}" is not an application load balancer's arn_suffix: use app/<name>/<id> (aws_lb.arn_suffix).`,
    },
  ]);
}

/** ComposeHost's messages for the props the group shares with it (instance type, root volume, app name, secrets, logs, …). */
function sharedProblems(scope: IConstruct, props: AutoScalingHostsProps): readonly string[] {
  try {
    validateComposeHostProps(scope, { ...props, subnetId: "", availabilityZone: "" });
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
}
