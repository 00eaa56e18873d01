import { IConstruct } from "constructs";
import { isKnown, validateAll } from "../core/index.js";
import { MIN_30_DAY_TRANSITION_CLASSES, RESERVED_RULE_KEYS, ResolvedPrivateBucketProps, TRANSITION_STORAGE_CLASSES } from "./props.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;
const NAME_CHARACTERS = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const PREFIX = /^[a-z0-9][a-z0-9.-]{0,36}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const RESERVED_NAME_STARTS = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_NAME_ENDS = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** True when the value is known and not a whole number >= min. */
const notWholeFrom = (value: number | undefined, min: number) => isKnown(value) && (!Number.isInteger(value) || value < min);

/** Checks what can be checked at synth; values that are Terraform tokens are left to Terraform and S3. */
export function validatePrivateBucketProps(scope: IConstruct, props: ResolvedPrivateBucketProps): void {
  const { bucketName: name, bucketPrefix: prefix, kmsKeyArn } = props;
  const keys = props.lifecycleRules.map((r) => r.key);
  const repeatedKeys = keys.filter((k, i) => keys.indexOf(k) !== i);
  validateAll(scope, [
    { failed: name !== undefined && prefix !== undefined, message: "bucketName and bucketPrefix are both set: give one (bucketPrefix lets Terraform add a unique suffix)." },
    { failed: name === undefined && prefix === undefined, message: 'bucketName or bucketPrefix is required: name the bucket, e.g. bucketName: "acme-prod-backups".' },
    { failed: isKnown(name) && (name.length < 3 || name.length > 63), message: `bucketName "${name}" is ${name?.length} characters long: S3 bucket names are 3-63 characters.` },
    {
      failed: isKnown(name) && !NAME_CHARACTERS.test(name),
      message: `bucketName "${name}" may only hold lower-case letters, digits, dots and hyphens, and must start and end with a letter or digit.`,
    },
    { failed: isKnown(name) && name.includes(".."), message: `bucketName "${name}" has two adjacent dots: use single dots or hyphens.` },
    { failed: isKnown(name) && IPV4.test(name), message: `bucketName "${name}" is formatted as an IP address, which S3 rejects: use a name such as "acme-prod-backups".` },
    {
      failed: isKnown(name) && (RESERVED_NAME_STARTS.some((s) => name.startsWith(s)) || RESERVED_NAME_ENDS.some((s) => name.endsWith(s))),
      message: `bucketName "${name}" starts or ends with a part S3 reserves (${[...RESERVED_NAME_STARTS, ...RESERVED_NAME_ENDS].join(", ")}): choose another name.`,
    },
    {
      failed: isKnown(prefix) && (!PREFIX.test(prefix) || prefix.includes("..")),
      message: `bucketPrefix "${prefix}" must be 1-37 lower-case letters, digits, dots and hyphens, start with a letter or digit and have no "..": Terraform appends a 26-character suffix.`,
    },
    {
      failed: isKnown(kmsKeyArn) && !KMS_KEY_ARN.test(kmsKeyArn),
      message: `kmsKeyArn "${kmsKeyArn}" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.`,
    },
    {
      failed: notWholeFrom(props.noncurrentVersionExpirationDays, 1),
      message: `noncurrentVersionExpirationDays ${props.noncurrentVersionExpirationDays} must be a whole number of days >= 1.`,
    },
    {
      failed: notWholeFrom(props.abortIncompleteMultipartUploadDays, 1),
      message: `abortIncompleteMultipartUploadDays ${props.abortIncompleteMultipartUploadDays} must be a whole number of days >= 1.`,
    },
    { failed: isKnown(props.costedSizeGiB) && !(props.costedSizeGiB >= 0), message: `costedSizeGiB ${props.costedSizeGiB} must be a number of GiB >= 0.` },
    ...props.lifecycleRules.flatMap((r) => {
      const at = `lifecycleRules["${r.key}"]`;
      const t = r.transition;
      return [
        { failed: !KEY.test(r.key), message: `lifecycleRules key "${r.key}" must be lower-case letters, digits and dashes.` },
        {
          failed: (RESERVED_RULE_KEYS as readonly string[]).includes(r.key),
          message: `lifecycleRules key "${r.key}" is taken by the bucket's own rules (${RESERVED_RULE_KEYS.join(", ")}): choose another.`,
        },
        { failed: isKnown(r.prefix) && r.prefix.startsWith("/"), message: `${at}.prefix "${r.prefix}" must not start with /: S3 keys have no leading slash, e.g. "exports/".` },
        { failed: r.expirationDays === undefined && t === undefined, message: `${at} has neither expirationDays nor transition: give one, or drop the rule.` },
        { failed: notWholeFrom(r.expirationDays, 1), message: `${at}.expirationDays ${r.expirationDays} must be a whole number of days >= 1.` },
        { failed: t !== undefined && notWholeFrom(t.days, 1), message: `${at}.transition.days ${t?.days} must be a whole number of days >= 1.` },
        {
          failed: t !== undefined && isKnown(t.storageClass) && !(TRANSITION_STORAGE_CLASSES as readonly string[]).includes(t.storageClass),
          message: `${at}.transition.storageClass "${t?.storageClass}" is not a storage class S3 transitions to: use one of ${TRANSITION_STORAGE_CLASSES.join(", ")}.`,
        },
        {
          failed: t !== undefined && isKnown(t.days) && t.days < 30 && MIN_30_DAY_TRANSITION_CLASSES.includes(t.storageClass),
          message: `${at}.transition.days ${t?.days} is too early for ${t?.storageClass}: S3 moves objects there after at least 30 days.`,
        },
        {
          failed: t !== undefined && isKnown(t.days) && isKnown(r.expirationDays) && t.days >= r.expirationDays,
          message: `${at}.transition.days ${t?.days} must be less than expirationDays ${r.expirationDays}: objects move to cheaper storage before they expire.`,
        },
      ];
    }),
    { failed: repeatedKeys.length > 0, message: `lifecycleRules keys must be unique; repeated: ${[...new Set(repeatedKeys)].join(", ")}.` },
  ]);
}

/** Checks the prefix given to {@link PrivateBucket.policyStatements}. */
export function validateStatementPrefix(scope: IConstruct, prefix: string): void {
  validateAll(scope, [
    {
      failed: isKnown(prefix) && (prefix.startsWith("/") || /[*?]/.test(prefix)),
      message: `policyStatements prefix "${prefix}" must be a plain key prefix without a leading / or wildcards, e.g. "uploads/".`,
    },
  ]);
}
