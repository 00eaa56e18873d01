import { Fn, IResolvable, Op, ref, TerraformDataSource, Token } from "cdktf";

// cdktf 0.21 renders falsy literal operands of Op.* ("" and 0) as `undefined`, so `Op.neq(x, "")`
// would synthesize `x != undefined`. Comparing lengths with 1 avoids falsy literals altogether.

/** Terraform boolean: the string is not empty. */
export function isNonEmpty(value: string) {
  return Op.gte(Fn.lengthOf(value), 1);
}

/** Terraform boolean: the string is empty. */
export function isEmpty(value: string) {
  return Op.lt(Fn.lengthOf(value), 1);
}

/** A counted resource or data source (count 0 or 1), as far as references go. */
interface Counted {
  readonly terraformResourceType: string;
  readonly friendlyUniqueId: string;
}

/**
 * `attribute` of a resource that has `count` 0 or 1, as a list (`type.name[*].attribute`): empty when the
 * resource is off. cdktf's own attribute getters omit the index, which Terraform rejects on counted resources.
 */
export function splat(resource: Counted, attribute: string): string[] {
  const mode = resource instanceof TerraformDataSource ? "data." : "";
  return Token.asList(ref(`${mode}${resource.terraformResourceType}.${resource.friendlyUniqueId}[*].${attribute}`));
}

/** `attribute` of a counted resource, or null when it is off (`one(type.name[*].attribute)`). */
export function oneOf(resource: Counted, attribute: string): string {
  return Token.asString(Fn.one(splat(resource, attribute)));
}

/** A switch that is known at synth (a boolean) or only at plan time (a Terraform boolean). */
export type Switch = boolean | IResolvable;

/**
 * `count` for a resource that exists when `condition` holds: 1/0 for a literal, `cond ? 1 : 0` for a token.
 * Literals never go through Fn.conditional, which does not parenthesize a nested conditional condition.
 */
export function countWhen(condition: Switch): number {
  if (typeof condition === "boolean") return condition ? 1 : 0;
  return Token.asNumber(Fn.conditional(condition, 1, 0));
}

/** `whenTrue` or `whenFalse`: picked here for a literal, a Terraform conditional for a token. */
export function choose(condition: Switch, whenTrue: string, whenFalse: string): string {
  if (typeof condition === "boolean") return condition ? whenTrue : whenFalse;
  return Token.asString(Fn.conditional(condition, whenTrue, whenFalse));
}
