import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { DataAwsSecretsmanagerSecret } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountOnlyKeyPolicy, choose, countWhen, isEmpty, isKnown, isNonEmpty, oneOf, pascalCase, splat, Switch, validateAll } from "../core/index.js";
import { CostEstimate, costKey, KMS_KEY_USD_PER_MONTH } from "../cost-estimate/index.js";
import { ManagedSecretProps, ResolvedManagedSecretProps, SECRET_USD_PER_MONTH, withDefaults } from "./props.js";

/** One IAM policy statement, in the JSON shape of a policy document (for `Fn.jsonencode`). */
export interface SecretPolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

/** Secret names Secrets Manager accepts. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const KMS_KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/;


/** Checks the props at synth, reporting every problem at once. */
function validate(scope: Construct, p: ResolvedManagedSecretProps, mayCreate: boolean): void {
  const { name, value, version, recoveryWindowInDays: days, existingSecretId: existing, kmsKeyArn } = p;
  validateAll(scope, [
    { failed: mayCreate && name === undefined, message: "name is missing: give the name of the secret to create, or a non-empty existingSecretId to use an existing secret." },
    { failed: isKnown(name) && !SECRET_NAME.test(name), message: `name "${name}" must be 1-512 characters, only letters, digits and /_+=.@-, e.g. "myapp/prod/db-password".` },
    { failed: mayCreate && value === undefined, message: "value is missing: give the secret as a sensitive, ephemeral variable's value, or a non-empty existingSecretId to use an existing secret." },
    {
      failed: isKnown(value) && !value.includes("${"),
      message: "value is a literal string: pass a sensitive, ephemeral variable's value (a Terraform token) so the secret is not written into the synthesized configuration.",
    },
    { failed: isKnown(version) && (!Number.isInteger(version) || version < 1), message: `version ${version} must be a whole number >= 1; bump it to push a new value.` },
    {
      failed: isKnown(days) && !(days === 0 || (Number.isInteger(days) && days >= 7 && days <= 30)),
      message: `recoveryWindowInDays ${days} must be 0 (delete at once, no recovery) or a whole number of days from 7 to 30.`,
    },
    {
      failed: isKnown(existing) && existing !== "" && !SECRET_NAME.test(existing) && !SECRET_ARN.test(existing),
      message: `existingSecretId "${existing}" must be a secret name (letters, digits and /_+=.@-) or a secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<suffix>); "" creates the secret.`,
    },
    {
      failed: isKnown(kmsKeyArn) && !KMS_KEY_ARN.test(kmsKeyArn),
      message: `kmsKeyArn "${kmsKeyArn}" must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>); leave it out to create a key.`,
    },
  ]);
}

/**
 * One Secrets Manager secret whose value never reaches the plan or the state: it is written through the write-only
 * argument `secret_string_wo` (Terraform >= 1.11), versioned by `version`. The secret is encrypted with a customer
 * managed KMS key created with it (rotation on) unless `kmsKeyArn` is given. With a non-empty `existingSecretId`
 * nothing is created and the existing secret is looked up instead; a Terraform token decides at plan time.
 * Access is granted by the caller: attach {@link policyStatements} to a role.
 */
export class ManagedSecret extends Construct {
  /** The created secret (count 0 when an existing one is used). */
  readonly secret: SecretsmanagerSecret;
  /** The secret's value, written only (count 0 when an existing secret is used). */
  readonly secretVersion: SecretsmanagerSecretVersion;
  /** The existing secret (count 1 only when existingSecretId is non-empty). */
  readonly existing: DataAwsSecretsmanagerSecret;
  /** The created key: undefined when kmsKeyArn is given (count 0 when an existing secret is used). */
  readonly key?: KmsKey;
  /** Whether the module creates the secret: a boolean, or a Terraform boolean when existingSecretId is a token. */
  readonly created: Switch;
  /** ARN of the secret, created or existing (a Terraform expression). */
  readonly secretArn: string;
  /** Name of the secret, created or existing (a Terraform expression). */
  readonly secretName: string;
  private readonly region: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: ManagedSecretProps) {
    super(scope, id);
    const p = withDefaults(props);
    const existingId = p.existingSecretId;
    this.created = isKnown(existingId) ? existingId === "" : isEmpty(existingId);
    validate(this, p, this.created !== false);
    this.region = p.region;
    this.kmsKeyArn = p.kmsKeyArn;
    const count = countWhen(this.created);
    const days = p.recoveryWindowInDays;
    const tags = Object.keys(p.tags).length > 0 ? { ...p.tags } : undefined;

    if (p.kmsKeyArn === undefined) {
      this.key = new KmsKey(this, "Key", {
        description: `Encrypts Secrets Manager secret ${p.name ?? ""}`,
        enableKeyRotation: true,
        // At least the secret's recovery window: a secret restored after its key is gone cannot be read.
        deletionWindowInDays: isKnown(days) ? Math.max(7, days) : 30,
        policy: accountOnlyKeyPolicy(p.partition, p.accountId),
        tags,
      });
      this.key.count = count;
    }

    this.secret = new SecretsmanagerSecret(this, "Resource", {
      name: p.name,
      description: isKnown(p.description) && p.description === "" ? undefined : p.description,
      kmsKeyId: p.kmsKeyArn ?? oneOf(this.key!, "arn"),
      recoveryWindowInDays: days,
      tags,
    });
    this.secret.count = count;

    this.secretVersion = new SecretsmanagerSecretVersion(this, "Version", {
      secretId: oneOf(this.secret, "id"),
      secretStringWo: p.value,
      secretStringWoVersion: p.version,
    });
    this.secretVersion.count = count;

    // The data source takes an ARN or a name: whichever the id is.
    const byArn: Switch = isKnown(existingId) ? existingId.startsWith("arn:") : Fn.startswith(existingId, "arn:");
    this.existing = new DataAwsSecretsmanagerSecret(this, "Existing", {
      arn: typeof byArn === "boolean" ? (byArn ? existingId : undefined) : Token.asString(Fn.conditional(byArn, existingId, Token.nullValue())),
      name: typeof byArn === "boolean" ? (byArn ? undefined : existingId) : Token.asString(Fn.conditional(byArn, Token.nullValue(), existingId)),
    });
    this.existing.count = countWhen(typeof this.created === "boolean" ? !this.created : isNonEmpty(existingId));

    this.secretArn = choose(this.created, oneOf(this.secret, "arn"), oneOf(this.existing, "arn"));
    this.secretName = choose(this.created, oneOf(this.secret, "name"), oneOf(this.existing, "name"));

    const createdUsd = (usd: number) => (typeof this.created === "boolean" ? usd : Token.asNumber(Fn.conditional(this.created, usd, 0)));
    if (this.created !== false) {
      CostEstimate.of(this).add({ key: costKey(this, "secret"), usd: createdUsd(SECRET_USD_PER_MONTH), description: "Secrets Manager secret (only when created)" });
      if (this.key) CostEstimate.of(this).add({ key: costKey(this, "key"), usd: createdUsd(KMS_KEY_USD_PER_MONTH), description: "KMS key of the secret (only when the secret is created)" });
    }
  }

  /**
   * IAM statements letting a role read the secret, for the caller to attach (e.g. in an `aws_iam_role_policy` with
   * `Fn.jsonencode({ Version: "2012-10-17", Statement: secret.policyStatements() })`): GetSecretValue and
   * DescribeSecret on the secret, and kms:Decrypt through Secrets Manager on the created key or `kmsKeyArn`.
   */
  policyStatements(): SecretPolicyStatement[] {
    const sid = pascalCase(this.node.id);
    const statements: SecretPolicyStatement[] = [
      {
        Sid: `${sid}Read`,
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: [this.secretArn],
      },
    ];
    let keyArns: string[] | undefined;
    if (this.kmsKeyArn !== undefined) keyArns = [this.kmsKeyArn];
    else if (this.created === true) keyArns = splat(this.key!, "arn");
    else if (this.created !== false) {
      // Decided at plan time. IAM rejects an empty Resource, so with an existing secret the statement names the
      // existing secret's ARN, which no KMS action matches: a no-op. Give kmsKeyArn for an existing secret's key.
      keyArns = Token.asList(Fn.conditional(this.created, splat(this.key!, "arn"), splat(this.existing, "arn")));
    }
    if (keyArns !== undefined) {
      statements.push({
        Sid: `${sid}Decrypt`,
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: keyArns,
        Condition: { StringEquals: { "kms:ViaService": [`secretsmanager.${this.region}.amazonaws.com`] } },
      });
    }
    return statements;
  }
}
