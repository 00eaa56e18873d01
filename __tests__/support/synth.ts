import { Testing, TerraformStack } from "cdktf";
import { OpenlitStack } from "../../stacks/openlit/stack.js";
import { LighthouseStack } from "../../stacks/lighthouse/stack.js";
import { VectordbApiStack } from "../../stacks/vectordb-api/stack.js";
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

/** The real OpenLIT stack for an environment (synthesized once per test file). */
export function synthOpenlit(environment = "demo", props: Partial<SystemStackProps> = {}): TfJson {
  const key = JSON.stringify([environment, props]);
  let json = cache.get(key);
  if (!json) {
    json = synthStack(new OpenlitStack(Testing.app(), { environment, ...props }));
    cache.set(key, json);
  }
  return json;
}

/**
 * The real Lighthouse stack for an environment, synthesized once per test worker (vitest runs files with
 * isolate: false, so every file of a worker shares it; tests never change a synthesized stack).
 */
export function synthLighthouse(environment: "dev" | "prod"): TfJson {
  const key = JSON.stringify(["lighthouse", environment]);
  let json = cache.get(key);
  if (!json) {
    json = synthStack(new LighthouseStack(Testing.app(), { environment }));
    cache.set(key, json);
  }
  return json;
}

/** The real VectorDB API stack for an environment, synthesized once per test worker (as synthLighthouse). */
export function synthVectordb(environment: "dev" | "prod"): TfJson {
  const key = JSON.stringify(["vectordb-api", environment]);
  let json = cache.get(key);
  if (!json) {
    json = synthStack(new VectordbApiStack(Testing.app(), { environment }));
    cache.set(key, json);
  }
  return json;
}

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
