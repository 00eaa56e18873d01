import { Token } from "cdktf";
import { IConstruct } from "constructs";

/** One declarative check on construct props: `failed` true means `message` is reported. */
export interface ValidationRule {
  readonly failed: boolean;
  /** Names the prop and says how to fix it. */
  readonly message: string;
}

/** Thrown at synth when props are invalid; carries the construct path so the user finds the call site. */
export class ValidationError extends Error {
  constructor(
    readonly constructPath: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid props for ${constructPath}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ValidationError";
  }
}

/** Evaluates every rule and throws once with all failures, so the user sees every problem at once. */
export function validateAll(scope: IConstruct, rules: readonly ValidationRule[]): void {
  const problems = rules.filter((r) => r.failed).map((r) => r.message);
  if (problems.length > 0) throw new ValidationError(scope.node.path, problems);
}

/** True when the value is known at synth (not a Terraform token), so it can be checked here. */
export function isKnown<T>(value: T | undefined): value is T {
  return value !== undefined && !Token.isUnresolved(value);
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

export function isCidr(value: string): boolean {
  return IPV4_CIDR.test(value) || IPV6_CIDR.test(value);
}

export function isIpv6Cidr(value: string): boolean {
  return IPV6_CIDR.test(value);
}

/** `0.0.0.0/0` or `::/0`: the whole internet. */
export function isWorldCidr(value: string): boolean {
  return /\/0$/.test(value);
}

export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * The props with each default filled in where the caller left the prop out (`undefined`): one place per module
 * that says what its defaults are.
 */
export function applyDefaults<P extends object, K extends keyof P>(props: P, defaults: Required<Pick<P, K>>): P & Required<Pick<P, K>> {
  const filled = { ...props } as Record<string, unknown>;
  for (const [key, value] of Object.entries(defaults)) if (filled[key] === undefined) filled[key] = value;
  return filled as P & Required<Pick<P, K>>;
}

/** `db-password`, `uploads/csv-files` → `DbPassword`, `UploadsCsvFiles`: letters and digits only (construct ids, IAM Sids). */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}
