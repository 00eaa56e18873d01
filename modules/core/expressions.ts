import { Fn, Op } from "cdktf";

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
