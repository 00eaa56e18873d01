import { Construct } from "constructs";
import { Op, TerraformResource, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { DataAwsS3Bucket } from "@cdktf/provider-aws/lib/data-aws-s3-bucket";
import { choose, countWhen, isEmpty, isKnown, isNonEmpty, oneOf, pascalCase, Switch } from "../core/index.js";
import { CostEstimate, costKey } from "../cost-estimate/index.js";
import { PrivateBucketProps, S3_STANDARD_USD_PER_GIB_MONTH, withDefaults } from "./props.js";
import { validatePrivateBucketProps, validateStatementPrefix } from "./validate-props.js";

/** One IAM policy statement, in the JSON shape of a policy document (for `Fn.jsonencode`). */
export interface BucketPolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

/** Access a role gets from {@link PrivateBucket.policyStatements}. */
export type BucketAccess = "read" | "read-write";


/** A lifecycle filter: an empty block means the whole bucket (provider 6.x wants a filter on every rule). */
function filterFor(prefix: string | undefined): S3BucketLifecycleConfigurationRule["filter"] {
  return [prefix === undefined || prefix === "" ? {} : { prefix }];
}

/**
 * An S3 bucket that is private by construction: all four Block Public Access settings, ACLs disabled
 * (BucketOwnerEnforced), default encryption (SSE-S3, or SSE-KMS with bucket keys), versioning, a policy that
 * denies every request without TLS, and lifecycle rules that clean up noncurrent versions, delete markers and
 * incomplete multipart uploads. Access is granted by the caller: attach {@link policyStatements} to a role.
 */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;
  /** Whether the module creates the bucket: true, or a Terraform boolean with existingBucketName. */
  readonly created: Switch;
  /** The existing bucket's lookup, with existingBucketName (count 1 when it is non-empty). */
  readonly existing?: DataAwsS3Bucket;
  /** Bucket ARN. */
  readonly arn: string;
  /** Bucket name (known after apply when bucketPrefix is used). */
  readonly bucketName: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const p = withDefaults(props);
    validatePrivateBucketProps(this, p);
    this.kmsKeyArn = p.kmsKeyArn;

    const existingName = p.existingBucketName;
    this.created = existingName === undefined ? true : isKnown(existingName) ? existingName === "" : isEmpty(existingName);
    this.bucket = new S3Bucket(this, "Resource", {
      bucket: p.bucketName,
      bucketPrefix: p.bucketPrefix,
      forceDestroy: p.forceDestroy,
      tags: { ...p.tags },
    });
    if (this.created === true) {
      this.arn = this.bucket.arn;
      this.bucketName = this.bucket.bucket;
    } else {
      // Without existingBucketName nothing is counted, so the addresses of buckets made before it stay the same.
      this.existing = new DataAwsS3Bucket(this, "Existing", { bucket: existingName! });
      this.existing.count = countWhen(typeof this.created === "boolean" ? !this.created : isNonEmpty(existingName!));
      this.arn = choose(this.created, oneOf(this.bucket, "arn"), oneOf(this.existing, "arn"));
      this.bucketName = choose(this.created, oneOf(this.bucket, "bucket"), oneOf(this.existing, "bucket"));
    }
    const bucket = this.created === true ? this.bucket.id : oneOf(this.bucket, "id");
    const ownArn = this.created === true ? this.bucket.arn : oneOf(this.bucket, "arn");

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    // One configuration change at a time: S3 answers parallel changes to a bucket with OperationAborted.
    const ownership = new S3BucketOwnershipControls(this, "Ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
      dependsOn: [publicAccessBlock],
    });

    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket,
      dependsOn: [ownership],
      rule: [
        p.kmsKeyArn === undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
          : // Bucket keys: S3 asks KMS for a data key per bucket and period, not per object (fewer KMS requests, lower cost).
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: p.kmsKeyArn }, bucketKeyEnabled: true },
      ],
    });

    // "Suspended", not "Disabled", when off: valid whether or not versioning was ever on, so the switch goes both ways.
    const versioning = new S3BucketVersioningA(this, "Versioning", {
      bucket,
      dependsOn: [encryption],
      versioningConfiguration: { status: choose(p.versioned, "Enabled", "Suspended") },
    });

    const objects = `${ownArn}/*`;
    const deny = (sid: string, condition: Record<string, Record<string, string>>) => ({
      Sid: sid,
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [ownArn, objects],
      Condition: condition,
    });
    new S3BucketPolicy(this, "Policy", {
      bucket,
      // Plain JSON (the ARN is interpolated by Terraform), so the policy reads the same in the plan and in tests.
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          deny("DenyInsecureTransport", { Bool: { "aws:SecureTransport": "false" } }),
          ...(p.denyTlsBelow12 ? [deny("DenyTlsBelow12", { NumericLessThan: { "s3:TlsVersion": "1.2" } })] : []),
        ],
      }),
      // S3 rejects concurrent configuration changes of one bucket (OperationAborted): one at a time.
      dependsOn: [publicAccessBlock],
    });

    const rules: S3BucketLifecycleConfigurationRule[] = p.lifecycleRules.map((r) => ({
      id: r.key,
      status: "Enabled",
      filter: filterFor(r.prefix),
      expiration: r.expirationDays === undefined ? undefined : [{ days: r.expirationDays }],
      transition: r.transition === undefined ? undefined : [{ days: r.transition.days, storageClass: r.transition.storageClass }],
    }));
    if (p.versioned !== false) {
      rules.push({
        id: "noncurrent-versions",
        status: choose(p.versioned, "Enabled", "Disabled"),
        filter: filterFor(""),
        noncurrentVersionExpiration: [{ noncurrentDays: p.noncurrentVersionExpirationDays }],
        // Delete markers whose versions are all gone: they only slow down listings.
        expiration: [{ expiredObjectDeleteMarker: true }],
      });
    }
    rules.push({
      id: "abort-incomplete-uploads",
      status: "Enabled",
      filter: filterFor(""),
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: p.abortIncompleteMultipartUploadDays }],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket,
      rule: rules,
      // The provider's advice: with versioning, apply the lifecycle configuration after it.
      dependsOn: [versioning],
    });

    if (this.created !== true) {
      const count = countWhen(this.created);
      for (const child of this.node.children) if (child instanceof TerraformResource) child.count = count;
    }

    if (p.costedSizeGiB !== undefined) {
      CostEstimate.of(this).add({
        key: costKey(this, "storage"),
        usd: Token.isUnresolved(p.costedSizeGiB)
          ? Token.asNumber(Op.mul(p.costedSizeGiB, S3_STANDARD_USD_PER_GIB_MONTH))
          : p.costedSizeGiB * S3_STANDARD_USD_PER_GIB_MONTH,
        description: "S3 storage, priced at S3 Standard (requests not counted)",
      });
    }
  }

  /**
   * IAM statements giving a role access to the bucket's objects, for the caller to attach (e.g. in an
   * `aws_iam_role_policy` with `Fn.jsonencode({ Version: "2012-10-17", Statement: bucket.policyStatements("read") })`).
   * Listing is limited to the prefix; with a KMS key, the statements include its use.
   * @param access "read": list and get objects; "read-write": also put and delete objects and abort uploads
   * @param prefix key prefix the access is limited to, e.g. "uploads/"; "" (the default) is the whole bucket
   */
  policyStatements(access: BucketAccess, prefix = ""): BucketPolicyStatement[] {
    validateStatementPrefix(this, prefix);
    const sid = `${pascalCase(this.node.id)}${pascalCase(prefix)}`;
    const write = access === "read-write";
    const statements: BucketPolicyStatement[] = [
      {
        Sid: `${sid}List`,
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [this.arn],
        ...(prefix === "" ? {} : { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } }),
      },
      {
        Sid: write ? `${sid}ReadWriteObjects` : `${sid}ReadObjects`,
        Effect: "Allow",
        Action: ["s3:GetObject", ...(write ? ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"] : [])],
        Resource: [`${this.arn}/${prefix}*`],
      },
    ];
    if (this.kmsKeyArn !== undefined) {
      statements.push({
        Sid: `${sid}UseKey`,
        Effect: "Allow",
        // GenerateDataKey to write; Decrypt to read, and to complete multipart uploads.
        Action: write ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
        Resource: [this.kmsKeyArn],
      });
    }
    return statements;
  }
}

