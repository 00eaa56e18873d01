import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_metric_alarm
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { countWhen, splat } from "../core/index.js";
import { ALARM_USD_PER_MONTH, CostEstimate, costKey } from "../cost-estimate/index.js";
import { LoadBalancerAlarmsProps, withDefaults } from "./props.js";
import { validateLoadBalancerAlarmsProps } from "./validate-props.js";

const NAMESPACE = "AWS/ApplicationELB";

/**
 * The error rate in percent. RequestCount counts only requests that reached a target, so the load balancer's own
 * 5xx (503 with no target to choose) can come without requests: a period with such errors and no requests is 100 %,
 * and one without either is 0 (never a division by zero). FILL: ELB publishes the 5xx counts only when they are not 0.
 */
export const ERROR_RATE_EXPRESSION = "IF(FILL(m3, 0) > 0, 100 * (FILL(m1, 0) + FILL(m2, 0)) / FILL(m3, 0), IF(FILL(m1, 0) > 0, 100, 0))";

/** CloudWatch bills a metric-math alarm per metric it reads: the error-rate alarm reads three. */
export const ERROR_RATE_METRICS = 3;

const usd = (n: number) => Math.round(n * ALARM_USD_PER_MONTH * 100) / 100;

/**
 * Alarms for an Application Load Balancer and its target groups, notify only:
 * - `<namePrefix>-error-rate`: 5xx responses (load balancer and targets) over errorRatePercent of the requests in 2
 *   of 3 five-minute periods (metric math);
 * - `<namePrefix>-response-time`: p95 target response time over p95ResponseSeconds for 15 minutes;
 * - `<namePrefix>-unhealthy-targets-<key>`: a target of the group failed its health checks for 2 minutes;
 * - `<namePrefix>-no-healthy-targets-<key>`: the group has had no healthy target for 2 minutes (no data counts
 *   as none: a group without registered targets reports nothing).
 */
export class LoadBalancerAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];
  /** ARNs of the alarms (a Terraform list when enabled is a token, [] when it is false), e.g. for a dashboard's alarm widget. */
  readonly alarmArns: string[];

  constructor(scope: Construct, id: string, props: LoadBalancerAlarmsProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateLoadBalancerAlarmsProps(this, p);
    const lb = { LoadBalancer: p.loadBalancerArnSuffix };
    const alarm = (id: string, suffix: string, config: Omit<CloudwatchMetricAlarmConfig, "alarmName" | "alarmActions" | "okActions">) => {
      const created = new CloudwatchMetricAlarm(this, id, { alarmName: `${p.namePrefix}-${suffix}`, ...config, alarmActions: p.notify, okActions: p.notify });
      this.alarms.push(created);
      return created;
    };
    const sum = (id: string, metricName: string) => ({ id, returnData: false, metric: { namespace: NAMESPACE, metricName, dimensions: lb, stat: "Sum", period: 300 } });

    alarm("ErrorRate", "error-rate", {
      alarmDescription: `5xx responses (the load balancer's and the targets') are over ${p.errorRatePercent}% of the requests in 2 of 3 five-minute periods.`,
      metricQuery: [
        sum("m1", "HTTPCode_ELB_5XX_Count"),
        sum("m2", "HTTPCode_Target_5XX_Count"),
        sum("m3", "RequestCount"),
        { id: "e1", expression: ERROR_RATE_EXPRESSION, label: "5xx responses (% of requests)", returnData: true },
      ],
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: p.errorRatePercent,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      // No data: no traffic at all, which is no error.
      treatMissingData: "notBreaching",
    });

    alarm("ResponseTime", "response-time", {
      alarmDescription: `The slowest 5% of requests take over ${p.p95ResponseSeconds} s (p95 target response time) for 15 minutes.`,
      namespace: NAMESPACE,
      metricName: "TargetResponseTime",
      dimensions: lb,
      extendedStatistic: "p95",
      period: 300,
      evaluationPeriods: 3,
      threshold: p.p95ResponseSeconds,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      // A percentile of a handful of requests is one slow request: too few samples leave the state as it is.
      evaluateLowSampleCountPercentiles: "ignore",
    });

    for (const [key, targetGroup] of Object.entries(p.targetGroups)) {
      const dimensions = { TargetGroup: targetGroup, LoadBalancer: p.loadBalancerArnSuffix };
      alarm(`UnhealthyTargets-${key}`, `unhealthy-targets-${key}`, {
        alarmDescription: `A target of ${key} has failed its health checks for 2 minutes.`,
        namespace: NAMESPACE,
        metricName: "UnHealthyHostCount",
        dimensions,
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 2,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // No data means no registered target: the no-healthy-targets alarm reports that.
        treatMissingData: "notBreaching",
      });
      alarm(`NoHealthyTargets-${key}`, `no-healthy-targets-${key}`, {
        alarmDescription: `${key} has had no healthy target for 2 minutes: its requests fail.`,
        namespace: NAMESPACE,
        metricName: "HealthyHostCount",
        dimensions,
        statistic: "Minimum",
        period: 60,
        evaluationPeriods: 2,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      });
    }

    const enabled = p.enabled;
    if (enabled !== true) for (const a of this.alarms) a.count = countWhen(enabled);
    this.alarmArns =
      enabled === true ? this.alarms.map((a) => a.arn) : enabled === false ? [] : Token.asList(Fn.concat(this.alarms.map((a) => splat(a, "arn"))));

    const count = this.alarms.length;
    const billed = count - 1 + ERROR_RATE_METRICS;
    const monthly = usd(billed);
    CostEstimate.of(this).add({
      key: costKey(this, "alarms"),
      usd: typeof enabled === "boolean" ? (enabled ? monthly : 0) : Token.asNumber(Fn.conditional(enabled, monthly, 0)),
      description:
        `${count} CloudWatch alarms billed as ${billed} alarm metrics at $${ALARM_USD_PER_MONTH.toFixed(2)}: the error-rate alarm's metric math reads ` +
        `${ERROR_RATE_METRICS} metrics and is billed as ${ERROR_RATE_METRICS} alarms, $${usd(ERROR_RATE_METRICS).toFixed(2)}` +
        (enabled === true ? "" : enabled === false ? " (off: enabled is false)" : ", when enabled"),
    });
  }
}
