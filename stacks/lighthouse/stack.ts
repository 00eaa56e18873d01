import { Construct } from "constructs";
import { Fn, Op, TerraformLocal, Token } from "cdktf";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { DataAwsSecurityGroup } from "@cdktf/provider-aws/lib/data-aws-security-group";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { choose, countWhen, isNonEmpty, oneOf } from "../../modules/core/index.js";
import { SubnetLookup } from "../../modules/subnet-lookup/index.js";
import { SecurityGroup } from "../../modules/security-group/index.js";
import { ComposeHost } from "../../modules/compose-host/index.js";
import { ManagedSecret } from "../../modules/managed-secret/index.js";
import { PrivateBucket } from "../../modules/private-bucket/index.js";
import { BackupPlan } from "../../modules/backup-plan/index.js";
import { AlertTopic } from "../../modules/alert-topic/index.js";
import { InstanceAlarms } from "../../modules/instance-alarms/index.js";
import { InstanceDashboard } from "../../modules/instance-dashboard/index.js";
import { SpotRequestCleanup } from "../../modules/spot-request-cleanup/index.js";
import { HealthGate } from "../../modules/health-gate/index.js";
import { PUBLIC_IPV4_USD_PER_MONTH } from "../../modules/cost-estimate/index.js";
import { SystemStack, SystemStackProps } from "../base-stack.js";
import { lighthouseProfile } from "./profiles.js";
import { createLighthouseVariables } from "./variables.js";
import { DATA_DIR, DATA_MOUNT, databaseHealthChecks, POSTGRES_PORT, POSTGRES_USER, timescaleDatabase } from "./database.js";
import { DOCUMENT_LOGS_USD_PER_MONTH, documentCostEstimate } from "./cost.js";

/**
 * The document's deployment: TimescaleDB (PostgreSQL 16) in Docker Compose on one EC2 Graviton instance with its
 * data on a volume of its own, backed up twice (AWS Backup of the volume, a nightly pg_dump to S3), one stack
 * and state per environment (dev on spot, prod on demand with monitoring).
 */
export class LighthouseStack extends SystemStack {
  readonly host: ComposeHost;

  constructor(scope: Construct, props: SystemStackProps) {
    super(scope, {
      name: "lighthouse",
      displayName: "Lighthouse",
      costSummary:
        "instance (spot at spot_price_factor), gp3 volumes, backups (10 % of the volume, as the document assumes), alarms, the document's $2 of logs with monitoring, agent metrics, KMS keys, secret, dashboard, public IPv4 in a public subnet; not the dumps in S3 or data transfer.",
    }, props);
    const profile = lighthouseProfile(props.environment);
    const v = createLighthouseVariables(this, props.environment, profile);
    const environment = this.environmentVariable.stringValue;
    const region = this.awsRegion.stringValue;
    const env = props.environment;
    const name = `lighthouse-${env}-timescaledb`;
    const database = `lighthouse_${env}`;

    // Network: the subnet named by private_subnet_name (in the VPC named vpc_name), or the default VPC's default subnet.
    const network = new SubnetLookup(this, "network", { subnetId: "", subnetName: v.privateSubnetName.stringValue, vpcName: v.vpcName.stringValue });
    const backendName = v.backendSecurityGroupName.stringValue;
    const backend = new DataAwsSecurityGroup(this, "backend_security_group", { name: backendName, vpcId: network.vpcId });
    backend.count = countWhen(isNonEmpty(backendName));

    const securityGroup = new SecurityGroup(this, "security_group", {
      vpcId: network.vpcId,
      namePrefix: `${name}-`,
      description: "TimescaleDB: PostgreSQL 5432 from the backend security group only; SSH 22 only from ssh_allowed_cidr_blocks",
      allowedSources: {},
      allowedSecurityGroups: { backend: oneOf(backend, "id") },
      ingressPorts: [
        { key: "postgres", fromPort: POSTGRES_PORT, description: "PostgreSQL (TLS) from the backend servers", enabled: isNonEmpty(backendName) },
        { key: "ssh", fromPort: 22, description: "SSH with the key pair, from ssh_allowed_cidr_blocks", cidrList: v.sshAllowedCidrBlocks.listValue, enabled: isNonEmpty(v.sshKeyName.stringValue) },
      ],
    });

    // The password: never in a variable file, the plan or the state. Terraform generates it (or takes db_password)
    // and writes it only through a write-only argument; the instance reads it at every start.
    const password = Token.asString(
      Fn.conditional(isNonEmpty(v.dbPassword.stringValue), v.dbPassword.stringValue, Fn.replace(`${Fn.uuid()}${Fn.uuid()}`, "-", "")),
    );
    const secret =
      profile.passwordStore === "secretsmanager"
        ? new ManagedSecret(this, "database_password", {
            name: `lighthouse/${env}/db/password`,
            description: `Password of the postgres user of TimescaleDB (lighthouse-${env})`,
            value: password,
            version: v.dbPasswordVersion.numberValue,
            existingSecretId: v.dbPasswordSecretId.stringValue,
            region,
            partition: this.partition,
            accountId: this.accountId,
          })
        : undefined;
    const parameterPath = `/lighthouse/${env}/db`;

    // Backups, second copy: the nightly dump goes to a bucket, never to the volume it backs up.
    const backupPrefix = `lighthouse-${env}`;
    const bucket = new PrivateBucket(this, "backup_bucket", {
      bucketPrefix: `lighthouse-${env}-backups-`,
      existingBucketName: v.backupS3Bucket.stringValue,
      forceDestroy: profile.disposableBackups,
      noncurrentVersionExpirationDays: 7,
      lifecycleRules: [{ key: "dumps", prefix: `${backupPrefix}/`, expirationDays: v.dumpRetentionDays.numberValue }],
    });

    const domain = v.domainName.stringValue;
    const hasDomain = isNonEmpty(domain);
    const dnsName = `timescaledb-${env}.${domain}`;

    this.host = new ComposeHost(this, "timescaledb", {
      name,
      appName: "lighthouse",
      title: "Lighthouse TimescaleDB",
      environment,
      region,
      partition: this.partition,
      accountId: this.accountId,
      instanceType: v.instanceType.stringValue,
      subnetId: network.subnetId,
      availabilityZone: network.availabilityZone,
      securityGroupIds: [securityGroup.id],
      keyPairName: v.sshKeyName.stringValue,
      dataVolume: {
        sizeGiB: v.volumeSizeGb.numberValue,
        mountPoint: DATA_MOUNT,
        directory: DATA_DIR,
        label: "timescaledb",
        tags: { "lighthouse:role": "timescaledb-data" },
      },
      spot: profile.spot,
      spotPriceFactor: v.spotPriceFactor?.numberValue,
      ...(secret
        ? { secretsManagerSecrets: [{ envVar: "POSTGRES_PASSWORD", secretArn: secret.secretArn }] }
        : {
            secrets: {
              path: parameterPath,
              version: v.dbPasswordVersion.numberValue,
              parameters: { password: { envVar: "POSTGRES_PASSWORD", value: password, description: `Password of the postgres user of TimescaleDB (lighthouse-${env})` } },
            },
          }),
      containerLogs: { enabled: true, groupName: `/lighthouse/${env}/timescaledb`, retentionDays: v.logRetentionDays.numberValue },
      roleDescription: "Lighthouse TimescaleDB instance: Session Manager, its database password, backup bucket prefix, metrics, container logs",
      serviceDescription: "Lighthouse TimescaleDB via Docker Compose",
      application: timescaleDatabase({
        database,
        passwordStore: secret ? "Secrets Manager" : `SSM Parameter Store (${parameterPath}/password)`,
        backupBucket: bucket.bucketName,
        backupPrefix,
        certificateName: choose(hasDomain, dnsName, name),
      }),
    });
    const instance = this.host.instance;
    // A subnet that gives instances a public address (the default VPC's) bills it; a private subnet does not.
    this.costEstimate.add({
      key: "public-ipv4",
      usd: Token.asNumber(Fn.conditional(network.subnet.mapPublicIpOnLaunch, PUBLIC_IPV4_USD_PER_MONTH, 0)),
      description: "public IPv4 address (in a subnet that assigns one, such as the default VPC's)",
    });
    const dataVolume = this.host.dataVolume!;
    if (secret) this.host.role.addPolicy("ReadDbPassword", "read-db-password", secret.policyStatements());
    this.host.role.addPolicy("BackupBucket", "backup-bucket", bucket.policyStatements("read-write", `${backupPrefix}/`));

    // Backups, first copy: AWS Backup of the data volume, daily; recovery points encrypted with the volume's own key.
    new BackupPlan(this, "backup", {
      name,
      vaultName: `${name}-vault`,
      partition: this.partition,
      accountId: this.accountId,
      kmsKeyArn: this.host.dataKey!.arn,
      kmsKeyGiven: true,
      forceDestroy: profile.disposableBackups,
      rules: [{ name: "daily", deleteAfterDays: v.backupRetentionDays.numberValue }],
      resourceArns: [dataVolume.arn],
      // The document's assumption: incremental snapshots of compressed time series take about 10 % of the volume.
      costedSizeGiB: Token.asNumber(Op.mul(v.volumeSizeGb.numberValue, 0.1)),
    });

    // Monitoring: status checks repair the instance always; CPU, disks and memory alarms and the dashboard with enable_monitoring.
    const monitoring = v.enableMonitoring.booleanValue;
    const alerts = new AlertTopic(this, "alerts", {
      name: `${name}-alerts`,
      partition: this.partition,
      accountId: this.accountId,
      email: v.alarmEmail.stringValue,
      existingTopicName: v.alertsSnsTopicName.stringValue,
    });
    const alarms = new InstanceAlarms(this, "alarms", {
      instanceId: instance.id,
      namePrefix: name,
      region,
      partition: this.partition,
      notify: alerts.topicArns,
      cpuUtilizationPercent: 80,
      diskUsedPercent: 80,
      memoryUsedPercent: 90,
      watchEnabled: monitoring,
      // A spot instance cannot be recovered onto new hardware.
      systemCheckAction: profile.spot ? "reboot" : "recover",
      filesystems: [
        { key: "data", path: DATA_MOUNT, fstype: "xfs" },
        { key: "root", path: "/", fstype: "xfs" },
      ],
    });
    const dashboard = new InstanceDashboard(this, "dashboard", {
      name,
      region,
      instanceId: instance.id,
      title: `Lighthouse TimescaleDB (${env})`,
      filesystems: [
        { key: "data", path: DATA_MOUNT, fstype: "xfs", label: "data volume" },
        { key: "root", path: "/", fstype: "xfs", label: "root volume" },
      ],
      volumeIds: [{ key: "data", volumeId: dataVolume.id, label: "data volume" }],
      alarmArns: alarms.alarmArns,
      enabled: monitoring,
    });

    // DNS: timescaledb-<env>.<domain_name> → the private address (the name resolves anywhere; only the VPC reaches it).
    const zone = new DataAwsRoute53Zone(this, "dns_zone", { name: domain, privateZone: v.dnsPrivateZone.booleanValue });
    zone.count = countWhen(hasDomain);
    const record = new Route53Record(this, "dns", { zoneId: oneOf(zone, "zone_id"), name: dnsName, type: "A", ttl: 300, records: [instance.privateIp] });
    record.count = countWhen(hasDomain);

    new NullProvider(this, "null");
    if (profile.spot) {
      // A persistent spot request outlives its instance: cancel it before Terraform terminates the instance.
      new SpotRequestCleanup(this, "spot_request_cleanup", { instanceId: instance.id, region });
    }
    const checks = new TerraformLocal(this, "health_checks", Fn.jsonencode(databaseHealthChecks(database, region))).asString;
    new HealthGate(this, "health_gate", {
      host: instance.id,
      checks,
      enabled: v.enableHealthGate.booleanValue,
      triggers: { instance_id: instance.id },
      dependsOn: [this.host.dataVolumeAttachment!],
    });

    this.costEstimate.add({
      key: "logs",
      usd: Token.asNumber(Fn.conditional(monitoring, DOCUMENT_LOGS_USD_PER_MONTH, 0)),
      description: "CloudWatch Logs, the document's allowance of about $2 with monitoring on",
    });
    // The document's own cost calculator, in its format (the full estimate is estimated_monthly_cost_usd).
    documentCostEstimate(this, {
      instanceType: v.instanceType.stringValue,
      spotPriceFactor: profile.spot ? v.spotPriceFactor!.numberValue : undefined,
      volumeSizeGb: v.volumeSizeGb.numberValue,
      alarmCount: alarms.alarms.length,
      monitoring,
    });

    const instanceId = instance.id;
    const endpoint = choose(hasDomain, dnsName, instance.privateIp);
    const sessionManager = `aws ssm start-session --target ${instanceId} --region ${region}`;
    const key = v.sshKeyName.stringValue;
    const sshOpen = Op.and(isNonEmpty(key), Op.gte(Fn.lengthOf(v.sshAllowedCidrBlocks.listValue), 1));
    this.output("instance_id", instanceId, "EC2 instance id.");
    this.output("instance_private_ip", instance.privateIp, "Private IP of the instance.");
    this.output("database_endpoint", endpoint, "Host of the database: timescaledb-<env>.<domain_name> with domain_name, else the private IP.");
    this.output("database_name", database, "The application's database (with the timescaledb extension).");
    this.output(
      "database_connection_string",
      `postgresql://${POSTGRES_USER}@${endpoint}:${POSTGRES_PORT}/${database}?sslmode=require`,
      "Connection URL without the password (clients read it from the secret: db_password_secret_arn / db_password_parameter). TLS required.",
    );
    this.output(
      "database_port_forward_command",
      `aws ssm start-session --target ${instanceId} --region ${region} --document-name AWS-StartPortForwardingSession --parameters '{"portNumber":["${POSTGRES_PORT}"],"localPortNumber":["${POSTGRES_PORT}"]}'`,
      "Forwards localhost:5432 to the database through Session Manager (no open port): then psql \"postgresql://postgres@localhost:5432/<database>?sslmode=require\".",
    );
    this.output(
      "ssh_command",
      Token.asString(
        Fn.conditional(
          sshOpen,
          `ssh -i ~/.ssh/${key}.pem ec2-user@${instance.privateIp}`,
          Fn.conditional(
            isNonEmpty(key),
            `ssh -i ~/.ssh/${key}.pem -o ProxyCommand='aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p --region ${region}' ec2-user@${instanceId}`,
            sessionManager,
          ),
        ),
      ),
      "Shell on the instance: SSH with the key pair (through Session Manager unless ssh_allowed_cidr_blocks opens port 22), or a Session Manager shell without a key.",
    );
    this.output("session_manager_command", sessionManager, "Shell on the instance through Session Manager.");
    if (secret) {
      this.output("db_password_secret_arn", secret.secretArn, "Secrets Manager secret holding the database password (aws secretsmanager get-secret-value --secret-id <arn>).");
    } else {
      this.output("db_password_parameter", `${parameterPath}/password`, "SSM SecureString holding the database password (aws ssm get-parameter --name <name> --with-decryption).");
    }
    this.output("backup_s3_bucket", bucket.bucketName, "Bucket of the nightly pg_dump files (under lighthouse-<environment>/).");
    this.output("backup_vault_name", `${name}-vault`, "AWS Backup vault of the data volume's daily recovery points.");
    this.output("data_volume_id", dataVolume.id, "EBS volume holding the database.");
    this.output("alarm_sns_topic_arn", Token.asString(Fn.try([Fn.element(alerts.topicArns, 0), ""])), "SNS topic the alarms notify (\"\" when none).");
    this.output("cloudwatch_dashboard_url", dashboard.url, "CloudWatch dashboard (with enable_monitoring).");
    this.output("container_log_group", this.host.logGroupName, "CloudWatch Logs group of the database container.");
    this.output("aws_region", region, "Region of the deployment.");
    // What the operator scripts read: the checks health-check.sh runs on the instance, the volumes destroy.sh snapshots.
    this.output("health_checks", { host: instanceId, checks: Fn.jsondecode(checks) }, "What scripts/health-check.sh <stack> checks (on the instance, through SSM).");
    this.output("snapshot_volume_ids", [dataVolume.id], "Volumes scripts/destroy.sh snapshots before destroying the stack.");
  }
}
