/**
 * Disk cache of the generated schemas. Generating the aws schema from the
 * bindings takes ~3 s, far too slow for every plugin start (Terraform starts
 * several plugin processes per command), so the schema JSON and the already
 * encoded GetProviderSchema response are cached, keyed by the bindings'
 * package version and a hash of the generator sources (a generator change
 * invalidates the cache automatically).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CACHE_DIR, NODE_MODULES, OFFLINE_TF_DIR } from "./paths.js";
import { generateProviderSchema } from "./schema-from-bindings.js";
import { encodeGetProviderSchemaResponse } from "./tfplugin6-codec.js";
import type { ProviderSchema } from "./schema-model.js";

/** The stand-in providers we serve, and the cdktf bindings package each is generated from. */
export const STAND_IN_PROVIDERS = {
  aws: { packageName: "@cdktf/provider-aws", namespace: "hashicorp", type: "aws" },
  null: { packageName: "@cdktf/provider-null", namespace: "hashicorp", type: "null" },
} as const;
export type StandInProvider = keyof typeof STAND_IN_PROVIDERS;

export interface CachedSchema {
  provider: StandInProvider;
  /** Terraform provider version the bindings target (e.g. "6.25.0"). */
  version: string;
  jsonPath: string;
  protobufPath: string;
}

const GENERATOR_SOURCES = ["schema-from-bindings.ts", "schema-model.ts", "tfplugin6-codec.ts", "protobuf-wire.ts", "schema-cache.ts"];

function generatorHash(): string {
  const h = createHash("sha256");
  for (const f of GENERATOR_SOURCES) h.update(readFileSync(join(OFFLINE_TF_DIR, f)));
  return h.digest("hex").slice(0, 12);
}

function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path); // concurrent CLIs/tests never see a half-written cache file
}

/** Returns the cached schema files for a provider, generating them on a cache miss. */
export function ensureSchemaCache(provider: StandInProvider): CachedSchema & { generatedMs?: number } {
  const packageDir = join(NODE_MODULES, STAND_IN_PROVIDERS[provider].packageName);
  const bindingsVersion = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version;
  const dir = join(CACHE_DIR, "schema");
  const base = join(dir, `${provider}-bindings-${bindingsVersion}-${generatorHash()}`);
  const jsonPath = `${base}.json`;
  const protobufPath = `${base}.pb`;
  if (existsSync(jsonPath) && existsSync(protobufPath)) {
    const version = (JSON.parse(readFileSync(`${base}.version`, "utf8")) as { version: string }).version;
    return { provider, version, jsonPath, protobufPath };
  }
  const started = Date.now();
  const schema = generateProviderSchema(packageDir);
  mkdirSync(dir, { recursive: true });
  writeAtomic(protobufPath, encodeGetProviderSchemaResponse(schema));
  writeAtomic(`${base}.version`, JSON.stringify({ version: schema.version }));
  writeAtomic(jsonPath, JSON.stringify(schema));
  // drop caches of other bindings versions / generator revisions
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${provider}-bindings-`) && !join(dir, f).startsWith(base) && !f.endsWith(".tmp")) rmSync(join(dir, f), { force: true });
  }
  return { provider, version: schema.version, jsonPath, protobufPath, generatedMs: Date.now() - started };
}

export function loadSchemaJson(jsonPath: string): ProviderSchema {
  return JSON.parse(readFileSync(jsonPath, "utf8")) as ProviderSchema;
}
