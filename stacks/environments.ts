/** One deployable environment: a stack `openlit-<name>` with its own state and `environments/<name>.tfvars`. */
export interface EnvironmentConfig {
  readonly name: string;
}

/** Every environment `npm run synth` produces. Add one here and an `environments/<name>.tfvars` beside it. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [{ name: "demo" }, { name: "staging" }];

export function stackName(environment: string): string {
  return `openlit-${environment}`;
}
