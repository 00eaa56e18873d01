import { applyOffline } from "./terraform.js";

/** `${…}` interpolations Terraform will evaluate (not the `$${…}` escapes that become literal `${…}`). */
export function interpolations(text: string): string[] {
  return [...text.matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1]);
}

/**
 * Renders a synthesized Terraform string exactly as Terraform would, with sample values for its references:
 * each `${ref}` becomes a lookup in a sample map, then the real engine interpolates and un-escapes the rest.
 * Throws when a reference has no sample, so a new reference cannot slip through untested.
 */
export async function renderWithTerraform(text: string, samples: Record<string, string>): Promise<string> {
  const missing = [...new Set(interpolations(text).filter((ref) => !(normalise(ref) in samples)))];
  if (missing.length) throw new Error(`no sample value for: ${missing.join(", ")}`);
  const template = text.replace(/(?<!\$)\$\{([^}]*)\}/g, (_m, ref: string) => `\${local.samples[${JSON.stringify(normalise(ref))}]}`);
  const run = await applyOffline({ locals: { samples, rendered: template }, output: { rendered: { value: "${local.rendered}" } } });
  if (!run.ok) throw new Error(`terraform could not render the template:\n${run.stderr}`);
  return run.outputs.rendered;
}

/** Logical ids end in a hash; samples are keyed without it (`aws_ebs_volume.openlit_DataVolume.id`). */
function normalise(ref: string): string {
  return ref.replace(/_[0-9A-F]{8}\b/g, "");
}

/** A sample for a reference: a string, or a list for a splat of a counted resource (`aws_s3_bucket.x[*].bucket`). */
export type SampleValue = string | readonly string[];

/** A plain reference inside an expression: `var.x`, `local.x`, `aws_t.name.attr`, `data.aws_t.name[*].attr`. */
const REFERENCE = /\b(?:data\.)?(?:var|local|aws_[a-z0-9_]+)\.[A-Za-z0-9_]+(?:\[(?:\*|\d+)\])?(?:\.[A-Za-z0-9_]+)*/g;

/**
 * The `${…}` interpolations of a Terraform string with their whole expression, nested braces and string templates
 * included (`${cond ? "a.${var.b}" : "c"}` is one), skipping `$${` escapes: [start, end) of each, `${` to `}`.
 */
export function interpolationSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  /** From just inside `${` to the index of its closing `}`. */
  const expression = (i: number): number => {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') i = quoted(i + 1);
      else if (c === "{") (depth++, i++);
      else if (c === "}") {
        if (depth === 0) return i;
        depth--;
        i++;
      } else i++;
    }
    throw new Error(`unterminated \${ in: ${text.slice(0, 200)}`);
  };
  /** From just inside a quoted string to just after its closing quote. */
  const quoted = (i: number): number => {
    while (i < text.length) {
      if (text[i] === "\\") i += 2;
      else if (text[i] === '"') return i + 1;
      else if (text.startsWith("$${", i)) i += 3;
      else if (text.startsWith("${", i)) i = expression(i + 2) + 1;
      else i++;
    }
    throw new Error(`unterminated string in: ${text.slice(0, 200)}`);
  };
  for (let i = 0; i < text.length; ) {
    if (text.startsWith("$${", i)) i += 3;
    else if (text.startsWith("${", i)) {
      const end = expression(i + 2);
      spans.push([i, end + 1]);
      i = end + 1;
    } else i++;
  }
  return spans;
}

/**
 * The plain references (variables, locals, resource and data source attributes) a Terraform string's interpolations
 * read, inside conditionals and function calls too, keyed without the logical-id hash.
 */
export function references(text: string): string[] {
  const refs = interpolationSpans(text).flatMap(([start, end]) => [...text.slice(start + 2, end - 1).matchAll(REFERENCE)].map((m) => normalise(m[0])));
  return [...new Set(refs)];
}

/**
 * {@link renderWithTerraform} for strings whose interpolations are whole expressions (`${length(var.x) < 1 ? one(aws_…[*].bucket)
 * : …}`), not just references: only the references become sample lookups, and the real engine evaluates the stack's own
 * expressions around them (conditionals, one(), nested templates). Throws when a reference has no sample.
 */
export async function renderExpressionsWithTerraform(text: string, samples: Readonly<Record<string, SampleValue>>): Promise<string> {
  const missing = references(text).filter((ref) => !(ref in samples));
  if (missing.length) throw new Error(`no sample value for: ${missing.join(", ")}`);
  let template = "";
  let last = 0;
  for (const [start, end] of interpolationSpans(text)) {
    const expression = text.slice(start, end).replace(REFERENCE, (ref) => `local.samples[${JSON.stringify(normalise(ref))}]`);
    template += text.slice(last, start) + expression;
    last = end;
  }
  template += text.slice(last);
  // Sample values are data, not templates: escaped, so a `${` in one reaches the script as it is.
  const literal = (s: string) => s.replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{");
  const data = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, typeof v === "string" ? literal(v) : v.map(literal)]));
  const run = await applyOffline({ locals: { samples: data, rendered: template }, output: { rendered: { value: "${local.rendered}" } } });
  if (!run.ok) throw new Error(`terraform could not render the template:\n${run.stderr}`);
  return run.outputs.rendered;
}
