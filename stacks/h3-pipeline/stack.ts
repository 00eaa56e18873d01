import { Construct } from "constructs";
import { dependable, Fn, Op } from "cdktf";
import { choose, isNonEmpty, splat } from "../../modules/core/index.js";
import { Network } from "../../modules/network/index.js";
import { PublicLoadBalancer } from "../../modules/public-load-balancer/index.js";
import { SecurityGroup } from "../../modules/security-group/index.js";
import { PrivateBucket } from "../../modules/private-bucket/index.js";
import { ContainerRegistry } from "../../modules/container-registry/index.js";
import { ManagedSecret } from "../../modules/managed-secret/index.js";
import { FargateService } from "../../modules/fargate-service/index.js";
import { AlertTopic } from "../../modules/alert-topic/index.js";
import { SystemStack, SystemStackProps } from "../base-stack.js";
import { httpsInputs, networkInputs } from "../web-variables.js";
import { loadBalancerHealthGate } from "../load-balancer-health-gate.js";
import { h3PipelineProfile } from "./profiles.js";
import { createH3PipelineVariables } from "./variables.js";
import { appContainers, APP_CONTAINER, APP_PORT, BUCKET_PREFIXES, TRACING_PERMISSIONS } from "./application.js";
import { privateLinkToClickhouse } from "./privatelink.js";
import { h3PipelineMonitoring } from "./monitoring.js";
import { selfHostedClickhouse } from "./self-hosted.js";

/**
 * The document's pipeline on AWS: the Node.js application on ECS Fargate in private subnets behind an HTTPS load
 * balancer, autoscaled on CPU and memory, its data in one bucket with the document's prefixes and lifecycle, the
 * ClickHouse password in Secrets Manager injected by ECS, traces through an OpenTelemetry collector to X-Ray, and
 * ClickHouse Cloud reached over TLS (optionally through PrivateLink).
 */
export class H3PipelineStack extends SystemStack {
  constructor(scope: Construct, props: SystemStackProps) {
    super(scope, {
      name: "h3-pipeline",
      displayName: "H3 pipeline",
      costSummary:
        "Fargate tasks at their minimum count, load balancer (one LCU), NAT gateways, public IPv4 addresses, the PrivateLink endpoint and its zone when used, the secret and its key, alarms, dashboard; not ClickHouse Cloud, S3 storage and requests, scaling above the minimum, NAT data processing, log ingestion or X-Ray traces.",
    }, props);
    const env = props.environment;
    const profile = h3PipelineProfile(env);
    const v = createH3PipelineVariables(this, profile);
    const region = this.awsRegion.stringValue;
    const name = `h3-pipeline-${env}`;
    // The document's log group name in prod; other environments add their name so they can share an account.
    const logGroup = env === "prod" ? "/ecs/h3-clickhouse-app" : `/ecs/h3-clickhouse-app-${env}`;

    const network = new Network(this, "network", {
      name,
      region,
      accountId: this.accountId,
      zoneCount: profile.zones,
      ...networkInputs(v),
    });
    const loadBalancer = new PublicLoadBalancer(this, "load_balancer", {
      name,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.publicSubnetIds,
      // Fargate tasks register by their own address (awsvpc).
      targets: { app: { port: APP_PORT, targetType: "ip", healthCheck: { path: v.healthCheckPath.stringValue, matcher: "200", intervalSeconds: 30 } } },
      defaultTarget: "app",
      ...httpsInputs(v, "the pipeline's API"),
      deletionProtection: profile.protect,
    });
    const tasksGroup = new SecurityGroup(this, "tasks_security_group", {
      vpcId: network.vpcId,
      namePrefix: `${name}-tasks-`,
      description: "H3 pipeline tasks: 3000 from the load balancer only",
      allowedSources: {},
      allowedSecurityGroups: { "load-balancer": loadBalancer.securityGroupId },
      ingressPorts: [{ key: "app", fromPort: APP_PORT, description: "The application from the load balancer" }],
    });

    // The data: one bucket per environment (bucket names are global: the document's trips-data-bucket is someone's).
    const bucket = new PrivateBucket(this, "data_bucket", {
      bucketPrefix: `${name}-trips-`,
      forceDestroy: !profile.protect,
      lifecycleRules: [
        { key: "uploads", prefix: BUCKET_PREFIXES.uploads, transition: { days: v.uploadsGlacierDays.numberValue, storageClass: "GLACIER" } },
        { key: "processed", prefix: BUCKET_PREFIXES.processed, expirationDays: v.processedExpirationDays.numberValue },
        { key: "backups", prefix: BUCKET_PREFIXES.backups, transition: { days: v.backupsGlacierDays.numberValue, storageClass: "GLACIER_IR" } },
      ],
    });
    const registry = new ContainerRegistry(this, "images", { repositories: { app: { name: `${name}/app` } }, forceDelete: !profile.protect });
    const password = new ManagedSecret(this, "clickhouse_password_secret", {
      name: `${name}/clickhouse-password`,
      description: `CLICKHOUSE_PASSWORD of the H3 pipeline (${env}); ECS injects it into the tasks at start.`,
      value: v.clickhousePassword.stringValue,
      version: v.clickhousePasswordVersion.numberValue,
      region,
      partition: this.partition,
      accountId: this.accountId,
    });

    // ClickHouse Cloud through PrivateLink when its endpoint service is given (else over the internet, TLS).
    const privateLink = privateLinkToClickhouse(this, {
      name,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      clientSecurityGroupId: tasksGroup.id,
      serviceName: v.privatelinkServiceName.stringValue,
      dnsName: v.clickhouseHost.stringValue,
    });

    // Alarms go to an encrypted topic (with alarm_email).
    const alerts = new AlertTopic(this, "alerts", { name: `${name}-alerts`, partition: this.partition, accountId: this.accountId, email: v.alarmEmail.stringValue });

    // The document's option A: three nodes of our own, all counted on clickhouse_deployment.
    const selfHosted = Op.eq(v.clickhouseDeployment.stringValue, "self-hosted");
    const clickhouse = selfHostedClickhouse(this, {
      name,
      environment: this.environmentVariable.stringValue,
      region,
      partition: this.partition,
      accountId: this.accountId,
      enabled: selfHosted,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      subnetIds: network.privateSubnetIds,
      availabilityZones: network.availabilityZones,
      clientSecurityGroupId: tasksGroup.id,
      instanceType: v.clickhouseInstanceType.stringValue,
      volume: { sizeGiB: v.clickhouseVolumeSize.numberValue, iops: v.clickhouseVolumeIops.numberValue, throughput: v.clickhouseVolumeThroughput.numberValue },
      caCert: v.clickhouseCaCert.stringValue,
      caKey: v.clickhouseCaKey.stringValue,
      caKeyVersion: v.clickhouseCaKeyVersion.numberValue,
      passwordSecretArn: password.secretArn,
      passwordSecretPolicy: password.policyStatements(),
      appUser: v.clickhouseUser.stringValue,
      bucketName: bucket.bucketName,
      bucketArn: bucket.arn,
      backupTime: v.clickhouseBackupTime.stringValue,
      logRetentionDays: v.logRetentionDays.numberValue,
      protect: profile.protect,
      alarms: { enabled: v.enableMonitoring.booleanValue, notify: alerts.topicArns },
    });
    const clickhouseHost = choose(selfHosted, clickhouse.host, v.clickhouseHost.stringValue);

    const service = new FargateService(this, "service", {
      name,
      region,
      partition: this.partition,
      accountId: this.accountId,
      cpu: v.taskCpu.numberValue,
      memoryMiB: v.taskMemory.numberValue,
      containers: appContainers({
        image: `${registry.repositoryUrls.app}:${v.imageTag.stringValue}`,
        region,
        bucketName: bucket.bucketName,
        clickhouse: { host: clickhouseHost, port: v.clickhousePort.numberValue, user: v.clickhouseUser.stringValue, database: v.clickhouseDatabase.stringValue },
        passwordSecretArn: password.secretArn,
        // Only for the nodes of our own CA: ClickHouse Cloud's certificates are checked against the public CAs.
        caCert: choose(selfHosted, v.clickhouseCaCert.stringValue, ""),
      }),
      logGroup: { name: logGroup, retentionDays: v.logRetentionDays.numberValue },
      subnetIds: network.privateSubnetIds,
      securityGroupIds: [tasksGroup.id],
      loadBalancer: { targetGroupArn: loadBalancer.targetGroupArns.app!, containerName: APP_CONTAINER, containerPort: APP_PORT },
      minTasks: v.minTasks.numberValue,
      maxTasks: v.maxTasks.numberValue,
      scaling: {
        cpuTargetPercent: v.cpuTarget.numberValue,
        memoryTargetPercent: v.memoryTarget.numberValue,
        scaleOutCooldownSeconds: v.scaleOutCooldown.numberValue,
        scaleInCooldownSeconds: v.scaleInCooldown.numberValue,
      },
      ecrRepositoryArns: [registry.repositoryArns.app!],
      secretKmsKeyArns: password.key ? splat(password.key, "arn") : [],
    });
    // ECS registers the tasks in the target group, which must belong to the load balancer by then (a listener).
    service.service.dependsOn = [...(service.service.dependsOn ?? []), ...loadBalancer.listeners.map((l) => dependable(l))];
    // What the application does: its bucket; what the collector does: send traces to X-Ray.
    service.taskRole.addPolicy("DataBucket", "data-bucket", bucket.policyStatements("read-write"));
    service.taskRole.addPolicy("Tracing", "tracing", [{ Sid: "XRayTraces", Effect: "Allow", Action: [...TRACING_PERMISSIONS], Resource: "*" }]);

    const monitoring = h3PipelineMonitoring(this, {
      name,
      region,
      notify: alerts.topicArns,
      enabled: v.enableMonitoring.booleanValue,
      loadBalancer,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      minTasks: v.minTasks.numberValue,
      logGroup,
    });

    // Opt-in post-apply gate: the health endpoint through the load balancer, as clients reach it.
    const gate = loadBalancerHealthGate(this, {
      loadBalancer,
      domainName: v.domainName.stringValue,
      paths: { health: v.healthCheckPath.stringValue },
      enabled: v.enableHealthGate.booleanValue,
      triggers: { task_definition: service.taskDefinitionArn },
    });

    this.output("app_url", loadBalancer.url, "The pipeline's API through the load balancer (HTTPS with a domain or certificate).");
    this.output("health_url", `${loadBalancer.url}${v.healthCheckPath.stringValue}`, "The health endpoint the load balancer checks.");
    this.output("load_balancer_dns_name", loadBalancer.dnsName, "DNS name of the load balancer (point a CNAME here when the stack does not manage the DNS record).");
    this.output("ecr_repository_url", registry.repositoryUrls.app, "Push the application's image here (tag = image_tag).");
    this.output("cluster_name", service.clusterName, "The ECS cluster.");
    this.output("service_name", service.serviceName, "The ECS service.");
    this.output("ecs_exec_command", service.execCommand(APP_CONTAINER), "A shell in a running task (ECS Exec; needs the Session Manager plugin).");
    this.output("data_bucket", bucket.bucketName, "S3_BUCKET: uploads/, processed/, backups/, exports/.");
    this.output("clickhouse_password_secret_arn", password.secretArn, "Secrets Manager secret holding CLICKHOUSE_PASSWORD (never its value).");
    this.output("clickhouse_endpoint", `${clickhouseHost}:${v.clickhousePort.numberValue}`, "Where the tasks reach ClickHouse (TLS): ClickHouse Cloud, or the self-hosted nodes' shared DNS name.");
    this.output("clickhouse_nodes", clickhouse.nodes.privateIps, "The self-hosted nodes' private addresses (none with ClickHouse Cloud); their names are clickhouse-<n>.");
    this.output("clickhouse_node_instance_ids", clickhouse.nodes.instanceIds, "The self-hosted nodes' instances: aws ssm start-session --target <id> for a shell (none with ClickHouse Cloud).");
    this.output("snapshot_volume_ids", clickhouse.nodes.dataVolumeIds, "Volumes scripts/destroy.sh snapshots before destroying the stack (the self-hosted nodes' data).");
    this.output("clickhouse_privatelink_endpoint_id", choose(isNonEmpty(v.privatelinkServiceName.stringValue), privateLink.endpointId, ""), "The interface endpoint to add to the ClickHouse Cloud service's allow list (with PrivateLink).");
    this.output("log_group", logGroup, "CloudWatch log group of the tasks (the application and the collector).");
    this.output("dashboard_url", monitoring.dashboardUrl, "The CloudWatch dashboard.");
    this.output("aws_region", region, "Region of the deployment.");
    this.output("health_checks", { host: gate.host, checks: Fn.jsondecode(gate.checks) }, "What scripts/health-check.sh <stack> checks, and where.");
  }
}
