import { IConstruct } from "constructs";
import { dailyWindow, isKnown, isPort, LOG_RETENTION_DAYS, validateAll, weeklyWindow, windowsOverlap } from "../core/index.js";
import { CACHE_ENGINES, CACHE_LOG_TYPES, ResolvedCacheProps } from "./props.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;
const NODE_TYPE = /^cache\.[a-z0-9]+\.[a-z0-9]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
// The formats hashicorp/aws 6.x accepts (internal/service/elasticache/engine_version.go).
const VALKEY_VERSION = /^[7-9]\.\d+$/;
const REDIS_VERSION = /^([1-5](\.\d+){2}|6\.x|[6-9]\.\d+)$/;

/** Replication group ids: lower-case letter first, then letters, digits and single hyphens, no trailing hyphen. */
export function isReplicationGroupId(name: string): boolean {
  return /^[a-z][a-z0-9-]{0,39}$/.test(name) && !name.includes("--") && !name.endsWith("-");
}

/** A snapshot name ElastiCache accepts: a letter first, letters, digits and single hyphens, no trailing hyphen. */
function isSnapshotName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(name) && !name.includes("--") && !name.endsWith("-");
}

export function validateCacheProps(scope: IConstruct, props: ResolvedCacheProps): void {
  const { name, engine, engineVersion: version, nodeType, replicas, multiAz, port, logDelivery } = props;
  const groups = Object.entries(props.allowedSecurityGroups);
  const snapshot = isKnown(props.snapshotWindow) ? dailyWindow(props.snapshotWindow) : undefined;
  const maintenance = isKnown(props.maintenanceWindow) ? weeklyWindow(props.maintenanceWindow) : undefined;
  const logTypes = logDelivery?.logTypes;
  const retention = logDelivery?.retentionDays;
  validateAll(scope, [
    {
      failed: isKnown(name) && !isReplicationGroupId(name),
      message: `name "${name}" must be 1-40 lower-case letters, digits and hyphens, starting with a letter, without "--" or a trailing hyphen, e.g. "shop-cache".`,
    },
    { failed: isKnown(props.description) && props.description.trim() === "", message: "description is empty: say what the cache holds, or leave it out." },
    { failed: !CACHE_ENGINES.includes(engine), message: `engine "${engine}" is not a replication group engine: use "valkey" or "redis".` },
    {
      failed: engine === "valkey" && isKnown(version) && !VALKEY_VERSION.test(version),
      message: `engineVersion "${version}" is not a Valkey version: use <major>.<minor>, e.g. "8.1" or "7.2".`,
    },
    {
      failed: engine === "redis" && isKnown(version) && !REDIS_VERSION.test(version),
      message: `engineVersion "${version}" is not a Redis OSS version: use <major>.<minor> from 6 on, e.g. "7.1" or "6.2" (<major>.<minor>.<patch> before 6).`,
    },
    { failed: isKnown(nodeType) && !NODE_TYPE.test(nodeType), message: `nodeType "${nodeType}" is not a cache node type: use cache.family.size, e.g. "cache.t4g.micro".` },
    {
      failed: isKnown(replicas) && (!Number.isInteger(replicas) || replicas < 0 || replicas > 5),
      message: `replicas ${replicas} must be a whole number of read replicas from 0 to 5.`,
    },
    {
      failed: multiAz === true && isKnown(replicas) && replicas < 1,
      message: "multiAz needs a replica to fail over to: set replicas to 1 or more, or leave multiAz off.",
    },
    {
      failed: multiAz === true && isKnown(props.subnetIds) && props.subnetIds.length < 2,
      message: "multiAz needs subnets in at least two availability zones: give two or more subnetIds.",
    },
    { failed: isKnown(props.subnetIds) && props.subnetIds.length === 0, message: "subnetIds is empty: give the private subnets the cache nodes go in." },
    {
      failed: groups.length === 0,
      message: "allowedSecurityGroups is empty: give the security groups of the clients, e.g. { app: appGroup.id }; the cache is open to nothing else.",
    },
    ...groups.map(([key]) => ({ failed: !KEY.test(key), message: `allowedSecurityGroups key "${key}" must be lower-case letters, digits and dashes.` })),
    { failed: isKnown(port) && !isPort(port), message: `port ${port} is not a port: use 1-65535 (6379 is the usual one).` },
    {
      failed: isKnown(props.kmsKeyArn) && !KMS_KEY_ARN.test(props.kmsKeyArn),
      message: `kmsKeyArn "${props.kmsKeyArn}" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.`,
    },
    {
      failed: isKnown(props.snapshotRetentionDays) && (!Number.isInteger(props.snapshotRetentionDays) || props.snapshotRetentionDays < 0 || props.snapshotRetentionDays > 35),
      message: `snapshotRetentionDays ${props.snapshotRetentionDays} must be a whole number of days from 0 (no automatic snapshots) to 35.`,
    },
    {
      failed: isKnown(props.snapshotWindow) && (snapshot === undefined || snapshot.end - snapshot.start < 60),
      message: `snapshotWindow "${props.snapshotWindow}" must be a daily UTC range of at least 60 minutes, HH:MM-HH:MM, e.g. "03:00-04:00".`,
    },
    {
      failed: isKnown(props.maintenanceWindow) && (maintenance === undefined || maintenance.end - maintenance.start < 60),
      message: `maintenanceWindow "${props.maintenanceWindow}" must be a weekly UTC range of at least 60 minutes, ddd:HH:MM-ddd:HH:MM, e.g. "sun:05:00-sun:06:00".`,
    },
    {
      failed: snapshot !== undefined && maintenance !== undefined && windowsOverlap(snapshot, maintenance),
      message: `snapshotWindow "${props.snapshotWindow}" overlaps maintenanceWindow "${props.maintenanceWindow}": ElastiCache needs them apart; move one.`,
    },
    {
      failed: isKnown(props.parameterGroupName) && props.parameterGroupName.trim() === "",
      message: "parameterGroupName is empty: name a parameter group, or leave it out for the engine's default.",
    },
    {
      failed: isKnown(props.finalSnapshotIdentifier) && !isSnapshotName(props.finalSnapshotIdentifier),
      message: `finalSnapshotIdentifier "${props.finalSnapshotIdentifier}" must be 1-255 letters, digits and hyphens, starting with a letter, without "--" or a trailing hyphen.`,
    },
    { failed: logTypes !== undefined && logTypes.length === 0, message: "logDelivery.logTypes is empty: list \"slow-log\" and/or \"engine-log\", or leave logDelivery out." },
    {
      failed: logTypes !== undefined && logTypes.some((t, i) => !CACHE_LOG_TYPES.includes(t) || logTypes.indexOf(t) !== i),
      message: `logDelivery.logTypes ${JSON.stringify(logTypes)} must list "slow-log" and "engine-log" at most once each.`,
    },
    {
      failed: isKnown(retention) && !LOG_RETENTION_DAYS.includes(retention),
      message: `logDelivery.retentionDays ${retention} is not a CloudWatch Logs retention: use one of ${LOG_RETENTION_DAYS.join(", ")}.`,
    },
  ]);
}

/** Checks the database number given to {@link Cache.url}. */
export function validateDatabase(scope: IConstruct, db: number): void {
  validateAll(scope, [
    { failed: isKnown(db) && (!Number.isInteger(db) || db < 0), message: `url database ${db} must be a whole number >= 0 (0-15 with the default "databases" parameter).` },
  ]);
}
