/**
 * Turns `terraform show -json` of a plan into a stable object for snapshot
 * tests and review: resource addresses, actions and the *known* planned
 * values. Dropped on purpose: timestamps, terraform_version, format_version,
 * absolute paths (scratch dir / repo root become <stack> / <repo>), unknown
 * values (listed in `unknown` instead) and every value at a sensitive path
 * (replaced by "(sensitive)").
 */
import { tmpdir } from "node:os";
import { REPO_ROOT } from "./paths.js";
import { SCRATCH_PREFIX } from "./scratch-workspace.js";

export interface NormalizedResourceChange {
  address: string;
  mode: string;
  type: string;
  provider: string;
  actions: string[];
  /** Known planned values; sensitive ones replaced with "(sensitive)". */
  after: unknown;
  /** Paths (a.b[0].c) that are unknown until apply, sorted. */
  unknown: string[];
}

export interface NormalizedPlan {
  resourceChanges: NormalizedResourceChange[];
  outputChanges: Record<string, { actions: string[]; after: unknown; unknown: boolean }>;
  variables: Record<string, unknown>;
  errored: boolean;
}

const SENSITIVE = "(sensitive)";
type Json = unknown;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
const scratchRe = new RegExp(`${escapeRe(tmpdir())}/${SCRATCH_PREFIX}[^/"\\s]*`, "g");
const repoRe = new RegExp(escapeRe(REPO_ROOT), "g");

function scrubPaths(v: Json): Json {
  if (typeof v === "string") return v.replace(scratchRe, "<stack>").replace(repoRe, "<repo>");
  if (Array.isArray(v)) return v.map(scrubPaths);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubPaths(x)]));
  return v;
}

/** Removes unknown parts (collecting their paths) and masks sensitive parts. */
function knownValues(value: Json, unknown: Json, sensitive: Json, path: string, unknownPaths: string[]): Json {
  if (unknown === true) {
    unknownPaths.push(path || "(root)");
    return undefined;
  }
  if (sensitive === true) return SENSITIVE;
  const sub = (container: Json, key: string | number): Json =>
    container && typeof container === "object" ? (container as Record<string, Json>)[key] : undefined;
  if (Array.isArray(value) || Array.isArray(unknown)) {
    const arr = Array.isArray(value) ? value : [];
    const len = Math.max(arr.length, Array.isArray(unknown) ? unknown.length : 0);
    const out: Json[] = [];
    for (let i = 0; i < len; i++) out.push(knownValues(arr[i] ?? null, sub(unknown, i), sub(sensitive, i), `${path}[${i}]`, unknownPaths) ?? null);
    return out;
  }
  if ((value && typeof value === "object") || (unknown && typeof unknown === "object")) {
    const obj = (value && typeof value === "object" ? value : {}) as Record<string, Json>;
    const keys = new Set([...Object.keys(obj), ...Object.keys((unknown as object) ?? {})]);
    const out: Record<string, Json> = {};
    for (const k of [...keys].sort()) {
      const v = knownValues(obj[k] ?? null, sub(unknown, k), sub(sensitive, k), path ? `${path}.${k}` : k, unknownPaths);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return value;
}

interface ShowJson {
  errored?: boolean;
  resource_changes?: Array<{
    address: string;
    mode: string;
    type: string;
    provider_name: string;
    change: { actions: string[]; after: Json; after_unknown?: Json; after_sensitive?: Json };
  }>;
  output_changes?: Record<string, { actions: string[]; after: Json; after_unknown?: Json; after_sensitive?: Json }>;
  variables?: Record<string, { value: Json }>;
  configuration?: { root_module?: { variables?: Record<string, { sensitive?: boolean }> } };
}

export function normalizePlan(showJson: unknown): NormalizedPlan {
  const plan = showJson as ShowJson;
  const resourceChanges = (plan.resource_changes ?? [])
    .map((rc): NormalizedResourceChange => {
      const unknown: string[] = [];
      const after = knownValues(rc.change.after, rc.change.after_unknown, rc.change.after_sensitive, "", unknown);
      return {
        address: rc.address,
        mode: rc.mode,
        type: rc.type,
        provider: rc.provider_name,
        actions: rc.change.actions,
        after: scrubPaths(after ?? null),
        unknown: unknown.sort(),
      };
    })
    // code-point order: localeCompare would depend on the machine's locale (and ignores punctuation)
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const outputChanges: NormalizedPlan["outputChanges"] = {};
  for (const name of Object.keys(plan.output_changes ?? {}).sort()) {
    const oc = plan.output_changes![name]!;
    const unknownPaths: string[] = [];
    const after = knownValues(oc.after, oc.after_unknown, oc.after_sensitive, "", unknownPaths);
    outputChanges[name] = { actions: oc.actions, after: scrubPaths(after ?? null), unknown: unknownPaths.length > 0 };
  }
  const variables: Record<string, unknown> = {};
  const declared = plan.configuration?.root_module?.variables ?? {};
  for (const name of Object.keys(plan.variables ?? {}).sort()) {
    variables[name] = declared[name]?.sensitive ? SENSITIVE : scrubPaths(plan.variables![name]!.value);
  }
  return { resourceChanges, outputChanges, variables, errored: plan.errored ?? false };
}
