import { Construct } from "constructs";
import { loadBalancerMetric, loadBalancerWidgets, MetricDashboard } from "../../modules/metric-dashboard/index.js";
import { METRIC_NAMESPACE } from "./application.js";

export interface VectordbDashboardsProps {
  readonly name: string;
  readonly region: string;
  readonly instanceId: string;
  /** CloudWatch dimension values: the load balancer's and target group's ARN suffixes. */
  readonly loadBalancer: string;
  readonly targetGroup: string;
  readonly tableName: string;
  /** The replication group id (ElastiCache metrics are per node: `<id>-001`). */
  readonly cacheId: string;
  readonly bucketName: string;
  readonly apiLogGroup: string;
  readonly workerLogGroup: string;
  readonly alarmArns: string[];
}

/** The document's three dashboards: API, processing, infrastructure. */
export function vectordbDashboards(scope: Construct, p: VectordbDashboardsProps): { urls: string[] } {
  const api = new MetricDashboard(scope, "api_dashboard", {
    name: `${p.name}-api`,
    region: p.region,
    title: `VectorDB API (${p.name}): requests, response times, errors, connections`,
    widgets: [
      ...loadBalancerWidgets({ arnSuffix: p.loadBalancer, targets: "the API" }),
      { kind: "graph", title: "Active connections", metrics: [loadBalancerMetric(p.loadBalancer, "ActiveConnectionCount", "connections")] },
      { kind: "alarms", title: "Alarms", alarmArns: p.alarmArns },
    ],
  });
  const processing = new MetricDashboard(scope, "processing_dashboard", {
    name: `${p.name}-processing`,
    region: p.region,
    title: `VectorDB processing (${p.name}): queue depth, tasks, failures`,
    widgets: [
      { kind: "graph", title: "Celery queue depth (tasks waiting)", metrics: [{ namespace: METRIC_NAMESPACE, name: "QueueDepth", dimensions: { Stack: p.name }, label: "queue", stat: "Maximum" }], period: 60 },
      {
        kind: "graph",
        title: "Task table writes and reads",
        metrics: [
          { namespace: "AWS/DynamoDB", name: "ConsumedWriteCapacityUnits", dimensions: { TableName: p.tableName }, label: "writes", stat: "Sum" },
          { namespace: "AWS/DynamoDB", name: "ConsumedReadCapacityUnits", dimensions: { TableName: p.tableName }, label: "reads", stat: "Sum" },
        ],
      },
      { kind: "logs", title: "Failed tasks (worker log)", logGroupNames: [p.workerLogGroup], query: "fields @timestamp, @message | filter @message like /(?i)(failed|error|timeout)/ | sort @timestamp desc | limit 50", width: 24 },
    ],
  });
  const infrastructure = new MetricDashboard(scope, "infrastructure_dashboard", {
    name: `${p.name}-infrastructure`,
    region: p.region,
    title: `VectorDB infrastructure (${p.name}): EC2, Valkey, DynamoDB, S3`,
    widgets: [
      { kind: "graph", title: "EC2 CPU (%)", metrics: [{ namespace: "AWS/EC2", name: "CPUUtilization", dimensions: { InstanceId: p.instanceId }, label: "CPU", stat: "Average" }], yMin: 0, yMax: 100 },
      { kind: "graph", title: "EC2 memory (%)", metrics: [{ namespace: "CWAgent", name: "mem_used_percent", dimensions: { InstanceId: p.instanceId }, label: "memory", stat: "Average" }], yMin: 0, yMax: 100 },
      {
        kind: "graph",
        title: "Valkey CPU and memory (%)",
        metrics: [
          { namespace: "AWS/ElastiCache", name: "EngineCPUUtilization", dimensions: { CacheClusterId: `${p.cacheId}-001` }, label: "engine CPU", stat: "Average" },
          { namespace: "AWS/ElastiCache", name: "DatabaseMemoryUsagePercentage", dimensions: { CacheClusterId: `${p.cacheId}-001` }, label: "memory", stat: "Average" },
        ],
      },
      { kind: "graph", title: "Valkey connections", metrics: [{ namespace: "AWS/ElastiCache", name: "CurrConnections", dimensions: { CacheClusterId: `${p.cacheId}-001` }, label: "connections", stat: "Maximum" }] },
      { kind: "graph", title: "DynamoDB throttles", metrics: [{ namespace: "AWS/DynamoDB", name: "ThrottledRequests", dimensions: { TableName: p.tableName }, label: "throttled", stat: "Sum" }] },
      { kind: "graph", title: "S3 objects (daily)", metrics: [{ namespace: "AWS/S3", name: "NumberOfObjects", dimensions: { BucketName: p.bucketName, StorageType: "AllStorageTypes" }, label: "objects", stat: "Average" }], period: 86400 },
      { kind: "logs", title: "API errors (API log)", logGroupNames: [p.apiLogGroup], query: "fields @timestamp, @message | filter @message like /(?i)error/ | sort @timestamp desc | limit 50", width: 24 },
    ],
  });
  return { urls: [api.url, processing.url, infrastructure.url] };
}
