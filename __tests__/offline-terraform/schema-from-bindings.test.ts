/** The schema the stand-in serves must be faithful to the cdktf bindings. */
import { ensureSchemaCache, loadSchemaJson } from "../../scripts/offline-terraform/schema-cache.js";
import type { ProviderSchema } from "../../scripts/offline-terraform/schema-model.js";
import { blockContainsDynamic } from "../../scripts/offline-terraform/schema-model.js";

let aws: ProviderSchema;
let nul: ProviderSchema;

beforeAll(() => {
  aws = loadSchemaJson(ensureSchemaCache("aws").jsonPath);
  nul = loadSchemaJson(ensureSchemaCache("null").jsonPath);
}, 120_000);

describe("schema generated from the cdktf bindings", () => {
  it("targets the provider versions the bindings were generated for", () => {
    expect([aws.name, aws.version]).toEqual(["aws", "6.25.0"]);
    expect([nul.name, nul.version]).toEqual(["null", "3.2.4"]);
    expect(Object.keys(aws.resources).length).toBeGreaterThan(1500);
    expect(Object.keys(aws.dataSources).length).toBeGreaterThan(600);
  });

  it("distinguishes required, optional(+computed) and computed-only attributes", () => {
    const ssm = aws.resources.aws_ssm_parameter!;
    expect(ssm.attributes.name).toEqual({ type: "string", required: true });
    expect(ssm.attributes.description).toEqual({ type: "string", optional: true, computed: true });
    expect(ssm.attributes.version).toEqual({ type: "number", computed: true });
    expect(ssm.attributes.value!.sensitive).toBe(true);
  });

  it("marks *_wo attributes write-only (never computed)", () => {
    const ssm = aws.resources.aws_ssm_parameter!;
    expect(ssm.attributes.value_wo).toEqual({ type: "string", optional: true, writeOnly: true });
    expect(ssm.attributes.value_wo_version).toEqual({ type: "number", optional: true, computed: true });
  });

  it("models nested blocks with nesting mode and max items", () => {
    const instance = aws.resources.aws_instance!;
    expect(instance.blockTypes.root_block_device).toMatchObject({ nesting: "list", maxItems: 1 });
    expect(instance.blockTypes.root_block_device!.block.attributes.volume_id).toEqual({ type: "string", computed: true });
    expect(instance.blockTypes.metadata_options).toMatchObject({ nesting: "list", maxItems: 1 });
    expect(instance.blockTypes.ebs_block_device).toMatchObject({ nesting: "set" });
    expect(instance.blockTypes.ebs_block_device!.maxItems).toBeUndefined();
    expect(instance.blockTypes.timeouts).toMatchObject({ nesting: "single" });
    expect(instance.attributes.vpc_security_group_ids!.type).toEqual(["set", "string"]);
    expect(instance.attributes.tags!.type).toEqual(["map", "string"]);
  });

  it("derives computed nested object types of data sources", () => {
    expect(aws.dataSources.aws_caller_identity!.attributes.account_id).toEqual({ type: "string", computed: true });
    expect(aws.dataSources.aws_ami!.attributes.block_device_mappings!.type).toEqual([
      "set",
      ["object", { device_name: "string", ebs: ["map", "string"], no_device: "string", virtual_name: "string" }],
    ]);
  });

  it("includes the provider configuration schema without the alias meta-argument", () => {
    expect(aws.provider.attributes.region).toEqual({ type: "string", optional: true, computed: true });
    expect(aws.provider.attributes.alias).toBeUndefined();
    expect(aws.provider.blockTypes.default_tags).toBeDefined();
  });

  it("never puts dynamic types inside set blocks (Terraform rejects them)", () => {
    for (const block of Object.values(aws.resources)) {
      const walk = (b: typeof block): void => {
        for (const nb of Object.values(b.blockTypes)) {
          if (nb.nesting === "set") expect(blockContainsDynamic(nb.block)).toBe(false);
          walk(nb.block);
        }
      };
      walk(block);
    }
  });

  it("serves null_resource and null_data_source", () => {
    expect(nul.resources.null_resource!.attributes.triggers!.type).toEqual(["map", "string"]);
    expect(nul.resources.null_resource!.attributes.id).toEqual({ type: "string", computed: true });
    expect(nul.dataSources.null_data_source).toBeDefined();
  });

  it("warm cache hits are fast", () => {
    const started = Date.now();
    const warm = ensureSchemaCache("aws");
    expect(warm.generatedMs).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
