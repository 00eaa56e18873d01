import { Testing, TerraformStack } from "cdktf";
import { SYSTEMS } from "../../stacks/systems.js";
import { SystemStackProps } from "../../stacks/base-stack.js";

/** Synthesized Terraform JSON, loosely typed for assertions. */
export type TfJson = {
  resource: Record<string, Record<string, any>>;
  data: Record<string, Record<string, any>>;
  variable: Record<string, any>;
  output: Record<string, any>;
  locals: Record<string, string>;
  provider: Record<string, any[]>;
  terraform: Record<string, any>;
};

export function synthStack(stack: TerraformStack): TfJson {
  return JSON.parse(Testing.synth(stack, true));
}

const cache = new Map<string, TfJson>();

/**
 * A system's real stack for an environment, from the registry (stacks/systems.ts), synthesized once per test worker
 * for the same props: vitest runs files with isolate: false, so every file of a worker shares it (tests never change
 * a synthesized stack).
 */
export function synthSystem(system: string, environment: string, props: Partial<SystemStackProps> = {}): TfJson {
  const key = JSON.stringify([system, environment, props]);
  let json = cache.get(key);
  if (!json) {
    const definition = SYSTEMS.find((s) => s.name === system);
    if (!definition) throw new Error(`no system "${system}" in stacks/systems.ts`);
    json = synthStack(new definition.stack(Testing.app(), { environment, ...props }));
    cache.set(key, json);
  }
  return json;
}

export const synthOpenlit = (environment = "demo", props: Partial<SystemStackProps> = {}) => synthSystem("openlit", environment, props);
export const synthLighthouse = (environment: "dev" | "prod") => synthSystem("lighthouse", environment);
export const synthVectordb = (environment: "dev" | "prod") => synthSystem("vectordb-api", environment);
export const synthAgentPlatform = (environment: "dev" | "prod") => synthSystem("agent-platform", environment);
export const synthH3Pipeline = (environment: "dev" | "prod") => synthSystem("h3-pipeline", environment);

/** All resources of a type, as [logical id, config] pairs. */
export function resourcesOf(json: TfJson, type: string): [string, any][] {
  return Object.entries(json.resource[type] ?? {});
}

/** The single resource of a type; fails the test when there are none or several. */
export function onlyResource(json: TfJson, type: string): any {
  const all = resourcesOf(json, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0][1];
}

/** The compose host's boot script (the `user_data` local the instance receives gzipped), as synthesized. */
export function bootScriptOf(json: TfJson): string {
  const scripts = Object.entries(json.locals ?? {}).filter(([name]) => /(^|_)user_data_[0-9A-F]{8}$/.test(name));
  if (scripts.length !== 1) throw new Error(`expected exactly one user_data local, found ${scripts.length}`);
  return scripts[0]![1];
}

/** The logical id of the one resource of a type whose id contains `match`; fails the test when there are none or several. */
export function idOf(json: TfJson, type: string, match = ""): string {
  const all = resourcesOf(json, type).filter(([id]) => id.includes(match));
  if (all.length !== 1) throw new Error(`expected exactly one ${type} matching "${match}", found ${all.length}`);
  return all[0]![0];
}

/** `${type.id.attribute}` of the one resource of a type whose id contains `match`. */
export const ref = (json: TfJson, type: string, match: string, attribute: string) => `\${${type}.${idOf(json, type, match)}.${attribute}}`;

/** A variable's default as synthesized (undefined when it has none). */
export const variableDefault = (json: TfJson, name: string) => (json.variable[name] as { default?: unknown }).default;
