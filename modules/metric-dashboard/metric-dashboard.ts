import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_dashboard
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { COLUMNS, escapeLiterals, flow, GridWidget } from "./dashboard-body.js";
import { createDashboardResource } from "./dashboard-resource.js";
import { GraphWidget, LogsWidget, MetricDashboardProps, MetricDashboardWidget, MetricLine, WIDGET_DEFAULTS } from "./props.js";
import { lineIds, validateMetricDashboardProps } from "./validate-props.js";

const TITLE_HEIGHT = 2;

/**
 * A CloudWatch dashboard described as data: graphs of any metrics (with metric math), alarm states, Logs Insights
 * queries and notes, laid out left to right in rows of the 24-column grid below a title. A system with several
 * dashboards (its API, its processing, its infrastructure) creates one each. The body is a Terraform
 * `jsonencode(...)` expression, so dimension values, log group names, alarm ARNs and the region may all be
 * references that Terraform resolves.
 */
export class MetricDashboard extends Construct {
  readonly resource: CloudwatchDashboard;
  /** The dashboard's name; "" when the dashboard is switched off. */
  readonly dashboardName: string;
  /** The dashboard in the CloudWatch console (commercial partition); "" when the dashboard is switched off. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: MetricDashboardProps) {
    super(scope, id);
    validateMetricDashboardProps(this, props);
    const region = props.region;

    // PutDashboard rejects an alarm widget without alarms: an empty list has none, and one known only at plan
    // time is left to Terraform (its place stays reserved).
    const shown = props.widgets.filter((w) => !(w.kind === "alarms" && !Token.isUnresolved(w.alarmArns) && w.alarmArns.length === 0));
    const placed = flow(shown.map((w) => toCloudWatch(w, region)), TITLE_HEIGHT).map(escapeLiterals);
    const title = escapeLiterals<GridWidget>({
      type: "text",
      x: 0,
      y: 0,
      width: COLUMNS,
      height: TITLE_HEIGHT,
      // PutDashboard's advice: say that the dashboard is generated, so nobody edits it in the console.
      properties: { markdown: `# ${props.title ?? props.name}\nManaged by Terraform: changes made in the console are lost at the next apply.` },
    });

    let widgets: unknown = [title, ...placed];
    const planTimeAlarms = shown.map((w) => (w.kind === "alarms" && Token.isUnresolved(w.alarmArns) ? w.alarmArns : undefined));
    if (planTimeAlarms.some((arns) => arns !== undefined)) {
      const lists: unknown[] = [];
      let run: unknown[] = [title];
      placed.forEach((widget, i) => {
        const arns = planTimeAlarms[i];
        if (arns === undefined) {
          run.push(widget);
          return;
        }
        lists.push(run, Fn.conditional(Op.gte(Fn.lengthOf(arns), 1), [widget], []));
        run = [];
      });
      widgets = Fn.concat([...lists, run].filter((list) => !Array.isArray(list) || list.length > 0));
    }

    const dashboard = createDashboardResource(this, { name: props.name, region, enabled: props.enabled ?? true, widgets });
    this.resource = dashboard.resource;
    this.dashboardName = dashboard.dashboardName;
    this.url = dashboard.url;
  }
}

/** The widget as CloudWatch defines it, sized but not yet placed. */
function toCloudWatch(w: MetricDashboardWidget, region: string): GridWidget {
  const size = { width: w.width ?? WIDGET_DEFAULTS[w.kind].width, height: w.height ?? WIDGET_DEFAULTS[w.kind].height };
  switch (w.kind) {
    case "graph":
      return { type: "metric", ...size, properties: graphProperties(w, region) };
    case "alarms":
      return { type: "alarm", ...size, properties: { title: w.title, alarms: w.alarmArns, sortBy: "stateUpdatedTimestamp" } };
    case "text":
      return { type: "text", ...size, properties: { markdown: w.markdown } };
    case "logs":
      return { type: "log", ...size, properties: { title: w.title, region, query: logsQuery(w), view: "table" } };
  }
}

function graphProperties(w: GraphWidget, region: string): Record<string, unknown> {
  const d = WIDGET_DEFAULTS.graph;
  const view = w.view ?? d.view;
  return {
    title: w.title,
    region,
    view,
    stacked: view === "timeSeries" ? false : undefined,
    period: w.period ?? d.period,
    stat: w.stat ?? d.stat,
    metrics: metricArrays(w.metrics),
    // undefined ends are left out of the body (escapeLiterals), so CloudWatch scales that end from the data.
    yAxis: w.yMin === undefined && w.yMax === undefined ? undefined : { left: { min: w.yMin, max: w.yMax } },
  };
}

/** The lines in CloudWatch's format: `[namespace, name, dim, value, …, { options }]` or `[{ expression, label, id }]`. */
function metricArrays(metrics: readonly MetricLine[]): unknown[][] {
  const ids = lineIds(metrics);
  return metrics.map((line, i) => {
    if ("expression" in line) return [{ expression: line.expression, label: line.label, id: ids[i] }];
    const options = Object.fromEntries(Object.entries({ label: line.label, stat: line.stat, id: line.id, visible: line.visible }).filter(([, v]) => v !== undefined));
    return [line.namespace, line.name, ...Object.entries(line.dimensions ?? {}).flat(), ...(Object.keys(options).length > 0 ? [options] : [])];
  });
}

/** Logs Insights as the dashboard body expects it: `SOURCE '<group>' | SOURCE '<other>' | <query>`. */
function logsQuery(w: LogsWidget): string {
  return [...w.logGroupNames.map((group) => `SOURCE '${group}'`), w.query].join(" | ");
}
