import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_metric_alarm
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { countWhen, isKnown, splat, Switch, validateAll } from "../core/index.js";
import { ALARM_USD_PER_MONTH, CostEstimate, costKey } from "../cost-estimate/index.js";

/** A filesystem the CloudWatch agent reports `disk_used_percent` for. */
export interface WatchedFilesystem {
  /** Stable key, part of the alarm's name and address. */
  readonly key: string;
  /** Mount point, as the agent reports it in the `path` dimension. */
  readonly path: string;
  /** Filesystem type, the `fstype` dimension (xfs on Amazon Linux 2023). */
  readonly fstype: string;
}

export interface InstanceAlarmsProps {
  readonly instanceId: string;
  /** Alarm names start with this (`myapp-prod` → `myapp-prod-system-check`). */
  readonly namePrefix: string;
  readonly region: string;
  readonly partition: string;
  /**
   * Extra actions for every alarm and its recovery, e.g. SNS topic ARNs (a token list is fine).
   * @default - none: the alarms act on the instance and show in the console only
   */
  readonly notify?: string[];
  /**
   * Filesystems whose usage raises an alarm (needs the CloudWatch agent publishing `CWAgent` metrics).
   * @default - none
   */
  readonly filesystems?: readonly WatchedFilesystem[];
  /**
   * Disk usage that raises the disk alarms, in percent.
   * @default 85
   */
  readonly diskUsedPercent?: number;
  /**
   * Memory usage that raises the memory alarm, in percent; 0 turns the memory alarm off. A number known at synth
   * (it decides whether the alarm exists).
   * @default 90
   */
  readonly memoryUsedPercent?: number;
  /**
   * Average CPU utilization over 15 minutes that raises the CPU alarm (notify only), in percent; 0 means no CPU
   * alarm. A number known at synth (it decides whether the alarm exists).
   * @default 0 - no CPU alarm
   */
  readonly cpuUtilizationPercent?: number;
  /**
   * Whether the CPU, disk and memory alarms exist (a Terraform boolean makes them `count`, so a variable switches
   * monitoring per environment). The status-check alarms, which repair the instance, always exist.
   * @default true
   */
  readonly watchEnabled?: Switch;
  /**
   * What a failed system status check does: EC2 `recover` (same instance on new hardware), or `reboot`. Spot
   * instances cannot be recovered: use `reboot` for them.
   * @default "recover"
   */
  readonly systemCheckAction?: "recover" | "reboot";
}

/**
 * Keeps one instance alive without a person: a failed *system* status check triggers EC2 recovery (same
 * instance on new hardware, same EBS volumes and IP), a failed *instance* check a reboot. Disk and memory
 * alarms (CloudWatch agent metrics) only notify: there is no automatic fix for a full disk.
 */
export class InstanceAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];
  /** ARNs of the alarms that exist (a Terraform list when watchEnabled is a token), e.g. for a dashboard's alarm widget. */
  readonly alarmArns: string[];

  constructor(scope: Construct, id: string, props: InstanceAlarmsProps) {
    super(scope, id);
    const diskUsedPercent = props.diskUsedPercent ?? 85;
    const memoryUsedPercent = props.memoryUsedPercent ?? 90;
    const cpuUtilizationPercent = props.cpuUtilizationPercent ?? 0;
    validateAll(this, [
      // Two rules, as for memoryUsedPercent: a token would print as a meaningless number such as -8.1e+298.
      { failed: isKnown(cpuUtilizationPercent) && (cpuUtilizationPercent < 0 || cpuUtilizationPercent >= 100), message: `cpuUtilizationPercent ${cpuUtilizationPercent} must be between 1 and 99, or 0 for no CPU alarm.` },
      { failed: !isKnown(cpuUtilizationPercent), message: "cpuUtilizationPercent must be a number known at synth, not a Terraform expression: it decides whether the CPU alarm exists." },
      { failed: isKnown(diskUsedPercent) && (diskUsedPercent <= 0 || diskUsedPercent >= 100), message: `diskUsedPercent ${diskUsedPercent} must be between 1 and 99.` },
      { failed: isKnown(memoryUsedPercent) && (memoryUsedPercent < 0 || memoryUsedPercent >= 100), message: `memoryUsedPercent ${memoryUsedPercent} must be between 1 and 99, or 0 for no memory alarm.` },
      { failed: !isKnown(memoryUsedPercent), message: "memoryUsedPercent must be a number known at synth, not a Terraform expression: it decides whether the memory alarm exists." },
    ]);
    const notify = props.notify ?? [];
    const withNotify = (action: string) => Fn.concat([[action], notify]);
    const automate = (action: string) => `arn:${props.partition}:automate:${props.region}:ec2:${action}`;

    // A failed status check is "1" for a minute; the action is EC2's own (recover or reboot), then notify.
    const statusCheck = (id: string, metricName: string, suffix: string, action: "recover" | "reboot", evaluationPeriods: number, description: string) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${props.namePrefix}-${suffix}`,
        alarmDescription: description,
        namespace: "AWS/EC2",
        metricName,
        dimensions: { InstanceId: props.instanceId },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        alarmActions: withNotify(automate(action)),
        okActions: notify,
      });
    const statusChecks = [
      (props.systemCheckAction ?? "recover") === "recover"
        ? statusCheck("SystemCheck", "StatusCheckFailed_System", "system-check", "recover", 2, "System status check failed (AWS hardware or network): recovering the instance onto new hardware.")
        : statusCheck("SystemCheck", "StatusCheckFailed_System", "system-check", "reboot", 2, "System status check failed (AWS hardware or network): rebooting (a spot instance cannot be recovered)."),
      statusCheck("InstanceCheck", "StatusCheckFailed_Instance", "instance-check", "reboot", 3, "Instance status check failed (kernel, memory exhaustion, network config): rebooting."),
    ];

    // The rest only notify (there is no automatic fix for a full disk or a busy CPU). No data means the agent or the
    // instance is down, not a full disk: they do not page for it.
    const watchAlarm = (id: string, suffix: string, description: string, metric: { namespace: string; metricName: string; dimensions: Record<string, string>; statistic: string; period: number; evaluationPeriods: number; threshold: number }) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${props.namePrefix}-${suffix}`,
        alarmDescription: description,
        ...metric,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
        alarmActions: notify,
        okActions: notify,
      });
    const watching = [
      ...(props.filesystems ?? []).map((fs) =>
        watchAlarm(`Disk-${fs.key}`, `disk-${fs.key}`, `${fs.path} is over ${diskUsedPercent}% full.`, {
          namespace: "CWAgent", metricName: "disk_used_percent", dimensions: { InstanceId: props.instanceId, path: fs.path, fstype: fs.fstype },
          statistic: "Maximum", period: 300, evaluationPeriods: 2, threshold: diskUsedPercent,
        }),
      ),
      ...(cpuUtilizationPercent > 0
        ? [watchAlarm("Cpu", "cpu", `CPU use is over ${cpuUtilizationPercent}% for 15 minutes (a larger instance type, or find the expensive work).`, {
            namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { InstanceId: props.instanceId },
            statistic: "Average", period: 300, evaluationPeriods: 3, threshold: cpuUtilizationPercent,
          })]
        : []),
      ...(memoryUsedPercent > 0
        ? [watchAlarm("Memory", "memory", `Memory use is over ${memoryUsedPercent}% (containers are near their limits; swap in use).`, {
            namespace: "CWAgent", metricName: "mem_used_percent", dimensions: { InstanceId: props.instanceId },
            statistic: "Average", period: 300, evaluationPeriods: 3, threshold: memoryUsedPercent,
          })]
        : []),
    ];
    this.alarms.push(...statusChecks, ...watching);

    const watch = props.watchEnabled ?? true;
    if (watch !== true) for (const alarm of watching) alarm.count = countWhen(watch);
    this.alarmArns =
      watch === true || watching.length === 0
        ? this.alarms.map((a) => a.arn)
        : Token.asList(Fn.concat([statusChecks.map((a) => a.arn), ...watching.map((a) => splat(a, "arn"))]));
    const count = this.alarms.length;
    const usd = (n: number) => Math.round(n * ALARM_USD_PER_MONTH * 100) / 100;
    CostEstimate.of(this).add({
      key: costKey(this, "alarms"),
      usd: typeof watch === "boolean" || watching.length === 0 ? usd(watch === false ? statusChecks.length : count) : Token.asNumber(Fn.conditional(watch, usd(count), usd(statusChecks.length))),
      description: watch === true ? `${count} CloudWatch alarms` : `CloudWatch alarms: ${statusChecks.length} status checks, ${watching.length} more when monitoring is on`,
    });
  }
}
