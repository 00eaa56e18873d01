import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationRule } from "../core/index.js";
import { ResolvedLoadBalancerAlarmsProps } from "./props.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;
/** `app/<name>/<id>`: what `aws_lb.arn_suffix` holds for an Application Load Balancer. */
const LOAD_BALANCER_SUFFIX = /^app\/[^/\s]+\/[^/\s]+$/;
/** `targetgroup/<name>/<id>`: what `aws_lb_target_group.arn_suffix` holds. */
const TARGET_GROUP_SUFFIX = /^targetgroup\/[^/\s]+\/[^/\s]+$/;

/** Checks what can be checked at synth, reporting every problem at once; Terraform tokens are left to Terraform. */
export function validateLoadBalancerAlarmsProps(scope: IConstruct, p: ResolvedLoadBalancerAlarmsProps): void {
  const rate = p.errorRatePercent;
  const seconds = p.p95ResponseSeconds;
  validateAll(scope, [
    { failed: isKnown(p.namePrefix) && p.namePrefix === "", message: 'namePrefix is empty: alarm names start with it, e.g. "shop-prod".' },
    {
      failed: isKnown(p.loadBalancerArnSuffix) && !LOAD_BALANCER_SUFFIX.test(p.loadBalancerArnSuffix),
      message: `loadBalancerArnSuffix "${p.loadBalancerArnSuffix}" must be an Application Load Balancer's ARN suffix, app/<name>/<id> (PublicLoadBalancer.arnSuffix), not its ARN.`,
    },
    ...Object.entries(p.targetGroups).flatMap(([key, suffix]): ValidationRule[] => [
      { failed: !KEY.test(key), message: `targetGroups key "${key}" must be lower-case letters, digits and dashes.` },
      {
        failed: isKnown(suffix) && !TARGET_GROUP_SUFFIX.test(suffix),
        message: `targetGroups["${key}"] "${suffix}" must be a target group's ARN suffix, targetgroup/<name>/<id> (PublicLoadBalancer.targetGroupArnSuffixes), not its ARN.`,
      },
    ]),
    // Written as "not inside" so that NaN fails too; a token would print as a meaningless number, so it is skipped.
    { failed: isKnown(rate) && !(rate > 0 && rate < 100), message: `errorRatePercent ${rate} must be more than 0 and less than 100, e.g. 1.` },
    { failed: isKnown(seconds) && !(seconds > 0), message: `p95ResponseSeconds ${seconds} must be more than 0 seconds, e.g. 0.5.` },
  ]);
}
