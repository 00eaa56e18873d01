import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_dashboard
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { isKnown, ValidationRule, validateAll } from "../core/index.js";
import { COLUMNS, createDashboardResource, dashboardRules, escapeLiterals, flow } from "../metric-dashboard/index.js";
import { DashboardWidget, InstanceDashboardProps } from "./props.js";

export { DASHBOARD_USD_PER_MONTH } from "../metric-dashboard/index.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;

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
      ...dashboardRules(props.name, props.region),
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

    // flow's default size, 12 × 6: the instance graphs two per row.
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

    const dashboard = createDashboardResource(this, { name: props.name, region, enabled, widgets });
    this.resource = dashboard.resource;
    this.dashboardName = dashboard.dashboardName;
    this.url = dashboard.url;
  }
}

function keyRules(prop: string, keys: readonly string[]): ValidationRule[] {
  const repeated = keys.filter((k, i) => keys.indexOf(k) !== i);
  return [
    ...keys.map((k) => ({ failed: !KEY.test(k), message: `${prop} key "${k}" must be lower-case letters, digits and dashes.` })),
    { failed: repeated.length > 0, message: `${prop} keys must be unique; repeated: ${[...new Set(repeated)].join(", ")}.` },
  ];
}
