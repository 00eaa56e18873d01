import { Switch } from "../core/index.js";

/** One secret value. */
export interface SecureParameter {
  /** The secret: only ever written through a write-only argument, so it never reaches the plan or the state. */
  readonly value: string;
  /** Shown in the console: say what the secret is for. */
  readonly description: string;
  /**
   * Whether the parameter exists (a Terraform boolean makes it `count`, e.g. "only when demo accounts are set").
   * @default true
   */
  readonly enabled?: Switch;
}

export interface SecureParametersProps {
  /** SSM path the parameters live under, e.g. `/myapp/prod`; no trailing slash. */
  readonly path: string;
  /**
   * The secrets, keyed by the last segment of their parameter name (`db-password` → `<path>/db-password`).
   * Keys are lower-case letters, digits and dashes; they also name the construct (`db-password` → `DbPassword`).
   */
  readonly parameters: Readonly<Record<string, SecureParameter>>;
  /**
   * Version of the values. Write-only arguments are never compared with AWS, so bump this to push new values.
   * @default 1
   */
  readonly version?: number;
  /**
   * KMS key for the SecureStrings.
   * @default - the account's AWS managed key `alias/aws/ssm`
   */
  readonly kmsKeyId?: string;
}
