import { applyDefaults, Switch } from "../core/index.js";

/** Logs RDS for PostgreSQL can export to CloudWatch Logs. */
export type DatabaseLogExport = "postgresql" | "upgrade" | "iam-db-auth-error";
export const DATABASE_LOG_EXPORTS: readonly DatabaseLogExport[] = ["postgresql", "upgrade", "iam-db-auth-error"];

/** The port PostgreSQL listens on (fixed: clients and the security group rule use it). */
export const DATABASE_PORT = 5432;

export interface DatabaseProps {
  /**
   * DB instance identifier, unique in the account and region: 1-63 lower-case letters, digits and hyphens, starting
   * with a letter, without two hyphens in a row or a trailing hyphen. Also names the subnet group, prefixes the
   * security group and the parameter group, and names the final snapshot (`<name>-final`). Changing it replaces the
   * database.
   */
  readonly name: string;
  /**
   * PostgreSQL major version, e.g. "16" or "17". Only the major is pinned: RDS applies minor versions in the
   * maintenance window (`auto_minor_version_upgrade`). A major upgrade is a change of this prop (and of the parameter
   * group family with it).
   * @default "16"
   */
  readonly engineVersion?: string;
  /**
   * Instance class, e.g. "db.t4g.medium" (2 vCPU, 4 GiB) or "db.m7g.large". T classes run on CPU credits.
   * @default "db.t3.medium"
   */
  readonly instanceClass?: string;
  /**
   * Storage allocated at creation, GiB of gp3, 20-65536. RDS grows it by itself up to maxAllocatedStorageGiB; it never
   * shrinks.
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Ceiling of storage autoscaling, GiB, above allocatedStorageGiB (at most 65536): RDS adds storage when free space
   * runs low, never beyond this.
   * @default 100
   */
  readonly maxAllocatedStorageGiB?: number;
  /**
   * ARN of a customer managed KMS key for the storage, the automated backups and snapshots, and the master password's
   * secret. Storage is always encrypted; changing the key replaces the database.
   * @default - the aws/rds key for storage, the aws/secretsmanager key for the secret
   */
  readonly kmsKeyArn?: string;
  /**
   * A standby in a second availability zone, synchronously replicated, that RDS fails over to (the endpoint follows).
   * Doubles the instance and storage price. A Terraform boolean switches it per environment.
   * @default false
   */
  readonly multiAz?: Switch;
  /** VPC of the database's security group. */
  readonly vpcId: string;
  /**
   * Private subnets the instance may be placed in (a DB subnet group is created), in at least two availability zones
   * (RDS requires it even without multiAz).
   */
  readonly subnetIds: string[];
  /**
   * Security groups whose members may connect, keyed by a stable name (`{ app: appGroup.id }`): the database's own
   * security group opens port 5432 to each of them (one described rule per key) and to nothing else.
   */
  readonly allowedSecurityGroups: Readonly<Record<string, string>>;
  /**
   * Database created with the instance: 1-63 letters, digits and underscores, starting with a letter.
   */
  readonly databaseName: string;
  /**
   * Master user name: 1-63 letters, digits and underscores, starting with a letter, not a name RDS or PostgreSQL
   * reserves ("admin", "rdsadmin", "public", names starting with "rds_" or "pg_", ...). Changing it replaces the
   * database. Its password is generated and rotated by RDS in Secrets Manager (see `masterSecretArn`).
   * @default "postgres"
   */
  readonly masterUsername?: string;
  /**
   * Days RDS keeps automated backups (point-in-time recovery), 1-35. Backup storage up to the database's size is free.
   * @default 7
   */
  readonly backupRetentionDays?: number;
  /**
   * Daily time range (UTC, HH:MM-HH:MM, at least 30 minutes) of the automated backup. It must not overlap
   * maintenanceWindow.
   * @default "03:00-04:00"
   */
  readonly backupWindow?: string;
  /**
   * Weekly time range (UTC, ddd:HH:MM-ddd:HH:MM, at least 30 minutes) for minor upgrades, patches and changes that wait
   * for it.
   * @default "sun:05:00-sun:06:00"
   */
  readonly maintenanceWindow?: string;
  /**
   * Whether RDS refuses to delete the instance (`terraform destroy` fails until it is switched off and applied).
   * @default true
   */
  readonly deletionProtection?: Switch;
  /**
   * Whether RDS takes a snapshot `<name>-final` when the instance is deleted. A second destroy with the same name fails
   * while that snapshot exists: delete or rename it first.
   * @default true
   */
  readonly finalSnapshot?: Switch;
  /**
   * Performance Insights, with the free 7 days of retention (its KMS key is the aws/rds key).
   * @default true
   */
  readonly performanceInsights?: Switch;
  /**
   * Logs exported to CloudWatch Logs (`/aws/rds/instance/<name>/<log>`, created by RDS, kept forever unless a log group
   * with retention exists first): "postgresql", "upgrade", "iam-db-auth-error".
   * @default ["postgresql"]
   */
  readonly cloudwatchLogsExports?: readonly DatabaseLogExport[];
  /**
   * When RDS rotates the master password (it does every 7 days by default, at any hour): a Secrets Manager schedule
   * expression such as "cron(0 4 ? * SUN *)" (UTC) and the window's length ("1h" to "24h"), so that clients that
   * re-read the secret do it at a known, quiet time. Applied to the RDS-managed secret without rotating it now.
   * @default - RDS's own schedule (every 7 days)
   */
  readonly masterPasswordRotation?: { readonly scheduleExpression: string; readonly duration?: string };
  /**
   * Whether changes are applied at once rather than in the next maintenance window (some restart the instance).
   * @default false
   */
  readonly applyImmediately?: Switch;
  /**
   * Tags for every resource the module creates (copied to snapshots).
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place. */
export const DATABASE_DEFAULTS = {
  engineVersion: "16",
  instanceClass: "db.t3.medium",
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  multiAz: false as Switch,
  masterUsername: "postgres",
  backupRetentionDays: 7,
  backupWindow: "03:00-04:00",
  maintenanceWindow: "sun:05:00-sun:06:00",
  deletionProtection: true as Switch,
  finalSnapshot: true as Switch,
  performanceInsights: true as Switch,
  cloudwatchLogsExports: ["postgresql"] as readonly DatabaseLogExport[],
  applyImmediately: false as Switch,
  tags: {} as Readonly<Record<string, string>>,
} as const;

/** Props with every default applied. */
export type ResolvedDatabaseProps = DatabaseProps & Required<Pick<DatabaseProps, keyof typeof DATABASE_DEFAULTS>>;

export function withDefaults(props: DatabaseProps): ResolvedDatabaseProps {
  return applyDefaults(props, DATABASE_DEFAULTS);
}

/** Days of Performance Insights history that are free. */
export const PERFORMANCE_INSIGHTS_FREE_DAYS = 7;

/**
 * On-demand prices of RDS for PostgreSQL instances, single-AZ, us-east-1, USD per hour. Written from memory of the
 * AWS price list (2025) and not checked against the Price List API: verify before relying on them. Multi-AZ costs
 * twice as much. Kept here, not in the shared price table. A class missing here makes the cost item "unknown".
 */
export const POSTGRES_INSTANCE_USD_PER_HOUR: Readonly<Record<string, number>> = {
  "db.t3.micro": 0.018, "db.t3.small": 0.036, "db.t3.medium": 0.072, "db.t3.large": 0.145,
  "db.t4g.micro": 0.016, "db.t4g.small": 0.032, "db.t4g.medium": 0.065,
  "db.m7g.large": 0.168,
};

/** gp3 storage, single-AZ, us-east-1, USD per GiB-month (from memory, unverified; Multi-AZ twice that). */
export const GP3_USD_PER_GIB_MONTH = 0.115;
