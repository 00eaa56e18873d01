import { Fn, Token, Tokenization } from "cdktf";

// The parts of a CloudWatch dashboard body that every dashboard module shares: the grid and the escaping that lets
// the body be a Terraform `jsonencode(...)` expression. Body structure:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html

/** CloudWatch's grid is 24 columns wide. */
export const COLUMNS = 24;

/** A widget of a dashboard body, as far as its place on the grid goes. */
export interface GridWidget {
  readonly type: string;
  readonly width?: number;
  readonly height?: number;
  readonly properties?: unknown;
  readonly [field: string]: unknown;
}

/**
 * Gives each widget a place: left to right, a new row when the next one does not fit in the 24 columns, rows as
 * high as their highest widget, the first row at `top`. Sizes left out are `size`; a position the caller gave is kept.
 */
export function flow<W extends GridWidget>(widgets: readonly W[], top: number, size = { width: 12, height: 6 }): GridWidget[] {
  let x = 0;
  let y = top;
  let rowHeight = 0;
  return widgets.map((widget) => {
    const width = widget.width ?? size.width;
    const height = widget.height ?? size.height;
    if (x + width > COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const { type, properties, ...rest } = widget;
    const placed: GridWidget = { type, x, y, width, height, ...rest, properties };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return placed;
  });
}

/**
 * Makes every string of the body reach CloudWatch exactly as given, working around two cdktf 0.21 quirks with
 * strings inside `Fn.*` arguments:
 * - literals are written with only newlines and `${` escaped: a `"` or `\` in a title, label, query or markdown
 *   would end the HCL string early, and `%{` would start a Terraform template directive; they are escaped here.
 * - a string mixing text and references (`EC2 instance ${id}`) inside a function inside another one
 *   (`jsonencode(concat(...))`, the token-list alarm case) makes cdktf print an "escape sequences" warning on every
 *   synth; such strings become `join("", ["EC2 instance ", id])`, which Terraform evaluates to the same text.
 * Keys are escaped too, and `undefined` values left out. `Fn.format` is no alternative: cdktf renders its `%s` as
 * "undefined".
 */
export function escapeLiterals<T>(value: T): T {
  if (typeof value === "string") return (Token.isUnresolved(value) ? joinFragments(value) : escapeText(value)) as T;
  if (Array.isArray(value)) return value.map(escapeLiterals) as T;
  if (value !== null && typeof value === "object" && !Token.isUnresolved(value)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [escapeText(k), escapeLiterals(v)])) as T;
  }
  return value;
}

/** A string holding references: itself when it is one reference, else `join("", [text, reference, …])`. */
function joinFragments(text: string): string {
  const parts: string[] = [];
  // join() hands the fragments over pairwise, literals as text and references as their token strings.
  Tokenization.reverseString(text).join({
    join: (left: string, right: string) => {
      if (left !== (parts as unknown)) parts.push(left);
      parts.push(right);
      return parts;
    },
  });
  if (parts.length === 0) return text;
  return Fn.join("", parts.filter((p) => p !== "").map((p) => (Token.isUnresolved(p) ? p : escapeText(p))));
}

function escapeText(text: string): string {
  // Replacement functions, not strings: in a replacement string "$$" means one "$".
  return text
    .replace(/\\/g, () => "\\\\")
    .replace(/"/g, () => '\\"')
    .replace(/%\{/g, () => "%%{")
    .replace(/\r/g, () => "\\r")
    .replace(/\t/g, () => "\\t");
}
