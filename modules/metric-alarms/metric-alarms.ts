import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/cloudwatch_metric_alarm
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { countWhen, isKnown, splat } from "../core/index.js";
import { ALARM_USD_PER_MONTH, CostEstimate, costKey } from "../cost-estimate/index.js";
import { COMPARISON_OPERATORS, HIGH_RESOLUTION_ALARM_USD_PER_MONTH, MetricAlarmsProps, ResolvedMetricAlarmDefinition, STANDARD_STATISTICS, withDefaults } from "./props.js";
import { validateMetricAlarmsProps } from "./validate-props.js";

/** `statistic` for a standard statistic, `extendedStatistic` for anything else (percentiles and the like). */
function statisticOf(statistic: string): { statistic: string } | { extendedStatistic: string } {
  return (STANDARD_STATISTICS as readonly string[]).includes(statistic) ? { statistic } : { extendedStatistic: statistic };
}

/** A period of 10, 20 or 30 seconds makes a high-resolution alarm (a Terraform period is assumed standard). */
const isHighResolution = (a: ResolvedMetricAlarmDefinition) => isKnown(a.periodSeconds) && a.periodSeconds < 60;

/**
 * CloudWatch metric alarms from data: one alarm per definition, named `<namePrefix>-<key>`, whose Terraform address
 * comes from its key (adding, removing or reordering other alarms leaves it alone). Each compares one statistic of
 * one metric with a threshold and notifies `notify` when it fires and when it clears.
 */
export class MetricAlarms extends Construct {
  /** The alarms by key. */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;
  /** ARNs of the alarms (a Terraform list when enabled is a token, [] when it is false), e.g. for a dashboard's alarm widget. */
  readonly alarmArns: string[];

  constructor(scope: Construct, id: string, props: MetricAlarmsProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateMetricAlarmsProps(this, p);
    const enabled = p.enabled;

    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    for (const [key, a] of Object.entries(p.alarms)) {
      const alarm = new CloudwatchMetricAlarm(this, key, {
        alarmName: `${p.namePrefix}-${key}`,
        alarmDescription: a.description,
        namespace: a.namespace,
        metricName: a.metricName,
        dimensions: { ...a.dimensions },
        ...statisticOf(a.statistic),
        unit: a.unit,
        period: a.periodSeconds,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.datapointsToAlarm,
        threshold: a.threshold,
        comparisonOperator: COMPARISON_OPERATORS[a.comparison],
        treatMissingData: a.treatMissingData,
        alarmActions: p.notify,
        okActions: p.notify,
      });
      if (enabled !== true) alarm.count = countWhen(enabled);
      alarms[key] = alarm;
    }
    this.alarms = alarms;
    const all = Object.values(alarms);
    this.alarmArns = enabled === true ? all.map((a) => a.arn) : enabled === false ? [] : Token.asList(Fn.concat(all.map((a) => splat(a, "arn"))));

    const definitions = Object.values(p.alarms);
    const highResolution = definitions.filter(isHighResolution).length;
    const standard = definitions.length - highResolution;
    const monthly = Math.round((standard * ALARM_USD_PER_MONTH + highResolution * HIGH_RESOLUTION_ALARM_USD_PER_MONTH) * 100) / 100;
    CostEstimate.of(this).add({
      key: costKey(this, "alarms"),
      usd: typeof enabled === "boolean" ? (enabled ? monthly : 0) : Token.asNumber(Fn.conditional(enabled, monthly, 0)),
      description:
        `${definitions.length} CloudWatch metric alarms at $${ALARM_USD_PER_MONTH.toFixed(2)}` +
        (highResolution === 0 ? "" : ` (${highResolution} high-resolution at $${HIGH_RESOLUTION_ALARM_USD_PER_MONTH.toFixed(2)})`) +
        (enabled === true ? "" : enabled === false ? " (off: enabled is false)" : ", when enabled"),
    });
  }
}
