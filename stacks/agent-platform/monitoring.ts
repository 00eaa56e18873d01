import { Construct } from "constructs";
import { Fn, Op, TerraformLocal, Token } from "cdktf";
import { Switch } from "../../modules/core/index.js";
import { AlertTopic } from "../../modules/alert-topic/index.js";
import { InstanceAlarms } from "../../modules/instance-alarms/index.js";
import { LoadBalancerAlarms } from "../../modules/load-balancer-alarms/index.js";
import { MetricAlarms } from "../../modules/metric-alarms/index.js";
import { loadBalancerWidgets, MetricDashboard } from "../../modules/metric-dashboard/index.js";
import type { PublicLoadBalancer } from "../../modules/public-load-balancer/index.js";

/** Memory of the RDS classes the platform is likely to run on, GiB (RDS sizes max_connections from it). */
const DB_CLASS_MEMORY_GIB: Readonly<Record<string, number>> = {
  ...classMemory(["db.t3", "db.t4g"], { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 }),
  // General purpose: 4 GiB per vCPU; memory optimized: 8 GiB per vCPU.
  ...classMemory(["db.m5", "db.m6g", "db.m6i", "db.m7g", "db.m7i"], { large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128 }),
  ...classMemory(["db.r5", "db.r6g", "db.r6i", "db.r7g", "db.r7i"], { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256 }),
};

function classMemory(families: readonly string[], sizes: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(families.flatMap((family) => Object.entries(sizes).map(([size, gib]) => [`${family}.${size}`, gib])));
}
/**
 * RDS for PostgreSQL's default max_connections is LEAST(DBInstanceClassMemory / 9531392, 5000), and
 * DBInstanceClassMemory is somewhat below the class's memory (the OS and RDS's processes keep some): about 90 % of it
 * gives 101 connections per GiB. A class not listed here (T, M and R classes up to 8xlarge are) counts as the cap, 5000.
 */
const CONNECTIONS_PER_GIB = Math.floor((0.9 * 1024 ** 3) / 9531392);
const UNLISTED_CLASS_CONNECTIONS = 5000;

/** The database's max_connections, estimated from its class (a Terraform local: the class is a variable). */
export function databaseMaxConnections(scope: Construct, instanceClass: string): TerraformLocal {
  return new TerraformLocal(scope, "database_max_connections", Fn.lookup(
    Object.fromEntries(Object.entries(DB_CLASS_MEMORY_GIB).map(([cls, gib]) => [cls, gib * CONNECTIONS_PER_GIB])),
    instanceClass,
    UNLISTED_CLASS_CONNECTIONS,
  ));
}

export interface AgentPlatformMonitoringProps {
  readonly name: string;
  readonly region: string;
  readonly partition: string;
  readonly accountId: string;
  readonly alarmEmail: string;
  /** Whether the alarms exist (the dashboard always does). */
  readonly enabled: Switch;
  readonly loadBalancer: PublicLoadBalancer;
  /** The app servers' Auto Scaling group. */
  readonly groupName: string;
  /** The database: its identifier, allocated storage and (estimated) max_connections. */
  readonly database: { readonly identifier: string; readonly maxConnections: number; readonly allocatedStorageGiB: number };
  /** The cache's replication group id (its node's metrics are under `<id>-001`). */
  readonly cacheId: string;
  readonly chroma: { readonly instanceId: string; readonly mount: string };
  readonly logGroups: { readonly backend: string; readonly frontend: string };
}

/**
 * The document's benchmarks as alarms (p95 API response under 2 s, errors, database and cache health, unhealthy hosts)
 * on an encrypted topic, and one dashboard of them.
 */
export function agentPlatformMonitoring(scope: Construct, p: AgentPlatformMonitoringProps): { dashboardUrl: string; alarmArns: string[] } {
  const alerts = new AlertTopic(scope, "alerts", { name: `${p.name}-alerts`, partition: p.partition, accountId: p.accountId, email: p.alarmEmail });
  const lb = p.loadBalancer;
  const lbAlarms = new LoadBalancerAlarms(scope, "load_balancer_alarms", {
    namePrefix: p.name,
    loadBalancerArnSuffix: lb.arnSuffix,
    targetGroups: { frontend: lb.targetGroupArnSuffixes.frontend!, backend: lb.targetGroupArnSuffixes.backend! },
    notify: alerts.topicArns,
    errorRatePercent: 1,
    // The document's benchmark: API response time under 2 seconds at p95.
    p95ResponseSeconds: 2,
    enabled: p.enabled,
  });

  const db = { DBInstanceIdentifier: p.database.identifier };
  const cacheNode = { CacheClusterId: `${p.cacheId}-001` };
  const dataAlarms = new MetricAlarms(scope, "data_alarms", {
    namePrefix: p.name,
    notify: alerts.topicArns,
    enabled: p.enabled,
    alarms: {
      // The document's benchmark on the API alone (the load balancer's own p95 mixes in the frontend's pages).
      "api-p95": {
        description: "API (backend) responses slower than 2 s at p95 for 15 minutes: the document's benchmark is missed.",
        namespace: "AWS/ApplicationELB", metricName: "TargetResponseTime", dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffixes.backend! },
        statistic: "p95", threshold: 2, comparison: "above",
      },
      "app-cpu": {
        description: "App servers above 80 % CPU for 15 minutes: scaling is at app_max_size or cannot keep up (T instances may also be out of CPU credits).",
        namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { AutoScalingGroupName: p.groupName },
        statistic: "Average", threshold: 80, comparison: "above",
      },
      "database-cpu": {
        description: "The database above 80 % CPU for 15 minutes: slow queries (the document's 500 ms benchmark) or a class too small.",
        namespace: "AWS/RDS", metricName: "CPUUtilization", dimensions: db,
        statistic: "Average", threshold: 80, comparison: "above",
      },
      "database-free-storage": {
        description: "Less than 10 % of the allocated storage free: RDS adds storage up to db_max_allocated_storage; if this stays, it is at that ceiling.",
        namespace: "AWS/RDS", metricName: "FreeStorageSpace", dimensions: db,
        statistic: "Minimum", threshold: Token.asNumber(Op.mul(p.database.allocatedStorageGiB, 0.1 * 1024 ** 3)), comparison: "below",
      },
      "database-connections": {
        description: "Database connections above 80 % of max_connections: app servers x backend_workers x (db_pool_size + db_max_overflow) is too many for the class.",
        namespace: "AWS/RDS", metricName: "DatabaseConnections", dimensions: db,
        statistic: "Maximum", threshold: Token.asNumber(Fn.floor(Op.mul(p.database.maxConnections, 0.8))), comparison: "above",
      },
      "cache-memory": {
        description: "The cache's memory above 80 % for 15 minutes: keys are evicted (sessions, rate limits); raise cache_node_type or shorten TTLs.",
        namespace: "AWS/ElastiCache", metricName: "DatabaseMemoryUsagePercentage", dimensions: cacheNode,
        statistic: "Average", threshold: 80, comparison: "above",
      },
    },
  });
  const chromaAlarms = new InstanceAlarms(scope, "chroma_alarms", {
    instanceId: p.chroma.instanceId,
    namePrefix: `${p.name}-chroma`,
    region: p.region,
    partition: p.partition,
    notify: alerts.topicArns,
    cpuUtilizationPercent: 80,
    memoryUsedPercent: 90,
    watchEnabled: p.enabled,
    filesystems: [
      { key: "root", path: "/", fstype: "xfs" },
      { key: "data", path: p.chroma.mount, fstype: "xfs" },
    ],
  });
  const alarmArns = Token.asList(Fn.concat([lbAlarms.alarmArns, dataAlarms.alarmArns, chromaAlarms.alarmArns]));

  const dashboard = new MetricDashboard(scope, "dashboard", {
    name: p.name,
    region: p.region,
    title: `AGENT platform (${p.name}): response times, errors, servers, database, cache, vector store`,
    widgets: [
      ...loadBalancerWidgets({ arnSuffix: lb.arnSuffix, targets: "the servers", responseTimeTitle: "Response time (seconds; benchmark: p95 under 2)" }),
      {
        kind: "graph",
        title: "App servers: CPU (%) and count",
        metrics: [
          { namespace: "AWS/EC2", name: "CPUUtilization", dimensions: { AutoScalingGroupName: p.groupName }, label: "CPU", stat: "Average" },
          { namespace: "AWS/ApplicationELB", name: "HealthyHostCount", dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffixes.backend! }, label: "healthy backends", stat: "Minimum" },
        ],
      },
      {
        kind: "graph",
        title: "Database: CPU (%) and connections",
        metrics: [
          { namespace: "AWS/RDS", name: "CPUUtilization", dimensions: db, label: "CPU", stat: "Average" },
          { namespace: "AWS/RDS", name: "DatabaseConnections", dimensions: db, label: "connections", stat: "Maximum" },
        ],
      },
      {
        kind: "graph",
        title: "Database: read and write latency (seconds)",
        metrics: [
          { namespace: "AWS/RDS", name: "ReadLatency", dimensions: db, label: "read", stat: "Average" },
          { namespace: "AWS/RDS", name: "WriteLatency", dimensions: db, label: "write", stat: "Average" },
        ],
      },
      {
        kind: "graph",
        title: "Cache: memory and engine CPU (%)",
        metrics: [
          { namespace: "AWS/ElastiCache", name: "DatabaseMemoryUsagePercentage", dimensions: cacheNode, label: "memory", stat: "Average" },
          { namespace: "AWS/ElastiCache", name: "EngineCPUUtilization", dimensions: cacheNode, label: "engine CPU", stat: "Average" },
        ],
      },
      {
        kind: "graph",
        title: "ChromaDB host: CPU and memory (%)",
        metrics: [
          { namespace: "AWS/EC2", name: "CPUUtilization", dimensions: { InstanceId: p.chroma.instanceId }, label: "CPU", stat: "Average" },
          { namespace: "CWAgent", name: "mem_used_percent", dimensions: { InstanceId: p.chroma.instanceId }, label: "memory", stat: "Average" },
        ],
        yMin: 0,
        yMax: 100,
      },
      { kind: "alarms", title: "Alarms", alarmArns },
      { kind: "logs", title: "Backend errors", logGroupNames: [p.logGroups.backend], query: "fields @timestamp, @message | filter @message like /(?i)(error|exception|traceback)/ | sort @timestamp desc | limit 50", width: 24 },
    ],
  });
  return { dashboardUrl: dashboard.url, alarmArns };
}
