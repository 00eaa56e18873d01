import { applyDefaults, Switch } from "../core/index.js";

/** Engines of a replication group: Valkey (the default, 20 % cheaper per node) or Redis OSS. */
export type CacheEngine = "valkey" | "redis";
export const CACHE_ENGINES: readonly CacheEngine[] = ["valkey", "redis"];

/** Engine logs ElastiCache can deliver to CloudWatch Logs. */
export type CacheLogType = "slow-log" | "engine-log";
export const CACHE_LOG_TYPES: readonly CacheLogType[] = ["slow-log", "engine-log"];

/** Delivery of engine logs to CloudWatch Logs, one log group per log type. */
export interface CacheLogDelivery {
  /**
   * Log types to deliver: "slow-log" (commands slower than the `slowlog-log-slower-than` parameter, 10 ms by default)
   * and "engine-log" (the engine's own log: restarts, replication, failovers).
   * @default ["slow-log"]
   */
  readonly logTypes?: readonly CacheLogType[];
  /**
   * Days CloudWatch Logs keeps the entries: one of the retention periods it accepts (1, 3, 5, 7, 14, 30, ...).
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Entry format: "json" (fields an Insights query can use) or "text".
   * @default "json"
   */
  readonly format?: "json" | "text";
}

export interface CacheProps {
  /**
   * Replication group id, unique in the account and region: 1-40 lower-case letters, digits and hyphens, starting
   * with a letter, without two hyphens in a row or a trailing hyphen. Also names the subnet group, prefixes the
   * security group and the log groups (`/aws/elasticache/<name>/<log type>`). Changing it replaces the cache.
   */
  readonly name: string;
  /**
   * Shown in the console: say what the cache holds.
   * @default "Cache <name>"
   */
  readonly description?: string;
  /**
   * "valkey" or "redis" (Redis OSS). An existing Redis OSS group can be upgraded in place to Valkey; not back.
   * @default "valkey"
   */
  readonly engine?: CacheEngine;
  /**
   * Engine version as <major>.<minor> (ElastiCache applies the newest patch), e.g. "8.1" or "7.2" for Valkey,
   * "7.1" or "6.2" for Redis OSS. A lower version than the running one replaces the cache.
   * @default - "8.1" for Valkey, "7.1" for Redis OSS
   */
  readonly engineVersion?: string;
  /**
   * Node type, e.g. "cache.t4g.micro" (0.5 GiB) or "cache.m7g.large" (6.4 GiB). T types run on CPU credits.
   * @default "cache.t3.micro"
   */
  readonly nodeType?: string;
  /**
   * Read replicas beside the primary, 0-5: the group has 1 + replicas nodes, each billed. Readers use the reader
   * endpoint; with multiAz a replica takes over when the primary fails.
   * @default 0
   */
  readonly replicas?: number;
  /**
   * Multi-AZ with automatic failover: ElastiCache places the replicas in other availability zones than the primary
   * and promotes one when the primary fails (the primary endpoint follows). Needs replicas >= 1 and subnets in at
   * least two availability zones. A Terraform boolean switches it per environment.
   * @default false
   */
  readonly multiAz?: Switch;
  /** VPC of the cache's security group. */
  readonly vpcId: string;
  /** Private subnets the nodes are placed in (a cache subnet group is created); with multiAz, in two or more AZs. */
  readonly subnetIds: string[];
  /**
   * Security groups whose members may connect, keyed by a stable name (`{ app: appGroup.id }`): the cache's own
   * security group opens the port to each of them (one described rule per key) and to nothing else.
   */
  readonly allowedSecurityGroups: Readonly<Record<string, string>>;
  /**
   * Port the nodes listen on, 1-65535.
   * @default 6379
   */
  readonly port?: number;
  /**
   * ARN of a customer managed KMS key for encryption at rest (nodes' disks, snapshots). Encryption at rest is always
   * on; without a key ElastiCache uses a key it manages.
   * @default - encryption at rest with the service's key
   */
  readonly kmsKeyArn?: string;
  /**
   * Days ElastiCache keeps the daily automatic snapshots, 0-35; 0 turns automatic snapshots off.
   * @default 1
   */
  readonly snapshotRetentionDays?: number;
  /**
   * Daily time range (UTC, HH:MM-HH:MM, at least 60 minutes) in which the automatic snapshot starts. It must not
   * overlap maintenanceWindow.
   * @default "03:00-04:00"
   */
  readonly snapshotWindow?: string;
  /**
   * Weekly time range (UTC, ddd:HH:MM-ddd:HH:MM, at least 60 minutes) for patches and changes that wait for it.
   * @default "sun:05:00-sun:06:00"
   */
  readonly maintenanceWindow?: string;
  /**
   * Whether changes are applied at once rather than in the next maintenance window (some restart nodes).
   * @default false
   */
  readonly applyImmediately?: Switch;
  /**
   * Name of a cache parameter group of the engine's family (e.g. "valkey8"). It must keep cluster mode off: the
   * module builds one shard with a primary and a reader endpoint.
   * @default - the engine version's default parameter group
   */
  readonly parameterGroupName?: string;
  /**
   * Name of a snapshot ElastiCache takes when the cache is deleted (1-255 letters, digits and hyphens, starting
   * with a letter). A second destroy with the same name fails while the first snapshot exists.
   * @default - no final snapshot: `terraform destroy` drops the data
   */
  readonly finalSnapshotIdentifier?: string;
  /**
   * Engine logs to CloudWatch Logs (a log group per type, with retention).
   * @default - no log delivery
   */
  readonly logDelivery?: CacheLogDelivery;
  /**
   * Tags for every resource the module creates.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place. */
export const CACHE_DEFAULTS = {
  engine: "valkey" as CacheEngine,
  nodeType: "cache.t3.micro",
  replicas: 0,
  multiAz: false as Switch,
  port: 6379,
  snapshotRetentionDays: 1,
  snapshotWindow: "03:00-04:00",
  maintenanceWindow: "sun:05:00-sun:06:00",
  applyImmediately: false as Switch,
  tags: {} as Readonly<Record<string, string>>,
} as const;

/** Default engine version per engine: the newest <major>.<minor> ElastiCache offered when this was written. */
export const DEFAULT_ENGINE_VERSION: Readonly<Record<CacheEngine, string>> = { valkey: "8.1", redis: "7.1" };

/** Defaults of logDelivery. */
export const LOG_DELIVERY_DEFAULTS = { logTypes: ["slow-log"] as readonly CacheLogType[], retentionDays: 30, format: "json" as const };

/** Props with every default applied, the engine version and description included. */
export type ResolvedCacheProps = CacheProps &
  Required<Pick<CacheProps, keyof typeof CACHE_DEFAULTS | "engineVersion" | "description">>;

export function withDefaults(props: CacheProps): ResolvedCacheProps {
  const p = applyDefaults(props, CACHE_DEFAULTS);
  return { ...p, engineVersion: p.engineVersion ?? DEFAULT_ENGINE_VERSION[p.engine], description: p.description ?? `Cache ${p.name}` };
}

/** How the engine is called in descriptions. */
export const ENGINE_LABEL: Readonly<Record<CacheEngine, string>> = { valkey: "Valkey", redis: "Redis OSS" };

/**
 * On-demand node prices for Redis OSS in us-east-1, USD per hour (AWS Price List, AmazonElastiCache "Cache Instance",
 * 2025). Kept here, not in the shared price table. A node type missing here makes the cost item "unknown".
 */
export const REDIS_OSS_NODE_USD_PER_HOUR: Readonly<Record<string, number>> = {
  "cache.t3.micro": 0.017, "cache.t3.small": 0.034, "cache.t3.medium": 0.068,
  "cache.t4g.micro": 0.016, "cache.t4g.small": 0.032, "cache.t4g.medium": 0.065,
  "cache.m6g.large": 0.149, "cache.m7g.large": 0.158,
  "cache.r6g.large": 0.206, "cache.r7g.large": 0.219,
};

/** Valkey nodes cost 20 % less than Redis OSS nodes of the same type (node-based clusters). */
export const VALKEY_PRICE_FACTOR = 0.8;
