import { applyDefaults, Switch } from "../core/index.js";

/** DynamoDB scalar types a key attribute can have: string, number, binary. */
export const KEY_ATTRIBUTE_TYPES = ["S", "N", "B"] as const;
export type KeyAttributeType = (typeof KEY_ATTRIBUTE_TYPES)[number];

/** A key attribute: its name and scalar type. */
export interface KeyAttribute {
  /** Attribute name, 1-255 characters, e.g. "pk" or "userId". */
  readonly name: string;
  /** "S" (string), "N" (number) or "B" (binary). */
  readonly type: KeyAttributeType;
}

export type BillingMode = "PAY_PER_REQUEST" | "PROVISIONED";

/** What DynamoDB writes to the table's stream for each changed item. */
export type StreamViewType = "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";

/** Which attributes a global secondary index copies from the table. */
export type IndexProjection = "ALL" | "KEYS_ONLY" | "INCLUDE";

/** A global secondary index: another key to query the table by. */
export interface GlobalSecondaryIndex {
  /**
   * Index name, its stable key: 3-255 letters, digits, "_", "-" and ".", unique in the table. Renaming an index
   * deletes it and builds a new one (DynamoDB backfills it from the table, which takes a while on a large table).
   */
  readonly name: string;
  /** Partition key of the index. An attribute the table also uses as a key must have the same type here. */
  readonly hashKey: KeyAttribute;
  /**
   * Sort key of the index.
   * @default - none: the index has a partition key only
   */
  readonly rangeKey?: KeyAttribute;
  /**
   * Attributes the index holds besides the keys: "ALL", "KEYS_ONLY", or "INCLUDE" with nonKeyAttributes.
   * @default "ALL"
   */
  readonly projection?: IndexProjection;
  /**
   * Attributes projected into the index with projection "INCLUDE" (and only then).
   * @default - none
   */
  readonly nonKeyAttributes?: readonly string[];
  /**
   * Read capacity units of the index with billingMode "PROVISIONED" (a whole number >= 1).
   * @default - the table's readCapacity
   */
  readonly readCapacity?: number;
  /**
   * Write capacity units of the index with billingMode "PROVISIONED" (a whole number >= 1).
   * @default - the table's writeCapacity
   */
  readonly writeCapacity?: number;
}

export interface TableProps {
  /** Table name, unique in the account and region: 3-255 letters, digits, "_", "-" and ".". */
  readonly name: string;
  /** Partition key. Changing it replaces the table (and loses its items). */
  readonly hashKey: KeyAttribute;
  /**
   * Sort key. Changing it replaces the table (and loses its items).
   * @default - none: items are addressed by the partition key alone
   */
  readonly rangeKey?: KeyAttribute;
  /**
   * "PAY_PER_REQUEST" (on demand: billed per request, nothing fixed) or "PROVISIONED" (fixed read and write capacity
   * units, billed per hour; give readCapacity and writeCapacity).
   * @default "PAY_PER_REQUEST"
   */
  readonly billingMode?: BillingMode;
  /**
   * Read capacity units with billingMode "PROVISIONED" (a whole number >= 1); not allowed on demand.
   * @default - none (required with "PROVISIONED")
   */
  readonly readCapacity?: number;
  /**
   * Write capacity units with billingMode "PROVISIONED" (a whole number >= 1); not allowed on demand.
   * @default - none (required with "PROVISIONED")
   */
  readonly writeCapacity?: number;
  /**
   * Point-in-time recovery: continuous backups to restore the table to any second of the recovery period, into a
   * new table. A Terraform boolean switches it per environment.
   * @default true
   */
  readonly pointInTimeRecovery?: Switch;
  /**
   * Days point-in-time recovery goes back, 1-35 (the price does not depend on it).
   * @default - AWS's default, 35 days
   */
  readonly pointInTimeRecoveryDays?: number;
  /**
   * Whether DynamoDB refuses to delete the table (`terraform destroy` fails until it is switched off and applied).
   * A Terraform boolean switches it per environment.
   * @default true
   */
  readonly deletionProtection?: Switch;
  /**
   * Name of a Number attribute holding an expiry time in epoch seconds: DynamoDB deletes expired items (typically
   * within a few days of expiry, without charge).
   * @default - no time to live: items stay until deleted
   */
  readonly ttlAttribute?: string;
  /**
   * ARN of a customer managed KMS key that encrypts the table, its indexes, stream and backups. The statements from
   * `policyStatements()` then include the use of this key. DynamoDB always encrypts at rest: without a key it uses
   * an AWS owned key (no KMS charge, no key policy to manage, but no CloudTrail record of its use).
   * @default - encryption at rest with the AWS owned key
   */
  readonly kmsKeyArn?: string;
  /**
   * Global secondary indexes, keyed by their names (at most 20).
   * @default [] - none
   */
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndex[];
  /**
   * Turns the table's stream on with this view type (item changes kept 24 hours, for Lambda or Kinesis consumers).
   * @default - no stream
   */
  readonly streamViewType?: StreamViewType;
  /**
   * Expected amount of data in GiB (items and indexes), for the stack's cost estimate: storage at $0.25/GB-month
   * and, while point-in-time recovery is on, $0.20/GB-month for it. On-demand requests are not counted (there is no
   * fixed price); with "PROVISIONED" the capacity is counted whether or not this is given.
   * @default - no storage or backup cost item
   */
  readonly costedSizeGiB?: number;
  /**
   * Tags for the table.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place. */
export const TABLE_DEFAULTS = {
  billingMode: "PAY_PER_REQUEST" as BillingMode,
  pointInTimeRecovery: true as Switch,
  deletionProtection: true as Switch,
  globalSecondaryIndexes: [] as readonly GlobalSecondaryIndex[],
  tags: {} as Readonly<Record<string, string>>,
} as const;

/** Props with every default applied. */
export type ResolvedTableProps = TableProps & Required<Pick<TableProps, keyof typeof TABLE_DEFAULTS>>;

export function withDefaults(props: TableProps): ResolvedTableProps {
  return applyDefaults(props, TABLE_DEFAULTS);
}

/** The projection an index gets when none is given. */
export const DEFAULT_PROJECTION: IndexProjection = "ALL";

/** Global secondary indexes a table may have (AWS's default quota). */
export const MAX_GLOBAL_SECONDARY_INDEXES = 20;

// us-east-1 list prices of the Standard table class, kept here rather than in the shared price table.
/** Table storage (items and indexes), USD per GB-month (the first 25 GB of each account are free, not counted). */
export const DYNAMODB_STORAGE_USD_PER_GIB_MONTH = 0.25;
/** Point-in-time recovery (continuous backups), USD per GB-month of table size. */
export const DYNAMODB_PITR_USD_PER_GIB_MONTH = 0.2;
/** One provisioned read capacity unit, USD per hour. */
export const DYNAMODB_RCU_USD_PER_HOUR = 0.00013;
/** One provisioned write capacity unit, USD per hour. */
export const DYNAMODB_WCU_USD_PER_HOUR = 0.00065;
