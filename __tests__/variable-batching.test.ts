import { Diagnostic, explain, RunResult, terraformTest } from "./support/terraform-test.js";
import { requireTerraform } from "./support/terraform.js";
import { acceptedProblems, baseProblems, batchProblems, dependencyReach, expressionsOf, messageOf, messagesIn, overridesOf, packBatches } from "./support/rejection-batches.js";

// The rules by which wrong inputs share one bare `terraform test` run (support/rejection-batches.ts), on a small module.

const rule = (condition: string, error_message: string) => ({ condition: `\${${condition}}`, error_message });
const MODULE = {
  variable: {
    a: { type: "string", description: "Read by local.data. and var.b's rule in prose only", validation: [rule('var.a != "bad"', "A is bad.")] },
    b: { type: "string", validation: [rule('var.b != "bad"', "B is bad.")] },
    c: { type: "string", validation: [rule("var.c != var.d", "C equals D.")] },
    d: { type: "string", validation: [rule('var.d != "bad"', "D is bad.")] },
    e: { type: "string", validation: [rule('var.e != "bad"', "E is bad.")] },
    f: { type: "number", validation: [rule("var.f > 0", "F is not positive.")] },
  },
  locals: { ef: "${var.e}${var.f}" },
  output: { ef: { value: "${local.ef}" } },
};
const reach = dependencyReach(MODULE);
const candidate = (name: string, overrides: string[]) => ({ name, overrides, reach: reach(overrides) });

describe("which wrong inputs share a run", () => {
  it("reads references in expressions only, not in prose", () => {
    expect(expressionsOf(MODULE.variable.a)).toBe('${var.a != "bad"}');
    expect([...reach(["a"])]).toEqual(["var.a"]);
  });

  it("never puts two rejections that one validation reads into one run", () => {
    // var.c's rule reads var.c and var.d: a wrong c and a wrong d both reach it.
    expect(reach(["d"]).has("var.c")).toBe(true);
    expect(packBatches([candidate("c", ["c"]), candidate("d", ["d"])]).map((b) => b.map((m) => m.name))).toEqual([["c"], ["d"]]);
  });

  it("never puts two rejections that one local or output reads into one run", () => {
    expect(packBatches([candidate("e", ["e"]), candidate("f", ["f"])]).map((b) => b.map((m) => m.name))).toEqual([["e"], ["f"]]);
  });

  it("never puts two rejections of one variable into one run", () => {
    expect(packBatches([candidate("a1", ["a"]), candidate("a2", ["a"])]).map((b) => b.map((m) => m.name))).toEqual([["a1"], ["a2"]]);
  });

  it("puts independent rejections into one run, first fit, at most `cap` in one", () => {
    const packed = packBatches([candidate("a", ["a"]), candidate("c", ["c"]), candidate("d", ["d"]), candidate("b", ["b"]), candidate("e", ["e"])], 3);
    expect(packed.map((b) => b.map((m) => m.name))).toEqual([["a", "c", "b"], ["d", "e"]]);
  });

  it("keeps a module whose variables read a data source from sharing runs", () => {
    const online = { variable: { ...MODULE.variable, g: { type: "string", validation: [rule("var.g != data.x.y", "G is taken.")] } } };
    const conservative = dependencyReach(online, /\bdata\./);
    expect(packBatches([{ name: "a", overrides: ["a"], reach: conservative(["a"]) }, { name: "b", overrides: ["b"], reach: conservative(["b"]) }])).toHaveLength(2);
  });

  it("computes overrides only where the rejection keeps every variable of the base", () => {
    expect(overridesOf({ a: "ok", b: ["x"] }, { a: "ok", b: ["y"], c: 1 })).toEqual(["b", "c"]);
    expect(overridesOf({ a: "ok", b: "ok" }, { a: "bad" })).toBeUndefined();
  });
});

describe("the check of a member of a shared run", () => {
  const shown = (message: string, line = 1): Diagnostic => ({
    severity: "error",
    summary: "Invalid value for variable",
    detail: `${message}\n\nThis was checked by the validation rule at modules/m/main.tf.json:${line},1-2.`,
    values: [],
  });
  const member = (name: string, message: string, overrides: string[]) => ({ name, message, owns: messagesIn(MODULE, reach(overrides)) });
  const members = [member("a", "A is bad.", ["a"]), member("b", "B is bad.", ["b"]), member("d", "D is bad.", ["d"])];
  const run = (...diagnostics: Diagnostic[]): RunResult => ({ status: "error", diagnostics });

  it("passes every member when each shows its message once and nothing else shows", () => {
    const result = run(shown("B is bad."), shown("A is bad."), shown("D is bad."));
    expect(members.map((m) => batchProblems(result, members, m.name))).toEqual([[], [], []]);
  });

  it("fails a member whose value triggers another of the validations it reaches, and only that member", () => {
    // d's value also trips var.c's rule (it reads var.d): d's own run would show two messages.
    const result = run(shown("A is bad."), shown("B is bad."), shown("D is bad."), shown("C equals D."));
    expect(batchProblems(result, members, "d")).toEqual(['d: also "C equals D."']);
    expect(batchProblems(result, members, "a")).toEqual([]);
  });

  it("fails a member whose value triggers nothing, or its message twice", () => {
    expect(batchProblems(run(shown("A is bad."), shown("D is bad.")), members, "b")).toEqual(['b: "B is bad." shown 0 times, not once']);
    expect(batchProblems(run(shown("A is bad."), shown("B is bad."), shown("B is bad."), shown("D is bad.")), members, "b")).toEqual(['b: "B is bad." shown 2 times, not once']);
  });

  it("fails every member when a diagnostic belongs to none of them", () => {
    const stray: Diagnostic = { severity: "error", summary: "Invalid function argument", detail: "cannot convert", values: [] };
    const result = run(shown("A is bad."), shown("B is bad."), shown("D is bad."), stray, shown("F is not positive."));
    for (const m of members) {
      expect(batchProblems(result, members, m.name)).toEqual([
        "a diagnostic of no member (a, b, d): Invalid function argument: cannot convert",
        "a diagnostic of no member (a, b, d): Invalid value for variable: F is not positive.",
      ]);
    }
  });

  it("fails every member of a run that did not fail", () => {
    expect(batchProblems({ status: "pass", diagnostics: [] }, members, "a")).toContain("the run's status is pass, not error");
  });

  it("requires the base to plan clean, whatever its assertions say", () => {
    expect(baseProblems({ status: "pass", diagnostics: [] })).toEqual([]);
    expect(baseProblems({ status: "fail", diagnostics: [{ severity: "error", summary: "Test assertion failed", detail: "cost", values: [] }] })).toEqual([]);
    expect(baseProblems({ status: "error", diagnostics: [shown("A is bad.")] })).not.toEqual([]);
    expect(baseProblems({ status: "pass", diagnostics: [{ severity: "warning", summary: "Deprecated", detail: "x", values: [] }] })).not.toEqual([]);
  });
});

describe("the check of a member of a shared run of accepted inputs", () => {
  const shown = (message: string): Diagnostic => ({ severity: "error", summary: "Invalid value for variable", detail: `${message}\n\nThis was checked by the validation rule at modules/m/main.tf.json:1,1-2.`, values: [] });
  const member = (name: string, overrides: string[]) => ({ name, message: "", owns: messagesIn(MODULE, reach(overrides)) });
  const members = [member("a", ["a"]), member("b", ["b"]), member("e", ["e"])];

  it("passes every member of a run that passes without a diagnostic", () => {
    expect(members.map((m) => acceptedProblems({ status: "pass", diagnostics: [] }, members, m.name))).toEqual([[], [], []]);
  });

  it("fails only the member whose validation rejected the run's input", () => {
    const result: RunResult = { status: "error", diagnostics: [shown("B is bad.")] };
    expect(members.map((m) => acceptedProblems(result, members, m.name))).toEqual([[], ['b: "B is bad."'], []]);
  });

  it("fails every member for a diagnostic of no member, or a failed run without any", () => {
    const stray: RunResult = { status: "error", diagnostics: [shown("F is not positive.")] };
    for (const m of members) expect(acceptedProblems(stray, members, m.name)).toEqual([expect.stringMatching(/^a diagnostic of no member \(a, b, e\): Invalid value for variable: F is not positive\.$/)]);
    expect(acceptedProblems({ status: "error", diagnostics: [] }, members, "e")).toEqual(["the run's status is error, without a diagnostic"]);
  });
});

describe("Terraform, which the sharing relies on", () => {
  it("reports every failing validation of one plan, and skips a validation that reads a failed variable", async () => {
    requireTerraform();
    const report = await terraformTest({ m: MODULE }, [
      { name: "all_bad", module: "m", variables: { a: "bad", b: "bad", c: "ok", d: "bad", e: "bad", f: -1 } },
      { name: "c_like_d", module: "m", variables: { a: "ok", b: "ok", c: "same", d: "same", e: "ok", f: 1 } },
    ]);
    const messages = (name: string) => report.result(name).diagnostics.map((d) => `${d.summary}: ${messageOf(d.detail)}`).sort();
    // var.c's rule reads var.d, which failed: Terraform does not evaluate it (so var.c's rule is in d's reach).
    expect(messages("all_bad"), explain(report, "all_bad")).toEqual(["A is bad.", "B is bad.", "D is bad.", "E is bad.", "F is not positive."].map((m) => `Invalid value for variable: ${m}`));
    expect(messages("c_like_d"), explain(report, "c_like_d")).toEqual(["Invalid value for variable: C equals D."]);
  });
});
