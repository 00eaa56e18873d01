/**
 * Pruned schemas (schema-prune.ts): what the stand-in serves to one
 * configuration must be the full schema's entries for exactly the types it
 * can need, byte-for-byte what encoding the pruned schema object would give.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSchemaCache, loadSchemaJson } from "../../scripts/offline-terraform/schema-cache.js";
import type { ProviderSchema } from "../../scripts/offline-terraform/schema-model.js";
import {
  type ConfiguredTypes,
  configuredTypes,
  prunedSchemaFiles,
  pruneSchema,
  selectTypes,
  writePrunedSchemas,
} from "../../scripts/offline-terraform/schema-prune.js";
import { encodeGetProviderSchemaResponse } from "../../scripts/offline-terraform/tfplugin6-codec.js";

let aws: ProviderSchema;
let nul: ProviderSchema;
const dirs: string[] = [];

function configDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "offline-tf-prune-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

beforeAll(() => {
  aws = loadSchemaJson(ensureSchemaCache("aws").jsonPath);
  nul = loadSchemaJson(ensureSchemaCache("null").jsonPath);
}, 120_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const types = (resources: string[], dataSources: string[] = []): ConfiguredTypes => ({ resources: new Set(resources), dataSources: new Set(dataSources) });

describe("configuredTypes", () => {
  it("collects resource and data-source types from every .tf.json file, check blocks and array forms included", () => {
    const dir = configDir({
      "cdk.tf.json": {
        resource: { aws_instance: { a: {} }, null_resource: { b: {} } },
        data: [{ aws_caller_identity: { me: {} } }],
        check: { health: { data: { aws_ssm_parameter: { p: {} } }, assert: [] } },
      },
      "versions.tf.json": { terraform: { required_version: ">= 1.11" } },
      "extra.tf.json": { resource: [{ aws_eip: { c: {} } }] },
    });
    const scan = configuredTypes(dir);
    expect(scan).toEqual({ types: types(["aws_eip", "aws_instance", "null_resource"], ["aws_caller_identity", "aws_ssm_parameter"]) });
  });

  it("falls back to the full schema when the types cannot be read from root-module JSON", () => {
    expect(configuredTypes(configDir({ "main.tf": 'resource "aws_instance" "a" {}' }))).toEqual({ unprunable: "HCL configuration file main.tf" });
    expect(configuredTypes(configDir({ "cdk.tf.json": { module: { vpc: { source: "./vpc" } } } }))).toEqual({ unprunable: "module blocks in cdk.tf.json" });
    const dir = configDir({ "cdk.tf.json": { module: { vpc: { source: "./vpc" } } } });
    expect(writePrunedSchemas(dir, join(dir, "out"))).toEqual({ env: {}, fullSchemaReason: "module blocks in cdk.tf.json", served: {} });
  });
});

describe("pruned schema", () => {
  const wanted = types(["aws_instance", "aws_ssm_parameter", "aws_not_a_thing", "aws_instanc", "null_resource", "aws_caller_identity"], ["aws_ssm_parameter", "aws_ssm_parametr"]);

  it("serves the configured types and Terraform's suggestion candidates, never a type the full schema lacks", () => {
    const names = selectTypes({ resources: Object.keys(aws.resources), dataSources: Object.keys(aws.dataSources) }, wanted);
    expect(names.resources).toEqual(expect.arrayContaining(["aws_instance", "aws_ssm_parameter"]));
    expect(names.resources).not.toContain("aws_not_a_thing");
    expect(names.resources).not.toContain("aws_instanc");
    expect(names.resources).not.toContain("aws_caller_identity"); // no such resource type...
    expect(names.dataSources).toContain("aws_caller_identity"); // ...but the data source is served for Terraform's hint
    expect(names.dataSources).toEqual(expect.arrayContaining(["aws_ssm_parameter"]));
    expect(names.dataSources).not.toContain("aws_ssm_parametr");
    // every extra name is within Terraform's didyoumean distance of a misspelt name
    expect(names.resources.length).toBeLessThan(15);
    expect(names.dataSources.length).toBeLessThan(15);
  });

  it("keeps every served entry and the provider block exactly as in the full schema", () => {
    const pruned = pruneSchema(aws, wanted);
    expect(pruned.provider).toEqual(aws.provider);
    expect([pruned.name, pruned.version]).toEqual([aws.name, aws.version]);
    for (const [name, block] of Object.entries(pruned.resources)) expect(block).toEqual(aws.resources[name]);
    for (const [name, block] of Object.entries(pruned.dataSources)) expect(block).toEqual(aws.dataSources[name]);
    expect(pruneSchema(nul, wanted).resources).toEqual({ null_resource: nul.resources.null_resource });
  });

  it("assembles byte-for-byte the encoding of the pruned schema from slices of the cached files", () => {
    for (const [provider, full] of [["aws", aws], ["null", nul]] as const) {
      const files = prunedSchemaFiles(provider, wanted);
      const expected = pruneSchema(full, wanted);
      expect(files.pb.equals(encodeGetProviderSchemaResponse(expected))).toBe(true);
      expect(JSON.parse(files.json.toString("utf8"))).toEqual(expected);
    }
    // the whole cached .pb is the same concatenation with every type
    expect(readFileSync(ensureSchemaCache("null").protobufPath).equals(encodeGetProviderSchemaResponse(nul))).toBe(true);
  });

  it("writes one .pb and .json per stand-in provider and points the plugins at them", () => {
    const dir = configDir({ "cdk.tf.json": { resource: { aws_instance: { a: {} } }, data: { aws_partition: { p: {} } } } });
    const out = join(dir, ".offline-tf", "schema");
    mkdirSync(out, { recursive: true });
    const r = writePrunedSchemas(dir, out);
    expect(r).toEqual({ env: { OFFLINE_TF_SCHEMA_DIR: out }, served: { aws: { resources: 1, dataSources: 1 }, null: { resources: 0, dataSources: 0 } } });
    expect(JSON.parse(readFileSync(join(out, "aws.json"), "utf8")).resources.aws_instance).toEqual(aws.resources.aws_instance);
    expect(readFileSync(join(out, "null.pb")).length).toBeGreaterThan(0);
  });
});
