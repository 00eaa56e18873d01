import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { Switch } from "../../modules/core/index.js";
import { LoadBalancerAlarms } from "../../modules/load-balancer-alarms/index.js";
import { MetricAlarms } from "../../modules/metric-alarms/index.js";
import { loadBalancerWidgets, MetricDashboard } from "../../modules/metric-dashboard/index.js";
import type { PublicLoadBalancer } from "../../modules/public-load-balancer/index.js";

export interface H3PipelineMonitoringProps {
  readonly name: string;
  readonly region: string;
  /** Where the alarms notify (the encrypted topic's ARN, or none). */
  readonly notify: string[];
  /** Whether the alarms exist (the dashboard always does). */
  readonly enabled: Switch;
  readonly loadBalancer: PublicLoadBalancer;
  readonly clusterName: string;
  readonly serviceName: string;
  /** The service's fewest tasks: fewer running is an alarm. */
  readonly minTasks: number;
  readonly logGroup: string;
}

/**
 * The document's alarms (high CPU and memory, a high error rate, and latency) to the alert topic, and its
 * dashboard: ECS CPU, memory and task count; the load balancer's requests, latency and errors.
 */
export function h3PipelineMonitoring(scope: Construct, p: H3PipelineMonitoringProps): { dashboardUrl: string; alarmArns: string[] } {
  const alerts = { topicArns: p.notify };
  const lb = p.loadBalancer;
  const lbAlarms = new LoadBalancerAlarms(scope, "load_balancer_alarms", {
    namePrefix: p.name,
    loadBalancerArnSuffix: lb.arnSuffix,
    targetGroups: { app: lb.targetGroupArnSuffixes.app! },
    notify: alerts.topicArns,
    errorRatePercent: 1,
    // The document names latency without a number: 95 % of requests within a second.
    p95ResponseSeconds: 1,
    enabled: p.enabled,
  });
  const service = { ClusterName: p.clusterName, ServiceName: p.serviceName };
  const targets = { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffixes.app! };
  const serviceAlarms = new MetricAlarms(scope, "service_alarms", {
    namePrefix: p.name,
    notify: alerts.topicArns,
    enabled: p.enabled,
    alarms: {
      "tasks-cpu": {
        description: "The tasks above 85 % CPU for 15 minutes: autoscaling (70 %) is at max_tasks or cannot keep up; raise max_tasks or task_cpu.",
        namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: service, statistic: "Average", threshold: 85, comparison: "above",
      },
      "tasks-memory": {
        description: "The tasks above 90 % memory for 15 minutes: near the limit a task is killed (OutOfMemory); raise task_memory or max_tasks.",
        namespace: "AWS/ECS", metricName: "MemoryUtilization", dimensions: service, statistic: "Average", threshold: 90, comparison: "above",
      },
      // Healthy targets are the tasks that serve: free, where Container Insights' RunningTaskCount costs about $9/month.
      "healthy-tasks": {
        description: "Fewer healthy tasks than min_tasks for 10 minutes: tasks fail to start (image, secret, ClickHouse) or fail /health; see the log group.",
        namespace: "AWS/ApplicationELB", metricName: "HealthyHostCount", dimensions: targets, statistic: "Minimum", threshold: p.minTasks, comparison: "below",
        periodSeconds: 300, evaluationPeriods: 2, treatMissingData: "breaching",
      },
    },
  });
  const alarmArns = Token.asList(Fn.concat([lbAlarms.alarmArns, serviceAlarms.alarmArns]));

  const dashboard = new MetricDashboard(scope, "dashboard", {
    name: p.name,
    region: p.region,
    title: `H3 pipeline (${p.name}): ECS tasks and the load balancer`,
    widgets: [
      {
        kind: "graph",
        title: "ECS CPU and memory (%)",
        metrics: [
          { namespace: "AWS/ECS", name: "CPUUtilization", dimensions: service, label: "CPU", stat: "Average" },
          { namespace: "AWS/ECS", name: "MemoryUtilization", dimensions: service, label: "memory", stat: "Average" },
        ],
        yMin: 0,
        yMax: 100,
      },
      {
        kind: "graph",
        title: "ECS tasks serving (healthy targets)",
        metrics: [
          { namespace: "AWS/ApplicationELB", name: "HealthyHostCount", dimensions: targets, label: "healthy", stat: "Minimum" },
          { namespace: "AWS/ApplicationELB", name: "UnHealthyHostCount", dimensions: targets, label: "unhealthy", stat: "Maximum" },
        ],
      },
      ...loadBalancerWidgets({ arnSuffix: lb.arnSuffix, targets: "the tasks", responseTimeTitle: "Latency (seconds)" }),
      { kind: "alarms", title: "Alarms", alarmArns },
      { kind: "logs", title: "Application errors", logGroupNames: [p.logGroup], query: "fields @timestamp, @message | filter @logStream like /^app/ and @message like /(?i)(error|exception)/ | sort @timestamp desc | limit 50", width: 24 },
    ],
  });
  return { dashboardUrl: dashboard.url, alarmArns };
}
