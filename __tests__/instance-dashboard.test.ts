// InstanceDashboard on a bare stack: its widgets and their metrics, the layout, the alarm widget, the switch, the
// name rule, and the body as CloudWatch receives it (the synthesized expression evaluated by the real Terraform engine).
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { InstanceDashboard, InstanceDashboardProps } from "../modules/instance-dashboard/index.js";
import { onlyResource, resourcesOf, TfJson } from "./support/synth.js";
import { problemsOf as problemsOfCall, synthBare } from "./support/bare-stack.js";
import { applyOffline, requireTerraform } from "./support/terraform.js";

const BASE: InstanceDashboardProps = { name: "shop-prod", region: "eu-west-1", instanceId: "i-0123456789abcdef0" };
const INSTANCE = ["InstanceId", "i-0123456789abcdef0"];
const CONSOLE = "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/";

/** The synthesized bare stack after `build`, with its cost outputs. */
const bare = (build: (stack: TerraformStack) => void): TfJson =>
  synthBare((stack) => {
    build(stack);
    CostEstimate.of(stack).writeOutputs(stack, "test");
  });

/** A stack with one dashboard; its `url` and `dashboardName` become the outputs `url` and `name`. */
function withDashboard(props: Partial<InstanceDashboardProps> = {}, variables: (s: TerraformStack) => Partial<InstanceDashboardProps> = () => ({})): TfJson {
  return bare((s) => {
    const dashboard = new InstanceDashboard(s, "dashboard", { ...BASE, ...props, ...variables(s) });
    new TerraformOutput(s, "url", { value: dashboard.url }).overrideLogicalId("url");
    new TerraformOutput(s, "name", { value: dashboard.dashboardName }).overrideLogicalId("name");
  });
}

const bodyOf = (json: TfJson): string => onlyResource(json, "aws_cloudwatch_dashboard").dashboard_body;

/** Evaluates outputs of a synthesized stack (its variables set by `vars`) with the real engine; fails on errors. */
async function evaluate(json: TfJson, outputs: Record<string, unknown>, vars: Record<string, string> = {}): Promise<Record<string, any>> {
  const run = await applyOffline(
    { variable: json.variable, output: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value }])) },
    Object.entries(vars).map(([name, value]) => `-var=${name}=${value}`),
  );
  if (!run.ok) throw new Error(run.stderr);
  return run.outputs;
}

/** The widgets CloudWatch receives: the body as Terraform computes it. */
async function widgetsOf(json: TfJson, vars: Record<string, string> = {}): Promise<any[]> {
  return JSON.parse((await evaluate(json, { body: bodyOf(json) }, vars)).body).widgets;
}

const titled = (widgets: any[], title: string) => widgets.find((w) => w.properties?.title === title);
const overlap = (a: any, b: any) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const problemsOf = (props: Partial<InstanceDashboardProps>): readonly string[] => problemsOfCall(() => withDashboard(props));

describe("InstanceDashboard", () => {
  beforeAll(requireTerraform);

  const full = withDashboard({
    filesystems: [
      { key: "root", path: "/", fstype: "xfs" },
      { key: "data", path: "/var/lib/shop", fstype: "xfs", label: "data volume" },
    ],
    volumeIds: [{ key: "data", volumeId: "vol-0123456789abcdef0" }],
    alarmArns: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-prod-memory"],
    extraWidgets: [{ type: "metric", width: 24, properties: { title: "Requests", region: "eu-west-1", metrics: [["Shop", "Requests"]] } }],
  });
  /** Its widgets, evaluated once by Terraform for the tests that read them. */
  let fullWidgets: Promise<any[]> | undefined;
  const widgetsOfFull = () => (fullWidgets ??= widgetsOf(full));

  it("creates one dashboard named by the name prop, its body a Terraform jsonencode expression (so references resolve)", () => {
    const [id, dashboard] = resourcesOf(full, "aws_cloudwatch_dashboard")[0]!;
    expect(id).toMatch(/^dashboard_[0-9A-F]{8}$/);
    expect(dashboard.dashboard_name).toBe("shop-prod");
    expect(dashboard.count).toBeUndefined();
    expect(dashboard.dashboard_body).toMatch(/^\$\{jsonencode\(\{"widgets" = \[/);
    expect(dashboard.dashboard_body).toMatch(/\)\}$/);
  });

  it.concurrent("graphs CPU, memory, disk per filesystem, network, status checks and the EBS volumes of the instance", async () => {
    const widgets = await widgetsOfFull();
    const metricsOf = (title: string) => titled(widgets, title)?.properties.metrics;
    expect(metricsOf("CPU utilisation (%)")).toEqual([["AWS/EC2", "CPUUtilization", ...INSTANCE, { label: "CPU" }]]);
    expect(metricsOf("Memory used (%)")).toEqual([["CWAgent", "mem_used_percent", ...INSTANCE, { label: "memory" }]]);
    // The dimensions the CloudWatch agent publishes (and InstanceAlarms watches): InstanceId, path, fstype.
    expect(metricsOf("Disk used (%)")).toEqual([
      ["CWAgent", "disk_used_percent", ...INSTANCE, "path", "/", "fstype", "xfs", { label: "/" }],
      ["CWAgent", "disk_used_percent", ...INSTANCE, "path", "/var/lib/shop", "fstype", "xfs", { label: "data volume" }],
    ]);
    expect(metricsOf("Network (bytes per 5 minutes)")).toEqual([
      ["AWS/EC2", "NetworkIn", ...INSTANCE, { label: "in" }],
      ["AWS/EC2", "NetworkOut", ...INSTANCE, { label: "out" }],
    ]);
    expect(metricsOf("Status checks failed").map((m: unknown[]) => m.slice(0, 4))).toEqual([
      ["AWS/EC2", "StatusCheckFailed_System", ...INSTANCE],
      ["AWS/EC2", "StatusCheckFailed_Instance", ...INSTANCE],
    ]);
    expect(metricsOf("EBS operations (per 5 minutes)")).toEqual([
      ["AWS/EBS", "VolumeReadOps", "VolumeId", "vol-0123456789abcdef0", { label: "data read" }],
      ["AWS/EBS", "VolumeWriteOps", "VolumeId", "vol-0123456789abcdef0", { label: "data write" }],
    ]);
    expect(metricsOf("EBS queue length")).toEqual([["AWS/EBS", "VolumeQueueLength", "VolumeId", "vol-0123456789abcdef0", { label: "data" }]]);
    for (const widget of widgets.filter((w) => w.type === "metric")) expect(widget.properties.region).toBe("eu-west-1");
  });

  it.concurrent("lays every widget out on the 24-column grid without overlaps: title, alarms, graphs two per row, then the extra widgets", async () => {
    const widgets = await widgetsOfFull();
    expect(widgets.map((w) => [w.type, w.x, w.y, w.width, w.height])).toEqual([
      ["text", 0, 0, 24, 2],
      ["alarm", 0, 2, 24, 3],
      ["metric", 0, 5, 12, 6], ["metric", 12, 5, 12, 6],
      ["metric", 0, 11, 12, 6], ["metric", 12, 11, 12, 6],
      ["metric", 0, 17, 12, 6], ["metric", 12, 17, 12, 6],
      ["metric", 0, 23, 12, 6],
      ["metric", 0, 29, 24, 6],
    ]);
    expect(titled(widgets, "Requests").properties.metrics).toEqual([["Shop", "Requests"]]);
    for (const [i, a] of widgets.entries()) {
      expect(a.x + a.width).toBeLessThanOrEqual(24);
      for (const b of widgets.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
    expect(widgets[0].properties.markdown).toMatch(/^# shop-prod\nEC2 instance `i-0123456789abcdef0` in eu-west-1\. Managed by Terraform/);
  });

  it.concurrent("shows the given alarms in an alarm status widget", async () => {
    const alarm = (await widgetsOfFull()).find((w) => w.type === "alarm");
    expect(alarm.properties).toEqual({ title: "Alarms", alarms: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-prod-memory"], sortBy: "stateUpdatedTimestamp" });
  });

  it("has no alarm widget without alarmArns (or with none), and no disk or EBS graphs without filesystems or volumes", () => {
    for (const json of [withDashboard(), withDashboard({ alarmArns: [] })]) {
      const body = bodyOf(json);
      expect(body).not.toContain('"alarm"');
      expect(body).not.toContain("disk_used_percent");
      expect(body).not.toContain("AWS/EBS");
      // The graphs move up into the alarm widget's rows.
      expect(body).toContain('{"type" = "metric", "x" = 0, "y" = 2, "width" = 12, "height" = 6');
    }
  });

  it.concurrent("resolves references in the body: region, instance id and a token list of alarms, whose widget Terraform drops when the list is empty", async () => {
    const warn = vi.spyOn(console, "warn");
    const json = withDashboard({}, (s) => ({
      region: new TerraformVariable(s, "region", { type: "string" }).stringValue,
      instanceId: new TerraformVariable(s, "instance_id", { type: "string" }).stringValue,
      alarmArns: new TerraformVariable(s, "alarm_arns", { type: "list(string)" }).listValue,
    }));
    // Text mixed with references is a join(), so cdktf has no "escape sequences" warning for jsonencode(concat(...)).
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(bodyOf(json)).toContain('(length(var.alarm_arns) >= 1) ? [{"type" = "alarm"');
    expect(bodyOf(json)).toContain('"markdown" = join("", ["# shop-prod\\nEC2 instance `", var.instance_id, "` in ", var.region, ". Managed by Terraform');
    const vars = { region: "ap-southeast-2", instance_id: "i-0fedcba9876543210" };
    const [withAlarms, without] = await Promise.all([
      widgetsOf(json, { ...vars, alarm_arns: '["arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:a","arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:b"]' }),
      widgetsOf(json, { ...vars, alarm_arns: "[]" }),
    ]);
    expect(withAlarms.find((w) => w.type === "alarm").properties.alarms).toEqual(["arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:a", "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:b"]);
    expect(without.map((w) => w.type)).toEqual(["text", "metric", "metric", "metric", "metric"]);
    expect(without[0].properties.markdown).toMatch(/^# shop-prod\nEC2 instance `i-0fedcba9876543210` in ap-southeast-2\. /);
    expect(titled(without, "CPU utilisation (%)").properties).toMatchObject({ region: "ap-southeast-2", metrics: [["AWS/EC2", "CPUUtilization", "InstanceId", "i-0fedcba9876543210", { label: "CPU" }]] });
  });

  it.concurrent("keeps quotes, backslashes and template markers in titles and labels as written", async () => {
    // cdktf escapes `${` in Fn arguments itself (warning on the console each time); silence the expected warning.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    let json: TfJson;
    try {
      json = withDashboard({ title: 'Shop "prod" C:\\ 100%{x} ${y}', filesystems: [{ key: "root", path: "/", fstype: "xfs", label: 'root "/"' }] });
    } finally {
      warn.mockRestore();
    }
    const widgets = await widgetsOf(json);
    expect(widgets[0].properties.markdown.split("\n")[0]).toBe('# Shop "prod" C:\\ 100%{x} ${y}');
    expect(titled(widgets, "Disk used (%)").properties.metrics[0].at(-1)).toEqual({ label: 'root "/"' });
  });

  it.concurrent("exists per environment by a variable: count, url, name and cost follow it", async () => {
    const json = withDashboard({}, (s) => ({ enabled: new TerraformVariable(s, "dashboard_enabled", { type: "bool" }).booleanValue }));
    expect(onlyResource(json, "aws_cloudwatch_dashboard").count).toBe("${var.dashboard_enabled ? 1 : 0}");
    const outputs = { url: json.output.url.value, name: json.output.name.value, cost: json.output.cost_breakdown.value };
    const [on, off] = await Promise.all([evaluate(json, outputs, { dashboard_enabled: "true" }), evaluate(json, outputs, { dashboard_enabled: "false" })]);
    expect(on).toEqual({ url: `${CONSOLE}shop-prod`, name: "shop-prod", cost: { "dashboard-dashboard": "3.00" } });
    expect(off).toEqual({ url: "", name: "", cost: { "dashboard-dashboard": "0.00" } });
  });

  it("links the console to the dashboard resource when always on, and to nothing when off", () => {
    expect(full.output.url.value).toBe(`${CONSOLE}\${aws_cloudwatch_dashboard.dashboard_C616E8C4.dashboard_name}`);
    expect(full.output.cost_breakdown.value).toEqual({ "dashboard-dashboard": '${try(format("%.2f", 3), "unknown")}' });
    const off = withDashboard({ enabled: false });
    expect(onlyResource(off, "aws_cloudwatch_dashboard").count).toBe(0);
    expect(off.output.url.value).toBe("");
    expect(off.output.cost_breakdown.value["dashboard-dashboard"]).not.toContain("3");
  });

  it("stops synth with every problem: a name CloudWatch rejects, bad keys, an extra widget wider than the grid", () => {
    expect(
      problemsOf({
        name: "shop prod",
        filesystems: [{ key: "Root", path: "/", fstype: "xfs" }],
        volumeIds: [{ key: "data", volumeId: "vol-1" }, { key: "data", volumeId: "vol-2" }],
        extraWidgets: [{ type: "metric", width: 30 }],
      }),
    ).toEqual([
      'name "shop prod" is not a dashboard name: use 1-255 letters, digits, - and _.',
      'filesystems key "Root" must be lower-case letters, digits and dashes.',
      "volumeIds keys must be unique; repeated: data.",
      "extraWidgets[0].width 30 must be a whole number of columns, 1-24.",
    ]);
    expect(problemsOf({ name: "x".repeat(256) })).toEqual([`name "${"x".repeat(256)}" is not a dashboard name: use 1-255 letters, digits, - and _.`]);
    expect(problemsOf({ region: "Ireland", instanceId: "web-1" })).toEqual([
      'region "Ireland" is not an AWS region code, e.g. "eu-west-1".',
      'instanceId "web-1" is not an EC2 instance id (i-…).',
    ]);
  });

  it("accepts the longest name and a name known only at plan time", () => {
    expect(onlyResource(withDashboard({ name: `A_b-${"9".repeat(251)}` }), "aws_cloudwatch_dashboard").dashboard_name).toHaveLength(255);
    const json = withDashboard({}, (s) => ({ name: new TerraformVariable(s, "dashboard_name", { type: "string" }).stringValue }));
    expect(onlyResource(json, "aws_cloudwatch_dashboard").dashboard_name).toBe("${var.dashboard_name}");
  });
});
