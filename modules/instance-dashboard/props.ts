import { Switch } from "../core/index.js";

/** A filesystem the CloudWatch agent reports `disk_used_percent` for: one line on the disk graph. */
export interface DashboardFilesystem {
  /** Stable key (lower-case letters, digits and dashes; unique among the filesystems). */
  readonly key: string;
  /** Mount point, as the agent reports it in the `path` dimension, e.g. "/". */
  readonly path: string;
  /** Filesystem type, the `fstype` dimension (xfs on Amazon Linux 2023). */
  readonly fstype: string;
  /**
   * The line's legend.
   * @default - the path
   */
  readonly label?: string;
}

/** An EBS volume whose operations and queue length are graphed (AWS/EBS metrics, no agent needed). */
export interface DashboardVolume {
  /** Stable key (lower-case letters, digits and dashes; unique among the volumes); the default legend. */
  readonly key: string;
  /** The volume's id (`vol-…`); a Terraform reference is fine. */
  readonly volumeId: string;
  /**
   * The volume's legend.
   * @default - the key
   */
  readonly label?: string;
}

/**
 * A widget of the dashboard body as CloudWatch defines it
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
 * Strings may hold Terraform references; they are resolved by Terraform.
 */
export interface DashboardWidget {
  /** `metric`, `text`, `log`, `alarm`, `explorer`, … */
  readonly type: string;
  /** Columns, 1-24. @default 12 */
  readonly width?: number;
  /** Rows, 1-1000. @default 6 */
  readonly height?: number;
  /** Column, 0-23. @default - placed in the flow after the instance widgets */
  readonly x?: number;
  /** Row. @default - placed in the flow after the instance widgets */
  readonly y?: number;
  /** The widget's properties (metrics, title, region, markdown, …). */
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

export interface InstanceDashboardProps {
  /**
   * The dashboard's name: 1-255 letters, digits, `-` and `_` (CloudWatch's rule; checked when known at synth).
   * Dashboards are global per account, so include the environment, e.g. `myapp-prod`.
   */
  readonly name: string;
  /** Region of the instance's metrics, for every widget and the console URL; a Terraform expression is fine. */
  readonly region: string;
  /** The instance (`i-…`); a Terraform reference is fine. */
  readonly instanceId: string;
  /**
   * Filesystems graphed by `disk_used_percent`, one line each on one graph (needs the CloudWatch agent
   * publishing `CWAgent` metrics with the InstanceId, path and fstype dimensions).
   * @default [] - no disk graph
   */
  readonly filesystems?: readonly DashboardFilesystem[];
  /**
   * EBS volumes graphed by VolumeReadOps/VolumeWriteOps and VolumeQueueLength.
   * @default [] - no EBS graphs
   */
  readonly volumeIds?: readonly DashboardVolume[];
  /**
   * Alarms shown in an alarm status widget below the title, e.g. `InstanceAlarms.alarms.map((a) => a.arn)`.
   * A token list (a variable, `Fn.concat`) is fine: Terraform then leaves the widget out when the list is empty.
   * @default - no alarm widget
   */
  readonly alarmArns?: readonly string[];
  /**
   * Heading of the text widget at the top.
   * @default - the name
   */
  readonly title?: string;
  /**
   * Widgets appended after the instance widgets, e.g. the application's own metrics. Widths and heights default
   * to 12 × 6 and positions to the next free place, two widgets per row; a position given is kept.
   * @default []
   */
  readonly extraWidgets?: readonly DashboardWidget[];
  /**
   * Whether the dashboard exists. `false`/`true` give `count = 0/1`; a Terraform boolean (e.g. a variable's
   * `booleanValue`) gives `count = <bool> ? 1 : 0`, so one variable switches it per environment. When off, `url`
   * and `dashboardName` are "" and the cost item is 0.
   * @default true
   */
  readonly enabled?: Switch;
}
