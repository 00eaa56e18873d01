/**
 * Pruned provider schemas for one configuration.
 *
 * Terraform decodes the whole GetProviderSchema response in every command
 * that loads schemas (validate, plan, show): for aws, about 2,200 resource and
 * 600 data-source types, which costs ~0.3 s per command. It only ever looks up
 * the types the configuration declares, so the runner serves each scratch
 * workspace a schema with only those types:
 *
 *  - the provider configuration block is always complete;
 *  - every type served is the full schema's entry, unchanged;
 *  - a type the full schema lacks stays absent, so Terraform still reports
 *    "Invalid resource type" / "Invalid data source";
 *  - for such a type, the names Terraform could suggest are served too (same
 *    name in the other mode for "Did you intend to use the data source …", and
 *    every name within Levenshtein distance 2, Terraform's didyoumean
 *    threshold), so its error text is the same as with the full schema.
 *
 * Configurations whose types cannot be read from JSON alone (HCL `.tf` files,
 * child modules, `removed` blocks) are served the full schema.
 *
 * The plugin finds the pruned files through OFFLINE_TF_SCHEMA_DIR, which
 * Terraform passes through to provider processes (see provider-main.ts).
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STAND_IN_PROVIDERS, type SchemaIndex, type StandInProvider, ensureSchemaCache } from "./schema-cache.js";
import type { ProviderSchema } from "./schema-model.js";

/** Environment variable naming the directory with `<provider>.pb` / `<provider>.json` pruned schemas. */
export const SCHEMA_DIR_ENV = "OFFLINE_TF_SCHEMA_DIR";

export interface ConfiguredTypes {
  resources: Set<string>;
  dataSources: Set<string>;
}

export type TypeScan = { types: ConfiguredTypes } | { unprunable: string };

/** Block entries in Terraform JSON: `{ "a": {...} }` or `[ { "a": {...} }, ... ]`. */
function blockKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(blockKeys);
  return value && typeof value === "object" ? Object.keys(value) : [];
}

function blockValues(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(blockValues);
  return value && typeof value === "object" ? Object.values(value) : [];
}

/** Resource and data-source types declared by the root module in `dir`. */
export function configuredTypes(dir: string): TypeScan {
  const files = readdirSync(dir).sort();
  const hcl = files.find((f) => f.endsWith(".tf"));
  if (hcl) return { unprunable: `HCL configuration file ${hcl}` };
  const types: ConfiguredTypes = { resources: new Set(), dataSources: new Set() };
  for (const f of files.filter((n) => n.endsWith(".tf.json"))) {
    const config = JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, unknown>;
    if (blockKeys(config.module).length > 0) return { unprunable: `module blocks in ${f}` };
    if (config.removed !== undefined) return { unprunable: `removed blocks in ${f}` };
    for (const t of blockKeys(config.resource)) types.resources.add(t);
    for (const t of blockKeys(config.data)) types.dataSources.add(t);
    // check blocks may hold scoped data sources: check.<name>.data.<type>.<name>
    for (const check of blockValues(config.check)) {
      for (const body of Array.isArray(check) ? check : [check]) {
        for (const t of blockKeys((body as Record<string, unknown> | null)?.data)) types.dataSources.add(t);
      }
    }
  }
  return { types };
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
function distanceAtMost(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]!);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Terraform's didyoumean.NameSuggestion accepts candidates with distance < 3. */
const SUGGESTION_DISTANCE = 2;

/** Type names of one provider, by mode. */
export interface TypeNames {
  resources: Iterable<string>;
  dataSources: Iterable<string>;
}

/** The names to serve, per mode, for the configured types (see the file comment). */
export function selectTypes(available: TypeNames, types: ConfiguredTypes): { resources: string[]; dataSources: string[] } {
  const have = { resources: new Set(available.resources), dataSources: new Set(available.dataSources) };
  const out = { resources: new Set<string>(), dataSources: new Set<string>() };
  for (const [kind, other] of [["resources", "dataSources"], ["dataSources", "resources"]] as const) {
    for (const name of types[kind]) {
      if (have[kind].has(name)) {
        out[kind].add(name);
        continue;
      }
      // "Did you intend to use the data source / managed resource type …?" needs the other mode's entry
      if (have[other].has(name)) out[other].add(name);
      for (const candidate of have[kind]) if (distanceAtMost(name, candidate, SUGGESTION_DISTANCE) <= SUGGESTION_DISTANCE) out[kind].add(candidate);
    }
  }
  return { resources: [...out.resources].sort(), dataSources: [...out.dataSources].sort() };
}

/** The pruned schema as an object (reference implementation; the runner slices the cached files instead). */
export function pruneSchema(full: ProviderSchema, types: ConfiguredTypes): ProviderSchema {
  const names = selectTypes({ resources: Object.keys(full.resources), dataSources: Object.keys(full.dataSources) }, types);
  return {
    name: full.name,
    version: full.version,
    provider: full.provider,
    resources: Object.fromEntries(names.resources.map((n) => [n, full.resources[n]!])),
    dataSources: Object.fromEntries(names.dataSources.map((n) => [n, full.dataSources[n]!])),
  };
}

interface LoadedCache {
  index: SchemaIndex;
  pb: Buffer;
  json: Buffer;
}

const loaded = new Map<string, LoadedCache>();

function loadCache(provider: StandInProvider): LoadedCache {
  const cached = ensureSchemaCache(provider);
  let c = loaded.get(cached.indexPath);
  if (!c) {
    c = {
      index: JSON.parse(readFileSync(cached.indexPath, "utf8")) as SchemaIndex,
      pb: readFileSync(cached.protobufPath),
      json: readFileSync(cached.jsonPath),
    };
    loaded.set(cached.indexPath, c);
  }
  return c;
}

/**
 * The pruned GetProviderSchema response and schema JSON, assembled from byte
 * slices of the cached full-schema files: byte-for-byte what encoding
 * `pruneSchema(full, types)` would give, without parsing 2.8 MB of JSON.
 */
export function prunedSchemaFiles(provider: StandInProvider, types: ConfiguredTypes): { pb: Buffer; json: Buffer; resources: number; dataSources: number } {
  const { index, pb, json } = loadCache(provider);
  const names = selectTypes({ resources: Object.keys(index.resources), dataSources: Object.keys(index.dataSources) }, types);
  const pbParts: Buffer[] = [pb.subarray(index.provider[0], index.provider[1])];
  const jsonParts: Buffer[] = [
    Buffer.from(`{"name":${JSON.stringify(index.name)},"version":${JSON.stringify(index.version)},"provider":`),
    json.subarray(index.provider[2], index.provider[3]),
  ];
  for (const kind of ["resources", "dataSources"] as const) {
    jsonParts.push(Buffer.from(`,"${kind}":{`));
    names[kind].forEach((name, i) => {
      const [ps, pe, js, je] = index[kind][name]!;
      pbParts.push(pb.subarray(ps, pe));
      if (i > 0) jsonParts.push(Buffer.from(","));
      jsonParts.push(json.subarray(js, je));
    });
    jsonParts.push(Buffer.from("}"));
  }
  jsonParts.push(Buffer.from("}"));
  pbParts.push(pb.subarray(index.capabilities[0], index.capabilities[1]));
  return { pb: Buffer.concat(pbParts), json: Buffer.concat(jsonParts), resources: names.resources.length, dataSources: names.dataSources.length };
}

export interface PrunedSchemas {
  /** Environment for terraform (and so the plugins): OFFLINE_TF_SCHEMA_DIR, or nothing when the full schema is served. */
  env: Record<string, string>;
  /** Why the full schema is served, when it is. */
  fullSchemaReason?: string;
  /** Per provider: number of resource / data-source types served. */
  served: Partial<Record<StandInProvider, { resources: number; dataSources: number }>>;
}

/**
 * Writes `<provider>.pb` and `<provider>.json` for every stand-in provider
 * into `outDir`, pruned to the types the configuration in `configDir` uses.
 */
export function writePrunedSchemas(configDir: string, outDir: string): PrunedSchemas {
  const scan = configuredTypes(configDir);
  if ("unprunable" in scan) return { env: {}, fullSchemaReason: scan.unprunable, served: {} };
  mkdirSync(outDir, { recursive: true });
  const served: PrunedSchemas["served"] = {};
  for (const provider of Object.keys(STAND_IN_PROVIDERS) as StandInProvider[]) {
    const files = prunedSchemaFiles(provider, scan.types);
    writeFileSync(join(outDir, `${provider}.pb`), files.pb);
    writeFileSync(join(outDir, `${provider}.json`), files.json);
    served[provider] = { resources: files.resources, dataSources: files.dataSources };
  }
  return { env: { [SCHEMA_DIR_ENV]: outDir }, served };
}
