import { Construct } from "constructs";
import { TerraformVariable, TerraformVariableConfig } from "cdktf";
import { LOG_RETENTION_DAYS } from "../modules/core/index.js";

/**
 * Shared rules for stack variables: every system's inputs are typed, described and validated the same way,
 * with messages that say what to do. A rule is a Terraform condition (without `${}`) and its message.
 */
export type Rule = readonly [condition: string, errorMessage: string];

/** A variable with its validations. */
export function variable(scope: Construct, name: string, config: TerraformVariableConfig, rules: readonly Rule[] = []): TerraformVariable {
  return new TerraformVariable(scope, name, {
    ...config,
    validation: rules.length ? rules.map(([condition, errorMessage]) => ({ condition: `\${${condition}}`, errorMessage })) : undefined,
  });
}

/** A secret: sensitive (redacted in output) and ephemeral (kept out of plan files and state; Terraform >= 1.10). */
export function secret(scope: Construct, name: string, config: TerraformVariableConfig, rules: readonly Rule[] = []): TerraformVariable {
  const v = variable(scope, name, { ...config, sensitive: true }, rules);
  // cdktf 0.21's types predate `ephemeral`; the override writes the plain Terraform argument.
  v.addOverride("ephemeral", true);
  return v;
}

/** A host name: labels of letters, digits and dashes, separated by dots (regex source, HCL-escaped). */
export const HOST_NAME = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*";
/** One e-mail address (regex source, HCL-escaped). */
const EMAIL = "[^@,\\\\s]+@[^@,\\\\s]+\\\\.[^@,\\\\s]+";

/** A port number in a string variable (the RFC-style `"8443"`). */
export function portRule(name: string, example: string): Rule {
  return [
    `can(tonumber(var.${name})) && try(tonumber(var.${name}) >= 1 && tonumber(var.${name}) <= 65535 && floor(tonumber(var.${name})) == tonumber(var.${name}), false)`,
    `${name} must be a port number between 1 and 65535, e.g. "${example}".`,
  ];
}

/** A whole number from min to max in a number variable. */
export function wholeNumberRule(name: string, min: number, max: number, message: string): Rule {
  return [`var.${name} >= ${min} && var.${name} <= ${max} && floor(var.${name}) == var.${name}`, message];
}

/** No single quotes or line breaks: the value is written into a single-quoted dotenv line on the host. */
export function noQuotesRule(name: string): Rule {
  return [`!can(regex("['\\n\\r]", var.${name}))`, `${name} must not contain single quotes or line breaks (it is written to a dotenv file on the instance).`];
}

/** One e-mail address, or empty when `optional`. */
export function emailRule(name: string, example: string, optional: boolean): Rule {
  const test = `can(regex("^${EMAIL}$", var.${name}))`;
  return [optional ? `var.${name} == "" || ${test}` : test, `${name} must be one e-mail address, e.g. "${example}"${optional ? ", or empty" : ""}.`];
}

/** Comma-separated e-mail addresses, or empty. */
export function emailListRule(name: string): Rule {
  return [
    `var.${name} == "" || alltrue([for e in split(",", var.${name}) : can(regex("^${EMAIL}$", e))])`,
    `${name} must be comma-separated e-mail addresses without spaces, e.g. "demo@example.com,sales@example.com".`,
  ];
}

/** An IPv4 CIDR given as its network address. */
export function cidrRules(name: string): Rule[] {
  return [
    [`can(cidrnetmask(var.${name}))`, `${name} must be an IPv4 CIDR such as 203.0.113.7/32 (find your IP with: curl -s https://checkip.amazonaws.com).`],
    [
      `!can(cidrnetmask(var.${name})) || try(cidrsubnet(var.${name}, 0, 0) == var.${name}, false)`,
      `${name} has host bits set: use the network address, e.g. 203.0.113.0/24 instead of 203.0.113.7/24.`,
    ],
  ];
}

/** One of the retention periods CloudWatch Logs accepts. */
export function logRetentionRule(name: string): Rule {
  return [`contains([${LOG_RETENTION_DAYS.join(", ")}], var.${name})`, `${name} must be one of CloudWatch Logs' periods: ${LOG_RETENTION_DAYS.join(", ")}.`];
}

/** `family.size`, e.g. t4g.small. */
export function instanceTypeRule(name: string, examples: string): Rule {
  return [`can(regex("^[a-z][a-z0-9-]*\\\\.[a-z0-9]+$", var.${name}))`, `${name} must look like family.size, e.g. ${examples}.`];
}

/** An AWS region code. */
export const REGION_RULE = (name: string): Rule => [`can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.${name}))`, `${name} must be a region code such as "us-east-1".`];
