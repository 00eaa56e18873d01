import { IConstruct } from "constructs";
import { isKnown, validateAll, ValidationRule } from "../core/index.js";
import { COMPARISON_OPERATORS, ResolvedMetricAlarmsProps, STANDARD_STATISTICS } from "./props.js";

const KEY = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Extended statistics: percentiles and the trimmed/winsorized/count/sum forms, short (tm90) or ranged (TM(10%:90%)), and IQM. */
const EXTENDED_STATISTIC = /^((p|tm|wm|tc|ts)(\d{1,2}(\.\d{1,10})?|100)|(TM|WM|TC|TS|PR)\([^()\s]*:[^()\s]*\)|IQM)$/;
const DAY = 86_400;
const WEEK = 7 * DAY;

const isPeriod = (s: number) => s === 10 || s === 20 || s === 30 || (Number.isInteger(s) && s >= 60 && s % 60 === 0);
const notWholeFromOne = (n: number) => !Number.isInteger(n) || n < 1;

/** Checks what can be checked at synth, reporting every problem at once; Terraform tokens are left to Terraform. */
export function validateMetricAlarmsProps(scope: IConstruct, p: ResolvedMetricAlarmsProps): void {
  const entries = Object.entries(p.alarms);
  validateAll(scope, [
    { failed: isKnown(p.namePrefix) && p.namePrefix === "", message: 'namePrefix is empty: alarm names start with it, e.g. "shop-prod".' },
    { failed: entries.length === 0, message: "alarms is empty: define at least one alarm, or do not create MetricAlarms." },
    ...entries.flatMap(([key, a]): ValidationRule[] => {
      const at = `alarms["${key}"]`;
      const { periodSeconds: period, evaluationPeriods: periods, datapointsToAlarm: datapoints } = a;
      const range = isKnown(period) && isKnown(periods) && isPeriod(period) && !notWholeFromOne(periods) ? period * periods : undefined;
      const maxRange = isKnown(period) && period >= 3600 ? WEEK : DAY;
      const standard = (STANDARD_STATISTICS as readonly string[]).includes(a.statistic);
      return [
        { failed: !KEY.test(key), message: `alarms key "${key}" must be lower-case letters, digits and hyphens (it names the alarm and its Terraform address).` },
        { failed: isKnown(a.description) && a.description.trim() === "", message: `${at}.description is empty: say what the alarm means and what to do.` },
        { failed: isKnown(a.namespace) && a.namespace === "", message: `${at}.namespace is empty: name the metric's namespace, e.g. "AWS/SQS".` },
        { failed: isKnown(a.metricName) && a.metricName === "", message: `${at}.metricName is empty: name the metric, e.g. "ApproximateAgeOfOldestMessage".` },
        {
          failed: isKnown(a.statistic) && !standard && !EXTENDED_STATISTIC.test(a.statistic),
          message: `${at}.statistic "${a.statistic}" is neither a statistic (${STANDARD_STATISTICS.join(", ")}) nor an extended statistic such as "p95".`,
        },
        {
          failed: !Object.hasOwn(COMPARISON_OPERATORS, a.comparison),
          message: `${at}.comparison "${a.comparison}" must be "above", "below", "at-or-above" or "at-or-below".`,
        },
        {
          failed: isKnown(period) && !isPeriod(period),
          message: `${at}.periodSeconds ${period} is not a CloudWatch alarm period: use 10, 20 or 30 (high resolution) or a multiple of 60, e.g. 300.`,
        },
        { failed: isKnown(periods) && notWholeFromOne(periods), message: `${at}.evaluationPeriods ${periods} must be a whole number >= 1, e.g. 3.` },
        {
          failed: range !== undefined && range > maxRange,
          message: `${at} evaluates ${range} seconds (periodSeconds × evaluationPeriods): CloudWatch allows at most ${maxRange} (${maxRange === DAY ? "one day for periods under an hour" : "seven days"}); use fewer or shorter periods.`,
        },
        {
          // Left out, it is evaluationPeriods, whose own rule reports it.
          failed: isKnown(datapoints) && notWholeFromOne(datapoints) && datapoints !== periods,
          message: `${at}.datapointsToAlarm ${datapoints} must be a whole number >= 1.`,
        },
        {
          failed: isKnown(datapoints) && isKnown(periods) && datapoints > periods,
          message: `${at}.datapointsToAlarm ${datapoints} is more than evaluationPeriods ${periods}: an alarm cannot need more breaching periods than it evaluates.`,
        },
      ];
    }),
  ]);
}
