import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ValidationError } from "../../modules/core/index.js";
import { synthStack, TfJson } from "./synth.js";

/** A stack "bare" in its own app with only an AWS provider (us-east-1), after `build` (if given) adds to it. */
export function bareStack(build?: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "bare");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build?.(stack);
  return stack;
}

/** The synthesized bare stack after `build` adds to it. */
export function synthBare(build: (stack: TerraformStack) => void): TfJson {
  return synthStack(bareStack(build));
}

/** The problems of the ValidationError a call throws; fails when it throws nothing or anything else. */
export function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
  throw new Error("expected a ValidationError");
}
