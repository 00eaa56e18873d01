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
import { encodeGetProviderSchemaParts } from "./tfplugin6-codec.js";
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
  /** Byte ranges of every part of the .pb and .json files (see SchemaIndex). */
  indexPath: string;
}

/** [start, end) byte ranges in the .pb file and in the .json file. */
export type PartRanges = [pbStart: number, pbEnd: number, jsonStart: number, jsonEnd: number];

/**
 * Where each part of the cached schema files is, so that a pruned schema is
 * assembled from byte slices (schema-prune.ts) instead of parsing the 2.8 MB
 * JSON and re-encoding: `provider` ranges cover the provider block,
 * `capabilities` the .pb trailer, and each type's ranges its map entry
 * (`"name":{...}` in the JSON).
 */
export interface SchemaIndex {
  name: string;
  version: string;
  provider: PartRanges;
  capabilities: [pbStart: number, pbEnd: number];
  resources: Record<string, PartRanges>;
  dataSources: Record<string, PartRanges>;
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
  const indexPath = `${base}.index.json`;
  if (existsSync(jsonPath) && existsSync(protobufPath) && existsSync(indexPath)) {
    const version = (JSON.parse(readFileSync(`${base}.version`, "utf8")) as { version: string }).version;
    return { provider, version, jsonPath, protobufPath, indexPath };
  }
  const started = Date.now();
  const schema = generateProviderSchema(packageDir);
  mkdirSync(dir, { recursive: true });
  const files = encodeCacheFiles(schema);
  writeAtomic(protobufPath, files.pb);
  writeAtomic(`${base}.version`, JSON.stringify({ version: schema.version }));
  writeAtomic(jsonPath, files.json);
  writeAtomic(indexPath, JSON.stringify(files.index)); // last: its presence means the set is complete
  // drop caches of other bindings versions / generator revisions
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${provider}-bindings-`) && !join(dir, f).startsWith(base) && !f.endsWith(".tmp")) rmSync(join(dir, f), { force: true });
  }
  return { provider, version: schema.version, jsonPath, protobufPath, indexPath, generatedMs: Date.now() - started };
}

/** The .pb (GetProviderSchema.Response), the .json (ProviderSchema) and the index of both. */
export function encodeCacheFiles(schema: ProviderSchema): { pb: Buffer; json: Buffer; index: SchemaIndex } {
  const parts = encodeGetProviderSchemaParts(schema);
  const pb: Buffer[] = [];
  const json: Buffer[] = [];
  let pbLen = 0;
  let jsonLen = 0;
  const pushPb = (b: Buffer): [number, number] => {
    pb.push(b);
    pbLen += b.length;
    return [pbLen - b.length, pbLen];
  };
  const pushJson = (text: string): [number, number] => {
    const b = Buffer.from(text, "utf8");
    json.push(b);
    jsonLen += b.length;
    return [jsonLen - b.length, jsonLen];
  };
  pushJson(`{"name":${JSON.stringify(schema.name)},"version":${JSON.stringify(schema.version)},"provider":`);
  const provider: PartRanges = [...pushPb(parts.provider), ...pushJson(JSON.stringify(schema.provider))];
  const entries = (kind: "resources" | "dataSources", encoded: Array<[string, Buffer]>): Record<string, PartRanges> => {
    pushJson(`,${JSON.stringify(kind)}:{`);
    const out: Record<string, PartRanges> = {};
    encoded.forEach(([name, bytes], i) => {
      if (i > 0) pushJson(",");
      out[name] = [...pushPb(bytes), ...pushJson(`${JSON.stringify(name)}:${JSON.stringify(schema[kind][name])}`)];
    });
    pushJson("}");
    return out;
  };
  const resources = entries("resources", parts.resources);
  const dataSources = entries("dataSources", parts.dataSources);
  pushJson("}");
  const capabilities = pushPb(parts.capabilities);
  return {
    pb: Buffer.concat(pb),
    json: Buffer.concat(json),
    index: { name: schema.name, version: schema.version, provider, capabilities, resources, dataSources },
  };
}

export function loadSchemaJson(jsonPath: string): ProviderSchema {
  return JSON.parse(readFileSync(jsonPath, "utf8")) as ProviderSchema;
}
