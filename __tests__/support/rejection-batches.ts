/**
 * Several wrong inputs of one module planned by ONE bare `terraform test` run, without weakening what each proves.
 *
 * A rejection is a base (an environment's tfvars, which plans clean) plus overrides: the variables whose value differs
 * from the base. Terraform 1.11 reports every failing variable validation of a plan, and skips only what depends on a
 * failed variable (another variable whose validation reads it, a local or output that reads it). So two rejections may
 * share a run when nothing of the module depends on both: their `reach` (every variable, local and output downstream of
 * their overrides, through `var.` and `local.` references in the module, validations and error messages included) is
 * disjoint. Then each object of the module is evaluated in the shared run exactly as in one member's own run (it reads
 * that member's values and the base's) or as in the base's run (it reads no member's values: clean), so the shared
 * run's diagnostics are exactly the union of the members' own runs' diagnostics, and each diagnostic belongs to the one
 * member whose reach holds the variable of the validation that produced it.
 *
 * `batchProblems` checks one member: the run failed, exactly one diagnostic belongs to the member and it is
 * "Invalid value for variable" with the member's message, and no diagnostic belongs to no member. (With the base
 * planning clean, that is exactly what the member's own bare run would have to show.)
 */
import type { RunResult } from "./terraform-test.js";

/** A module as Terraform JSON: the parts a plan without provider evaluates. */
export interface ModuleJson {
  readonly variable?: Readonly<Record<string, { readonly validation?: readonly { readonly error_message: string }[] } & object>>;
  readonly locals?: Readonly<Record<string, unknown>>;
  readonly output?: Readonly<Record<string, unknown>>;
}

/** The variables of `variables` whose value differs from `base`; undefined when `variables` drops a key of the base. */
export function overridesOf(base: Readonly<Record<string, unknown>>, variables: Readonly<Record<string, unknown>>): string[] | undefined {
  if (Object.keys(base).some((key) => !(key in variables))) return undefined;
  return Object.keys(variables).filter((key) => !(key in base) || JSON.stringify(variables[key]) !== JSON.stringify(base[key]));
}

/**
 * The expressions of a value of Terraform JSON: in JSON syntax, references occur only in a string's `${…}` and `%{…}`
 * (each taken to its matching brace, or to the end of the string), so prose such as a description refers to nothing.
 */
export function expressionsOf(value: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      for (let i = v.search(/[$%]\{/); i >= 0; ) {
        let depth = 0;
        let end = i + 1;
        for (; end < v.length; end++) {
          if (v[end] === "{") depth++;
          else if (v[end] === "}" && --depth === 0) break;
        }
        parts.push(v.slice(i, end + 1));
        const next = v.slice(end + 1).search(/[$%]\{/);
        i = next < 0 ? -1 : end + 1 + next;
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.entries(v).forEach(([k, x]) => (walk(k), walk(x)));
  };
  walk(value);
  return parts.join("\n");
}

/**
 * What depends on which variables in `module`: `reach(names)` is the set of objects (`var.x`, `local.y`, `output.z`)
 * downstream of those variables, the variables themselves included. A variable block is downstream of everything its
 * type, default, conditions and messages reference (expressionsOf). An object that references anything `unknown` matches (a data
 * source, a resource: nothing of this harness plans one) is in every reach, so rejections touching the module
 * never share a run.
 */
export function dependencyReach(module: ModuleJson, unknown?: RegExp): (names: Iterable<string>) => Set<string> {
  const nodes = new Map<string, string>([
    ...Object.entries(module.variable ?? {}).map(([name, block]) => [`var.${name}`, expressionsOf(block)] as const),
    ...Object.entries(module.locals ?? {}).map(([name, e]) => [`local.${name}`, expressionsOf(e)] as const),
    ...Object.entries(module.output ?? {}).map(([name, o]) => [`output.${name}`, expressionsOf(o)] as const),
  ]);
  const dependents = new Map<string, string[]>();
  const everywhere: string[] = [];
  for (const [node, text] of nodes) {
    if (unknown?.test(text)) everywhere.push(node);
    for (const [ref] of text.matchAll(/\b(?:var|local)\.[A-Za-z0-9_-]+/g)) {
      if (ref !== node) dependents.set(ref, [...(dependents.get(ref) ?? []), node]);
    }
  }
  return (names) => {
    const reached = new Set<string>();
    const visit = (node: string) => {
      if (reached.has(node)) return;
      reached.add(node);
      (dependents.get(node) ?? []).forEach(visit);
    };
    [...names].forEach((name) => visit(`var.${name}`));
    everywhere.forEach(visit);
    return reached;
  };
}

/** The error messages of the validations of the variables in `reach`: the diagnostics a member may own. */
export function messagesIn(module: ModuleJson, reach: ReadonlySet<string>): Set<string> {
  return new Set(
    Object.entries(module.variable ?? {})
      .filter(([name]) => reach.has(`var.${name}`))
      .flatMap(([, block]) => (block.validation ?? []).map((v) => v.error_message)),
  );
}

export interface BatchCandidate {
  readonly name: string;
  /** The variables the candidate sets to something else than the base. */
  readonly overrides: readonly string[];
  /** dependencyReach of the overrides. */
  readonly reach: ReadonlySet<string>;
}

const disjoint = (a: Iterable<string>, b: ReadonlySet<string>) => ![...a].some((x) => b.has(x));

/** Whether two candidates may share a run: no variable in common, and nothing of the module depends on both. */
export function mayShare(a: BatchCandidate, b: BatchCandidate): boolean {
  return disjoint(a.overrides, new Set(b.overrides)) && disjoint(a.reach, b.reach);
}

/** First fit, in the given order: each candidate joins the first batch it may share with every member of, or a new one. */
export function packBatches<C extends BatchCandidate>(candidates: readonly C[], cap = 12): C[][] {
  const batches: C[][] = [];
  for (const candidate of candidates) {
    const fit = batches.find((batch) => batch.length < cap && batch.every((member) => mayShare(member, candidate)));
    if (fit) fit.push(candidate);
    else batches.push([candidate]);
  }
  return batches;
}

export interface BatchMember {
  readonly name: string;
  /** The full error_message of the validation that must reject the member. */
  readonly message: string;
  /** messagesIn the member's reach. */
  readonly owns: ReadonlySet<string>;
}

const VARIABLE_SUMMARY = "Invalid value for variable";
/** The message of a variable diagnostic, without the location Terraform appends. */
export const messageOf = (detail: string) => detail.split("\n\nThis was checked by the validation rule")[0]!;

/**
 * What is wrong with `member`'s part of a shared run's result (empty: it is rejected exactly as its own bare run would
 * be, by its message alone). Every member of the run is needed to tell which diagnostics nobody owns.
 */
export function batchProblems(result: RunResult, members: readonly BatchMember[], member: string): string[] {
  const me = members.find((m) => m.name === member);
  if (!me) throw new Error(`${member} is not a member of the batch ${members.map((m) => m.name).join(", ")}`);
  const problems: string[] = [];
  if (result.status !== "error") problems.push(`the run's status is ${result.status}, not error`);
  const shown = result.diagnostics.map((d) => ({ summary: d.summary, message: d.summary === VARIABLE_SUMMARY ? messageOf(d.detail) : d.detail }));
  const mine = shown.filter((d) => d.summary === VARIABLE_SUMMARY && me.owns.has(d.message));
  const own = mine.filter((d) => d.message === me.message).length;
  if (own !== 1) problems.push(`${member}: "${me.message}" shown ${own} times, not once`);
  mine.filter((d) => d.message !== me.message).forEach((d) => problems.push(`${member}: also "${d.message}"`));
  shown
    .filter((d) => d.summary !== VARIABLE_SUMMARY || !members.some((m) => m.owns.has(d.message)))
    .forEach((d) => problems.push(`a diagnostic of no member (${members.map((m) => m.name).join(", ")}): ${d.summary}: ${d.message}`));
  return problems;
}

/**
 * What is wrong with the run of the base (empty: it plans clean). A failed assertion is the business of the test that
 * wrote it; any other diagnostic would show in every member's own run.
 */
export function baseProblems(result: RunResult): string[] {
  const others = result.diagnostics.filter((d) => d.summary !== "Test assertion failed");
  return [
    ...(result.status === "pass" || (result.status === "fail" && others.length === 0) ? [] : [`the base's run's status is ${result.status}`]),
    ...others.map((d) => `the base shows ${d.severity} ${d.summary}: ${d.detail}`),
  ];
}

/**
 * What is wrong with `member`'s part of a shared run of accepted inputs (empty: its own run would pass without a
 * diagnostic). A diagnostic belongs to the member whose reach holds its validation; one of no member (or a failed run
 * without any) fails every member.
 */
export function acceptedProblems(result: RunResult, members: readonly BatchMember[], member: string): string[] {
  const me = members.find((m) => m.name === member);
  if (!me) throw new Error(`${member} is not a member of the batch ${members.map((m) => m.name).join(", ")}`);
  const shown = result.diagnostics.map((d) => ({ summary: d.summary, message: d.summary === VARIABLE_SUMMARY ? messageOf(d.detail) : d.detail }));
  const owned = (d: { summary: string; message: string }) => d.summary === VARIABLE_SUMMARY && members.some((m) => m.owns.has(d.message));
  return [
    ...(result.status !== "pass" && shown.length === 0 ? [`the run's status is ${result.status}, without a diagnostic`] : []),
    ...shown.filter((d) => d.summary === VARIABLE_SUMMARY && me.owns.has(d.message)).map((d) => `${member}: "${d.message}"`),
    ...shown.filter((d) => !owned(d)).map((d) => `a diagnostic of no member (${members.map((m) => m.name).join(", ")}): ${d.summary}: ${d.message}`),
  ];
}
