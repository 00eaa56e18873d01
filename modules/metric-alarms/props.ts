import { applyDefaults, Switch } from "../core/index.js";

/** CloudWatch's standard statistics (the alarm's `statistic`); anything else is an extended statistic such as "p95". */
export const STANDARD_STATISTICS = ["Average", "Maximum", "Minimum", "Sum", "SampleCount"] as const;
export type StandardStatistic = (typeof STANDARD_STATISTICS)[number];
/** A standard statistic, or an extended one: a percentile "p95", "p99.9", or "tm90", "wm99", "tc90", "ts90", "IQM", "TM(10%:90%)"... */
export type MetricStatistic = StandardStatistic | (string & {});

/** How the statistic is compared with the threshold; "above" means strictly greater than. */
export type MetricComparison = "above" | "below" | "at-or-above" | "at-or-below";

/** The CloudWatch comparison operator of each comparison. */
export const COMPARISON_OPERATORS: Readonly<Record<MetricComparison, string>> = {
  above: "GreaterThanThreshold",
  below: "LessThanThreshold",
  "at-or-above": "GreaterThanOrEqualToThreshold",
  "at-or-below": "LessThanOrEqualToThreshold",
};

/** What a period without data counts as: "missing" keeps the state, "notBreaching" is fine, "breaching" is bad, "ignore" waits for data. */
export type TreatMissingData = "missing" | "ignore" | "breaching" | "notBreaching";

/** One alarm on one metric. */
export interface MetricAlarmDefinition {
  /** What it means when the alarm fires (and what to do), shown in the console and the notification. */
  readonly description: string;
  /** Metric namespace, e.g. "AWS/SQS" or "CWAgent". */
  readonly namespace: string;
  /** Metric name, e.g. "ApproximateAgeOfOldestMessage". */
  readonly metricName: string;
  /** The metric's dimensions, e.g. { QueueName: "jobs" }; {} for a metric without dimensions. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** "Average", "Maximum", "Minimum", "Sum", "SampleCount", or an extended statistic such as "p95". */
  readonly statistic: MetricStatistic;
  /** The threshold the statistic is compared with (a Terraform number is fine). */
  readonly threshold: number;
  /** "above", "below", "at-or-above" or "at-or-below" the threshold raises the alarm. */
  readonly comparison: MetricComparison;
  /**
   * Seconds per evaluated period: 10, 20 or 30 (a high-resolution alarm, $0.30 a month, for metrics published at
   * one-second resolution) or a multiple of 60.
   * @default 300
   */
  readonly periodSeconds?: number;
  /**
   * Periods evaluated (the N of "M of N"), at least 1; periodSeconds × evaluationPeriods is at most one day (seven
   * days for periods of an hour or more).
   * @default 3
   */
  readonly evaluationPeriods?: number;
  /**
   * Breaching periods among evaluationPeriods that raise the alarm (the M of "M of N"), 1 to evaluationPeriods.
   * @default - evaluationPeriods: every evaluated period breaches
   */
  readonly datapointsToAlarm?: number;
  /**
   * What a period without data counts as.
   * @default "missing" - the alarm keeps its state
   */
  readonly treatMissingData?: TreatMissingData;
  /**
   * The metric's unit, e.g. "Seconds", when it is published with several units and only one is meant.
   * @default - any unit
   */
  readonly unit?: string;
}

export interface MetricAlarmsProps {
  /** Alarm names start with this: `<namePrefix>-<key>` (`shop-prod` → `shop-prod-queue-age`). */
  readonly namePrefix: string;
  /**
   * The alarms, keyed by a stable key (lower-case letters, digits and hyphens): part of the alarm's name and of its
   * Terraform address, so renaming a key replaces the alarm while reordering changes nothing.
   */
  readonly alarms: Readonly<Record<string, MetricAlarmDefinition>>;
  /**
   * Actions when an alarm fires and when it clears, e.g. SNS topic ARNs (a token list is fine).
   * @default [] - the alarms show in the console only
   */
  readonly notify?: string[];
  /**
   * Whether the alarms exist (a Terraform boolean makes every alarm `count`, so a variable switches them per
   * environment).
   * @default true
   */
  readonly enabled?: Switch;
}

/** Defaults, applied in one place: for the props and for each alarm definition. */
export const METRIC_ALARMS_DEFAULTS = {
  notify: [] as string[],
  enabled: true as Switch,
};
export const METRIC_ALARM_DEFINITION_DEFAULTS = {
  periodSeconds: 300,
  evaluationPeriods: 3,
  treatMissingData: "missing" as TreatMissingData,
};

export type ResolvedMetricAlarmDefinition = MetricAlarmDefinition &
  Required<Pick<MetricAlarmDefinition, keyof typeof METRIC_ALARM_DEFINITION_DEFAULTS | "datapointsToAlarm">>;
export type ResolvedMetricAlarmsProps = Omit<MetricAlarmsProps, "alarms"> &
  Required<Pick<MetricAlarmsProps, keyof typeof METRIC_ALARMS_DEFAULTS>> & { readonly alarms: Readonly<Record<string, ResolvedMetricAlarmDefinition>> };

export function withDefaults(props: MetricAlarmsProps): ResolvedMetricAlarmsProps {
  const p = applyDefaults(props, METRIC_ALARMS_DEFAULTS);
  const alarms = Object.fromEntries(
    Object.entries(p.alarms).map(([key, a]) => {
      const filled = applyDefaults(a, METRIC_ALARM_DEFINITION_DEFAULTS);
      return [key, { ...filled, datapointsToAlarm: filled.datapointsToAlarm ?? filled.evaluationPeriods }];
    }),
  );
  return { ...p, alarms };
}

/** A high-resolution alarm (period 10, 20 or 30 seconds), per month (standard ones are ALARM_USD_PER_MONTH). */
export const HIGH_RESOLUTION_ALARM_USD_PER_MONTH = 0.3;
