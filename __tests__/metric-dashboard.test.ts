// MetricDashboard on a bare stack: widgets described as data turned into the body CloudWatch receives (the
// synthesized expression evaluated once by the real Terraform engine), the layout, the switch, the validation.
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { loadBalancerWidgets, MetricDashboard, MetricDashboardProps, MetricDashboardWidget, MetricLine, MetricSeries } from "../modules/metric-dashboard/index.js";
import { onlyResource, resourcesOf, TfJson } from "./support/synth.js";
import { problemsOf as problemsOfCall, synthBare } from "./support/bare-stack.js";
import { applyOffline, requireTerraform } from "./support/terraform.js";

const LB = "app/shop-prod/50dc6c495c0c9188";
const ALARM = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-api-5xx";
const CONSOLE = "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/";
const QUERY = 'fields @timestamp, @message | filter @message like "ERROR" or @message like /C:\\\\temp/ | sort @timestamp desc | limit 50';

const alb = (name: string, extra: Partial<MetricLine> = {}): MetricLine => ({ namespace: "AWS/ApplicationELB", name, dimensions: { LoadBalancer: LB }, ...extra });

/** An API dashboard: one widget of every kind, metric math, three widths. */
const WIDGETS: MetricDashboardWidget[] = [
  { kind: "graph", title: "Requests", metrics: [alb("RequestCount", { label: "requests" })], stat: "Sum", width: 8 },
  { kind: "graph", title: "Response time (s)", metrics: [alb("TargetResponseTime", { label: "p50", stat: "p50" }), alb("TargetResponseTime", { label: "p99.9", stat: "p99.9" })], width: 8, yMin: 0 },
  {
    kind: "graph",
    title: "5xx (% of requests)",
    width: 8,
    stat: "Sum",
    period: 60,
    yMin: 0,
    yMax: 100,
    metrics: [
      alb("HTTPCode_Target_5XX_Count", { id: "errors", visible: false }),
      alb("RequestCount", { id: "requests", visible: false }),
      { expression: "100 * errors / requests", label: '5xx "%"' },
    ],
  },
  { kind: "alarms", title: "Alarms", alarmArns: [ALARM] },
  {
    kind: "graph",
    title: "Healthy hosts",
    view: "singleValue",
    stat: "Minimum",
    width: 6,
    height: 3,
    metrics: [{ namespace: "AWS/ApplicationELB", name: "HealthyHostCount", dimensions: { TargetGroup: "targetgroup/shop/0123456789abcdef", LoadBalancer: LB } }],
  },
  { kind: "text", markdown: 'Runbook: [on call](https://example.com/runbook) "quoted", C:\\temp, 100%{x}', width: 12 },
  { kind: "logs", title: "Errors", logGroupNames: ["/shop/api", "/shop/worker"], query: QUERY },
];

/** The synthesized bare stack after `build`, with its cost outputs. */
const bare = (build: (stack: TerraformStack) => void): TfJson =>
  synthBare((stack) => {
    build(stack);
    CostEstimate.of(stack).writeOutputs(stack, "test");
  });

const BASE: MetricDashboardProps = { name: "shop-api-prod", region: "eu-west-1", widgets: WIDGETS };

function withDashboard(props: Partial<MetricDashboardProps> = {}): TfJson {
  return bare((s) => {
    const dashboard = new MetricDashboard(s, "api", { ...BASE, ...props });
    new TerraformOutput(s, "url", { value: dashboard.url }).overrideLogicalId("url");
  });
}

/**
 * Two dashboards whose region, dimension values, log group, alarm lists and switches are variables: `api` with
 * alarms, on; `quiet` with an alarm list that turns out empty, off.
 */
const references = bare((s) => {
  const variable = (name: string, type: string) => new TerraformVariable(s, name, { type });
  const region = variable("region", "string").stringValue;
  const lb = variable("load_balancer", "string").stringValue;
  const cache = variable("cache_id", "string").stringValue;
  const logGroup = variable("log_group", "string").stringValue;
  const widgets = (alarmArns: string[]): MetricDashboardWidget[] => [
    { kind: "graph", title: "Requests", metrics: [{ namespace: "AWS/ApplicationELB", name: "RequestCount", dimensions: { LoadBalancer: lb } }] },
    { kind: "graph", title: "Cache CPU", metrics: [{ namespace: "AWS/ElastiCache", name: "EngineCPUUtilization", dimensions: { CacheClusterId: `${cache}-001` } }] },
    { kind: "alarms", title: "Alarms", alarmArns },
    { kind: "logs", title: "Errors", logGroupNames: [logGroup], query: "fields @message | limit 20" },
  ];
  for (const [id, alarms] of [["api", "alarm_arns"], ["quiet", "no_alarm_arns"]] as const) {
    const dashboard = new MetricDashboard(s, id, {
      name: `shop-${id}`,
      region,
      widgets: widgets(variable(alarms, "list(string)").listValue),
      enabled: variable(`${id}_enabled`, "bool").booleanValue,
    });
    new TerraformOutput(s, `${id}_url`, { value: dashboard.url }).overrideLogicalId(`${id}_url`);
    new TerraformOutput(s, `${id}_name`, { value: dashboard.dashboardName }).overrideLogicalId(`${id}_name`);
  }
});
const REFERENCE_VARS = {
  region: "ap-southeast-2",
  load_balancer: "app/shop-test/0123456789abcdef",
  cache_id: "shop-test",
  log_group: "/shop/test/api",
  alarm_arns: '["arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:a"]',
  no_alarm_arns: "[]",
  api_enabled: "true",
  quiet_enabled: "false",
};

const dashboardNamed = (json: TfJson, name: string): any => resourcesOf(json, "aws_cloudwatch_dashboard").find(([, d]) => d.dashboard_name === name)![1];
const bodyNamed = (json: TfJson, name: string): string => dashboardNamed(json, name).dashboard_body;

const literal = withDashboard();

/** One real Terraform run for every test that reads what CloudWatch receives. */
let evaluated: Promise<Record<string, any>> | undefined;
function evaluate(): Promise<Record<string, any>> {
  return (evaluated ??= (async () => {
    const outputs = {
      literal: bodyNamed(literal, "shop-api-prod"),
      api: bodyNamed(references, "shop-api"),
      quiet: bodyNamed(references, "shop-quiet"),
      api_url: references.output.api_url.value,
      api_name: references.output.api_name.value,
      quiet_url: references.output.quiet_url.value,
      quiet_name: references.output.quiet_name.value,
      cost: references.output.cost_breakdown.value,
    };
    const run = await applyOffline(
      { variable: references.variable, output: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value }])) },
      Object.entries(REFERENCE_VARS).map(([name, value]) => `-var=${name}=${value}`),
    );
    if (!run.ok) throw new Error(run.stderr);
    const parse = (name: string) => JSON.parse(run.outputs[name]).widgets;
    return { ...run.outputs, literal: parse("literal"), api: parse("api"), quiet: parse("quiet") };
  })());
}

const titled = (widgets: any[], title: string) => widgets.find((w) => w.properties?.title === title);
const overlap = (a: any, b: any) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const problemsOf = (props: Partial<MetricDashboardProps>): readonly string[] => problemsOfCall(() => withDashboard(props));

describe("MetricDashboard", () => {
  beforeAll(requireTerraform);

  it("creates one dashboard named by the name prop, its body a Terraform jsonencode expression with every position written out", () => {
    const [id, dashboard] = resourcesOf(literal, "aws_cloudwatch_dashboard")[0]!;
    expect(id).toMatch(/^api_[0-9A-F]{8}$/);
    expect(dashboard.dashboard_name).toBe("shop-api-prod");
    expect(dashboard.count).toBeUndefined();
    expect(dashboard.dashboard_body).toMatch(/^\$\{jsonencode\(\{"widgets" = \[\{"type" = "text", "x" = 0, "y" = 0, "width" = 24, "height" = 2/);
    expect(dashboard.dashboard_body).toContain('{"type" = "metric", "x" = 8, "y" = 2, "width" = 8, "height" = 6');
    expect(literal.output.url.value).toBe(`${CONSOLE}\${aws_cloudwatch_dashboard.${id}.dashboard_name}`);
    expect(literal.output.cost_breakdown.value).toEqual({ "api-dashboard": '${try(format("%.2f", 3), "unknown")}' });
  });

  it.concurrent("writes each line in CloudWatch's format: namespace, name, dimension pairs in order, then the options given", async () => {
    const widgets = (await evaluate()).literal;
    expect(titled(widgets, "Requests").properties).toEqual({
      title: "Requests",
      region: "eu-west-1",
      view: "timeSeries",
      stacked: false,
      period: 300,
      stat: "Sum",
      metrics: [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, { label: "requests" }]],
    });
    expect(titled(widgets, "Response time (s)").properties).toMatchObject({
      stat: "Average",
      yAxis: { left: { min: 0 } },
      metrics: [
        ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", LB, { label: "p50", stat: "p50" }],
        ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", LB, { label: "p99.9", stat: "p99.9" }],
      ],
    });
    const hosts = titled(widgets, "Healthy hosts").properties;
    expect(hosts.metrics).toEqual([["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "targetgroup/shop/0123456789abcdef", "LoadBalancer", LB]]);
    expect(hosts).toMatchObject({ view: "singleValue", stat: "Minimum" });
    expect(hosts).not.toHaveProperty("stacked");
    expect(hosts).not.toHaveProperty("yAxis");
  });

  it.concurrent("writes metric math as [{ expression, label, id }] beside hidden inputs with ids", async () => {
    const rate = titled((await evaluate()).literal, "5xx (% of requests)").properties;
    expect(rate.metrics).toEqual([
      ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", LB, { id: "errors", visible: false }],
      ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, { id: "requests", visible: false }],
      [{ expression: "100 * errors / requests", label: '5xx "%"', id: "e3" }],
    ]);
    expect(rate).toMatchObject({ period: 60, stat: "Sum", yAxis: { left: { min: 0, max: 100 } } });
  });

  it.concurrent("lays the widgets out left to right in rows of 24 below the title, without overlaps", async () => {
    const widgets = (await evaluate()).literal;
    expect(widgets.map((w: any) => [w.type, w.x, w.y, w.width, w.height])).toEqual([
      ["text", 0, 0, 24, 2],
      ["metric", 0, 2, 8, 6], ["metric", 8, 2, 8, 6], ["metric", 16, 2, 8, 6],
      ["alarm", 0, 8, 24, 3],
      ["metric", 0, 11, 6, 3], ["text", 6, 11, 12, 3],
      ["log", 0, 14, 24, 6],
    ]);
    for (const [i, a] of widgets.entries()) {
      expect(a.x + a.width).toBeLessThanOrEqual(24);
      for (const b of widgets.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
  });

  it.concurrent("queries Logs Insights with one SOURCE per log group, shows alarms and text exactly as given", async () => {
    const widgets = (await evaluate()).literal;
    expect(widgets.find((w: any) => w.type === "log").properties).toEqual({ title: "Errors", region: "eu-west-1", query: `SOURCE '/shop/api' | SOURCE '/shop/worker' | ${QUERY}`, view: "table" });
    expect(widgets.find((w: any) => w.type === "alarm").properties).toEqual({ title: "Alarms", alarms: [ALARM], sortBy: "stateUpdatedTimestamp" });
    expect(widgets[0].properties.markdown).toBe("# shop-api-prod\nManaged by Terraform: changes made in the console are lost at the next apply.");
    expect(widgets[6].properties.markdown).toBe('Runbook: [on call](https://example.com/runbook) "quoted", C:\\temp, 100%{x}');
  });

  it("leaves an empty alarm list out (the next widgets move up) and titles the dashboard with title", () => {
    const body = bodyNamed(
      withDashboard({ title: "Shop API", widgets: [WIDGETS[0]!, { kind: "alarms", title: "Alarms", alarmArns: [] }, { kind: "text", markdown: "notes" }] }),
      "shop-api-prod",
    );
    expect(body).not.toContain('"alarm"');
    expect(body).toContain('"markdown" = "# Shop API\\nManaged by Terraform');
    expect(body).toContain('{"type" = "text", "x" = 0, "y" = 8, "width" = 24, "height" = 3, "properties" = {"markdown" = "notes"}}');
  });

  it("keeps references live: a token alarm list decides its widget at plan time, text around references becomes join()", () => {
    const body = bodyNamed(references, "shop-api");
    expect(body).toMatch(/^\$\{jsonencode\(\{"widgets" = concat\(\[/);
    expect(body).toContain('(length(var.alarm_arns) >= 1) ? [{"type" = "alarm"');
    expect(body).toContain('"query" = join("", ["SOURCE \'", var.log_group, "\' | fields @message | limit 20"])');
    expect(body).toContain('"CacheClusterId", join("", [var.cache_id, "-001"])');
  });

  it.concurrent("resolves the references: region, dimension values, log group; the alarm widget is there only with alarms, its place kept", async () => {
    const { api, quiet } = await evaluate();
    expect(titled(api, "Requests").properties).toMatchObject({ region: "ap-southeast-2", metrics: [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/shop-test/0123456789abcdef"]] });
    expect(titled(api, "Cache CPU").properties.metrics).toEqual([["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", "shop-test-001"]]);
    expect(titled(api, "Errors").properties.query).toBe("SOURCE '/shop/test/api' | fields @message | limit 20");
    expect(titled(api, "Alarms").properties.alarms).toEqual(["arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:a"]);
    expect(api.map((w: any) => [w.type, w.x, w.y])).toEqual([["text", 0, 0], ["metric", 0, 2], ["metric", 12, 2], ["alarm", 0, 8], ["log", 0, 11]]);
    expect(quiet.map((w: any) => [w.type, w.x, w.y])).toEqual([["text", 0, 0], ["metric", 0, 2], ["metric", 12, 2], ["log", 0, 11]]);
  });

  it.concurrent("exists per environment by a variable: count, url, name and cost follow it", async () => {
    expect(dashboardNamed(references, "shop-api").count).toBe("${var.api_enabled ? 1 : 0}");
    const out = await evaluate();
    const console = "https://ap-southeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2#dashboards/dashboard/";
    expect([out.api_url, out.api_name, out.quiet_url, out.quiet_name]).toEqual([`${console}shop-api`, "shop-api", "", ""]);
    expect(out.cost).toEqual({ "api-dashboard": "3.00", "quiet-dashboard": "0.00" });
  });

  it("is switched off by enabled: false: no dashboard, no url, no cost", () => {
    const off = withDashboard({ enabled: false });
    expect(onlyResource(off, "aws_cloudwatch_dashboard").count).toBe(0);
    expect(off.output.url.value).toBe("");
    expect(off.output.cost_breakdown.value["api-dashboard"]).toBe('${try(format("%.2f", 0), "unknown")}');
  });

  it("stops synth with every problem: a name CloudWatch rejects, a bad width, empty metrics, bad stats, periods, ids and log queries", () => {
    expect(
      problemsOf({
        name: "shop api",
        widgets: [
          { kind: "graph", title: "A", metrics: [], width: 10 as 12, height: 0 },
          { kind: "graph", title: "B", metrics: [alb("RequestCount", { stat: "p101" as "p99", id: "Requests" }), { expression: "", label: "x", id: "e2" }, { expression: "1", label: "y", id: "e2" }], stat: "Median" as "Sum", period: 90, yMin: 5, yMax: 5 },
          { kind: "logs", title: "C", logGroupNames: ["my group"], query: "SOURCE '/x' | fields @message" },
          { kind: "alarms", title: "D", alarmArns: ["shop-api-5xx"] },
          { kind: "chart", title: "E" } as unknown as MetricDashboardWidget,
        ],
      }),
    ).toEqual([
      'name "shop api" is not a dashboard name: use 1-255 letters, digits, - and _.',
      "widgets[0].width 10 must be 6, 8, 12 or 24 columns (a row is 24).",
      "widgets[0].height 0 must be a whole number of rows, 1-1000.",
      'widgets[0].metrics is empty: give at least one line, e.g. { namespace: "AWS/EC2", name: "CPUUtilization" }.',
      'widgets[1].stat "Median" is not a CloudWatch statistic: use Average, Sum, Minimum, Maximum, SampleCount or a percentile p0-p100 such as p99.',
      "widgets[1].period 90 is not a CloudWatch period: use 1, 5, 10, 30 or a multiple of 60 seconds.",
      "widgets[1].yMin 5 must be below yMax 5.",
      'widgets[1].metrics[0].stat "p101" is not a CloudWatch statistic: use Average, Sum, Minimum, Maximum, SampleCount or a percentile p0-p100 such as p99.',
      'widgets[1].metrics[0].id "Requests" must start with a lower-case letter and hold only letters, digits and _.',
      'widgets[1].metrics[1].expression is empty: give metric math over the widget\'s line ids, e.g. "100 * errors / requests".',
      "widgets[1].metrics ids must be unique in the widget; repeated: e2.",
      'widgets[2].logGroupNames[0] "my group" is not a log group name: use 1-512 letters, digits and . _ - / #.',
      "widgets[2].query must not start with SOURCE: the widget writes one SOURCE per entry of logGroupNames.",
      'widgets[3].alarmArns[0] "shop-api-5xx" is not a CloudWatch alarm ARN: use arn:aws:cloudwatch:<region>:<account>:alarm:<name>, e.g. an alarm\'s arn attribute.',
      'widgets[4].kind "chart" must be graph, alarms, text or logs.',
    ]);
    expect(problemsOf({ region: "Ireland", widgets: [] })).toEqual([
      'region "Ireland" is not an AWS region code, e.g. "eu-west-1".',
      'widgets is empty: give at least one widget, e.g. { kind: "graph", title, metrics }.',
    ]);
  });

  it("accepts a name known only at plan time and refuses a height that is one (it places the widgets)", () => {
    let height = 0;
    const json = bare((s) => {
      const name = new TerraformVariable(s, "dashboard_name", { type: "string" }).stringValue;
      new MetricDashboard(s, "api", { ...BASE, name });
      height = new TerraformVariable(s, "height", { type: "number" }).numberValue;
    });
    expect(onlyResource(json, "aws_cloudwatch_dashboard").dashboard_name).toBe("${var.dashboard_name}");
    expect(problemsOf({ widgets: [{ kind: "text", markdown: "x", height }] })).toEqual([
      "widgets[0].height must be a number known at synth, not a Terraform expression: it places the widgets.",
    ]);
  });
});


describe("loadBalancerWidgets", () => {
  it("graphs what clients see of the load balancer: requests, p50 and p95, the targets' and its own 5xx and the 4xx, summed per period", () => {
    const widgets = loadBalancerWidgets({ arnSuffix: LB, targets: "the API" });
    expect(widgets.map((w) => w.title)).toEqual(["Requests", "Response time (seconds)", "Errors"]);
    const lines = widgets.map((w) => (w.metrics as MetricSeries[]).map((m) => [m.name, m.label, m.stat]));
    expect(lines).toEqual([
      [["RequestCount", "requests", "Sum"]],
      [["TargetResponseTime", "p50", "p50"], ["TargetResponseTime", "p95", "p95"]],
      [["HTTPCode_Target_5XX_Count", "5xx from the API", "Sum"], ["HTTPCode_ELB_5XX_Count", "5xx from the load balancer", "Sum"], ["HTTPCode_Target_4XX_Count", "4xx", "Sum"]],
    ]);
    for (const w of widgets) for (const m of w.metrics) expect(m).toMatchObject({ namespace: "AWS/ApplicationELB", dimensions: { LoadBalancer: LB } });
    expect(loadBalancerWidgets({ arnSuffix: LB, targets: "the tasks", responseTimeTitle: "Latency (seconds)" })[1]!.title).toBe("Latency (seconds)");
  });
});
