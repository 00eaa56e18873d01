import { applyDefaults, Switch } from "../core/index.js";

export interface LoadBalancerAlarmsProps {
  /** Alarm names start with this (`myapp-prod` → `myapp-prod-error-rate`). */
  readonly namePrefix: string;
  /**
   * The load balancer's ARN suffix, `app/<name>/<id>`: the `LoadBalancer` dimension of the AWS/ApplicationELB
   * metrics (`PublicLoadBalancer.arnSuffix`, or `aws_lb.arn_suffix`).
   */
  readonly loadBalancerArnSuffix: string;
  /**
   * Target groups to watch, keyed by a stable key (lower-case letters, digits and dashes; part of the alarm's name
   * and Terraform address), each its ARN suffix `targetgroup/<name>/<id>` (`PublicLoadBalancer.targetGroupArnSuffixes`).
   * Empty: only the load balancer's alarms.
   */
  readonly targetGroups: Readonly<Record<string, string>>;
  /**
   * Actions when an alarm fires and when it clears, e.g. SNS topic ARNs (a token list is fine).
   * @default [] - the alarms show in the console only
   */
  readonly notify?: string[];
  /**
   * 5xx responses (the load balancer's own plus the targets') as a percentage of requests that raises the
   * error-rate alarm, in 2 of 3 five-minute periods; more than 0 and less than 100.
   * @default 1
   */
  readonly errorRatePercent?: number;
  /**
   * p95 `TargetResponseTime` in seconds that raises the response-time alarm, for three five-minute periods in a row;
   * more than 0.
   * @default 0.5 - the common "95 % of requests within 500 ms" target
   */
  readonly p95ResponseSeconds?: number;
  /**
   * Whether the alarms exist (a Terraform boolean makes every alarm `count`, so a variable switches monitoring per
   * environment).
   * @default true
   */
  readonly enabled?: Switch;
}

/** Defaults, applied in one place. */
export const LOAD_BALANCER_ALARMS_DEFAULTS = {
  notify: [] as string[],
  errorRatePercent: 1,
  p95ResponseSeconds: 0.5,
  enabled: true as Switch,
};

export type ResolvedLoadBalancerAlarmsProps = LoadBalancerAlarmsProps & Required<Pick<LoadBalancerAlarmsProps, keyof typeof LOAD_BALANCER_ALARMS_DEFAULTS>>;

export function withDefaults(props: LoadBalancerAlarmsProps): ResolvedLoadBalancerAlarmsProps {
  return applyDefaults(props, LOAD_BALANCER_ALARMS_DEFAULTS);
}
