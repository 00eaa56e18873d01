// LoadBalancerAlarms on a bare stack: each alarm's metric, dimensions, threshold and evaluation, the notify list,
// the enabled switch (literal and Terraform boolean) with its cost, and validation, as properties of the synthesized JSON.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Switch } from "../modules/core/index.js";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { ERROR_RATE_EXPRESSION, LoadBalancerAlarms, LoadBalancerAlarmsProps } from "../modules/load-balancer-alarms/index.js";
import { resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";

const LB = "app/shop-prod/50dc6c495c0c9188";
const BASE: LoadBalancerAlarmsProps = {
  namePrefix: "shop-prod",
  loadBalancerArnSuffix: LB,
  targetGroups: { web: "targetgroup/shop-prod-web/73e2d6bc24d8a067", api: "targetgroup/shop-prod-api/943f017f100becff" },
};

/** Synthesizes the alarms (construct id "alarms") with their ARNs and the cost outputs. */
function synthAlarms(props: Partial<LoadBalancerAlarmsProps> = {}, build?: (stack: TerraformStack) => Partial<LoadBalancerAlarmsProps>): { json: TfJson; alarms: LoadBalancerAlarms } {
  const stack = bareStack();
  const alarms = new LoadBalancerAlarms(stack, "alarms", { ...BASE, ...props, ...build?.(stack) });
  new TerraformOutput(stack, "alarm_arns", { value: alarms.alarmArns });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return { json: synthStack(stack), alarms };
}

/** The alarm whose construct id is `id`, by its logical id `alarms_<id>_<hash>`. */
function alarmOf(json: TfJson, id: string): any {
  const found = resourcesOf(json, "aws_cloudwatch_metric_alarm").filter(([logical]) => logical.replace(/_[0-9A-F]{8}$/, "") === `alarms_${id}`);
  if (found.length !== 1) throw new Error(`expected one alarm ${id}, found ${found.length}`);
  return found[0]![1];
}

const alarmsOf = (json: TfJson) => resourcesOf(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
const costOf = (json: TfJson) => json.output.cost_breakdown.value["alarms-alarms"];

describe("LoadBalancerAlarms with the defaults", () => {
  // One synth shared by the tests that only read it (built when the file is collected, as in day2-operations).
  const { json, alarms } = synthAlarms();

  it("names every alarm <namePrefix>-<what>, one error-rate and one response-time alarm and two per target group", () => {
    expect(alarmsOf(json).map((a) => a.alarm_name).sort()).toEqual([
      "shop-prod-error-rate",
      "shop-prod-no-healthy-targets-api",
      "shop-prod-no-healthy-targets-web",
      "shop-prod-response-time",
      "shop-prod-unhealthy-targets-api",
      "shop-prod-unhealthy-targets-web",
    ]);
  });

  it("error rate: load balancer and target 5xx over requests in metric math, 2 of 3 five-minute periods at 1 %", () => {
    const alarm = alarmOf(json, "ErrorRate");
    const metric = (metricName: string) => ({ namespace: "AWS/ApplicationELB", metric_name: metricName, dimensions: { LoadBalancer: LB }, stat: "Sum", period: 300 });
    expect(alarm.metric_query).toEqual([
      { id: "m1", return_data: false, metric: metric("HTTPCode_ELB_5XX_Count") },
      { id: "m2", return_data: false, metric: metric("HTTPCode_Target_5XX_Count") },
      { id: "m3", return_data: false, metric: metric("RequestCount") },
      { id: "e1", expression: ERROR_RATE_EXPRESSION, label: "5xx responses (% of requests)", return_data: true },
    ]);
    expect(alarm).toMatchObject({ evaluation_periods: 3, datapoints_to_alarm: 2, threshold: 1, comparison_operator: "GreaterThanOrEqualToThreshold", treat_missing_data: "notBreaching" });
    // A metric-math alarm names its metrics in the queries only.
    for (const attribute of ["namespace", "metric_name", "statistic", "period", "dimensions"]) expect(alarm).not.toHaveProperty(attribute);
  });

  it("error rate: the expression never divides by zero and counts load-balancer errors without requests as 100 %", () => {
    expect(ERROR_RATE_EXPRESSION).toBe("IF(FILL(m3, 0) > 0, 100 * (FILL(m1, 0) + FILL(m2, 0)) / FILL(m3, 0), IF(FILL(m1, 0) > 0, 100, 0))");
  });

  it("response time: p95 TargetResponseTime of the load balancer at 0.5 s for three five-minute periods", () => {
    const alarm = alarmOf(json, "ResponseTime");
    expect(alarm).toMatchObject({
      namespace: "AWS/ApplicationELB",
      metric_name: "TargetResponseTime",
      dimensions: { LoadBalancer: LB },
      extended_statistic: "p95",
      period: 300,
      evaluation_periods: 3,
      threshold: 0.5,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      evaluate_low_sample_count_percentiles: "ignore",
    });
    expect(alarm).not.toHaveProperty("statistic");
  });

  it("unhealthy targets: per target group, UnHealthyHostCount Maximum >= 1 for 2 minutes", () => {
    expect(alarmOf(json, "UnhealthyTargets-web")).toMatchObject({
      namespace: "AWS/ApplicationELB",
      metric_name: "UnHealthyHostCount",
      dimensions: { TargetGroup: "targetgroup/shop-prod-web/73e2d6bc24d8a067", LoadBalancer: LB },
      statistic: "Maximum",
      period: 60,
      evaluation_periods: 2,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
    });
    expect(alarmOf(json, "UnhealthyTargets-api").dimensions.TargetGroup).toBe("targetgroup/shop-prod-api/943f017f100becff");
  });

  it("no healthy targets: per target group, HealthyHostCount Minimum < 1 for 2 minutes, no data counting as none", () => {
    expect(alarmOf(json, "NoHealthyTargets-api")).toMatchObject({
      alarm_name: "shop-prod-no-healthy-targets-api",
      metric_name: "HealthyHostCount",
      dimensions: { TargetGroup: "targetgroup/shop-prod-api/943f017f100becff", LoadBalancer: LB },
      statistic: "Minimum",
      period: 60,
      evaluation_periods: 2,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
    });
  });

  it("enabled by default: no count, plain ARNs, 6 alarms billed as 8 alarm metrics ($0.80: the metric-math alarm reads 3)", () => {
    for (const alarm of alarmsOf(json)) expect(alarm).not.toHaveProperty("count");
    expect(alarms.alarms).toHaveLength(6);
    expect(json.output.alarm_arns.value).toHaveLength(6);
    expect(json.output.alarm_arns.value[0]).toMatch(/^\$\{aws_cloudwatch_metric_alarm\.alarms_ErrorRate_[0-9A-F]{8}\.arn\}$/);
    expect(costOf(json)).toBe('${try(format("%.2f", 0.8), "unknown")}');
  });
});

describe("LoadBalancerAlarms", () => {
  it("takes the thresholds from errorRatePercent and p95ResponseSeconds, Terraform numbers included", () => {
    const { json } = synthAlarms({ errorRatePercent: 5 }, (stack) => ({ p95ResponseSeconds: new TerraformVariable(stack, "p95_seconds", { type: "number" }).numberValue }));
    expect(alarmOf(json, "ErrorRate")).toMatchObject({ threshold: 5, alarm_description: expect.stringContaining("over 5% of the requests") });
    expect(alarmOf(json, "ResponseTime").threshold).toBe("${var.p95_seconds}");
  });

  it("notifies the given actions when an alarm fires and when it clears, none by default", () => {
    const topic = "arn:aws:sns:us-east-1:123456789012:alerts";
    for (const alarm of alarmsOf(synthAlarms({ notify: [topic] }).json)) expect(alarm).toMatchObject({ alarm_actions: [topic], ok_actions: [topic] });
    for (const alarm of alarmsOf(synthAlarms().json)) expect(alarm).toMatchObject({ alarm_actions: [], ok_actions: [] });
  });

  it("with no target group, only watches the load balancer", () => {
    const { json } = synthAlarms({ targetGroups: {} });
    expect(alarmsOf(json).map((a) => a.alarm_name).sort()).toEqual(["shop-prod-error-rate", "shop-prod-response-time"]);
    expect(costOf(json)).toBe('${try(format("%.2f", 0.4), "unknown")}');
  });

  it("enabled false: every alarm has count 0, no ARNs, no cost", () => {
    const { json } = synthAlarms({ enabled: false });
    for (const alarm of alarmsOf(json)) expect(alarm.count).toBe(0);
    expect(json.output.alarm_arns.value).toEqual([]);
    expect(costOf(json)).toBe('${try(format("%.2f", 0), "unknown")}');
  });

  it("enabled from a Terraform boolean: every alarm counted by it, ARNs of the alarms that exist, cost when on", () => {
    const { json } = synthAlarms({}, (stack) => ({ enabled: new TerraformVariable(stack, "monitoring", { type: "bool" }).booleanValue as Switch }));
    for (const alarm of alarmsOf(json)) expect(alarm.count).toBe("${var.monitoring ? 1 : 0}");
    expect(json.output.alarm_arns.value).toMatch(/^\$\{concat\(aws_cloudwatch_metric_alarm\.alarms_ErrorRate_[0-9A-F]{8}\[\*\]\.arn, /);
    expect(json.output.alarm_arns.value.match(/\[\*\]\.arn/g)).toHaveLength(6);
    expect(costOf(json)).toBe('${try(format("%.2f", var.monitoring ? 0.8 : 0), "unknown")}');
  });

  it("reports every wrong prop at once", () => {
    const problems = problemsOf(() =>
      synthAlarms({
        namePrefix: "",
        loadBalancerArnSuffix: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188",
        targetGroups: { Web: "targetgroup/shop-web/73e2d6bc24d8a067", "my api": "targetgroup/shop-api/943f017f100becff", ok: "shop-ok" },
        errorRatePercent: 0,
        p95ResponseSeconds: -1,
      }),
    );
    expect(problems).toEqual([
      'namePrefix is empty: alarm names start with it, e.g. "shop-prod".',
      'loadBalancerArnSuffix "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188" must be an Application Load Balancer\'s ARN suffix, app/<name>/<id> (PublicLoadBalancer.arnSuffix), not its ARN.',
      'targetGroups key "Web" must be lower-case letters, digits and dashes.',
      'targetGroups key "my api" must be lower-case letters, digits and dashes.',
      'targetGroups["ok"] "shop-ok" must be a target group\'s ARN suffix, targetgroup/<name>/<id> (PublicLoadBalancer.targetGroupArnSuffixes), not its ARN.',
      "errorRatePercent 0 must be more than 0 and less than 100, e.g. 1.",
      "p95ResponseSeconds -1 must be more than 0 seconds, e.g. 0.5.",
    ]);
  });

  it.each([100, 150, -1, Number.NaN])("rejects errorRatePercent %s", (errorRatePercent) => {
    expect(problemsOf(() => synthAlarms({ errorRatePercent }))).toEqual([`errorRatePercent ${errorRatePercent} must be more than 0 and less than 100, e.g. 1.`]);
  });

  it("rejects a p95ResponseSeconds of 0", () => {
    expect(() => synthAlarms({ p95ResponseSeconds: 0 })).toThrow(/p95ResponseSeconds 0 must be more than 0 seconds/);
  });

  it("leaves Terraform values to Terraform: tokens for the suffixes and thresholds pass validation", () => {
    const { json } = synthAlarms({}, (stack) => {
      const text = (name: string) => new TerraformVariable(stack, name, { type: "string" }).stringValue;
      return { loadBalancerArnSuffix: text("lb"), targetGroups: { web: text("tg") }, errorRatePercent: new TerraformVariable(stack, "rate", { type: "number" }).numberValue };
    });
    expect(alarmOf(json, "UnhealthyTargets-web").dimensions).toEqual({ TargetGroup: "${var.tg}", LoadBalancer: "${var.lb}" });
    expect(alarmOf(json, "ErrorRate").threshold).toBe("${var.rate}");
  });
});
