import { Op } from "cdktf";
import { isNonEmpty, Switch } from "./expressions.js";
import { isKnown } from "./validation.js";

// Boolean algebra over switches known at synth (booleans) or only at plan time (Terraform booleans). Literals are
// folded here, so no literal ever becomes an operand of Op.* (cdktf renders falsy literal operands as `undefined`)
// and a switch known at synth yields plain JSON (no count, no conditional). Op.* parenthesizes what it renders, so
// the results are safe as conditions of Fn.conditional (which does not parenthesize its condition).

/** Whether a string prop is set: false when left out, `!== ""` for a literal, `length(x) >= 1` for a token. */
export function isSet(value: string | undefined): Switch {
  if (value === undefined) return false;
  return isKnown(value) ? value !== "" : isNonEmpty(value);
}

export function not(value: Switch): Switch {
  return typeof value === "boolean" ? !value : Op.not(value);
}

export function all(...values: Switch[]): Switch {
  if (values.includes(false)) return false;
  const tokens = values.filter((v) => v !== true);
  return tokens.length === 0 ? true : tokens.reduce((a, b) => Op.and(a, b));
}

export function any(...values: Switch[]): Switch {
  if (values.includes(true)) return true;
  const tokens = values.filter((v) => v !== false);
  return tokens.length === 0 ? false : tokens.reduce((a, b) => Op.or(a, b));
}
