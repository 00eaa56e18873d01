import { Construct } from "constructs";
import { Fn, Op, Token, Tokenization } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_dashboard
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { choose, countWhen, isKnown, ValidationRule, validateAll } from "../core/index.js";
import { CostEstimate, costKey } from "../cost-estimate/index.js";
import { DashboardWidget, InstanceDashboardProps } from "./props.js";

/** A dashboard beyond the account's first three (those are free), per month. */
export const DASHBOARD_USD_PER_MONTH = 3;

/** CloudWatch's rule for dashboard names (PutDashboard). */
const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const KEY = /^[a-z0-9][a-z0-9-]*$/;

/** The grid: 24 columns; the instance graphs are half a row wide. */
const COLUMNS = 24;
const GRAPH = { width: 12, height: 6 } as const;
const TITLE_HEIGHT = 2;
const ALARMS_HEIGHT = 3;
/** Basic EC2 monitoring reports every 5 minutes; finer periods only show gaps. */
const PERIOD = 300;

/**
 * One CloudWatch dashboard for one EC2 instance running a containerised application: CPU, memory and disk
 * (CloudWatch agent), network, status checks, EBS volumes and the instance's alarms, with room for the
 * application's own widgets. The body is a Terraform `jsonencode(...)` expression, so instance ids, volume ids,
 * the region and alarm ARNs may all be references that Terraform resolves.
 */
export class InstanceDashboard extends Construct {
  readonly resource: CloudwatchDashboard;
  /** The dashboard's name; "" when the dashboard is switched off. */
  readonly dashboardName: string;
  /** The dashboard in the CloudWatch console (commercial partition); "" when the dashboard is switched off. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: InstanceDashboardProps) {
    super(scope, id);
    const filesystems = props.filesystems ?? [];
    const volumes = props.volumeIds ?? [];
    const extraWidgets = props.extraWidgets ?? [];
    const enabled = props.enabled ?? true;
    validateAll(this, [
      {
        failed: isKnown(props.name) && !DASHBOARD_NAME.test(props.name),
        message: `name "${props.name}" is not a dashboard name: use 1-255 letters, digits, - and _.`,
      },
      { failed: isKnown(props.region) && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(props.region), message: `region "${props.region}" is not an AWS region code, e.g. "eu-west-1".` },
      { failed: isKnown(props.instanceId) && !/^i-[0-9a-f]{8,17}$/.test(props.instanceId), message: `instanceId "${props.instanceId}" is not an EC2 instance id (i-…).` },
      ...keyRules("filesystems", filesystems.map((f) => f.key)),
      ...keyRules("volumeIds", volumes.map((v) => v.key)),
      ...extraWidgets.flatMap((w, i) => [
        { failed: isKnown(w.width) && !(Number.isInteger(w.width) && w.width >= 1 && w.width <= COLUMNS), message: `extraWidgets[${i}].width ${w.width} must be a whole number of columns, 1-24.` },
        { failed: isKnown(w.height) && !(Number.isInteger(w.height) && w.height >= 1 && w.height <= 1000), message: `extraWidgets[${i}].height ${w.height} must be a whole number of rows, 1-1000.` },
      ]),
    ]);

    const region = props.region;
    const instance = ["InstanceId", props.instanceId];
    const graph = (title: string, metrics: unknown[][], options: Record<string, unknown> = {}): DashboardWidget => ({
      type: "metric",
      properties: { title, region, view: "timeSeries", stacked: false, period: PERIOD, stat: "Average", metrics, ...options },
    });
    const percent = { yAxis: { left: { min: 0, max: 100 } } };
    const fromZero = { yAxis: { left: { min: 0 } } };

    const graphs: DashboardWidget[] = [
      graph("CPU utilisation (%)", [["AWS/EC2", "CPUUtilization", ...instance, { label: "CPU" }]], percent),
      graph("Memory used (%)", [["CWAgent", "mem_used_percent", ...instance, { label: "memory" }]], percent),
      ...(filesystems.length
        ? [graph("Disk used (%)", filesystems.map((f) => ["CWAgent", "disk_used_percent", ...instance, "path", f.path, "fstype", f.fstype, { label: f.label ?? f.path }]), { ...percent, stat: "Maximum" })]
        : []),
      graph(
        "Network (bytes per 5 minutes)",
        [
          ["AWS/EC2", "NetworkIn", ...instance, { label: "in" }],
          ["AWS/EC2", "NetworkOut", ...instance, { label: "out" }],
        ],
        { ...fromZero, stat: "Sum" },
      ),
      // Status checks are reported every minute at no charge; 1 means failed.
      graph(
        "Status checks failed",
        [
          ["AWS/EC2", "StatusCheckFailed_System", ...instance, { label: "system (AWS hardware, network)" }],
          ["AWS/EC2", "StatusCheckFailed_Instance", ...instance, { label: "instance (kernel, memory, network config)" }],
        ],
        { stat: "Maximum", period: 60, yAxis: { left: { min: 0, max: 1 } } },
      ),
      ...(volumes.length
        ? [
            graph(
              "EBS operations (per 5 minutes)",
              volumes.flatMap((v) => [
                ["AWS/EBS", "VolumeReadOps", "VolumeId", v.volumeId, { label: `${v.label ?? v.key} read` }],
                ["AWS/EBS", "VolumeWriteOps", "VolumeId", v.volumeId, { label: `${v.label ?? v.key} write` }],
              ]),
              { ...fromZero, stat: "Sum" },
            ),
            graph("EBS queue length", volumes.map((v) => ["AWS/EBS", "VolumeQueueLength", "VolumeId", v.volumeId, { label: v.label ?? v.key }]), fromZero),
          ]
        : []),
    ];

    const title: DashboardWidget = {
      type: "text",
      x: 0,
      y: 0,
      width: COLUMNS,
      height: TITLE_HEIGHT,
      properties: {
        // PutDashboard's advice: say that the dashboard is generated, so nobody edits it in the console.
        markdown: `# ${props.title ?? props.name}\nEC2 instance \`${props.instanceId}\` in ${region}. Managed by Terraform: changes made in the console are lost at the next apply.`,
      },
    };
    const alarms = props.alarmArns;
    const alarmRow = alarms === undefined || (!Token.isUnresolved(alarms) && alarms.length === 0) ? 0 : ALARMS_HEIGHT;
    const alarmWidget = (arns: readonly string[]): DashboardWidget => ({
      type: "alarm",
      x: 0,
      y: TITLE_HEIGHT,
      width: COLUMNS,
      height: ALARMS_HEIGHT,
      properties: { title: "Alarms", alarms: arns, sortBy: "stateUpdatedTimestamp" },
    });

    const placed = flow([...graphs, ...extraWidgets], TITLE_HEIGHT + alarmRow).map(escapeLiterals);
    let widgets: unknown;
    if (alarmRow === 0) {
      widgets = [escapeLiterals(title), ...placed];
    } else if (Token.isUnresolved(alarms)) {
      // A token list may turn out empty at plan time, and PutDashboard rejects an alarm widget without alarms:
      // Terraform decides whether the widget is there. (Its row stays reserved either way.)
      widgets = Fn.concat([[escapeLiterals(title)], Fn.conditional(Op.gte(Fn.lengthOf(alarms), 1), [escapeLiterals(alarmWidget(alarms!))], []), placed]);
    } else {
      widgets = [escapeLiterals(title), escapeLiterals(alarmWidget(alarms!)), ...placed];
    }

    this.resource = new CloudwatchDashboard(this, "Resource", {
      count: enabled === true ? undefined : countWhen(enabled),
      dashboardName: props.name,
      // jsonencode, not JSON.stringify: references inside the body stay Terraform expressions and are resolved.
      dashboardBody: Fn.jsonencode({ widgets }),
    });

    // Always on: the resource's attribute, so whatever reads the outputs depends on the dashboard. Switched: the
    // name given, or "" (a counted resource has no plain attribute to refer to).
    const name = enabled === true ? this.resource.dashboardName : props.name;
    // The address the console shows for an open dashboard (many examples still use the older `#dashboards:name=`).
    const url = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}`;
    this.dashboardName = enabled === true ? name : choose(enabled, name, "");
    this.url = enabled === true ? url : choose(enabled, url, "");

    CostEstimate.of(this).add({
      key: costKey(this, "dashboard"),
      usd: typeof enabled === "boolean" ? (enabled ? DASHBOARD_USD_PER_MONTH : 0) : Token.asNumber(Fn.conditional(enabled, DASHBOARD_USD_PER_MONTH, 0)),
      description: "CloudWatch dashboard; the first three per account are free",
    });
  }
}

function keyRules(prop: string, keys: readonly string[]): ValidationRule[] {
  const repeated = keys.filter((k, i) => keys.indexOf(k) !== i);
  return [
    ...keys.map((k) => ({ failed: !KEY.test(k), message: `${prop} key "${k}" must be lower-case letters, digits and dashes.` })),
    { failed: repeated.length > 0, message: `${prop} keys must be unique; repeated: ${[...new Set(repeated)].join(", ")}.` },
  ];
}

/**
 * Gives each widget a place: left to right, a new row when the next one does not fit in the 24 columns, rows as
 * high as their highest widget. Sizes default to half a row by 6; a position the caller gave is kept.
 */
function flow(widgets: readonly DashboardWidget[], top: number): DashboardWidget[] {
  let x = 0;
  let y = top;
  let rowHeight = 0;
  return widgets.map((widget) => {
    const width = widget.width ?? GRAPH.width;
    const height = widget.height ?? GRAPH.height;
    if (x + width > COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const { type, properties, ...rest } = widget;
    const placed: DashboardWidget = { type, x, y, width, height, ...rest, properties };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return placed;
  });
}

/**
 * Makes every string of the body reach CloudWatch exactly as given, working around two cdktf 0.21 quirks with
 * strings inside `Fn.*` arguments:
 * - literals are written with only newlines and `${` escaped: a `"` or `\` in a title, label or extra widget would
 *   end the HCL string early, and `%{` would start a Terraform template directive; they are escaped here.
 * - a string mixing text and references (`EC2 instance ${id}`) inside a function inside another one
 *   (`jsonencode(concat(...))`, the token-list alarm case) makes cdktf print an "escape sequences" warning on every
 *   synth; such strings become `join("", ["EC2 instance ", id])`, which Terraform evaluates to the same text.
 * Keys are escaped too. `Fn.format` is no alternative: cdktf renders its `%s` as "undefined".
 */
function escapeLiterals<T>(value: T): T {
  if (typeof value === "string") return (Token.isUnresolved(value) ? joinFragments(value) : escapeText(value)) as T;
  if (Array.isArray(value)) return value.map(escapeLiterals) as T;
  if (value !== null && typeof value === "object" && !Token.isUnresolved(value)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [escapeText(k), escapeLiterals(v)])) as T;
  }
  return value;
}

/** A string holding references: itself when it is one reference, else `join("", [text, reference, …])`. */
function joinFragments(text: string): string {
  const parts: string[] = [];
  // join() hands the fragments over pairwise, literals as text and references as their token strings.
  Tokenization.reverseString(text).join({
    join: (left: string, right: string) => {
      if (left !== (parts as unknown)) parts.push(left);
      parts.push(right);
      return parts;
    },
  });
  if (parts.length === 0) return text;
  return Fn.join("", parts.filter((p) => p !== "").map((p) => (Token.isUnresolved(p) ? p : escapeText(p))));
}

function escapeText(text: string): string {
  // Replacement functions, not strings: in a replacement string "$$" means one "$".
  return text
    .replace(/\\/g, () => "\\\\")
    .replace(/"/g, () => '\\"')
    .replace(/%\{/g, () => "%%{")
    .replace(/\r/g, () => "\\r")
    .replace(/\t/g, () => "\\t");
}
