/**
 * The set-up every system's variable test file shares (lighthouse, vectordb-api, agent-platform, h3-pipeline): the
 * system's two stacks, their tfvars files as run variables, the harness (support/variable-catalogue.ts) with each
 * environment's file as the base of its rejections, and the runs each file plans alike: the tfvars files unchanged,
 * another environment's file refused, a row per catalogue entry, a run per accepted edge value.
 */
import { stackName } from "../../stacks/base-stack.js";
import type { SystemVariableError } from "./input-errors.js";
import { synthSystem, TfJson } from "./synth.js";
import { readTfvarsWithLists, RunValue, variableCatalogue } from "./variable-catalogue.js";

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** An input at the edge of what the rules allow, in an environment's stack: accepted with no diagnostic at all. */
export interface EdgeValue {
  readonly what: string;
  readonly environment: Environment;
  readonly vars: Record<string, RunValue>;
}

/** `prefix` filled up to `length` characters. */
export const ofLength = (prefix: string, length: number, fill = "x") => prefix + fill.repeat(length - prefix.length);

/** An existing VPC with 8- and 17-digit ids, two public and three private subnets (the shared network variables). */
export const EXISTING_NETWORK = {
  vpc_id: "vpc-0123abcd",
  public_subnet_ids: ["subnet-0123abcd", "subnet-0123456789abcdef0"],
  private_subnet_ids: ["subnet-4567cdef", "subnet-0fedcba9876543210", "subnet-89abcdef"],
};

export interface SystemVariablesOptions {
  /** Per environment, the inputs the operator exports as TF_VAR_… beside the tfvars file (secrets). @default none */
  readonly exported?: Readonly<Record<Environment, Record<string, RunValue>>>;
  /** The module runs plan for a stack, when more than its variables, locals and outputs (e.g. its check). @default the stack's */
  readonly moduleOf?: (stack: TfJson) => object;
  /** As variableCatalogue's. @default false */
  readonly alsoExpectFailures?: boolean;
}

export function systemVariables(system: string, options: SystemVariablesOptions = {}) {
  const STACK = (environment: Environment) => stackName(system, environment);
  const stacks: Record<string, TfJson> = Object.fromEntries(ENVIRONMENTS.map((environment) => [STACK(environment), synthSystem(system, environment)]));
  const TFVARS = (environment: Environment) => `environments/${system}/${environment}.tfvars`;
  /** The environment's tfvars, the exported inputs and overrides, as `-var-file=<env>.tfvars -var=…` gives them. */
  const tfvars = (environment: Environment, overrides: Readonly<Record<string, RunValue>> = {}) => ({
    ...readTfvarsWithLists(TFVARS(environment)),
    ...options.exported?.[environment],
    ...overrides,
  });
  const modules = options.moduleOf && Object.fromEntries(Object.entries(stacks).map(([name, stack]) => [name, options.moduleOf!(stack)]));
  // A wrong input is its environment's base with overrides: rejections whose overrides nothing of the stack reads
  // together share a bare run (support/rejection-batches.ts).
  const harness = variableCatalogue({
    stacks,
    modules,
    bases: Object.fromEntries(ENVIRONMENTS.map((environment) => [STACK(environment), tfvars(environment)])),
    alsoExpectFailures: options.alsoExpectFailures,
  });
  /** A wrong input of the environment's stack. */
  const rejection = (name: string, environment: Environment, variables: Record<string, RunValue>, message: string) =>
    harness.rejection(name, STACK(environment), variables, message);

  return {
    STACK,
    stacks,
    TFVARS,
    tfvars,
    harness,
    rejection,
    /** Each environment's tfvars file (with the exported inputs) planned unchanged, asserting that `expression` is the environment's `expected`. */
    tfvarsFiles: (label: string, expression: string, expected: Readonly<Record<Environment, string>>) =>
      ENVIRONMENTS.map((environment) => [
        environment,
        harness.plan({
          name: `tfvars_${environment}`,
          module: STACK(environment),
          variables: tfvars(environment),
          asserts: [{ condition: `${expression} == "${expected[environment]}"`, message: `${label} is \${${expression}}` }],
        }),
      ] as const),
    /** The prod stack planned with dev's file, the exported inputs and `overrides`: refused, naming the stack and its file. */
    otherEnvironment: (overrides: Record<string, RunValue> = {}) =>
      rejection(
        "other_environment",
        "prod",
        { ...readTfvarsWithLists(TFVARS("dev")), ...options.exported?.dev, ...overrides },
        `This is the ${STACK("prod")} stack: set environment = "prod" or use ${TFVARS("prod")} with it.`,
      ),
    /** A rejection per catalogue row the stack shows alone, as catalogueTests takes them. */
    catalogue: (errors: readonly SystemVariableError[]) =>
      errors.flatMap((e, i) => (e.alsoShown ? [] : [[STACK(e.environment), e.what, rejection(`catalogue_${i}`, e.environment, tfvars(e.environment, e.vars), e.message)] as const])),
    /** A shared run per accepted edge value, as catalogueTests takes them. */
    accepted: (values: readonly EdgeValue[]) =>
      values.map((e, i) => [STACK(e.environment), e.what, harness.accept(`edge_valid_${i}`, STACK(e.environment), tfvars(e.environment, e.vars))] as const),
  };
}
