import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { countWhen, isNonEmpty } from "../../modules/core/index.js";
import { Network } from "../../modules/network/index.js";
import { PublicLoadBalancer } from "../../modules/public-load-balancer/index.js";
import { SecurityGroup } from "../../modules/security-group/index.js";
import { ComposeHost } from "../../modules/compose-host/index.js";
import { PrivateBucket } from "../../modules/private-bucket/index.js";
import { Table } from "../../modules/table/index.js";
import { Cache } from "../../modules/cache/index.js";
import { ManagedSecret } from "../../modules/managed-secret/index.js";
import { AlertTopic } from "../../modules/alert-topic/index.js";
import { InstanceAlarms } from "../../modules/instance-alarms/index.js";
import { LoadBalancerAlarms } from "../../modules/load-balancer-alarms/index.js";
import { ALARM_USD_PER_MONTH, CUSTOM_METRIC_USD_PER_MONTH } from "../../modules/cost-estimate/index.js";
import { SystemStack, SystemStackProps } from "../base-stack.js";
import { httpsInputs, networkInputs } from "../web-variables.js";
import { loadBalancerHealthGate } from "../load-balancer-health-gate.js";
import { vectordbProfile } from "./profiles.js";
import { createVectordbVariables } from "./variables.js";
import { DATA_DIR, DATA_MOUNT, METRIC_NAMESPACE, SECRET_KEYS, vectordbApplication } from "./application.js";
import { vectordbDashboards } from "./dashboards.js";

const HEALTH_PATH = "/api/v1/health";

/**
 * The document's deployment, done the way it asks in its own best-practice section: the API, its Celery worker and
 * Flower on one EC2 instance in a private subnet behind an HTTPS load balancer; CSV files in S3, task state in
 * DynamoDB, the broker in ElastiCache Valkey over TLS, the API keys in Secrets Manager; one stack per environment.
 */
export class VectordbApiStack extends SystemStack {
  readonly host: ComposeHost;

  constructor(scope: Construct, props: SystemStackProps) {
    super(scope, {
      name: "vectordb-api",
      displayName: "VectorDB API",
      costSummary: "instance, gp3 volumes, load balancer (one LCU), NAT gateways, public IPv4 addresses, cache, alarms, agent metrics, KMS keys, secret, dashboards; not S3, DynamoDB requests, data transfer or log ingestion.",
    }, props);
    const env = props.environment;
    const profile = vectordbProfile(env);
    const v = createVectordbVariables(this, profile);
    const region = this.awsRegion.stringValue;
    const name = `vectordb-api-${env}`;
    // The document's log group names in prod; other environments add their name so they can share an account.
    const suffix = env === "prod" ? "" : `-${env}`;

    const network = new Network(this, "network", {
      name,
      region,
      accountId: this.accountId,
      ...networkInputs(v),
    });

    const loadBalancer = new PublicLoadBalancer(this, "load_balancer", {
      name,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.publicSubnetIds,
      targets: { app: { port: 8000, healthCheck: { path: HEALTH_PATH, matcher: "200" } } },
      defaultTarget: "app",
      ...httpsInputs(v, "the API"),
      // The document's proxy_read_timeout: large CSV uploads and slow answers.
      idleTimeoutSeconds: 300,
      deletionProtection: profile.protect,
    });

    const securityGroup = new SecurityGroup(this, "security_group", {
      vpcId: network.vpcId,
      namePrefix: `${name}-`,
      description: "VectorDB API instance: 8000 from the load balancer only; SSH only from ssh_allowed_cidr_blocks with a key",
      allowedSources: {},
      allowedSecurityGroups: { "load-balancer": loadBalancer.securityGroupId },
      ingressPorts: [
        { key: "api", fromPort: 8000, description: "API from the load balancer" },
        { key: "ssh", fromPort: 22, description: "SSH with the key pair", cidrList: v.sshAllowedCidrBlocks.listValue, enabled: isNonEmpty(v.keyPairName.stringValue) },
      ],
    });

    // State: the CSV files, the task table, the broker; reachable only by this instance's role and group.
    const bucket = new PrivateBucket(this, "csv_bucket", {
      bucketPrefix: `${name}-csv-`,
      forceDestroy: !profile.protect,
      noncurrentVersionExpirationDays: 7,
      lifecycleRules: [{ key: "csv-files", expirationDays: v.csvRetentionDays.numberValue }],
    });
    const table = new Table(this, "tasks", {
      name: `vectordb-tasks-${env}`,
      hashKey: { name: "task_id", type: "S" },
      deletionProtection: profile.protect,
    });
    const cache = new Cache(this, "cache", {
      name,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      allowedSecurityGroups: { app: securityGroup.id },
      nodeType: v.cacheNodeType.stringValue,
    });
    const secret = new ManagedSecret(this, "api_secrets", {
      name: `vectordb-api-secrets-${env}`,
      description: `API keys of the VectorDB API (${env}): ${SECRET_KEYS.join(", ")}`,
      value: Fn.jsonencode({
        API_KEY: v.apiKey.stringValue,
        OPENAI_API_KEY: v.openaiApiKey.stringValue,
        PINECONE_API_KEY: v.pineconeApiKey.stringValue,
        METABASE_API_KEY: v.metabaseApiKey.stringValue,
      }),
      version: v.secretsVersion.numberValue,
      region,
      partition: this.partition,
      accountId: this.accountId,
    });

    const apiLogGroup = `/aws/ec2/vectordb-api${suffix}`;
    const workerLogGroup = `/aws/ec2/vectordb-worker${suffix}`;
    this.host = new ComposeHost(this, "api", {
      name,
      appName: "vectordb-api",
      title: "VectorDB API",
      environment: this.environmentVariable.stringValue,
      region,
      partition: this.partition,
      accountId: this.accountId,
      instanceType: v.instanceType.stringValue,
      subnetId: Token.asString(Fn.element(network.privateSubnetIds, 0)),
      availabilityZone: Token.asString(Fn.element(network.availabilityZones, 0)),
      securityGroupIds: [securityGroup.id],
      // Private even in an existing subnet that hands out public addresses: only the load balancer faces the internet.
      associatePublicIp: false,
      keyPairName: v.keyPairName.stringValue,
      rootVolumeSizeGiB: v.rootVolumeSize.numberValue,
      dataVolume: { sizeGiB: v.dataVolumeSize.numberValue, mountPoint: DATA_MOUNT, directory: DATA_DIR, label: "vectordb-data" },
      secretsManagerSecrets: SECRET_KEYS.map((key) => ({ envVar: key, secretArn: secret.secretArn, jsonKey: key })),
      containerLogs: { enabled: true, groupName: apiLogGroup, retentionDays: v.logRetentionDays.numberValue, extraGroups: { worker: { groupName: workerLogGroup } } },
      ecr: { repository: v.ecrRepository.stringValue, accountId: v.awsAccountId.stringValue },
      roleDescription: "VectorDB API instance: its bucket, table, secret and log groups, Session Manager, ECR pull, metrics",
      serviceDescription: "VectorDB API (app, worker, flower) via Docker Compose",
      application: vectordbApplication({
        stackName: name,
        region,
        image: { repository: v.ecrRepository.stringValue, tag: v.imageTag.stringValue },
        appEnvironment: profile.appEnvironment,
        settings: {
          metabaseUrl: v.metabaseUrl.stringValue,
          pineconeIndexName: v.pineconeIndexName.stringValue,
          pineconeNamespace: v.pineconeNamespace.stringValue,
          chunkSize: v.chunkSize.numberValue,
          batchSize: v.batchSize.numberValue,
          maxWorkers: v.maxWorkers.numberValue,
          taskTimeout: v.taskTimeout.numberValue,
          openaiRateLimit: v.openaiRateLimit.numberValue,
        },
        tableName: table.tableName,
        bucketName: bucket.bucketName,
        redis: { host: cache.primaryEndpoint, port: cache.port, url: cache.url(0) },
      }),
    });
    const instance = this.host.instance;
    // What the application does, on these resources only (the document attaches three *FullAccess policies).
    this.host.role.addPolicy("CsvBucket", "csv-bucket", bucket.policyStatements("read-write"));
    this.host.role.addPolicy("TaskTable", "task-table", table.policyStatements("read-write"));
    this.host.role.addPolicy("ApiSecrets", "api-secrets", secret.policyStatements());
    this.host.role.addPolicy("QueueDepthMetric", "queue-depth-metric", [
      { Sid: "QueueDepth", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": METRIC_NAMESPACE } } },
    ]);
    new LbTargetGroupAttachment(this, "target", { targetGroupArn: loadBalancer.targetGroupArns.app!, targetId: instance.id, port: 8000 });

    // Alarms to an encrypted topic; the dashboards of the document.
    const monitoring = v.enableMonitoring.booleanValue;
    const alerts = new AlertTopic(this, "alerts", { name: `${name}-alerts`, partition: this.partition, accountId: this.accountId, email: v.alarmEmail.stringValue });
    const instanceAlarms = new InstanceAlarms(this, "alarms", {
      instanceId: instance.id,
      namePrefix: name,
      region,
      partition: this.partition,
      notify: alerts.topicArns,
      cpuUtilizationPercent: 80,
      memoryUsedPercent: 90,
      watchEnabled: monitoring,
      filesystems: [
        { key: "root", path: "/", fstype: "xfs" },
        { key: "data", path: DATA_MOUNT, fstype: "xfs" },
      ],
    });
    const lbAlarms = new LoadBalancerAlarms(this, "load_balancer_alarms", {
      namePrefix: name,
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      targetGroups: { app: loadBalancer.targetGroupArnSuffixes.app! },
      notify: alerts.topicArns,
      errorRatePercent: 1,
      p95ResponseSeconds: 0.5,
      enabled: monitoring,
    });
    new CloudwatchMetricAlarm(this, "queue_depth_alarm", {
      alarmName: `${name}-queue-depth`,
      alarmDescription: "More than 100 tasks waiting in Celery's queue for 15 minutes (the document's limit): the worker is behind or down.",
      namespace: METRIC_NAMESPACE,
      metricName: "QueueDepth",
      dimensions: { Stack: name },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 3,
      threshold: 100,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "breaching",
      alarmActions: alerts.topicArns,
      okActions: alerts.topicArns,
      count: countWhen(monitoring),
    });
    this.costEstimate.add({ key: "queue-depth", usd: Token.asNumber(Fn.conditional(monitoring, ALARM_USD_PER_MONTH + CUSTOM_METRIC_USD_PER_MONTH, 0)), description: "queue depth: its custom metric and alarm" });
    const dashboards = vectordbDashboards(this, {
      name,
      region,
      instanceId: instance.id,
      loadBalancer: loadBalancer.arnSuffix,
      targetGroup: loadBalancer.targetGroupArnSuffixes.app!,
      tableName: table.tableName,
      cacheId: cache.replicationGroupId,
      bucketName: bucket.bucketName,
      apiLogGroup,
      workerLogGroup,
      alarmArns: Token.asList(Fn.concat([instanceAlarms.alarmArns, lbAlarms.alarmArns])),
    });

    // Opt-in post-apply gate: /api/v1/health through the load balancer, as clients reach it.
    const gate = loadBalancerHealthGate(this, {
      loadBalancer,
      domainName: v.domainName.stringValue,
      paths: { health: HEALTH_PATH },
      enabled: v.enableHealthGate.booleanValue,
      triggers: { instance_id: instance.id },
    });

    const sessionManager = `aws ssm start-session --target ${instance.id} --region ${region}`;
    const forward = (port: number) =>
      `aws ssm start-session --target ${instance.id} --region ${region} --document-name AWS-StartPortForwardingSession --parameters '{"portNumber":["${port}"],"localPortNumber":["${port}"]}'`;
    this.output("api_url", loadBalancer.url, "The API through the load balancer (HTTPS with a domain or certificate).");
    this.output("health_url", `${loadBalancer.url}${HEALTH_PATH}`, "The document's health endpoint; answers {\"status\": \"healthy\"}.");
    this.output("load_balancer_dns_name", loadBalancer.dnsName, "DNS name of the load balancer (point a CNAME here when the stack does not manage the DNS record).");
    this.output("instance_id", instance.id, "EC2 instance id.");
    this.output("session_manager_command", sessionManager, "Shell on the instance through Session Manager.");
    this.output("flower_port_forward_command", forward(5555), "Flower on http://localhost:5555 through Session Manager (never public).");
    this.output("csv_bucket", bucket.bucketName, "S3_BUCKET_NAME: the CSV files.");
    this.output("dynamodb_table", table.tableName, "DYNAMODB_TABLE_NAME: the task table.");
    this.output("cache_endpoint", cache.primaryEndpoint, "REDIS_HOST: the Valkey primary endpoint (TLS, port 6379).");
    this.output("secret_arn", secret.secretArn, "Secrets Manager secret holding API_KEY, OPENAI_API_KEY, PINECONE_API_KEY and METABASE_API_KEY (JSON).");
    this.output("dashboard_urls", dashboards.urls, "The API, processing and infrastructure dashboards (with enable_monitoring).");
    this.output("log_groups", [apiLogGroup, workerLogGroup], "CloudWatch log groups of the API (and Flower) and of the worker.");
    this.output("aws_region", region, "Region of the deployment.");
    this.output("health_checks", { host: gate.host, checks: Fn.jsondecode(gate.checks) }, "What scripts/health-check.sh <stack> checks, and where.");
    this.output("snapshot_volume_ids", [this.host.dataVolume!.id], "Volumes scripts/destroy.sh snapshots before destroying the stack (temporary CSV files only).");
  }
}
