import { IConstruct } from "constructs";
import { isCidr, isKnown, isPort, validateAll, ValidationRule } from "../core/index.js";
import { ResolvedPublicLoadBalancerProps } from "./props.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;
/** Load balancer and target group names: letters, digits and hyphens, no hyphen at either end. */
const ELB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const MAX_NAME = 32;
/** Codes and ranges such as "200", "200-299", "200,302". */
const MATCHER = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:(acm:[a-z0-9-]+:\d{12}:certificate|iam::\d{12}:server-certificate)\/\S+$/;
const DOMAIN = /^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]\.?$/i;

/** True when the value is known and not a whole number in [min, max]. */
const notWholeIn = (value: number | undefined, min: number, max: number) => isKnown(value) && (!Number.isInteger(value) || value < min || value > max);
/** A string prop known at synth to be set. */
const given = (value: string | undefined): value is string => isKnown(value) && value !== "";

/**
 * Checks what can be checked at synth, reporting every problem at once; values that are Terraform tokens are left to
 * Terraform and AWS. `servesNothing` is true when it is known at synth that there is neither a domain, nor a
 * certificate, nor the HTTP-only opt-in (the plan-time precondition would always fail).
 */
export function validatePublicLoadBalancerProps(scope: IConstruct, p: ResolvedPublicLoadBalancerProps, servesNothing: boolean): void {
  const targetKeys = Object.keys(p.targets);
  const rules = Object.entries(p.rules);
  const priorities = rules.map(([, r]) => r.priority);
  const repeatedPriorities = priorities.filter((x, i) => isKnown(x) && priorities.indexOf(x) !== i);
  const nameKnown = isKnown(p.name);
  const noZone = [p.hostedZoneName, p.hostedZoneId].every((zone) => zone === undefined || zone === "");
  validateAll(scope, [
    {
      failed: nameKnown && (p.name.length > MAX_NAME || !ELB_NAME.test(p.name) || p.name.startsWith("internal-")),
      message: `name "${p.name}" must be 1-${MAX_NAME} letters, digits and hyphens, not starting or ending with a hyphen nor starting with "internal-".`,
    },
    { failed: isKnown(p.subnetIds) && p.subnetIds.length < 2, message: `subnetIds has ${p.subnetIds.length} subnet(s): an Application Load Balancer needs public subnets in at least two Availability Zones.` },
    { failed: isKnown(p.vpcCidr) && !isCidr(p.vpcCidr), message: `vpcCidr "${p.vpcCidr}" is not a CIDR: use the VPC's block, e.g. 10.0.0.0/16.` },
    { failed: targetKeys.length === 0, message: "targets is empty: give at least one target group, e.g. { web: { port: 8000, healthCheck: { path: \"/health\" } } }." },
    {
      failed: !targetKeys.includes(p.defaultTarget),
      message: `defaultTarget "${p.defaultTarget}" is not a key of targets (${targetKeys.join(", ") || "none"}).`,
    },
    ...Object.entries(p.targets).flatMap(([key, t]): ValidationRule[] => {
      const at = `targets["${key}"]`;
      const hc = t.healthCheck;
      const groupName = `${p.name}-${key}`;
      return [
        { failed: !KEY.test(key), message: `targets key "${key}" must be lower-case letters, digits and dashes.` },
        {
          failed: nameKnown && KEY.test(key) && groupName.length > MAX_NAME,
          message: `${at}: the target group name "${groupName}" is ${groupName.length} characters, AWS allows ${MAX_NAME}: shorten name or the key.`,
        },
        { failed: isKnown(t.port) && !isPort(t.port), message: `${at}.port ${t.port} is not a port: use 1-65535.` },
        { failed: !["HTTP", "HTTPS"].includes(t.protocol), message: `${at}.protocol "${t.protocol}" must be HTTP or HTTPS.` },
        { failed: !["instance", "ip"].includes(t.targetType), message: `${at}.targetType "${t.targetType}" must be instance or ip.` },
        {
          failed: isKnown(hc.path) && (!hc.path.startsWith("/") || hc.path.length > 1024),
          message: `${at}.healthCheck.path "${hc.path}" must start with / (at most 1024 characters), e.g. "/health".`,
        },
        {
          failed: isKnown(hc.matcher) && (!MATCHER.test(hc.matcher) || (hc.matcher.match(/\d{3}/g) ?? []).some((c) => +c < 200 || +c > 499)),
          message: `${at}.healthCheck.matcher "${hc.matcher}" must be HTTP codes or ranges between 200 and 499, e.g. "200" or "200-399".`,
        },
        { failed: notWholeIn(hc.intervalSeconds, 5, 300), message: `${at}.healthCheck.intervalSeconds ${hc.intervalSeconds} must be a whole number of seconds, 5-300.` },
        {
          failed: notWholeIn(hc.timeoutSeconds, 2, 120) || (isKnown(hc.timeoutSeconds) && isKnown(hc.intervalSeconds) && hc.timeoutSeconds >= hc.intervalSeconds),
          message: `${at}.healthCheck.timeoutSeconds ${hc.timeoutSeconds} must be a whole number of seconds, 2-120, less than intervalSeconds ${hc.intervalSeconds}.`,
        },
        { failed: notWholeIn(hc.healthyThreshold, 2, 10), message: `${at}.healthCheck.healthyThreshold ${hc.healthyThreshold} must be a whole number, 2-10.` },
        { failed: notWholeIn(hc.unhealthyThreshold, 2, 10), message: `${at}.healthCheck.unhealthyThreshold ${hc.unhealthyThreshold} must be a whole number, 2-10.` },
        {
          failed: notWholeIn(t.deregistrationDelaySeconds, 0, 3600),
          message: `${at}.deregistrationDelaySeconds ${t.deregistrationDelaySeconds} must be a whole number of seconds, 0-3600.`,
        },
        {
          failed: t.stickiness !== undefined && notWholeIn(t.stickiness.durationSeconds, 1, 604_800),
          message: `${at}.stickiness.durationSeconds ${t.stickiness?.durationSeconds} must be a whole number of seconds, 1-604800 (7 days).`,
        },
      ];
    }),
    ...rules.flatMap(([key, r]): ValidationRule[] => {
      const at = `rules["${key}"]`;
      return [
        { failed: !KEY.test(key), message: `rules key "${key}" must be lower-case letters, digits and dashes.` },
        { failed: !targetKeys.includes(r.target), message: `${at}.target "${r.target}" is not a key of targets (${targetKeys.join(", ") || "none"}).` },
        { failed: notWholeIn(r.priority, 1, 50_000), message: `${at}.priority ${r.priority} must be a whole number, 1-50000.` },
        {
          failed: r.pathPatterns.length < 1 || r.pathPatterns.length > 5,
          message: `${at}.pathPatterns has ${r.pathPatterns.length} patterns: give 1-5, e.g. ["/api/*"].`,
        },
        ...r.pathPatterns.map((pattern) => ({
          failed: isKnown(pattern) && (pattern === "" || pattern.length > 128),
          message: `${at}.pathPatterns "${pattern}" must be 1-128 characters, e.g. "/api/*".`,
        })),
      ];
    }),
    {
      failed: repeatedPriorities.length > 0,
      message: `rules priorities must be unique (the listener evaluates them in order); repeated: ${[...new Set(repeatedPriorities)].join(", ")}.`,
    },
    { failed: notWholeIn(p.idleTimeoutSeconds, 1, 4000), message: `idleTimeoutSeconds ${p.idleTimeoutSeconds} must be a whole number of seconds, 1-4000.` },
    { failed: given(p.domainName) && !DOMAIN.test(p.domainName), message: `domainName "${p.domainName}" is not a domain name, e.g. "app.example.com" (no scheme, no path).` },
    {
      failed: given(p.certificateArn) && !CERTIFICATE_ARN.test(p.certificateArn),
      message: `certificateArn "${p.certificateArn}" must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) or an IAM server certificate ARN.`,
    },
    {
      failed: given(p.hostedZoneName) && given(p.hostedZoneId),
      message: "hostedZoneName and hostedZoneId are both set: give one.",
    },
    {
      failed: given(p.domainName) && noZone && p.certificateArn === "",
      message: `domainName "${p.domainName}" has no hosted zone to validate its certificate in: give hostedZoneName or hostedZoneId, or certificateArn.`,
    },
    {
      failed: isKnown(p.accessLogs?.bucket) && p.accessLogs.bucket === "",
      message: "accessLogs.bucket is empty: name the S3 bucket, or leave accessLogs out.",
    },
    {
      failed: isKnown(p.accessLogs?.prefix) && (p.accessLogs.prefix.startsWith("/") || p.accessLogs.prefix.includes("AWSLogs")),
      message: `accessLogs.prefix "${p.accessLogs?.prefix}" must not start with / nor contain "AWSLogs".`,
    },
    { failed: servesNothing, message: p.missingCertificateMessage },
  ]);
}
