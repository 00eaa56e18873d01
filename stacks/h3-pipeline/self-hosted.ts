import { Construct } from "constructs";
import { Fn, TerraformLocal, Token } from "cdktf";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { all, countWhen, oneOf, splat, Switch } from "../../modules/core/index.js";
import { SecurityGroup } from "../../modules/security-group/index.js";
import { HostGroup } from "../../modules/host-group/index.js";
import { MetricAlarms } from "../../modules/metric-alarms/index.js";
import { CostEstimate } from "../../modules/cost-estimate/index.js";
import { SECRET_USD_PER_MONTH } from "../../modules/managed-secret/index.js";
import { CLICKHOUSE_DATA_DIR, CLICKHOUSE_MOUNT, CLICKHOUSE_NODES, CLIENT_PORTS, clickhouseNodeApplication, NODE_PORTS } from "./clickhouse.js";

/** A private hosted zone per month (us-east-1 list price). */
const PRIVATE_ZONE_USD_PER_MONTH = 0.5;

export interface SelfHostedClickhouseProps {
  readonly name: string;
  readonly environment: string;
  readonly region: string;
  readonly partition: string;
  readonly accountId: string;
  /** Whether the nodes exist (clickhouse_deployment == "self-hosted"). */
  readonly enabled: Switch;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly subnetIds: string[];
  readonly availabilityZones: string[];
  /** The security group of the clients (the service's tasks). */
  readonly clientSecurityGroupId: string;
  readonly instanceType: string;
  readonly volume: { readonly sizeGiB: number; readonly iops: number; readonly throughput: number };
  readonly caCert: string;
  /** The CA's key (an ephemeral variable's value), written only through secret_string_wo. */
  readonly caKey: string;
  readonly caKeyVersion: number;
  readonly passwordSecretArn: string;
  readonly passwordSecretPolicy: readonly object[];
  readonly appUser: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly backupTime: string;
  readonly logRetentionDays: number;
  readonly protect: boolean;
  readonly alarms: { readonly enabled: Switch; readonly notify: string[] };
}

/**
 * The document's option A: three ClickHouse nodes in the private subnets (one replica each, ClickHouse Keeper on all
 * three), each with its own gp3 data volume, found by private DNS names, reachable by the tasks on the TLS ports only
 * and by each other on the cluster's ports; TLS certificates issued at start by the cluster's own CA (its key in
 * Secrets Manager); nightly backups from node 1 to the bucket's backups/; logs in /clickhouse/server; disk alarms.
 * Everything here is counted on `enabled`, so ClickHouse Cloud stacks carry none of it.
 */
export function selfHostedClickhouse(scope: Construct, p: SelfHostedClickhouseProps): { host: string; nodes: HostGroup; zoneName: string } {
  const count = countWhen(p.enabled);
  const domain = `${p.name}.internal`;
  const zone = new Route53Zone(scope, "clickhouse_zone", {
    count,
    name: domain,
    comment: "The ClickHouse nodes' names, inside the VPC only",
    vpc: [{ vpcId: p.vpcId }],
    forceDestroy: true,
  });

  const group = new SecurityGroup(scope, "clickhouse_security_group", {
    vpcId: p.vpcId,
    namePrefix: `${p.name}-clickhouse-`,
    description: "ClickHouse nodes: TLS ports from the tasks, the cluster's ports from each other",
    allowedSources: {},
    allowedSecurityGroups: { tasks: p.clientSecurityGroupId },
    ingressPorts: CLIENT_PORTS.map((c) => ({ key: c.key, fromPort: c.port, description: c.description })),
  });
  for (const port of NODE_PORTS) {
    new VpcSecurityGroupIngressRule(scope, `clickhouse_security_group_ingress-${port.key}-nodes`, {
      securityGroupId: group.id,
      referencedSecurityGroupId: group.id,
      ipProtocol: "tcp",
      fromPort: port.port,
      toPort: port.port,
      description: port.description,
    });
  }

  // The CA's key: only the nodes read it, to issue their certificates at start.
  const caKeySecret = new SecretsmanagerSecret(scope, "clickhouse_ca_key_secret", {
    count,
    name: `${p.name}/clickhouse-ca-key`,
    description: "Private key of the ClickHouse cluster's CA (scripts/make-private-ca.sh); the nodes issue their TLS certificates with it.",
    recoveryWindowInDays: 7,
  });
  new SecretsmanagerSecretVersion(scope, "clickhouse_ca_key_secret_version", {
    count,
    secretId: oneOf(caKeySecret, "id"),
    secretStringWo: p.caKey,
    secretStringWoVersion: p.caKeyVersion,
  });
  // "" without the nodes: the boot script (a local) is evaluated even when no node uses it, and null breaks a template.
  const caKeySecretArn = Token.asString(Fn.join("", splat(caKeySecret, "arn")));

  const logGroup = "/clickhouse/server";
  const nodes = new HostGroup(scope, "clickhouse", {
    name: `${p.name}-clickhouse`,
    appName: "clickhouse",
    title: "ClickHouse node",
    environment: p.environment,
    region: p.region,
    partition: p.partition,
    accountId: p.accountId,
    // A local, not the conditional itself: cdktf writes a conditional without parentheses into other expressions.
    nodeCount: new TerraformLocal(scope, "clickhouse_node_count", Fn.conditional(p.enabled, CLICKHOUSE_NODES, 0)).asNumber,
    instanceType: p.instanceType,
    subnetIds: p.subnetIds,
    availabilityZones: p.availabilityZones,
    securityGroupIds: [group.id],
    rootVolumeSizeGiB: 30,
    dataVolume: {
      sizeGiB: p.volume.sizeGiB,
      iops: p.volume.iops,
      throughput: p.volume.throughput,
      mountPoint: CLICKHOUSE_MOUNT,
      directory: CLICKHOUSE_DATA_DIR,
      label: "clickhouse",
      growOnStart: true,
      finalSnapshot: p.protect,
    },
    dns: { zoneId: oneOf(zone, "zone_id"), namePrefix: "clickhouse", domain },
    // Never all three at once (Keeper would lose its quorum): a new boot script reaches a node when it is replaced on
    // purpose, one node at a time (docs/h3-pipeline.md).
    replaceOnBootScriptChange: false,
    containerLogs: { enabled: true, groupName: logGroup, retentionDays: p.logRetentionDays },
    roleDescription: "ClickHouse nodes: the CA key and password secrets, the bucket's backups/, Session Manager, logs, metrics",
    serviceDescription: "ClickHouse server via Docker Compose",
    application: clickhouseNodeApplication({
      region: p.region,
      bucketName: p.bucketName,
      nodePrefix: "clickhouse",
      domain,
      logGroup,
      caCert: p.caCert,
      caKeySecretArn,
      passwordSecretArn: p.passwordSecretArn,
      appUser: p.appUser,
      clientNetwork: p.vpcCidr,
      backupTime: p.backupTime,
    }),
  });
  // Counted with the nodes: without them the CA key's secret does not exist to be named.
  nodes.role.addPolicy(
    "ClickhouseSecrets",
    "clickhouse-secrets",
    [{ Sid: "ReadCaKey", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [caKeySecretArn] }, ...(p.passwordSecretPolicy as never[])],
    p.enabled,
  );
  nodes.role.addPolicy("Backups", "backups", [
    { Sid: "ListBackups", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [p.bucketArn], Condition: { StringLike: { "s3:prefix": ["backups/*"] } } },
    { Sid: "ReadWriteBackups", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: [`${p.bucketArn}/backups/*`] },
  ]);

  // The document's alarm: less than 20 % of a node's data volume free.
  const nodeAlarms = Object.fromEntries(
    Array.from({ length: CLICKHOUSE_NODES }, (_, i) => [
      `clickhouse-${i + 1}-disk`,
      {
        description: `Less than 20 % free on ClickHouse node ${i + 1}'s data volume: grow clickhouse_volume_size (online), or drop old partitions.`,
        namespace: "CWAgent",
        metricName: "disk_used_percent",
        dimensions: { InstanceId: Token.asString(Fn.element(nodes.instanceIds, i)), path: CLICKHOUSE_MOUNT, fstype: "xfs" },
        statistic: "Maximum" as const,
        threshold: 80,
        comparison: "above" as const,
      },
    ]),
  );
  new MetricAlarms(scope, "clickhouse_alarms", { namePrefix: p.name, alarms: nodeAlarms, notify: p.alarms.notify, enabled: all(p.alarms.enabled, p.enabled) });

  CostEstimate.of(scope).add(
    { key: "clickhouse-zone", usd: Token.asNumber(Fn.conditional(p.enabled, PRIVATE_ZONE_USD_PER_MONTH, 0)), description: "the ClickHouse nodes' private hosted zone (self-hosted)" },
    { key: "clickhouse-ca-key", usd: Token.asNumber(Fn.conditional(p.enabled, SECRET_USD_PER_MONTH, 0)), description: "the cluster CA key's secret (self-hosted)" },
  );
  return { host: nodes.groupDnsName!, nodes, zoneName: domain };
}
