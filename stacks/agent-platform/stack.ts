import { Construct } from "constructs";
import { dependable, Fn, Op, Token } from "cdktf";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { choose, isNonEmpty } from "../../modules/core/index.js";
import { Network } from "../../modules/network/index.js";
import { PublicLoadBalancer } from "../../modules/public-load-balancer/index.js";
import { SecurityGroup } from "../../modules/security-group/index.js";
import { AutoScalingHosts } from "../../modules/auto-scaling-host/index.js";
import { ComposeHost } from "../../modules/compose-host/index.js";
import { Database } from "../../modules/database/index.js";
import { Cache } from "../../modules/cache/index.js";
import { PrivateBucket } from "../../modules/private-bucket/index.js";
import { ContainerRegistry } from "../../modules/container-registry/index.js";
import { VolumeSnapshots } from "../../modules/volume-snapshots/index.js";
import { Budget } from "../../modules/budget/index.js";
import { SystemStack, SystemStackProps } from "../base-stack.js";
import { httpsInputs, networkInputs } from "../web-variables.js";
import { loadBalancerHealthGate } from "../load-balancer-health-gate.js";
import { agentPlatformProfile } from "./profiles.js";
import { createAgentPlatformVariables } from "./variables.js";
import { appServerApplication, BACKEND_PORT, CHROMA_DATA_DIR, CHROMA_MOUNT, CHROMA_PORT, FRONTEND_PORT, vectorStoreApplication } from "./application.js";
import { agentPlatformMonitoring, databaseMaxConnections } from "./monitoring.js";
import { documentCost } from "./cost.js";

/** A private hosted zone per month (us-east-1 list price). */
const PRIVATE_ZONE_USD_PER_MONTH = 0.5;
/** Tag of the vector store's data volume that its daily snapshot policy selects. */
const SNAPSHOT_TAG_KEY = "agent-platform:snapshot-policy";

/**
 * The document's target state, with the load balancer in front instead of Nginx on a box: the FastAPI backend and
 * the Next.js frontend on an Auto Scaling group of app servers in private subnets behind an HTTPS load balancer
 * (/api/* to the backend); RDS PostgreSQL, ElastiCache (Valkey) and ChromaDB in server mode on its own host; uploads
 * in S3; alarms on the document's benchmarks, a dashboard and a $500 budget. dev is the document's Option A (one
 * larger server), prod its Option B (two t3.large and more as load asks).
 */
export class AgentPlatformStack extends SystemStack {
  constructor(scope: Construct, props: SystemStackProps) {
    super(scope, {
      name: "agent-platform",
      displayName: "AGENT platform",
      costSummary:
        "app servers at their minimum count, gp3 volumes, database instance and storage, cache, the ChromaDB host and its volume, load balancer (one LCU), NAT gateways, public IPv4 addresses, alarms, agent metrics, KMS keys, dashboard, the document's allowances for uploads and data transfer; not scaling above the minimum, log ingestion, snapshots beyond the first or request charges.",
    }, props);
    const env = props.environment;
    const profile = agentPlatformProfile(env);
    const v = createAgentPlatformVariables(this, profile);
    const region = this.awsRegion.stringValue;
    const name = `agent-platform-${env}`;

    const network = new Network(this, "network", {
      name,
      region,
      accountId: this.accountId,
      ...networkInputs(v),
    });

    // HTTPS at the load balancer (the document's Nginx and Let's Encrypt on the box): /api/* to the backend, the rest
    // to the frontend, on every app server.
    const loadBalancer = new PublicLoadBalancer(this, "load_balancer", {
      name,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.publicSubnetIds,
      targets: {
        frontend: { port: FRONTEND_PORT, healthCheck: { path: v.frontendHealthPath.stringValue, matcher: "200" } },
        backend: { port: BACKEND_PORT, healthCheck: { path: v.backendHealthPath.stringValue, matcher: "200" } },
      },
      defaultTarget: "frontend",
      rules: { api: { priority: 10, pathPatterns: ["/api", "/api/*"], target: "backend" } },
      ...httpsInputs(v, "the platform"),
      // Chat answers from a model may take a while to stream.
      idleTimeoutSeconds: 120,
      deletionProtection: profile.protect,
    });

    const appGroup = new SecurityGroup(this, "app_security_group", {
      vpcId: network.vpcId,
      namePrefix: `${name}-app-`,
      description: "AGENT platform app servers: backend 8000 and frontend 3000 from the load balancer only",
      allowedSources: {},
      allowedSecurityGroups: { "load-balancer": loadBalancer.securityGroupId },
      ingressPorts: [
        { key: "backend", fromPort: BACKEND_PORT, description: "Backend (FastAPI) from the load balancer" },
        { key: "frontend", fromPort: FRONTEND_PORT, description: "Frontend (Next.js) from the load balancer" },
      ],
    });

    // State: reachable only from the app servers' security group, encrypted, backed up.
    const database = new Database(this, "database", {
      name,
      engineVersion: v.dbEngineVersion.stringValue,
      instanceClass: v.dbInstanceClass.stringValue,
      allocatedStorageGiB: v.dbAllocatedStorage.numberValue,
      maxAllocatedStorageGiB: v.dbMaxAllocatedStorage.numberValue,
      multiAz: v.dbMultiAz.booleanValue,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      allowedSecurityGroups: { app: appGroup.id },
      databaseName: v.dbName.stringValue,
      masterUsername: v.dbUsername.stringValue,
      backupRetentionDays: v.dbBackupRetentionDays.numberValue,
      deletionProtection: profile.protect,
      finalSnapshot: profile.protect,
      // RDS rotates the password: on Sunday at 04:00 UTC, after the backup window, the app servers follow within minutes.
      masterPasswordRotation: { scheduleExpression: "cron(0 4 ? * SUN *)", duration: "1h" },
    });
    const cache = new Cache(this, "cache", {
      name,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      allowedSecurityGroups: { app: appGroup.id },
      nodeType: v.cacheNodeType.stringValue,
    });
    const uploads = new PrivateBucket(this, "uploads", {
      bucketPrefix: `${name}-uploads-`,
      forceDestroy: !profile.protect,
      noncurrentVersionExpirationDays: 30,
      lifecycleRules: [{ key: "old-uploads", transition: { days: v.uploadsGlacierDays.numberValue, storageClass: "GLACIER_IR" } }],
      // The document's allowance: about 100 GB of uploads.
      costedSizeGiB: 100,
    });
    const repositories = { backend: `${name}/backend`, frontend: `${name}/frontend` };
    const registry = new ContainerRegistry(this, "images", {
      repositories: { backend: { name: repositories.backend }, frontend: { name: repositories.frontend } },
      keepImages: v.keepImages.numberValue,
      forceDelete: !profile.protect,
    });

    // The vector store: ChromaDB in server mode on a host of its own, its data on a volume that outlives the instance.
    const chromaGroup = new SecurityGroup(this, "chroma_security_group", {
      vpcId: network.vpcId,
      namePrefix: `${name}-chroma-`,
      description: "AGENT platform ChromaDB host: 8000 from the app servers only",
      allowedSources: {},
      allowedSecurityGroups: { app: appGroup.id },
      ingressPorts: [{ key: "chroma", fromPort: CHROMA_PORT, description: "ChromaDB from the app servers" }],
    });
    const chroma = new ComposeHost(this, "chroma", {
      name: `${name}-chroma`,
      appName: "vector-store",
      title: "AGENT platform ChromaDB",
      environment: this.environmentVariable.stringValue,
      region,
      partition: this.partition,
      accountId: this.accountId,
      instanceType: v.chromaInstanceType.stringValue,
      subnetId: Token.asString(Fn.element(network.privateSubnetIds, 0)),
      availabilityZone: Token.asString(Fn.element(network.availabilityZones, 0)),
      securityGroupIds: [chromaGroup.id],
      associatePublicIp: false,
      dataVolume: {
        sizeGiB: v.chromaVolumeSize.numberValue,
        mountPoint: CHROMA_MOUNT,
        directory: CHROMA_DATA_DIR,
        label: "vector-store",
        snapshotTag: { key: SNAPSHOT_TAG_KEY, value: `${name}-chroma-data` },
        growOnStart: true,
      },
      containerLogs: { enabled: true, groupName: `/agent-platform/${env}/chroma`, retentionDays: v.logRetentionDays.numberValue },
      roleDescription: "AGENT platform ChromaDB host: Session Manager, its log group, metrics",
      serviceDescription: "ChromaDB server via Docker Compose",
      application: vectorStoreApplication(),
    });
    // A stable name for it inside the VPC: a replaced host gets a new address, and the app servers keep the name.
    const privateZone = new Route53Zone(this, "private_zone", {
      name: `${name}.internal`,
      comment: "Names of the AGENT platform's hosts, inside the VPC only",
      vpc: [{ vpcId: network.vpcId }],
      forceDestroy: true,
    });
    const chromaName = `chroma.${name}.internal`;
    new Route53Record(this, "chroma_record", { zoneId: privateZone.zoneId, name: chromaName, type: "A", ttl: 60, records: [chroma.instance.privateIp] });
    this.costEstimate.add({ key: "private-zone", usd: PRIVATE_ZONE_USD_PER_MONTH, description: "the private hosted zone of the hosts' names" });
    const snapshots = new VolumeSnapshots(this, "chroma_snapshots", {
      name: `${name}-chroma`,
      partition: this.partition,
      targetTag: { key: SNAPSHOT_TAG_KEY, value: `${name}-chroma-data` },
      retainCount: 7,
      kmsKeyArns: chroma.dataKey ? [chroma.dataKey.arn] : [],
      costedSizeGiB: v.chromaVolumeSize.numberValue,
    });

    // The app servers: identical, stateless, replaced by an instance refresh whenever the launch template changes
    // (a new image_tag, setting or AMI).
    const backendLogGroup = `/agent-platform/${env}/backend`;
    const frontendLogGroup = `/agent-platform/${env}/frontend`;
    const imageOf = (key: "backend" | "frontend") => `${registry.repositoryUrls[key]}:${v.imageTag.stringValue}`;
    const app = new AutoScalingHosts(this, "app", {
      name,
      appName: "agent-platform",
      title: "AGENT platform app server",
      environment: this.environmentVariable.stringValue,
      region,
      partition: this.partition,
      accountId: this.accountId,
      instanceType: v.instanceType.stringValue,
      subnetIds: network.privateSubnetIds,
      securityGroupIds: [appGroup.id],
      rootVolumeSizeGiB: v.rootVolumeSize.numberValue,
      minSize: v.appMinSize.numberValue,
      maxSize: v.appMaxSize.numberValue,
      targetGroupArns: [loadBalancer.targetGroupArns.frontend!, loadBalancer.targetGroupArns.backend!],
      // Images are pulled and both services must answer their health checks within this time.
      healthCheckGracePeriodSeconds: 420,
      // A rollout (new image_tag, setting, AMI) launches new servers and waits for them before stopping old ones: dev's
      // single server and prod's two keep serving through it.
      instanceRefreshMinHealthyPercentage: 100,
      instanceRefreshMaxHealthyPercentage: 200,
      scaling: {
        cpuTargetPercent: v.scalingCpuTarget.numberValue,
        requestsPerTarget: {
          loadBalancerArnSuffix: loadBalancer.arnSuffix,
          targetGroupArnSuffix: loadBalancer.targetGroupArnSuffixes.backend!,
          value: v.scalingRequestsPerTarget.numberValue,
          enabled: Op.gte(v.scalingRequestsPerTarget.numberValue, 1),
        },
      },
      // The backend's repository: the host logs in to the registry before every start and may pull from it.
      ecr: { repository: repositories.backend },
      containerLogs: {
        enabled: true,
        groupName: backendLogGroup,
        retentionDays: v.logRetentionDays.numberValue,
        extraGroups: { frontend: { groupName: frontendLogGroup } },
      },
      roleDescription: "AGENT platform app servers: the uploads bucket, the database's secret, the images, log groups, Session Manager, metrics",
      serviceDescription: "AGENT platform (backend, frontend) via Docker Compose",
      application: appServerApplication({
        region,
        images: { backend: imageOf("backend"), frontend: imageOf("frontend") },
        appEnvironment: profile.appEnvironment,
        settings: {
          logLevel: v.logLevel.stringValue,
          dbPoolSize: v.dbPoolSize.numberValue,
          dbMaxOverflow: v.dbMaxOverflow.numberValue,
          redisDb: v.redisDb.numberValue,
          backendWorkers: v.backendWorkers.numberValue,
          backendHealthPath: v.backendHealthPath.stringValue,
          frontendHealthPath: v.frontendHealthPath.stringValue,
        },
        database: { host: database.endpoint, port: database.port, name: v.dbName.stringValue, secretArn: database.masterSecretArn },
        redis: { host: cache.primaryEndpoint, port: cache.port, url: cache.url(v.redisDb.numberValue) },
        chromaHost: chromaName,
        bucketName: uploads.bucketName,
      }),
    });
    // The group registers its instances in the target groups, which must belong to the load balancer by then.
    app.group.dependsOn = [...(app.group.dependsOn ?? []), ...loadBalancer.listeners.map((l) => dependable(l))];
    // What the application does, on these resources only.
    app.role.addPolicy("Uploads", "uploads", uploads.policyStatements("read-write"));
    app.role.addPolicy("FrontendImages", "frontend-images", registry.pullPolicyStatements(["frontend"]));
    app.role.addPolicy("DatabaseSecret", "database-secret", [
      { Sid: "ReadDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: database.masterSecretArn },
    ]);

    // Every backend worker may hold db_pool_size + db_max_overflow connections: at app_max_size servers they must fit
    // in the database's max_connections, or the last servers fail to connect under load. A warning at plan time.
    const maxConnections = databaseMaxConnections(this, v.dbInstanceClass.stringValue);
    this.addOverride("check.database_connections", {
      assert: [
        {
          condition: `\${var.app_max_size * var.backend_workers * (var.db_pool_size + var.db_max_overflow) <= ${maxConnections.fqn}}`,
          error_message: `app_max_size x backend_workers x (db_pool_size + db_max_overflow) = \${var.app_max_size * var.backend_workers * (var.db_pool_size + var.db_max_overflow)} connections at most, above the about \${${maxConnections.fqn}} that \${var.db_instance_class} allows: lower one of them, or choose a larger db_instance_class.`,
        },
      ],
    });

    // Alarms on the document's benchmarks to an encrypted topic, the dashboard, the budget.
    const monitoring = agentPlatformMonitoring(this, {
      name,
      region,
      partition: this.partition,
      accountId: this.accountId,
      alarmEmail: v.alarmEmail.stringValue,
      enabled: v.enableMonitoring.booleanValue,
      loadBalancer,
      groupName: app.groupName,
      database: { identifier: database.identifier, maxConnections: maxConnections.asNumber, allocatedStorageGiB: v.dbAllocatedStorage.numberValue },
      cacheId: cache.replicationGroupId,
      chroma: { instanceId: chroma.instance.id, mount: CHROMA_MOUNT },
      logGroups: { backend: backendLogGroup, frontend: frontendLogGroup },
    });
    const budget = new Budget(this, "budget", {
      name: `${name}-monthly`,
      limitUsd: v.budgetLimitUsd.numberValue,
      emails: v.budgetEmails.listValue,
      thresholdsPercent: [80, 100],
      forecastThresholdPercent: 100,
      enabled: Op.gte(Fn.lengthOf(v.budgetEmails.listValue), 1),
    });
    documentCost(this, { environment: env });

    // Opt-in post-apply gate: both health paths through the load balancer, as clients reach them.
    const gate = loadBalancerHealthGate(this, {
      loadBalancer,
      domainName: v.domainName.stringValue,
      paths: { frontend: v.frontendHealthPath.stringValue, backend: v.backendHealthPath.stringValue },
      enabled: v.enableHealthGate.booleanValue,
      triggers: { launch_template_version: Token.asString(app.launchTemplate.latestVersion) },
    });

    const firstServer = `$(aws autoscaling describe-auto-scaling-groups --region ${region} --auto-scaling-group-names ${app.groupName} --query 'AutoScalingGroups[0].Instances[?LifecycleState==\`InService\`].InstanceId | [0]' --output text)`;
    this.output("app_url", loadBalancer.url, "The platform through the load balancer (HTTPS with a domain or certificate).");
    this.output("api_url", `${loadBalancer.url}/api`, "The backend's API (/api/* goes to the backend).");
    this.output("load_balancer_dns_name", loadBalancer.dnsName, "DNS name of the load balancer (point a CNAME here when the stack does not manage the DNS record).");
    this.output("autoscaling_group_name", app.groupName, "The app servers' Auto Scaling group.");
    this.output("session_manager_command", `aws ssm start-session --region ${region} --target ${firstServer}`, "Shell on an app server through Session Manager (the first in service).");
    this.output(
      "database_port_forward_command",
      `aws ssm start-session --region ${region} --target ${firstServer} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{"host":["${database.endpoint}"],"portNumber":["5432"],"localPortNumber":["5432"]}'`,
      "PostgreSQL on localhost:5432 through an app server (Session Manager); the credentials are in database_secret_arn.",
    );
    this.output("database_endpoint", database.endpoint, "RDS PostgreSQL endpoint (TLS required, port 5432).");
    this.output("database_secret_arn", database.masterSecretArn, "Secrets Manager secret RDS keeps the master user and password in (rotated by RDS; never in this state).");
    this.output("cache_endpoint", cache.primaryEndpoint, "REDIS_HOST: the Valkey primary endpoint (TLS, port 6379).");
    this.output("uploads_bucket", uploads.bucketName, "AWS_S3_BUCKET: the uploads.");
    this.output("chroma_host", chromaName, "CHROMA_SERVER_HOST: the ChromaDB host's private DNS name (port 8000), following the host when it is replaced.");
    this.output("chroma_session_manager_command", `aws ssm start-session --region ${region} --target ${chroma.instance.id}`, "Shell on the ChromaDB host through Session Manager.");
    this.output("ecr_repository_urls", registry.repositoryUrls, "Push the backend and frontend images here (tag = image_tag).");
    this.output("dashboard_url", monitoring.dashboardUrl, "The CloudWatch dashboard.");
    this.output("log_groups", [backendLogGroup, frontendLogGroup, `/agent-platform/${env}/chroma`], "CloudWatch log groups of the backend, the frontend and ChromaDB.");
    this.output("budget_name", choose(isNonEmpty(Fn.join(",", v.budgetEmails.listValue)), budget.budgetName, ""), "The AWS Budgets budget (with budget_emails).");
    this.output("aws_region", region, "Region of the deployment.");
    this.output("health_checks", { host: gate.host, checks: Fn.jsondecode(gate.checks) }, "What scripts/health-check.sh <stack> checks, and where.");
    this.output("snapshot_volume_ids", [chroma.dataVolume!.id], "Volumes scripts/destroy.sh snapshots before destroying the stack (ChromaDB's data).");
    void snapshots;
  }
}
