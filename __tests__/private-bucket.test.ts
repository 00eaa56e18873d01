// PrivateBucket on a bare stack: every resource it creates, the statements helper, the cost item, the validation.
import { TerraformOutput, TerraformVariable } from "cdktf";
import { CostEstimate } from "../modules/cost-estimate/index.js";
import { PrivateBucket, PrivateBucketProps, S3_STANDARD_USD_PER_GIB_MONTH } from "../modules/private-bucket/index.js";
import { onlyResource, resourcesOf, synthStack, TfJson } from "./support/synth.js";
import { bareStack, problemsOf } from "./support/bare-stack.js";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function synthBucket(props: Partial<PrivateBucketProps> = {}): { json: TfJson; bucket: PrivateBucket } {
  const stack = bareStack();
  const bucket = new PrivateBucket(stack, "backups", { bucketName: "acme-prod-backups", ...props });
  CostEstimate.of(stack).writeOutputs(stack, "test");
  return { json: synthStack(stack), bucket };
}

/** Logical id without cdktf's hash suffix. */
const idOf = (json: TfJson, type: string) => resourcesOf(json, type)[0]![0].replace(/_[0-9A-F]{8}$/, "");
const ref = (json: TfJson, type: string, attribute: string) => `\${${type}.${resourcesOf(json, type)[0]![0]}.${attribute}}`;

describe("PrivateBucket with defaults", () => {
  const { json } = synthBucket();
  const fullId = (type: string) => resourcesOf(json, type)[0]![0];
  const bucketId = ref(json, "aws_s3_bucket", "id");
  const bucketArn = ref(json, "aws_s3_bucket", "arn");

  it("creates one of each resource with stable construct ids", () => {
    expect(
      ["aws_s3_bucket", "aws_s3_bucket_public_access_block", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning", "aws_s3_bucket_policy", "aws_s3_bucket_lifecycle_configuration"].map((t) => [t, idOf(json, t)]),
    ).toEqual([
      ["aws_s3_bucket", "backups"],
      ["aws_s3_bucket_public_access_block", "backups_PublicAccessBlock"],
      ["aws_s3_bucket_ownership_controls", "backups_Ownership"],
      ["aws_s3_bucket_server_side_encryption_configuration", "backups_Encryption"],
      ["aws_s3_bucket_versioning", "backups_Versioning"],
      ["aws_s3_bucket_policy", "backups_Policy"],
      ["aws_s3_bucket_lifecycle_configuration", "backups_Lifecycle"],
    ]);
    expect(Object.keys(json.resource).length).toBe(7);
  });

  it("names the bucket and keeps it on destroy", () => {
    expect(onlyResource(json, "aws_s3_bucket")).toEqual({ bucket: "acme-prod-backups", force_destroy: false, tags: {} });
  });

  it("blocks every kind of public access and disables ACLs", () => {
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toEqual({
      bucket: bucketId, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls")).toEqual({
      bucket: bucketId, rule: { object_ownership: "BucketOwnerEnforced" }, depends_on: [`aws_s3_bucket_public_access_block.${fullId("aws_s3_bucket_public_access_block")}`],
    });
  });

  it("encrypts with SSE-S3 and turns versioning on", () => {
    // one configuration change at a time (S3 answers parallel ones with OperationAborted): each waits for the one before
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration")).toEqual({
      bucket: bucketId,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
      depends_on: [`aws_s3_bucket_ownership_controls.${fullId("aws_s3_bucket_ownership_controls")}`],
    });
    expect(onlyResource(json, "aws_s3_bucket_versioning")).toEqual({
      bucket: bucketId, versioning_configuration: { status: "Enabled" }, depends_on: [`aws_s3_bucket_server_side_encryption_configuration.${fullId("aws_s3_bucket_server_side_encryption_configuration")}`],
    });
  });

  it("denies every request without TLS, to the bucket and its objects", () => {
    const policy = onlyResource(json, "aws_s3_bucket_policy");
    expect(policy.depends_on).toEqual([`aws_s3_bucket_public_access_block.${resourcesOf(json, "aws_s3_bucket_public_access_block")[0]![0]}`]);
    expect(JSON.parse(policy.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ],
    });
  });

  it("expires noncurrent versions after 30 days, removes expired delete markers and aborts uploads after 7 days, each rule filtered", () => {
    const lifecycle = onlyResource(json, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.depends_on).toEqual([`aws_s3_bucket_versioning.${resourcesOf(json, "aws_s3_bucket_versioning")[0]![0]}`]);
    expect(lifecycle.rule).toEqual([
      { id: "noncurrent-versions", status: "Enabled", filter: [{}], noncurrent_version_expiration: [{ noncurrent_days: 30 }], expiration: [{ expired_object_delete_marker: true }] },
      { id: "abort-incomplete-uploads", status: "Enabled", filter: [{}], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] },
    ]);
  });

  it("adds no cost item without costedSizeGiB", () => {
    expect(json.output.cost_breakdown.value).toEqual({});
  });
});

describe("PrivateBucket options", () => {
  it("encrypts with SSE-KMS and bucket keys when given a key", () => {
    const { json } = synthBucket({ kmsKeyArn: KEY_ARN });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN }, bucket_key_enabled: true },
    ]);
  });

  it("takes a name prefix, force destroy and tags", () => {
    const { json } = synthBucket({ bucketName: undefined, bucketPrefix: "acme-uploads-", forceDestroy: true, tags: { team: "data" } });
    expect(onlyResource(json, "aws_s3_bucket")).toEqual({ bucket_prefix: "acme-uploads-", force_destroy: true, tags: { team: "data" } });
  });

  it("also denies TLS below 1.2 when asked", () => {
    const { json } = synthBucket({ denyTlsBelow12: true });
    const statements = JSON.parse(onlyResource(json, "aws_s3_bucket_policy").policy).Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual(["DenyInsecureTransport", "DenyTlsBelow12"]);
    expect(statements[1]).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } });
    expect(statements[1].Resource).toEqual(statements[0].Resource);
  });

  it("writes expiration and transition rules per prefix, with the bucket's own rules after them", () => {
    const { json } = synthBucket({
      noncurrentVersionExpirationDays: 90,
      abortIncompleteMultipartUploadDays: 3,
      lifecycleRules: [
        { key: "exports", prefix: "exports/", expirationDays: 365, transition: { days: 30, storageClass: "GLACIER_IR" } },
        { key: "archive", transition: { days: 90, storageClass: "DEEP_ARCHIVE" } },
        { key: "tmp", prefix: "tmp/", expirationDays: 1 },
      ],
    });
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      { id: "exports", status: "Enabled", filter: [{ prefix: "exports/" }], expiration: [{ days: 365 }], transition: [{ days: 30, storage_class: "GLACIER_IR" }] },
      { id: "archive", status: "Enabled", filter: [{}], transition: [{ days: 90, storage_class: "DEEP_ARCHIVE" }] },
      { id: "tmp", status: "Enabled", filter: [{ prefix: "tmp/" }], expiration: [{ days: 1 }] },
      { id: "noncurrent-versions", status: "Enabled", filter: [{}], noncurrent_version_expiration: [{ noncurrent_days: 90 }], expiration: [{ expired_object_delete_marker: true }] },
      { id: "abort-incomplete-uploads", status: "Enabled", filter: [{}], abort_incomplete_multipart_upload: [{ days_after_initiation: 3 }] },
    ]);
  });

  it("suspends versioning and drops the noncurrent-version rule when unversioned", () => {
    const { json } = synthBucket({ versioned: false });
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Suspended" });
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule.map((r: { id: string }) => r.id)).toEqual(["abort-incomplete-uploads"]);
  });

  it("switches versioning and its rule with a Terraform boolean", () => {
    const stack = bareStack();
    const versioned = new TerraformVariable(stack, "versioned", { type: "bool", default: true });
    new PrivateBucket(stack, "backups", { bucketName: "acme-prod-backups", versioned: versioned.booleanValue });
    const json = synthStack(stack);
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration.status).toBe('${var.versioned ? "Enabled" : "Suspended"}');
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule[0]).toMatchObject({ id: "noncurrent-versions", status: '${var.versioned ? "Enabled" : "Disabled"}' });
  });
});

describe("PrivateBucket.policyStatements", () => {
  const stack = bareStack();
  const plain = new PrivateBucket(stack, "uploads", { bucketName: "acme-uploads" });
  const keyed = new PrivateBucket(stack, "csv-files", { bucketName: "acme-csv-files", kmsKeyArn: KEY_ARN });
  const calls = {
    read: plain.policyStatements("read"),
    readWritePrefix: plain.policyStatements("read-write", "incoming/"),
    keyedRead: keyed.policyStatements("read"),
    keyedReadWrite: keyed.policyStatements("read-write"),
    name: plain.bucketName,
  };
  for (const [name, value] of Object.entries(calls)) new TerraformOutput(stack, name, { value });
  const json = synthStack(stack);
  const out = (name: keyof typeof calls) => json.output[name].value;
  const plainArn = `\${aws_s3_bucket.${resourcesOf(json, "aws_s3_bucket").find(([id]) => id.startsWith("uploads_"))![0]}.arn}`;

  it("exposes the bucket's name and ARN as references", () => {
    expect(out("name")).toBe(plainArn.replace(/\.arn\}$/, ".bucket}"));
  });

  it("reads: lists the bucket and gets objects", () => {
    expect(out("read")).toEqual([
      { Sid: "UploadsList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [plainArn] },
      { Sid: "UploadsReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${plainArn}/*`] },
    ]);
  });

  it("reads and writes under a prefix: listing limited to it, objects scoped to it", () => {
    expect(out("readWritePrefix")).toEqual([
      { Sid: "UploadsIncomingList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [plainArn], Condition: { StringLike: { "s3:prefix": ["incoming/*"] } } },
      { Sid: "UploadsIncomingReadWriteObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: [`${plainArn}/incoming/*`] },
    ]);
  });

  it("includes the use of the bucket's KMS key", () => {
    expect(out("keyedRead")).toHaveLength(3);
    expect(out("keyedRead").at(-1)).toEqual({ Sid: "CsvFilesUseKey", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [KEY_ARN] });
    expect(out("keyedReadWrite").at(-1)).toEqual({ Sid: "CsvFilesUseKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [KEY_ARN] });
  });

  it("never uses wildcard actions, and every Sid is alphanumeric and unique", () => {
    const all = [calls.read, calls.readWritePrefix, calls.keyedReadWrite].flat();
    expect(all.flatMap((s) => s.Action).filter((a) => a.includes("*"))).toEqual([]);
    expect(all.every((s) => /^[A-Za-z0-9]+$/.test(s.Sid))).toBe(true);
    expect(new Set(all.map((s) => s.Sid)).size).toBe(all.length);
  });

  it("rejects a prefix with a leading slash or wildcards", () => {
    expect(problemsOf(() => plain.policyStatements("read", "/incoming/*"))).toEqual([
      'policyStatements prefix "/incoming/*" must be a plain key prefix without a leading / or wildcards, e.g. "uploads/".',
    ]);
  });
});

describe("PrivateBucket cost item", () => {
  it("prices the given size at S3 Standard", () => {
    const { json } = synthBucket({ costedSizeGiB: 100 });
    expect(S3_STANDARD_USD_PER_GIB_MONTH).toBe(0.023);
    expect(json.output.cost_breakdown.value).toEqual({ "backups-storage": '${try(format("%.2f", 2.3), "unknown")}' });
  });

  it("multiplies a Terraform size", () => {
    const stack = bareStack();
    const size = new TerraformVariable(stack, "size", { type: "number", default: 10 });
    new PrivateBucket(stack, "backups", { bucketName: "acme-prod-backups", costedSizeGiB: size.numberValue });
    CostEstimate.of(stack).writeOutputs(stack, "test");
    expect(synthStack(stack).output.cost_breakdown.value["backups-storage"]).toBe('${try(format("%.2f", (var.size * 0.023)), "unknown")}');
  });
});

describe("PrivateBucket validation", () => {
  const problems = (props: Partial<PrivateBucketProps>) => problemsOf(() => new PrivateBucket(bareStack(), "b", { bucketName: "acme-prod-backups", ...props } as PrivateBucketProps));

  it("reports every bucket name problem at once", () => {
    expect(problems({ bucketName: "Ab" })).toEqual([
      'bucketName "Ab" is 2 characters long: S3 bucket names are 3-63 characters.',
      'bucketName "Ab" may only hold lower-case letters, digits, dots and hyphens, and must start and end with a letter or digit.',
    ]);
    expect(problems({ bucketName: "a..b" })).toEqual(['bucketName "a..b" has two adjacent dots: use single dots or hyphens.']);
    expect(problems({ bucketName: "192.168.5.4" })).toEqual(['bucketName "192.168.5.4" is formatted as an IP address, which S3 rejects: use a name such as "acme-prod-backups".']);
    expect(problems({ bucketName: "backups-s3alias" })).toEqual([
      'bucketName "backups-s3alias" starts or ends with a part S3 reserves (xn--, sthree-, amzn-s3-demo-, -s3alias, --ol-s3, .mrap, --x-s3, --table-s3): choose another name.',
    ]);
    expect(problems({ bucketName: "x".repeat(64) })).toEqual([`bucketName "${"x".repeat(64)}" is 64 characters long: S3 bucket names are 3-63 characters.`]);
  });

  it("wants exactly one of bucketName and bucketPrefix, and a valid prefix", () => {
    expect(problems({ bucketName: undefined })).toEqual(['bucketName or bucketPrefix is required: name the bucket, e.g. bucketName: "acme-prod-backups".']);
    expect(problems({ bucketPrefix: "Backups_" })).toEqual([
      "bucketName and bucketPrefix are both set: give one (bucketPrefix lets Terraform add a unique suffix).",
      'bucketPrefix "Backups_" must be 1-37 lower-case letters, digits, dots and hyphens, start with a letter or digit and have no "..": Terraform appends a 26-character suffix.',
    ]);
  });

  it("leaves values that are Terraform tokens to Terraform", () => {
    const stack = bareStack();
    const name = new TerraformVariable(stack, "name", { type: "string" });
    const days = new TerraformVariable(stack, "days", { type: "number" });
    expect(() => new PrivateBucket(stack, "b", { bucketName: name.stringValue, lifecycleRules: [{ key: "all", expirationDays: days.numberValue, transition: { days: 30, storageClass: "GLACIER" } }] })).not.toThrow();
  });

  it("reports every key, day count, storage class and order problem at once", () => {
    expect(
      problems({
        kmsKeyArn: "alias/backups",
        noncurrentVersionExpirationDays: 0,
        abortIncompleteMultipartUploadDays: 1.5,
        costedSizeGiB: -1,
        lifecycleRules: [
          { key: "Logs", prefix: "/logs/", expirationDays: 30, transition: { days: 60, storageClass: "GLACIER" } },
          { key: "cold", transition: { days: 10, storageClass: "STANDARD_IA" } },
          { key: "cold", transition: { days: 0, storageClass: "COLD" as "GLACIER" } },
          { key: "noncurrent-versions", expirationDays: -3 },
          { key: "empty" },
        ],
      }),
    ).toEqual([
      'kmsKeyArn "alias/backups" is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>, not an alias or a bare key id.',
      "noncurrentVersionExpirationDays 0 must be a whole number of days >= 1.",
      "abortIncompleteMultipartUploadDays 1.5 must be a whole number of days >= 1.",
      "costedSizeGiB -1 must be a number of GiB >= 0.",
      'lifecycleRules key "Logs" must be lower-case letters, digits and dashes.',
      'lifecycleRules["Logs"].prefix "/logs/" must not start with /: S3 keys have no leading slash, e.g. "exports/".',
      'lifecycleRules["Logs"].transition.days 60 must be less than expirationDays 30: objects move to cheaper storage before they expire.',
      'lifecycleRules["cold"].transition.days 10 is too early for STANDARD_IA: S3 moves objects there after at least 30 days.',
      'lifecycleRules["cold"].transition.days 0 must be a whole number of days >= 1.',
      'lifecycleRules["cold"].transition.storageClass "COLD" is not a storage class S3 transitions to: use one of STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE.',
      'lifecycleRules key "noncurrent-versions" is taken by the bucket\'s own rules (noncurrent-versions, abort-incomplete-uploads): choose another.',
      'lifecycleRules["noncurrent-versions"].expirationDays -3 must be a whole number of days >= 1.',
      'lifecycleRules["empty"] has neither expirationDays nor transition: give one, or drop the rule.',
      "lifecycleRules keys must be unique; repeated: cold.",
    ]);
  });

  it("stops synth with the construct path", () => {
    expect(() => new PrivateBucket(bareStack(), "b", { bucketName: "a" })).toThrow(/^Invalid props for bare\/b:\n  - bucketName "a" is 1 characters long/);
  });
});

describe("PrivateBucket with existingBucketName", () => {
  const RESOURCE_TYPES = ["aws_s3_bucket", "aws_s3_bucket_public_access_block", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning", "aws_s3_bucket_policy", "aws_s3_bucket_lifecycle_configuration"];
  const countsOf = (json: TfJson) => RESOURCE_TYPES.map((t) => [t, onlyResource(json, t).count]);
  const dataRef = (json: TfJson, attribute: string) => `one(data.aws_s3_bucket.${Object.keys(json.data.aws_s3_bucket)[0]}[*].${attribute})`;
  const ownRef = (json: TfJson, attribute: string) => `one(aws_s3_bucket.${resourcesOf(json, "aws_s3_bucket")[0]![0]}[*].${attribute})`;

  /** A bucket whose existingBucketName is the variable existing_bucket, with its name, ARN and read statements as outputs. */
  function withVariable(): TfJson {
    const stack = bareStack();
    const existing = new TerraformVariable(stack, "existing_bucket", { type: "string", default: "" });
    const bucket = new PrivateBucket(stack, "backups", { bucketName: "acme-prod-backups", existingBucketName: existing.stringValue });
    new TerraformOutput(stack, "name", { value: bucket.bucketName });
    new TerraformOutput(stack, "arn", { value: bucket.arn });
    new TerraformOutput(stack, "read", { value: bucket.policyStatements("read") });
    return synthStack(stack);
  }
  const variable = withVariable();
  const chosen = (attribute: string) => `(length(var.existing_bucket) < 1) ? ${ownRef(variable, attribute)} : ${dataRef(variable, attribute)}`;

  it("left out: counts no resource and looks nothing up, so the addresses stay as they were", () => {
    const { json, bucket } = synthBucket();
    expect(countsOf(json)).toEqual(RESOURCE_TYPES.map((t) => [t, undefined]));
    expect(json.data).toBeUndefined();
    expect(bucket.created).toBe(true);
    expect(bucket.existing).toBeUndefined();
  });

  it("a literal \"\" means no existing bucket: the same configuration as leaving it out", () => {
    const { json, bucket } = synthBucket({ existingBucketName: "" });
    expect(json).toEqual(synthBucket().json);
    expect(bucket.created).toBe(true);
  });

  it("a literal name: every resource gets count 0 and the bucket is looked up once by that name", () => {
    const { json, bucket } = synthBucket({ existingBucketName: "acme-shared-backups" });
    expect(countsOf(json)).toEqual(RESOURCE_TYPES.map((t) => [t, 0]));
    expect(Object.values(json.data.aws_s3_bucket)).toEqual([{ bucket: "acme-shared-backups", count: 1 }]);
    expect(bucket.created).toBe(false);
  });

  it("a variable: every resource exists when it is empty, the lookup when it is set", () => {
    expect(countsOf(variable)).toEqual(RESOURCE_TYPES.map((t) => [t, "${(length(var.existing_bucket) < 1) ? 1 : 0}"]));
    expect(Object.values(variable.data.aws_s3_bucket)).toEqual([{ bucket: "${var.existing_bucket}", count: "${(length(var.existing_bucket) >= 1) ? 1 : 0}" }]);
  });

  it("a variable: bucketName and arn are the created bucket's or the existing one's", () => {
    expect(variable.output.name.value).toBe(`\${${chosen("bucket")}}`);
    expect(variable.output.arn.value).toBe(`\${${chosen("arn")}}`);
  });

  it("a variable: policyStatements grant access to the chosen bucket", () => {
    expect(variable.output.read.value.map((s: { Resource: string[] }) => s.Resource)).toEqual([[`\${${chosen("arn")}}`], [`\${${chosen("arn")}}/*`]]);
  });

  it("a variable: the bucket's own settings and TLS policy reference the created bucket through one(...)", () => {
    for (const type of RESOURCE_TYPES.slice(1)) expect(onlyResource(variable, type).bucket, type).toBe(`\${${ownRef(variable, "id")}}`);
    const own = `\${${ownRef(variable, "arn")}}`;
    expect(JSON.parse(onlyResource(variable, "aws_s3_bucket_policy").policy).Statement[0].Resource).toEqual([own, `${own}/*`]);
  });
});
