/**
 * The harness of a system's variable tests (lighthouse-variables, vectordb-api-variables): runs collected while the
 * file loads, planned together by one `terraform test` (support/terraform-test.ts), and the checks the tests make of
 * them: a run that passes without a diagnostic, and a wrong input rejected by exactly the validation that carries
 * the catalogue's message.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TfJson } from "./synth.js";
import { requireTerraform } from "./terraform.js";
import { explain, RunResult, terraformTest, TestReport, TestRun, TfValue } from "./terraform-test.js";
import { offlineModule, REPO, validationsOf, VariableValidation } from "./variables.js";

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
  /**
   * Also plan a rejection of a variable with several rules with `expect_failures` (besides the bare plan that shows
   * the message). The bare plan alone already proves it: exactly one diagnostic, the catalogue's message.
   * @default false
   */
  readonly alsoExpectFailures?: boolean;
}

export function variableCatalogue(options: CatalogueOptions) {
  const runs: TestRun[] = [];
  /**
   * Adds a run. terraformTest writes each variable into the run's JSON test file as it is, and a JSON array is a
   * Terraform list: TfValue names only the literals its tfvars reader returns, hence the cast.
   */
  const plan = (run: Omit<TestRun, "variables"> & { variables: Record<string, RunValue> }) => (runs.push(run as TestRun), run.name);

  /** The one validation of the stack whose error_message is the catalogue's message. */
  function validationShowing(stack: TfJson, message: string): VariableValidation {
    const matches = validationsOf(stack).filter((v) => v.errorMessage === message);
    if (matches.length !== 1) {
      throw new Error(`${matches.length} validations of the stack have the message "${message}": ${matches.map((m) => `var.${m.variable}[${m.index}]`).join(", ")}`);
    }
    return matches[0]!;
  }

  /**
   * A wrong input of `module`. Where var.x has one rule: `expect_failures = [var.x]`, which passes only when var.x
   * fails and nothing else does. Where it has several: bare, so the diagnostics show which rule failed.
   */
  function rejection(name: string, module: string, variables: Record<string, RunValue>, message: string): Rejection {
    const stack = options.stacks[module]!;
    let validation: VariableValidation;
    try {
      validation = validationShowing(stack, message);
    } catch (error) {
      return { name, validation: error as Error };
    }
    const single = validationsOf(stack).filter((v) => v.variable === validation.variable).length === 1;
    if (single || options.alsoExpectFailures) plan({ name: `${name}_expect`, module, variables, expectFailures: [`var.${validation.variable}`] });
    if (!single) plan({ name: `${name}_shown`, module, variables });
    return { name, validation, single };
  }

  let report: Promise<TestReport>;
  /** Plans every run (call it in beforeAll, once all runs are added). */
  function start(): void {
    requireTerraform();
    const modules = Object.fromEntries(Object.entries(options.stacks).map(([name, stack]) => [name, offlineModule(stack)]));
    report = terraformTest(modules, runs);
    // Awaited by the tests, so a failure shows in each of them rather than as an unhandled rejection.
    report.catch(() => {});
  }

  const resultOf = async (name: string): Promise<[RunResult, string]> => {
    const r = await report;
    return [r.result(name), explain(r, name)];
  };

  async function expectPasses(name: string) {
    const [result, why] = await resultOf(name);
    // no diagnostics at all: no warnings either
    expect(result, why).toEqual({ status: "pass", diagnostics: [] });
  }

  /** The rejection's plans: var.x failed and nothing else did; a bare plan shows exactly the catalogue's message. */
  async function expectRejected(rejected: Rejection) {
    const { name, validation } = rejected;
    if (validation instanceof Error) throw validation;
    if (rejected.single || options.alsoExpectFailures) await expectPasses(`${name}_expect`);
    if (rejected.single) return;
    const [shown, why] = await resultOf(`${name}_shown`);
    expect(shown.status, why).toBe("error");
    expect(
      shown.diagnostics.map((d) => ({ summary: d.summary, message: d.detail.split("\n\nThis was checked by the validation rule")[0] })),
      why,
    ).toEqual([{ summary: "Invalid value for variable", message: validation.errorMessage }]);
  }

  return { runs, plan, rejection, start, resultOf, expectPasses, expectRejected };
}
