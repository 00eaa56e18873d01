import { applyDefaults, Switch } from "../core/index.js";

/** Storage classes a lifecycle rule can move current objects to. */
export const TRANSITION_STORAGE_CLASSES = ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] as const;
export type TransitionStorageClass = (typeof TRANSITION_STORAGE_CLASSES)[number];

/** Storage classes S3 only accepts as a transition target after at least 30 days in S3 Standard. */
export const MIN_30_DAY_TRANSITION_CLASSES: readonly TransitionStorageClass[] = ["STANDARD_IA", "ONEZONE_IA"];

/** A move of current objects to a cheaper storage class. */
export interface LifecycleTransition {
  /** Days after an object's creation, a whole number >= 1 (>= 30 for STANDARD_IA and ONEZONE_IA). */
  readonly days: number;
  /** Target storage class, e.g. "GLACIER_IR" (millisecond reads), "GLACIER" or "DEEP_ARCHIVE" (hours to restore). */
  readonly storageClass: TransitionStorageClass;
}

/** What happens to the current objects under one prefix as they age. */
export interface PrivateBucketLifecycleRule {
  /**
   * Stable key, the rule's id in S3: lower-case letters, digits and dashes, unique in the bucket. "noncurrent-versions"
   * and "abort-incomplete-uploads" are taken by the bucket's own rules.
   */
  readonly key: string;
  /**
   * Key prefix the rule applies to, e.g. "exports/" (no leading slash).
   * @default "" - the whole bucket
   */
  readonly prefix?: string;
  /**
   * Days after an object's creation when it expires (deleted; in a versioned bucket it becomes a noncurrent version
   * behind a delete marker, removed by the noncurrent-version rule). A whole number >= 1.
   * @default - current objects never expire
   */
  readonly expirationDays?: number;
  /**
   * Move current objects to another storage class; must come before expirationDays.
   * @default - objects stay in S3 Standard
   */
  readonly transition?: LifecycleTransition;
}

export interface PrivateBucketProps {
  /**
   * Bucket name, globally unique: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a
   * letter or digit, no "..", not an IP address. Give this or bucketPrefix.
   * @default - none: give bucketPrefix instead
   */
  readonly bucketName?: string;
  /**
   * Bucket name prefix (at most 37 characters): Terraform appends a unique suffix. Give this or bucketName.
   * @default - none: give bucketName instead
   */
  readonly bucketPrefix?: string;
  /**
   * Name of an existing bucket to use instead of creating one, usually a variable ("" when unset). When it is
   * non-empty nothing is created (none of the bucket's settings are applied: the bucket's owner keeps them) and a
   * data source checks that the bucket exists; a Terraform token decides at plan time. bucketName / bucketPrefix
   * still name the bucket created when it is "".
   * @default - always create the bucket
   */
  readonly existingBucketName?: string;
  /**
   * Whether `terraform destroy` deletes the bucket with its objects (and versions). Keep false for data that matters.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`) for default encryption with SSE-KMS and S3 bucket keys.
   * The statements from `policyStatements()` then include the use of this key.
   * @default - SSE-S3 (AES256, keys managed by S3, no KMS cost)
   */
  readonly kmsKeyArn?: string;
  /**
   * Whether object versioning is on (a Terraform boolean switches it per environment). Off means "Suspended", which
   * is valid whether or not versioning was ever enabled, so the switch can go both ways.
   * @default true
   */
  readonly versioned?: Switch;
  /**
   * Days a version stays after it became noncurrent (overwritten or deleted) before S3 deletes it; delete markers
   * left without versions are removed too. Only applies while versioned. A whole number >= 1.
   * @default 30
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days after which S3 aborts an incomplete multipart upload and deletes its parts (billed until then).
   * A whole number >= 1.
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Expiration and storage-class transitions of current objects, per prefix.
   * @default [] - objects are kept in S3 Standard until deleted
   */
  readonly lifecycleRules?: readonly PrivateBucketLifecycleRule[];
  /**
   * Whether the bucket policy also denies requests made with TLS older than 1.2 (`s3:TlsVersion` < 1.2).
   * Requests without TLS are always denied.
   * @default false
   */
  readonly denyTlsBelow12?: boolean;
  /**
   * Expected amount of data in GiB, for the stack's cost estimate (priced at S3 Standard, so an upper bound when
   * objects move to cheaper classes; requests are not counted).
   * @default - no cost item
   */
  readonly costedSizeGiB?: number;
  /**
   * Tags for the bucket.
   * @default - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Defaults, applied in one place. */
export const PRIVATE_BUCKET_DEFAULTS = {
  forceDestroy: false,
  versioned: true,
  noncurrentVersionExpirationDays: 30,
  abortIncompleteMultipartUploadDays: 7,
  lifecycleRules: [] as readonly PrivateBucketLifecycleRule[],
  denyTlsBelow12: false,
  tags: {} as Readonly<Record<string, string>>,
} as const;

/** Props with every default applied. */
export type ResolvedPrivateBucketProps = PrivateBucketProps & Required<Pick<PrivateBucketProps, keyof typeof PRIVATE_BUCKET_DEFAULTS>>;

export function withDefaults(props: PrivateBucketProps): ResolvedPrivateBucketProps {
  return applyDefaults(props, PRIVATE_BUCKET_DEFAULTS);
}

/** Lifecycle rule ids the bucket uses for itself. */
export const RESERVED_RULE_KEYS = ["noncurrent-versions", "abort-incomplete-uploads"] as const;

/** S3 Standard storage, USD per GB-month (us-east-1, first 50 TB). Kept here, not in the shared price table. */
export const S3_STANDARD_USD_PER_GIB_MONTH = 0.023;
