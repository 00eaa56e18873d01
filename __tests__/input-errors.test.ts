import { readFileSync } from "node:fs";
import { ValidationError } from "../modules/core/index.js";
import { emptyStack, PROP_ERRORS, VARIABLE_ERRORS } from "./support/input-errors.js";
import { REPO } from "./support/variables.js";

// Variable rows run through the real engine in variables.test.ts; prop rows run here.
describe("construct props rejected at synth", () => {
  it.each(PROP_ERRORS.map((e) => [e.construct, e.what, e] as const))("%s: %s", (_construct, _what, error) => {
    let thrown: unknown;
    try {
      error.build(emptyStack());
    } catch (e) {
      thrown = e;
    }
    // given the wrong prop, then synth stops with a ValidationError listing exactly this message
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).problems).toContain(error.message);
    expect((thrown as ValidationError).message).toMatch(/^Invalid props for input-errors\//);
  });
});

describe("the input-error tables of the docs", () => {
  const readme = readFileSync(`${REPO}/README.md`, "utf8");
  const openlit = readFileSync(`${REPO}/docs/openlit.md`, "utf8");

  it.each(PROP_ERRORS.map((e) => e.message))("README shows: %s", (message) => {
    expect(readme).toContain(message.replace(/\|/g, "\\|"));
  });

  it.each(VARIABLE_ERRORS.map((e) => e.message))("docs/openlit.md shows: %s", (message) => {
    expect(openlit).toContain(message.replace(/\|/g, "\\|"));
  });
});
