/**
 * The harness of the variable tests (variables and each system's, set up by support/system-variables.ts): runs collected
 * while the file loads, planned together by one `terraform test` (support/terraform-test.ts), and the checks the tests
 * make of them: a run that passes without a diagnostic, and a wrong input rejected by exactly the validation that
 * carries the catalogue's message. Wrong inputs given with their base share bare runs (support/rejection-batches.ts).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TfJson } from "./synth.js";
import { SystemVariableError, variableErrorsTable } from "./input-errors.js";
import { requireTerraform } from "./terraform.js";
import { explain, RunResult, terraformTest, TestReport, TestRun, TfValue } from "./terraform-test.js";
import { offlineModule, onlineReference, REPO, validationsOf, VariableValidation } from "./variables.js";
import { acceptedProblems, BatchMember, baseProblems, batchProblems, dependencyReach, messageOf, messagesIn, ModuleJson, overridesOf, packBatches } from "./rejection-batches.js";

/** A run variable: a literal, or a list for a list(string) variable. */
export type RunValue = TfValue | readonly string[];

/**
 * A tfvars file (relative to the repository) as run variables. The shared readTfvars reads literal strings, numbers
 * and booleans only; these files may also set lists (ssh_allowed_cidr_blocks, subnet ids). Each right-hand side here is
 * valid JSON; anything else throws, so a richer file fails loudly instead of being half read.
 */
export function readTfvarsWithLists(file: string): Record<string, RunValue> {
  const values: Record<string, RunValue> = {};
  readFileSync(resolve(REPO, file), "utf8").split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\$%]|\\.)*"|\[(?:\s*"[^"\\$%]*"\s*,?)*\s*\]|true|false|-?[0-9]+(?:\.[0-9]+)?)\s*(?:#.*)?$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: not an assignment this reader understands: ${raw}`);
    if (m[1] in values) throw new Error(`${file}:${i + 1}: ${m[1]} is set twice`);
    values[m[1]] = JSON.parse(m[2].replace(/,(\s*\])$/, "$1")) as RunValue;
  });
  return values;
}

/** A planned rejection: its run name, the validation that must reject it (or why none could be found). */
export interface Rejection {
  readonly name: string;
  readonly validation: VariableValidation | Error;
  readonly single?: boolean;
}

export interface CatalogueOptions {
  /** The synthesized stacks, by the module name runs refer to them with. */
  readonly stacks: Readonly<Record<string, TfJson>>;
  /** More modules (Terraform JSON) runs may plan, e.g. a part of a stack. */
  readonly modules?: Readonly<Record<string, object>>;
  /**
   * Per module, the variables a rejection of it changes (e.g. the environment's tfvars, which must plan clean): a
   * rejection given with a base shares a bare run with others of the module (see support/rejection-batches.ts). A
   * rejection's own `base` option wins.
   */
  readonly bases?: Readonly<Record<string, Record<string, RunValue>>>;
  /** How the catalogue's message names its validation: the whole error_message, or its beginning. @default "exact" */
  readonly messageMatch?: "exact" | "prefix";
  /**
   * Also plan a rejection (planned alone: no base) of a variable with several rules with `expect_failures`, besides the
   * bare plan that shows the message. The bare plan alone already proves it: exactly one diagnostic, the catalogue's
   * message, which names one validation of the stack. Rejections that share a bare run never get this plan.
   * @default false
   */
  readonly alsoExpectFailures?: boolean;
  /** The most rejections one run holds. @default 12 */
  readonly batchSize?: number;
}

export function variableCatalogue(options: CatalogueOptions) {
  const runs: TestRun[] = [];
  /**
   * Adds a run. terraformTest writes each variable into the run's JSON test file as it is, and a JSON array is a
   * Terraform list: TfValue names only the literals its tfvars reader returns, hence the cast.
   */
  const plan = (run: Omit<TestRun, "variables"> & { variables: Record<string, RunValue> }) => (runs.push(run as TestRun), run.name);

  /** The one validation of the stack whose error_message is (or, with messageMatch "prefix", begins with) the catalogue's message. */
  function validationShowing(stack: TfJson, message: string): VariableValidation {
    const prefix = options.messageMatch === "prefix";
    const matches = validationsOf(stack).filter((v) => (prefix ? v.errorMessage.startsWith(message) : v.errorMessage === message));
    if (matches.length !== 1) {
      throw new Error(
        `${matches.length} validations of the stack ${prefix ? "begin with" : "have"} the message "${message}": ${matches.map((m) => `var.${m.variable}[${m.index}]`).join(", ")}`,
      );
    }
    return matches[0]!;
  }

  /**
   * Inputs waiting for start() to put them into shared runs: wrong ones (with the message that must reject them) and
   * accepted ones (message ""); then, by name, the shared run each went into, its members and the run of its base.
   */
  type Waiting = { name: string; module: string; variables: Record<string, RunValue>; base: Record<string, RunValue>; overrides: string[]; message: string };
  type Kind = "rejections" | "accepted";
  const waiting: Record<Kind, Waiting[]> = { rejections: [], accepted: [] };
  const sharedRunOf: Record<Kind, Map<string, { run: string; members: BatchMember[]; base: string }>> = { rejections: new Map(), accepted: new Map() };

  /**
   * An input `module` must accept without any diagnostic. With a base whose keys it all keeps: a member of a run
   * shared with other accepted inputs of the module, planned by start(); otherwise a run of its own. Check it with
   * expectPasses(name).
   */
  function accept(name: string, module: string, variables: Record<string, RunValue>, more: { base?: Record<string, RunValue> } = {}): string {
    const base = more.base ?? options.bases?.[module];
    const overrides = base && overridesOf(base, variables);
    if (base && overrides?.length) waiting.accepted.push({ name, module, variables, base, overrides, message: "" });
    else plan({ name, module, variables });
    return name;
  }

  /**
   * A wrong input of `module`. With a base (options.bases or `base`) whose keys it all keeps: a member of a bare run
   * shared with other rejections of the module (planned by start()), which must show exactly the catalogue's message
   * for it. Otherwise a run of its own: where var.x has one rule, `expect_failures = [var.x]`, which passes only when
   * var.x fails and nothing else does; where it has several, bare, so the diagnostics show which rule failed.
   */
  function rejection(name: string, module: string, variables: Record<string, RunValue>, message: string, more: { base?: Record<string, RunValue> } = {}): Rejection {
    const stack = options.stacks[module]!;
    let validation: VariableValidation;
    try {
      validation = validationShowing(stack, message);
    } catch (error) {
      return { name, validation: error as Error };
    }
    const single = validationsOf(stack).filter((v) => v.variable === validation.variable).length === 1;
    const base = more.base ?? options.bases?.[module];
    const overrides = base && overridesOf(base, variables);
    if (base && overrides?.length) {
      waiting.rejections.push({ name, module, variables, base, overrides, message: validation.errorMessage });
      return { name, validation, single };
    }
    if (single || options.alsoExpectFailures) plan({ name: `${name}_expect`, module, variables, expectFailures: [`var.${validation.variable}`] });
    if (!single) plan({ name: `${name}_shown`, module, variables });
    return { name, validation, single };
  }

  /** JSON with sorted keys: the same base however its keys were ordered. */
  const canonical = (value: Record<string, RunValue>) => JSON.stringify(Object.keys(value).sort().map((k) => [k, value[k]]));

  /**
   * Puts the waiting inputs of a kind into shared runs, first fit per module and base; plans each base that no run
   * plans yet. A shared run of accepted inputs passes exactly when each member's own run would.
   */
  function planShared(kind: Kind, modules: Readonly<Record<string, object>>) {
    const groups = new Map<string, Waiting[]>();
    for (const w of waiting[kind]) {
      const key = `${w.module}\0${canonical(w.base)}`;
      groups.set(key, [...(groups.get(key) ?? []), w]);
    }
    let runCount = 0;
    let baseCount = 0;
    for (const group of groups.values()) {
      const { module, base } = group[0]!;
      const json = modules[module] as ModuleJson;
      const reach = dependencyReach(json, onlineReference(options.stacks[module]!));
      const candidates = group.map((w) => ({ ...w, reach: reach(w.overrides) }));
      const baseKey = canonical(base);
      const baseRun =
        runs.find((r) => r.module === module && !r.expectFailures?.length && canonical(r.variables as Record<string, RunValue>) === baseKey)?.name ??
        plan({ name: `${kind}_base_${baseCount++}`, module, variables: base });
      for (const batch of packBatches(candidates, options.batchSize ?? 12)) {
        const run = plan({
          name: `${kind}_${runCount++}`,
          module,
          variables: Object.assign({ ...base }, ...batch.map((m) => Object.fromEntries(m.overrides.map((k) => [k, m.variables[k]!])))),
        });
        const members = batch.map((m) => ({ name: m.name, message: m.message, owns: messagesIn(json, m.reach) }));
        batch.forEach((m) => sharedRunOf[kind].set(m.name, { run, members, base: baseRun }));
      }
    }
    waiting[kind].length = 0;
  }

  let report: Promise<TestReport>;
  /** Plans every run (call it in beforeAll, once all runs are added). */
  function start(): void {
    requireTerraform();
    const modules = {
      ...Object.fromEntries(Object.entries(options.stacks).map(([name, stack]) => [name, offlineModule(stack)])),
      ...options.modules,
    };
    planShared("rejections", modules);
    planShared("accepted", modules);
    report = terraformTest(modules, runs);
    // Awaited by the tests, so a failure shows in each of them rather than as an unhandled rejection.
    report.catch(() => {});
  }

  const resultOf = async (name: string): Promise<[RunResult, string]> => {
    const r = await report;
    return [r.result(name), explain(r, name)];
  };

  async function expectPasses(name: string) {
    const batch = sharedRunOf.accepted.get(name);
    if (batch) {
      const [base, baseWhy] = await resultOf(batch.base);
      expect(baseProblems(base), baseWhy).toEqual([]);
      const [shared, why] = await resultOf(batch.run);
      expect(acceptedProblems(shared, batch.members, name), why).toEqual([]);
      return;
    }
    const [result, why] = await resultOf(name);
    // no diagnostics at all: no warnings either
    expect(result, why).toEqual({ status: "pass", diagnostics: [] });
  }

  /**
   * The rejection's plans. Shared: the base plans clean, and the shared run shows the catalogue's message once for
   * this rejection and nothing else of it (nor anything of no member). Alone: var.x failed and nothing else did; a bare
   * plan shows exactly the catalogue's message.
   */
  async function expectRejected(rejected: Rejection) {
    const { name, validation } = rejected;
    if (validation instanceof Error) throw validation;
    const batch = sharedRunOf.rejections.get(name);
    if (batch) {
      const [base, baseWhy] = await resultOf(batch.base);
      expect(baseProblems(base), baseWhy).toEqual([]);
      const [shared, why] = await resultOf(batch.run);
      expect(batchProblems(shared, batch.members, name), why).toEqual([]);
      return;
    }
    if (rejected.single || options.alsoExpectFailures) await expectPasses(`${name}_expect`);
    if (rejected.single) return;
    const [shown, why] = await resultOf(`${name}_shown`);
    expect(shown.status, why).toBe("error");
    expect(
      shown.diagnostics.map((d) => ({ summary: d.summary, message: messageOf(d.detail) })),
      why,
    ).toEqual([{ summary: "Invalid value for variable", message: validation.errorMessage }]);
  }

  /**
   * The catalogue's tests, in the calling describe: every validation of the stacks has a row (or is among `alsoCovered`,
   * messages a file checks its own way), each row is rejected by its message, each accepted input passes.
   */
  function catalogueTests(
    rows: readonly (readonly [stack: string, what: string, row: Rejection])[],
    accepted: readonly (readonly [stack: string, what: string, run: string])[],
    alsoCovered: readonly string[] = [],
  ) {
    it("has a row for every validation of both stacks", () => {
      const shown = new Set([...rows.flatMap(([, , row]) => (row.validation instanceof Error ? [] : [row.validation.errorMessage])), ...alsoCovered]);
      const messages = Object.values(options.stacks).flatMap((stack) => validationsOf(stack).map((v) => v.errorMessage));
      expect([...new Set(messages)].filter((m) => !shown.has(m))).toEqual([]);
    });

    it.each(rows)("%s rejects %s with a message that says what to do", async (_stack, _what, row) => {
      await expectRejected(row);
    });

    it.each(accepted)("%s accepts %s", async (_stack, _what, run) => {
      await expectPasses(run);
    });
  }

  /**
   * Controls: a run that must fail its expect_failures, and one whose assertion is false (its message must read
   * `shows`), so a harness that read every run as passed would fail; with the test that reads them as failed.
   */
  function controlTests(module: string, variables: Record<string, RunValue>, control: { expectFailure: string; assert: { condition: string; message: string }; shows: string }) {
    const expectRun = plan({ name: "control_expect", module, variables, expectFailures: [control.expectFailure] });
    const assertRun = plan({ name: "control_assert", module, variables, asserts: [control.assert] });
    it("reads a run that should have failed, or whose assertion is false, as failed", async () => {
      const [expected] = await resultOf(expectRun);
      expect(expected.status).toBe("error");
      expect(expected.diagnostics.map((d) => d.summary)).toEqual(["Missing expected failure"]);
      const [asserted] = await resultOf(assertRun);
      expect(asserted).toEqual({ status: "fail", diagnostics: [expect.objectContaining({ summary: "Test assertion failed", detail: control.shows })] });
    });
  }

  return { runs, plan, accept, rejection, start, resultOf, expectPasses, expectRejected, catalogueTests, controlTests };
}

/**
 * The system's docs show the catalogue's table between their variable-errors markers, generated by variableErrorsTable
 * (support/input-errors.ts): a changed row or message shows as a diff of the table.
 */
export function docsTableTests(system: string, errors: readonly SystemVariableError[]) {
  describe(`docs/${system}.md`, () => {
    it("shows the catalogue's table between its variable-errors markers", () => {
      const text = readFileSync(resolve(REPO, `docs/${system}.md`), "utf8");
      const table = /<!-- variable-errors:start -->\n([\s\S]*?)\n?<!-- variable-errors:end -->/.exec(text)?.[1];
      expect(table).toEqual(variableErrorsTable(system, errors));
    });
  });
}
