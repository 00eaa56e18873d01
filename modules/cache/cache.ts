import { Construct } from "constructs";
import { Fn, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/elasticache_replication_group
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { isKnown, pascalCase } from "../core/index.js";
import { CostEstimate, costKey, HOURS_PER_MONTH } from "../cost-estimate/index.js";
import { SecurityGroup } from "../security-group/index.js";
import { CacheProps, ENGINE_LABEL, LOG_DELIVERY_DEFAULTS, REDIS_OSS_NODE_USD_PER_HOUR, ResolvedCacheProps, VALKEY_PRICE_FACTOR, withDefaults } from "./props.js";
import { validateCacheProps, validateDatabase } from "./validate-props.js";

/**
 * Terraform number: the group's monthly on-demand price, `nodes` nodes of `nodeType`. A plain number when the node
 * type is in the price table and everything is known at synth; otherwise a lookup that fails (and the cost item shows
 * "unknown") for a node type the table does not have.
 */
export function monthlyCachePrice(engine: ResolvedCacheProps["engine"], nodeType: string, nodes: number): number {
  const perNodeHour = engine === "valkey" ? VALKEY_PRICE_FACTOR : 1;
  const listed = isKnown(nodeType) ? REDIS_OSS_NODE_USD_PER_HOUR[nodeType] : undefined;
  if (listed !== undefined && isKnown(nodes)) return listed * perNodeHour * HOURS_PER_MONTH * nodes;
  const hourly = listed ?? Token.asNumber(Fn.lookup(REDIS_OSS_NODE_USD_PER_HOUR, nodeType));
  return Token.asNumber(Op.mul(Op.mul(hourly, perNodeHour * HOURS_PER_MONTH), nodes));
}

/**
 * An ElastiCache replication group running Valkey (default) or Redis OSS with cluster mode off: one primary and
 * `replicas` read replicas, optionally Multi-AZ with automatic failover, in private subnets (its own subnet group).
 *
 * Encryption is not optional: in transit (TLS required, clients connect with `rediss://`, see {@link url}) and at rest
 * (the service's key, or `kmsKeyArn`). The cache's own security group opens the port only to `allowedSecurityGroups`,
 * one described rule per key, and has no egress rule.
 *
 * There is no AUTH token or RBAC user: hashicorp/aws 6.25 can set `auth_token` only as a plain argument, which would
 * put the token in the plan and the state. Access is therefore decided by the network (security group membership) and
 * TLS; any process in an allowed security group can read and write every key.
 *
 * Daily automatic snapshots are kept `snapshotRetentionDays` days (one copy per node group is free; more is not
 * counted in the estimate). Engine logs can go to CloudWatch Logs with retention.
 */
export class Cache extends Construct {
  readonly replicationGroup: ElasticacheReplicationGroup;
  readonly subnetGroup: ElasticacheSubnetGroup;
  readonly securityGroup: SecurityGroup;
  /** Log groups by log type, with logDelivery. */
  readonly logGroups: Readonly<Record<string, CloudwatchLogGroup>>;
  /** Replication group id (its name). */
  readonly replicationGroupId: string;
  /** Replication group ARN. */
  readonly arn: string;
  /** DNS name of the primary endpoint (reads and writes; follows a failover). */
  readonly primaryEndpoint: string;
  /** DNS name of the reader endpoint (spreads reads over the replicas; the primary when there is none). */
  readonly readerEndpoint: string;
  /** Port the nodes listen on. */
  readonly port: number;
  /** The cache's security group. */
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const p = withDefaults(props);
    validateCacheProps(this, p);
    const tags = { ...p.tags };
    const label = ENGINE_LABEL[p.engine];
    const nodes = isKnown(p.replicas) ? 1 + p.replicas : Token.asNumber(Op.add(p.replicas, 1));

    this.subnetGroup = new ElasticacheSubnetGroup(this, "SubnetGroup", {
      name: p.name,
      description: `Subnets of cache ${p.name}`,
      subnetIds: p.subnetIds,
      tags,
    });

    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      vpcId: p.vpcId,
      namePrefix: `${p.name}-`,
      // Immutable in AWS (a change replaces the group): nothing here that may change, such as the engine.
      description: `Cache ${p.name}: TLS clients from the allowed security groups only`,
      ingressPorts: [{ key: "cache", fromPort: p.port, description: `${label} over TLS` }],
      allowedSources: {},
      allowedSecurityGroups: p.allowedSecurityGroups,
      // No outbound rule: the nodes answer clients, and a security group lets replies out by itself (it is stateful).
      egressRules: [],
      tags,
    });

    const logDelivery = p.logDelivery === undefined ? undefined : { ...LOG_DELIVERY_DEFAULTS, ...p.logDelivery };
    const logGroups: Record<string, CloudwatchLogGroup> = {};
    for (const logType of logDelivery?.logTypes ?? []) {
      logGroups[logType] = new CloudwatchLogGroup(this, pascalCase(logType), {
        name: `/aws/elasticache/${p.name}/${logType}`,
        retentionInDays: logDelivery!.retentionDays,
        tags,
      });
    }
    this.logGroups = logGroups;

    this.replicationGroup = new ElasticacheReplicationGroup(this, "Resource", {
      replicationGroupId: p.name,
      description: p.description,
      engine: p.engine,
      engineVersion: p.engineVersion,
      nodeType: p.nodeType,
      port: p.port,
      parameterGroupName: p.parameterGroupName,
      numCacheClusters: nodes,
      multiAzEnabled: p.multiAz,
      // Failover needs a replica in another zone, which is what multiAz asks for: the two go together.
      automaticFailoverEnabled: p.multiAz,
      subnetGroupName: this.subnetGroup.name,
      securityGroupIds: [this.securityGroup.id],
      transitEncryptionEnabled: true,
      // "required": plain-text connections are refused ("preferred" is only for migrating existing clients).
      transitEncryptionMode: "required",
      // A string in hashicorp/aws 6.x.
      atRestEncryptionEnabled: "true",
      kmsKeyId: p.kmsKeyArn,
      snapshotRetentionLimit: p.snapshotRetentionDays,
      snapshotWindow: p.snapshotWindow,
      maintenanceWindow: p.maintenanceWindow,
      finalSnapshotIdentifier: p.finalSnapshotIdentifier,
      applyImmediately: p.applyImmediately,
      logDeliveryConfiguration: logDelivery === undefined ? undefined : Object.entries(logGroups).map(([logType, group]) => ({
        destination: group.name,
        destinationType: "cloudwatch-logs",
        logFormat: logDelivery.format,
        logType,
      })),
      tags,
    });

    this.replicationGroupId = this.replicationGroup.id;
    this.arn = this.replicationGroup.arn;
    this.primaryEndpoint = this.replicationGroup.primaryEndpointAddress;
    this.readerEndpoint = this.replicationGroup.readerEndpointAddress;
    this.port = p.port;
    this.securityGroupId = this.securityGroup.id;

    CostEstimate.of(this).add({
      key: costKey(this, "nodes"),
      usd: monthlyCachePrice(p.engine, p.nodeType, nodes),
      description: `${label} nodes (primary and replicas), on-demand list price; snapshot storage beyond the free copy not counted`,
    });
  }

  /**
   * The URL a client connects with: `rediss://<primary endpoint>:<port>/<db>` (TLS; no password, see the class doc).
   * @param db logical database number, a whole number >= 0 (0-15 with the default "databases" parameter)
   */
  url(db = 0): string {
    validateDatabase(this, db);
    const port = Token.isUnresolved(this.port) ? Token.asString(this.port) : String(this.port);
    return `rediss://${this.primaryEndpoint}:${port}/${Token.isUnresolved(db) ? Token.asString(db) : db}`;
  }
}
