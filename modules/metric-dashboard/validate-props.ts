import { IConstruct } from "constructs";
import { Token } from "cdktf";
import { isKnown, validateAll, ValidationRule } from "../core/index.js";
import { dashboardRules } from "./dashboard-resource.js";
import { GraphWidget, LogsWidget, MetricDashboardProps, MetricDashboardWidget, MetricLine } from "./props.js";

/** CloudWatch's limit of widgets per dashboard (the title included). */
const MAX_WIDGETS = 500;
const WIDTHS = [6, 8, 12, 24];
const KINDS = ["graph", "alarms", "text", "logs"];
/** GetMetricData's rule for metric ids. */
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;
const STAT = /^(Average|Sum|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$/;
const STATS = "Average, Sum, Minimum, Maximum, SampleCount or a percentile p0-p100 such as p99";
/** CloudWatch Logs' rule for log group names (which also keeps `'` out of the query's SOURCE). */
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const ALARM_ARN = /^arn:[a-z-]+:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/;

const blank = (value: string | undefined) => isKnown(value) && value.trim() === "";

/** The id of each line: its own, or `e<n>` for metric math without one (n its position, from 1). */
export function lineIds(metrics: readonly MetricLine[]): (string | undefined)[] {
  return metrics.map((line, i) => line.id ?? ("expression" in line ? `e${i + 1}` : undefined));
}

/** Checks what can be checked at synth (values that are Terraform tokens are left to AWS), reporting every problem at once. */
export function validateMetricDashboardProps(scope: IConstruct, props: MetricDashboardProps): void {
  validateAll(scope, [
    ...dashboardRules(props.name, props.region),
    { failed: props.widgets.length === 0, message: "widgets is empty: give at least one widget, e.g. { kind: \"graph\", title, metrics }." },
    {
      failed: props.widgets.length + 1 > MAX_WIDGETS,
      message: `widgets has ${props.widgets.length} widgets: CloudWatch allows ${MAX_WIDGETS} per dashboard, the title included.`,
    },
    ...props.widgets.flatMap((w, i) => widgetRules(`widgets[${i}]`, w)),
  ]);
}

function widgetRules(at: string, w: MetricDashboardWidget): ValidationRule[] {
  const kind = (w as { kind: string }).kind;
  if (!KINDS.includes(kind)) return [{ failed: true, message: `${at}.kind "${kind}" must be graph, alarms, text or logs.` }];
  return [
    ...sizeRules(at, w),
    ...(w.kind === "graph" ? graphRules(at, w) : []),
    ...(w.kind === "logs" ? logsRules(at, w) : []),
    ...(w.kind === "alarms" && !Token.isUnresolved(w.alarmArns)
      ? w.alarmArns.map((arn, j) => ({
          failed: isKnown(arn) && !ALARM_ARN.test(arn),
          message: `${at}.alarmArns[${j}] "${arn}" is not a CloudWatch alarm ARN: use arn:aws:cloudwatch:<region>:<account>:alarm:<name>, e.g. an alarm's arn attribute.`,
        }))
      : []),
    ...(w.kind === "text" ? [{ failed: blank(w.markdown), message: `${at}.markdown is empty: give the text, or leave the widget out.` }] : []),
  ];
}

function sizeRules(at: string, w: MetricDashboardWidget): ValidationRule[] {
  const { width, height } = w;
  return [
    // Positions are computed at synth, so sizes cannot wait for plan time.
    { failed: Token.isUnresolved(width), message: `${at}.width must be a number known at synth, not a Terraform expression: it places the widgets.` },
    { failed: isKnown(width) && !WIDTHS.includes(width), message: `${at}.width ${width} must be 6, 8, 12 or 24 columns (a row is 24).` },
    { failed: Token.isUnresolved(height), message: `${at}.height must be a number known at synth, not a Terraform expression: it places the widgets.` },
    { failed: isKnown(height) && !(Number.isInteger(height) && height >= 1 && height <= 1000), message: `${at}.height ${height} must be a whole number of rows, 1-1000.` },
  ];
}

function graphRules(at: string, w: GraphWidget): ValidationRule[] {
  const ids = lineIds(w.metrics);
  const repeated = ids.filter((id, i) => id !== undefined && ids.indexOf(id) !== i);
  const { period, yMin, yMax } = w;
  return [
    { failed: w.metrics.length === 0, message: `${at}.metrics is empty: give at least one line, e.g. { namespace: "AWS/EC2", name: "CPUUtilization" }.` },
    ...statRules(`${at}.stat`, w.stat),
    {
      failed: isKnown(period) && !([1, 5, 10, 30].includes(period) || (Number.isInteger(period) && period > 0 && period % 60 === 0)),
      message: `${at}.period ${period} is not a CloudWatch period: use 1, 5, 10, 30 or a multiple of 60 seconds.`,
    },
    { failed: isKnown(yMin) && isKnown(yMax) && yMin >= yMax, message: `${at}.yMin ${yMin} must be below yMax ${yMax}.` },
    { failed: w.view !== undefined && !["timeSeries", "singleValue"].includes(w.view), message: `${at}.view "${w.view}" must be timeSeries or singleValue.` },
    ...w.metrics.flatMap((line, j): ValidationRule[] => {
      const lineAt = `${at}.metrics[${j}]`;
      const idRule = { failed: isKnown(line.id) && !METRIC_ID.test(line.id), message: `${lineAt}.id "${line.id}" must start with a lower-case letter and hold only letters, digits and _.` };
      if ("expression" in line) return [{ failed: blank(line.expression), message: `${lineAt}.expression is empty: give metric math over the widget's line ids, e.g. "100 * errors / requests".` }, idRule];
      return [
        { failed: !line.namespace?.trim() || !line.name?.trim(), message: `${lineAt} needs a namespace and a name (or an expression for metric math).` },
        ...Object.keys(line.dimensions ?? {}).map((key) => ({ failed: blank(key), message: `${lineAt}.dimensions has an empty name.` })),
        ...statRules(`${lineAt}.stat`, line.stat),
        idRule,
      ];
    }),
    { failed: repeated.length > 0, message: `${at}.metrics ids must be unique in the widget; repeated: ${[...new Set(repeated)].join(", ")}.` },
  ];
}

function statRules(at: string, stat: string | undefined): ValidationRule[] {
  return [{ failed: isKnown(stat) && !STAT.test(stat), message: `${at} "${stat}" is not a CloudWatch statistic: use ${STATS}.` }];
}

function logsRules(at: string, w: LogsWidget): ValidationRule[] {
  const groups = w.logGroupNames;
  const listToken = Token.isUnresolved(groups);
  return [
    {
      failed: listToken,
      message: `${at}.logGroupNames must be a list known at synth (its names may be references): each name becomes a SOURCE of the query.`,
    },
    { failed: !listToken && groups.length === 0, message: `${at}.logGroupNames is empty: give at least one log group to query.` },
    ...(listToken ? [] : groups).map((g, j) => ({
      failed: isKnown(g) && !LOG_GROUP.test(g),
      message: `${at}.logGroupNames[${j}] "${g}" is not a log group name: use 1-512 letters, digits and . _ - / #.`,
    })),
    { failed: blank(w.query), message: `${at}.query is empty: give a Logs Insights query, e.g. "fields @timestamp, @message | sort @timestamp desc | limit 50".` },
    { failed: isKnown(w.query) && /^\s*SOURCE\b/i.test(w.query), message: `${at}.query must not start with SOURCE: the widget writes one SOURCE per entry of logGroupNames.` },
  ];
}
