// MetricAlarms on a bare stack: each definition as one alarm (name, address, statistic routing, comparison, defaults),
// the notify list, the enabled switch (literal and Terraform boolean) with its ARNs and cost, and validation, as
// properties of the synthesized JSON.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Switch } from "../modules/core/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { MetricAlarmDefinition, MetricAlarms, MetricAlarmsProps } from "../modules/metric-alarms/index.js";
import { resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";

const QUEUE_AGE: MetricAlarmDefinition = {
  description: "The oldest job has waited over 10 minutes: the workers are down or too few.",
  namespace: "AWS/SQS",
  metricName: "ApproximateAgeOfOldestMessage",
  dimensions: { QueueName: "jobs" },
  statistic: "Maximum",
  threshold: 600,
  comparison: "above",
};
const LATENCY: MetricAlarmDefinition = {
  description: "p95 latency is over 2 s.",
  namespace: "Shop/Api",
  metricName: "Latency",
  dimensions: { Service: "api", Stage: "prod" },
  statistic: "p95",
  threshold: 2,
  comparison: "at-or-above",
  periodSeconds: 60,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  treatMissingData: "notBreaching",
  unit: "Seconds",
};
const BASE: MetricAlarmsProps = { namePrefix: "shop-prod", alarms: { "queue-age": QUEUE_AGE, "p95-latency": LATENCY } };

/** Synthesizes the alarms (construct id "alarms") with their ARNs and the cost outputs. */
function synthAlarms(props: Partial<MetricAlarmsProps> = {}, build?: (stack: TerraformStack) => Partial<MetricAlarmsProps>): { json: TfJson; alarms: MetricAlarms } {
  const stack = bareStack();
  const alarms = new MetricAlarms(stack, "alarms", { ...BASE, ...props, ...build?.(stack) });
  new TerraformOutput(stack, "alarm_arns", { value: alarms.alarmArns });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return { json: synthStack(stack), alarms };
}

/** The alarm of `key`, by its logical id `alarms_<key>_<hash>`. */
function alarmOf(json: TfJson, key: string): any {
  const found = resourcesOf(json, "aws_cloudwatch_metric_alarm").filter(([logical]) => logical.replace(/_[0-9A-F]{8}$/, "") === `alarms_${key}`);
  if (found.length !== 1) throw new Error(`expected one alarm ${key}, found ${found.length}`);
  return found[0]![1];
}
const alarmsOf = (json: TfJson) => resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
const costOf = (json: TfJson) => json.output.cost_breakdown.value["alarms-alarms"];
const usd = (expression: string | number) => `\${try(format("%.2f", ${expression}), "unknown")}`;
const alarm = (key: string, definition: Partial<MetricAlarmDefinition>) => ({ alarms: { [key]: { ...QUEUE_AGE, ...definition } } });

describe("MetricAlarms", () => {
  const { json, alarms } = synthAlarms();

  it("creates one alarm per key, named <namePrefix>-<key>, its address from the key", () => {
    expect(alarmsOf(json).map((a) => a.alarm_name).sort()).toEqual(["shop-prod-p95-latency", "shop-prod-queue-age"]);
    expect(resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([logical]) => logical.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(["alarms_p95-latency", "alarms_queue-age"]);
    expect(Object.keys(alarms.alarms).sort()).toEqual(["p95-latency", "queue-age"]);
  });

  it("a standard statistic with the defaults: 3 periods of 300 s, all 3 breaching, missing data keeps the state, no unit", () => {
    expect(alarmOf(json, "queue-age")).toEqual({
      alarm_name: "shop-prod-queue-age",
      alarm_description: QUEUE_AGE.description,
      namespace: "AWS/SQS",
      metric_name: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "jobs" },
      statistic: "Maximum",
      period: 300,
      evaluation_periods: 3,
      datapoints_to_alarm: 3,
      threshold: 600,
      comparison_operator: "GreaterThanThreshold",
      treat_missing_data: "missing",
      alarm_actions: [],
      ok_actions: [],
    });
  });

  it("an extended statistic goes to extended_statistic, with every option given", () => {
    const latency = alarmOf(json, "p95-latency");
    expect(latency).toMatchObject({
      extended_statistic: "p95",
      dimensions: { Service: "api", Stage: "prod" },
      unit: "Seconds",
      period: 60,
      evaluation_periods: 5,
      datapoints_to_alarm: 3,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
    });
    expect(latency).not.toHaveProperty("statistic");
  });

  it.each([
    ["above", "GreaterThanThreshold"],
    ["below", "LessThanThreshold"],
    ["at-or-above", "GreaterThanOrEqualToThreshold"],
    ["at-or-below", "LessThanOrEqualToThreshold"],
  ] as const)("comparison %s is %s", (comparison, operator) => {
    expect(alarmOf(synthAlarms(alarm("x", { comparison })).json, "x").comparison_operator).toBe(operator);
  });

  it.each(["Average", "Minimum", "Sum", "SampleCount"])("standard statistic %s goes to statistic", (statistic) => {
    expect(alarmOf(synthAlarms(alarm("x", { statistic })).json, "x")).toMatchObject({ statistic });
  });

  it.each(["p99.9", "tm90", "IQM", "TM(10%:90%)"])("extended statistic %s goes to extended_statistic", (statistic) => {
    expect(alarmOf(synthAlarms(alarm("x", { statistic })).json, "x")).toMatchObject({ extended_statistic: statistic });
  });

  it("enabled by default: no count, plain ARNs, $0.10 per alarm", () => {
    for (const a of alarmsOf(json)) expect(a).not.toHaveProperty("count");
    expect(json.output.alarm_arns.value).toHaveLength(2);
    expect(json.output.alarm_arns.value[0]).toMatch(/^\$\{aws_cloudwatch_metric_alarm\.alarms_queue-age_[0-9A-F]{8}\.arn\}$/);
    expect(costOf(json)).toBe(usd(0.2));
  });
});

describe("MetricAlarms switches and Terraform values", () => {
  it("notifies the given actions when an alarm fires and when it clears", () => {
    const topic = "arn:aws:sns:us-east-1:123456789012:alerts";
    for (const a of alarmsOf(synthAlarms({ notify: [topic] }).json)) expect(a).toMatchObject({ alarm_actions: [topic], ok_actions: [topic] });
  });

  it("enabled false: every alarm has count 0, no ARNs, no cost", () => {
    const { json } = synthAlarms({ enabled: false });
    for (const a of alarmsOf(json)) expect(a.count).toBe(0);
    expect(json.output.alarm_arns.value).toEqual([]);
    expect(costOf(json)).toBe(usd(0));
  });

  it("enabled from a Terraform boolean: every alarm counted by it, ARNs of the alarms that exist, cost when on", () => {
    const { json } = synthAlarms({}, (stack) => ({ enabled: new TerraformVariable(stack, "monitoring", { type: "bool" }).booleanValue as Switch }));
    for (const a of alarmsOf(json)) expect(a.count).toBe("${var.monitoring ? 1 : 0}");
    expect(json.output.alarm_arns.value).toMatch(/^\$\{concat\(aws_cloudwatch_metric_alarm\.alarms_queue-age_[0-9A-F]{8}\[\*\]\.arn, aws_cloudwatch_metric_alarm\.alarms_p95-latency_[0-9A-F]{8}\[\*\]\.arn\)\}$/);
    expect(costOf(json)).toBe(usd("var.monitoring ? 0.2 : 0"));
  });

  it("bills a high-resolution alarm (period 10, 20 or 30 s) at $0.30", () => {
    const { json } = synthAlarms({ alarms: { "queue-age": { ...QUEUE_AGE, periodSeconds: 10 }, "p95-latency": LATENCY } });
    expect(alarmOf(json, "queue-age").period).toBe(10);
    expect(costOf(json)).toBe(usd(0.4));
  });

  it("takes Terraform numbers for the threshold and the periods, datapointsToAlarm following evaluationPeriods", () => {
    const { json } = synthAlarms({}, (stack) => {
      const number = (name: string) => new TerraformVariable(stack, name, { type: "number" }).numberValue;
      return { alarms: { "queue-age": { ...QUEUE_AGE, threshold: number("max_age"), periodSeconds: number("period"), evaluationPeriods: number("periods") } } };
    });
    expect(alarmOf(json, "queue-age")).toMatchObject({ threshold: "${var.max_age}", period: "${var.period}", evaluation_periods: "${var.periods}", datapoints_to_alarm: "${var.periods}" });
    expect(costOf(json)).toBe(usd(0.1));
  });
});

describe("MetricAlarms validation", () => {
  it("reports every wrong prop at once", () => {
    const problems = problemsOf(() =>
      synthAlarms({
        namePrefix: "",
        alarms: {
          "Queue Age": QUEUE_AGE,
          bad: { ...QUEUE_AGE, description: " ", namespace: "", metricName: "", statistic: "average", comparison: "over" as never, periodSeconds: 45, evaluationPeriods: 0, datapointsToAlarm: 2 },
          long: { ...QUEUE_AGE, periodSeconds: 600, evaluationPeriods: 200, datapointsToAlarm: 0.5 },
        },
      }),
    );
    expect(problems).toEqual([
      'namePrefix is empty: alarm names start with it, e.g. "shop-prod".',
      'alarms key "Queue Age" must be lower-case letters, digits and hyphens (it names the alarm and its Terraform address).',
      'alarms["bad"].description is empty: say what the alarm means and what to do.',
      'alarms["bad"].namespace is empty: name the metric\'s namespace, e.g. "AWS/SQS".',
      'alarms["bad"].metricName is empty: name the metric, e.g. "ApproximateAgeOfOldestMessage".',
      'alarms["bad"].statistic "average" is neither a statistic (Average, Maximum, Minimum, Sum, SampleCount) nor an extended statistic such as "p95".',
      'alarms["bad"].comparison "over" must be "above", "below", "at-or-above" or "at-or-below".',
      'alarms["bad"].periodSeconds 45 is not a CloudWatch alarm period: use 10, 20 or 30 (high resolution) or a multiple of 60, e.g. 300.',
      'alarms["bad"].evaluationPeriods 0 must be a whole number >= 1, e.g. 3.',
      'alarms["bad"].datapointsToAlarm 2 is more than evaluationPeriods 0: an alarm cannot need more breaching periods than it evaluates.',
      'alarms["long"] evaluates 120000 seconds (periodSeconds × evaluationPeriods): CloudWatch allows at most 86400 (one day for periods under an hour); use fewer or shorter periods.',
      'alarms["long"].datapointsToAlarm 0.5 must be a whole number >= 1.',
    ]);
  });

  it("needs at least one alarm", () => {
    expect(problemsOf(() => synthAlarms({ alarms: {} }))).toEqual(["alarms is empty: define at least one alarm, or do not create MetricAlarms."]);
  });

  it.each([0, 61, 90, 59.5])("rejects periodSeconds %s", (periodSeconds) => {
    expect(problemsOf(() => synthAlarms(alarm("x", { periodSeconds })))).toEqual([
      `alarms["x"].periodSeconds ${periodSeconds} is not a CloudWatch alarm period: use 10, 20 or 30 (high resolution) or a multiple of 60, e.g. 300.`,
    ]);
  });

  it("allows seven days of hourly periods but not more", () => {
    expect(() => synthAlarms(alarm("x", { periodSeconds: 3600, evaluationPeriods: 168 }))).not.toThrow();
    expect(problemsOf(() => synthAlarms(alarm("x", { periodSeconds: 3600, evaluationPeriods: 169 })))).toEqual([
      'alarms["x"] evaluates 608400 seconds (periodSeconds × evaluationPeriods): CloudWatch allows at most 604800 (seven days); use fewer or shorter periods.',
    ]);
  });

  it("rejects datapointsToAlarm above evaluationPeriods", () => {
    expect(problemsOf(() => synthAlarms(alarm("x", { evaluationPeriods: 2, datapointsToAlarm: 3 })))).toEqual([
      'alarms["x"].datapointsToAlarm 3 is more than evaluationPeriods 2: an alarm cannot need more breaching periods than it evaluates.',
    ]);
  });
});
