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
