import { IConstruct } from "constructs";
import { dailyWindow, isKnown, validateAll, weeklyWindow, windowsOverlap } from "../core/index.js";
import { DATABASE_LOG_EXPORTS, ResolvedDatabaseProps } from "./props.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;
const INSTANCE_CLASS = /^db\.[a-z0-9-]+\.[a-z0-9]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const MAJOR_VERSION = /^(1[1-9]|[2-9]\d)$/;
const PG_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
/** Master user names RDS for PostgreSQL refuses (besides the rds_ and pg_ prefixes). */
export const RESERVED_MASTER_USERNAMES = ["admin", "rdsadmin", "rdsrepladmin", "public", "user", "current_user", "session_user"];

/** DB instance identifiers: lower-case letter first, then letters, digits and single hyphens, no trailing hyphen. */
export function isDbIdentifier(name: string): boolean {
  return /^[a-z][a-z0-9-]{0,62}$/.test(name) && !name.includes("--") && !name.endsWith("-");
}

/** Whether RDS or PostgreSQL reserves the master user name (case-insensitive: PostgreSQL folds it to lower case). */
export function isReservedUsername(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_MASTER_USERNAMES.includes(lower) || lower.startsWith("rds_") || lower.startsWith("pg_");
}

const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

/** Checks what can be checked at synth; values that are Terraform tokens are left to Terraform and RDS. */
export function validateDatabaseProps(scope: IConstruct, props: ResolvedDatabaseProps): void {
  const { name, engineVersion, instanceClass, allocatedStorageGiB: allocated, maxAllocatedStorageGiB: max, masterUsername: user, databaseName } = props;
  const groups = Object.entries(props.allowedSecurityGroups);
  const rotation = props.masterPasswordRotation;
  const backup = isKnown(props.backupWindow) ? dailyWindow(props.backupWindow) : undefined;
  const maintenance = isKnown(props.maintenanceWindow) ? weeklyWindow(props.maintenanceWindow) : undefined;
  const logs = props.cloudwatchLogsExports;
  validateAll(scope, [
    {
      failed: isKnown(name) && !isDbIdentifier(name),
      message: `name "${name}" must be 1-63 lower-case letters, digits and hyphens, starting with a letter, without "--" or a trailing hyphen, e.g. "orders-db".`,
    },
    {
      failed: isKnown(engineVersion) && !MAJOR_VERSION.test(engineVersion),
      message: `engineVersion "${engineVersion}" is not a PostgreSQL major version: give the major only, e.g. "16" (minor versions are applied by RDS).`,
    },
    { failed: isKnown(instanceClass) && !INSTANCE_CLASS.test(instanceClass), message: `instanceClass "${instanceClass}" is not a DB instance class: use db.family.size, e.g. "db.t4g.medium".` },
    {
      failed: isKnown(allocated) && !whole(allocated, 20, 65536),
      message: `allocatedStorageGiB ${allocated} must be a whole number of GiB from 20 to 65536 (gp3).`,
    },
    {
      failed: isKnown(max) && !whole(max, 21, 65536),
      message: `maxAllocatedStorageGiB ${max} must be a whole number of GiB from 21 to 65536 (the storage autoscaling ceiling).`,
    },
    {
      failed: isKnown(allocated) && isKnown(max) && whole(max, 21, 65536) && max <= allocated,
      message: `maxAllocatedStorageGiB ${max} must be above allocatedStorageGiB ${allocated}: it is the ceiling storage autoscaling may grow to.`,
    },
    {
      failed: isKnown(props.kmsKeyArn) && !KMS_KEY_ARN.test(props.kmsKeyArn),
      message: `kmsKeyArn "${props.kmsKeyArn}" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.`,
    },
    {
      failed: isKnown(props.subnetIds) && props.subnetIds.length < 2,
      message: "subnetIds must list at least two private subnets in different availability zones: RDS requires it for a DB subnet group.",
    },
    {
      failed: groups.length === 0,
      message: "allowedSecurityGroups is empty: give the security groups of the clients, e.g. { app: appGroup.id }; the database is open to nothing else.",
    },
    ...groups.map(([key]) => ({ failed: !KEY.test(key), message: `allowedSecurityGroups key "${key}" must be lower-case letters, digits and dashes.` })),
    {
      failed: isKnown(databaseName) && !PG_NAME.test(databaseName),
      message: `databaseName "${databaseName}" must be 1-63 letters, digits and underscores, starting with a letter, e.g. "orders".`,
    },
    {
      failed: isKnown(user) && !PG_NAME.test(user),
      message: `masterUsername "${user}" must be 1-63 letters, digits and underscores, starting with a letter.`,
    },
    {
      failed: isKnown(user) && PG_NAME.test(user) && isReservedUsername(user),
      message: `masterUsername "${user}" is reserved by RDS or PostgreSQL (${RESERVED_MASTER_USERNAMES.join(", ")}, rds_*, pg_*): choose another, e.g. "postgres".`,
    },
    {
      failed: isKnown(props.backupRetentionDays) && !whole(props.backupRetentionDays, 1, 35),
      message: `backupRetentionDays ${props.backupRetentionDays} must be a whole number of days from 1 to 35.`,
    },
    {
      failed: isKnown(props.backupWindow) && (backup === undefined || backup.end - backup.start < 30),
      message: `backupWindow "${props.backupWindow}" must be a daily UTC range of at least 30 minutes, HH:MM-HH:MM, e.g. "03:00-04:00".`,
    },
    {
      failed: isKnown(props.maintenanceWindow) && (maintenance === undefined || maintenance.end - maintenance.start < 30),
      message: `maintenanceWindow "${props.maintenanceWindow}" must be a weekly UTC range of at least 30 minutes, ddd:HH:MM-ddd:HH:MM, e.g. "sun:05:00-sun:06:00".`,
    },
    {
      failed: backup !== undefined && maintenance !== undefined && windowsOverlap(backup, maintenance),
      message: `backupWindow "${props.backupWindow}" overlaps maintenanceWindow "${props.maintenanceWindow}": RDS needs them apart; move one.`,
    },
    {
      failed: rotation !== undefined && isKnown(rotation.scheduleExpression) && !/^(cron\(.+\)|rate\([0-9]+ (hours|days)\))$/.test(rotation.scheduleExpression),
      message: `masterPasswordRotation.scheduleExpression "${rotation?.scheduleExpression}" must be a Secrets Manager schedule, cron(...) or rate(N days), e.g. "cron(0 4 ? * SUN *)".`,
    },
    {
      failed: rotation?.duration !== undefined && isKnown(rotation.duration) && !/^([1-9]|1[0-9]|2[0-4])h$/.test(rotation.duration),
      message: `masterPasswordRotation.duration "${rotation?.duration}" must be a whole number of hours from 1h to 24h, e.g. "1h".`,
    },
    {
      failed: isKnown(logs) && logs.some((l, i) => !DATABASE_LOG_EXPORTS.includes(l) || logs.indexOf(l) !== i),
      message: `cloudwatchLogsExports ${JSON.stringify(logs)} must list ${DATABASE_LOG_EXPORTS.map((l) => `"${l}"`).join(", ")} at most once each.`,
    },
  ]);
}
