/**
 * Reading the IAM, bucket and key policies of a synthesized stack: cdktf writes them as `${jsonencode({...})}` in HCL's
 * object syntax (or plain JSON), which this reads back into statements for property assertions.
 */
import { resourcesOf, TfJson } from "./synth.js";

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}
export const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * A value in HCL's object syntax, as cdktf writes a policy into `${jsonencode({...})}` (or plain JSON): objects,
 * tuples, strings (escapes decoded, interpolations kept as written) and bare expressions, read as "${expr}".
 */
export function parseHclValue(text: string): unknown {
  let i = 0;
  const space = () => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  /** The index just past the bracket closing the one at `start`, skipping quoted strings. */
  const pastClosing = (start: number): number => {
    let depth = 0;
    for (let j = start; j < text.length; j++) {
      const c = text[j]!;
      if (c === '"') j = pastString(j) - 1;
      else if ("([{".includes(c)) depth++;
      else if (")]}".includes(c) && --depth === 0) return j + 1;
    }
    throw new Error(`unclosed bracket at ${start} in ${text}`);
  };
  /** The index just past the string opening at `start` (a quote inside an interpolation does not end it). */
  const pastString = (start: number): number => {
    for (let j = start + 1; j < text.length; j++) {
      if (text[j] === "\\") j++;
      else if (text.startsWith("${", j)) j = pastClosing(j + 1) - 1;
      else if (text[j] === '"') return j + 1;
    }
    throw new Error(`unclosed string at ${start} in ${text}`);
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      const object = c === "{";
      const out: unknown[] = [];
      const fields: Record<string, unknown> = {};
      i++;
      for (space(); text[i] !== (object ? "}" : "]"); space()) {
        if (object) {
          const key = value() as string;
          space();
          if (text[i] !== "=" && text[i] !== ":") throw new Error(`expected = after ${key} at ${i} in ${text}`);
          i++;
          fields[key] = value();
        } else out.push(value());
        space();
        if (text[i] === ",") i++;
      }
      i++;
      return object ? fields : out;
    }
    if (c === '"') {
      const end = pastString(i);
      const raw = text.slice(i + 1, end - 1);
      i = end;
      return raw.replace(/\\(["\\nrt])/g, (_, e: string) => ({ n: "\n", r: "\r", t: "\t" })[e as "n"] ?? e);
    }
    const start = i;
    while (i < text.length && !",}]".includes(text[i]!)) i = "([{".includes(text[i]!) ? pastClosing(i) : text[i] === '"' ? pastString(i) : i + 1;
    return `\${${text.slice(start, i).trim()}}`;
  };
  return value();
}

/** The statements of a policy document: `${jsonencode({...})}` or JSON. */
export function statementsOf(policy: string): Statement[] {
  const m = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(policy);
  return (parseHclValue(m ? m[1]! : policy) as { Statement: Statement[] }).Statement;
}

/** Every policy document of the stack (identity, trust, bucket and key policies), by where it is. */
export function policyDocuments(json: TfJson): { where: string; type: string; statements: Statement[] }[] {
  return Object.entries(json.resource).flatMap(([type, resources]) =>
    Object.entries(resources).flatMap(([id, config]) =>
      Object.entries(config as Record<string, unknown>)
        .filter(([attribute, value]) => /policy$/.test(attribute) && typeof value === "string" && value.includes('"Statement"'))
        .map(([attribute, value]) => ({ where: `${type}.${id}.${attribute}`, type, statements: statementsOf(value as string) })),
    ),
  );
}

/** The instance role's inline policies, by name. */
export const rolePolicies = (json: TfJson): Record<string, Statement[]> =>
  Object.fromEntries(resourcesOf(json, "aws_iam_role_policy").map(([, p]) => [p.name, statementsOf(p.policy)]));

