import { Switch } from "../core/index.js";

/**
 * A CloudWatch statistic: `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, or a percentile `p0`-`p100`
 * (up to two decimals, e.g. `p99.9`).
 */
export type MetricStat = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount" | `p${number}`;

/** Columns a widget spans; each divides the 24-column row, so rows fill evenly. */
export type WidgetWidth = 6 | 8 | 12 | 24;

/** One metric on a graph: `[namespace, name, dimension, value, …, { label, stat, id, visible }]` in the body. */
export interface MetricSeries {
  /** The metric's namespace, e.g. "AWS/ApplicationELB", or an application's own. */
  readonly namespace: string;
  /** The metric's name, e.g. "RequestCount". */
  readonly name: string;
  /**
   * The metric's dimensions, in the order given; values may be Terraform references (a load balancer's
   * `arnSuffix`, an instance id).
   * @default {} - a metric without dimensions
   */
  readonly dimensions?: Readonly<Record<string, string>>;
  /**
   * The line's legend.
   * @default - CloudWatch's label (namespace, name and dimensions)
   */
  readonly label?: string;
  /**
   * The statistic of this line.
   * @default - the widget's stat
   */
  readonly stat?: MetricStat;
  /**
   * The id metric math refers to: a lower-case letter, then letters, digits and `_`; unique in the widget.
   * @default - none (metric math cannot refer to the line)
   */
  readonly id?: string;
  /**
   * Whether the line is drawn; `false` for a metric that is only an input of metric math.
   * @default true
   */
  readonly visible?: boolean;
}

/** A metric math line: `[{ expression, label, id }]` in the body, e.g. `100 * errors / requests`. */
export interface MetricMath {
  /** The metric math expression, referring to other lines of the widget by their `id`. */
  readonly expression: string;
  /** The line's legend. */
  readonly label: string;
  /**
   * The line's id: a lower-case letter, then letters, digits and `_`; unique in the widget.
   * @default "e<n>" - n is the line's position in `metrics`, from 1
   */
  readonly id?: string;
}

/** A line of a graph: a metric, or metric math over the widget's other lines. */
export type MetricLine = MetricSeries | MetricMath;

/** Size on the grid, common to every widget. */
interface WidgetSize {
  /**
   * Columns: 6, 8, 12 or 24 of the 24-column grid.
   * @default - 12 for a graph, 24 for alarms, text and logs
   */
  readonly width?: WidgetWidth;
  /**
   * Rows, a whole number 1-1000.
   * @default - 6 for a graph or logs, 3 for alarms or text
   */
  readonly height?: number;
}

/** A metric graph (CloudWatch `metric` widget). */
export interface GraphWidget extends WidgetSize {
  readonly kind: "graph";
  readonly title: string;
  /** The lines, at least one. */
  readonly metrics: readonly MetricLine[];
  /**
   * The statistic of every line that has none of its own.
   * @default "Average"
   */
  readonly stat?: MetricStat;
  /**
   * Seconds per data point: 1, 5, 10, 30 (high-resolution metrics) or a multiple of 60.
   * @default 300 - basic monitoring's period
   */
  readonly period?: number;
  /**
   * The left y axis' lower end.
   * @default - chosen by CloudWatch from the data
   */
  readonly yMin?: number;
  /**
   * The left y axis' upper end (above yMin).
   * @default - chosen by CloudWatch from the data
   */
  readonly yMax?: number;
  /**
   * `timeSeries` draws lines over time; `singleValue` shows each line's latest value.
   * @default "timeSeries"
   */
  readonly view?: "timeSeries" | "singleValue";
}

/** The state of alarms (CloudWatch `alarm` widget). */
export interface AlarmsWidget extends WidgetSize {
  readonly kind: "alarms";
  readonly title: string;
  /**
   * The alarms' ARNs (elements may be references). An empty list leaves the widget out; a Terraform list
   * (e.g. a variable's `listValue`) leaves it out at plan time when it turns out empty, its place kept.
   */
  readonly alarmArns: readonly string[];
}

/** Markdown (CloudWatch `text` widget): notes, links to runbooks. */
export interface TextWidget extends WidgetSize {
  readonly kind: "text";
  readonly markdown: string;
}

/** A CloudWatch Logs Insights query (CloudWatch `log` widget), shown as a table. */
export interface LogsWidget extends WidgetSize {
  readonly kind: "logs";
  readonly title: string;
  /** The log groups queried, at least one (names may be references); each becomes a `SOURCE '<group>'`. */
  readonly logGroupNames: readonly string[];
  /** The query after the sources, e.g. `fields @timestamp, @message | filter @message like /ERROR/ | limit 50`. */
  readonly query: string;
}

/** One widget of a {@link MetricDashboard}. */
export type MetricDashboardWidget = GraphWidget | AlarmsWidget | TextWidget | LogsWidget;

export interface MetricDashboardProps {
  /**
   * The dashboard's name: 1-255 letters, digits, `-` and `_` (CloudWatch's rule; checked when known at synth).
   * Dashboards are global per account, so include the system and environment, e.g. `shop-api-prod`.
   */
  readonly name: string;
  /** Region of the metrics and log groups, for every widget and the console URL; a Terraform expression is fine. */
  readonly region: string;
  /**
   * Heading of the text widget at the top (which also says that Terraform manages the dashboard).
   * @default - the name
   */
  readonly title?: string;
  /**
   * The widgets, in order: left to right in rows of 24 columns, a new row when the next one does not fit, each
   * row as high as its highest widget. At least one; with the title at most 500 (CloudWatch's limit).
   */
  readonly widgets: readonly MetricDashboardWidget[];
  /**
   * Whether the dashboard exists. `false`/`true` give `count = 0/1`; a Terraform boolean (e.g. a variable's
   * `booleanValue`) gives `count = <bool> ? 1 : 0`, so one variable switches it per environment. When off, `url`
   * and `dashboardName` are "" and the cost item is 0.
   * @default true
   */
  readonly enabled?: Switch;
}

/** What a widget left out gets: one place that says every default. */
export const WIDGET_DEFAULTS = {
  graph: { width: 12, height: 6, stat: "Average", period: 300, view: "timeSeries" },
  alarms: { width: 24, height: 3 },
  text: { width: 24, height: 3 },
  logs: { width: 24, height: 6 },
} as const;
