import { applyDefaults } from "../core/index.js";

export interface ManagedSecretProps {
  /**
   * Name of the secret to create, e.g. `myapp/prod/db-password`: 1-512 letters, digits and `/_+=.@-`.
   * Required unless existingSecretId is a non-empty literal (then nothing is created and the name is not used).
   * @default - none: give it whenever the module may create the secret
   */
  readonly name?: string;
  /**
   * Shown in the console: say what the secret is for.
   * @default "" - no description
   */
  readonly description?: string;
  /**
   * The secret value, a Terraform token: the value of a sensitive, ephemeral variable. It is written only through
   * the write-only argument `secret_string_wo` (Terraform >= 1.11), so it never reaches the plan or the state.
   * Required unless existingSecretId is a non-empty literal.
   * @default - none: give it whenever the module may create the secret
   */
  readonly value?: string;
  /**
   * Version of the value. Write-only arguments are never compared with AWS, so bump this to push a new value.
   * A whole number >= 1.
   * @default 1
   */
  readonly version?: number;
  /**
   * Days Secrets Manager keeps a deleted secret before it is gone for good: 0 (delete at once, no recovery) or 7-30.
   * The key the module creates waits at least as long before its own deletion, so a recovered secret can be read.
   * @default 7
   */
  readonly recoveryWindowInDays?: number;
  /**
   * ARN of the KMS key that encrypts the secret. With an existing secret encrypted by a customer managed key, give
   * that key here so `policyStatements()` includes its use.
   * @default - a customer managed key created with the secret (rotation on; about $1/month)
   */
  readonly kmsKeyArn?: string;
  /**
   * Name or ARN of an existing secret to use instead of creating one, usually a variable ("" when unset). When it is
   * non-empty nothing is created and a data source looks the secret up; a Terraform token decides at plan time.
   * @default "" - create the secret
   */
  readonly existingSecretId?: string;
  /** Region of the secret, for the `kms:ViaService` condition of `policyStatements()`, e.g. "us-east-1". */
  readonly region: string;
  /** Partition and account for the key policy of the created key (the account root administers the key). */
  readonly partition: string;
  readonly accountId: string;
  /**
   * Tags for the secret and the key the module creates.
   * @default {} - none beyond the provider's default_tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A secret per month (us-east-1 list price; API calls, $0.05 per 10,000, not counted). Not in price-table.ts. */
export const SECRET_USD_PER_MONTH = 0.4;

/** Defaults, applied in one place. */
export const MANAGED_SECRET_DEFAULTS = {
  description: "",
  version: 1,
  recoveryWindowInDays: 7,
  existingSecretId: "",
  tags: {} as Readonly<Record<string, string>>,
} as const;

/** Props with every default applied. */
export type ResolvedManagedSecretProps = ManagedSecretProps & Required<Pick<ManagedSecretProps, keyof typeof MANAGED_SECRET_DEFAULTS>>;

export function withDefaults(props: ManagedSecretProps): ResolvedManagedSecretProps {
  return applyDefaults(props, MANAGED_SECRET_DEFAULTS);
}
