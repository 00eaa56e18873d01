/** Unit tests of the hand-written wire codecs and the stand-in's planning rules. */
import { ExtData } from "@msgpack/msgpack";
import { decodeCty, encodeCty, isUnknown, unknownValue } from "../../scripts/offline-terraform/cty-msgpack.js";
import { ProtoWriter, decodeFields, fieldBytes, fieldNumber, fieldString } from "../../scripts/offline-terraform/protobuf-wire.js";
import type { SchemaBlock } from "../../scripts/offline-terraform/schema-model.js";
import { planProposedState, readDataSourcePlaceholders } from "../../scripts/offline-terraform/stand-in-planning.js";
import { decodeResourceRequest, encodeGetProviderSchemaResponse } from "../../scripts/offline-terraform/tfplugin6-codec.js";

describe("protobuf wire codec", () => {
  it("round-trips varints, strings, bytes and nested messages", () => {
    const inner = new ProtoWriter().string(1, "aws_instance").uint(2, 300).finish();
    const buf = new ProtoWriter().message(3, inner).bool(4, true).uint(5, 2n ** 40n).bytes(6, Buffer.from([0, 1, 2])).finish();
    const f = decodeFields(buf);
    const nested = decodeFields(fieldBytes(f, 3)!);
    expect(fieldString(nested, 1)).toBe("aws_instance");
    expect(fieldNumber(nested, 2)).toBe(300);
    expect(fieldNumber(f, 4)).toBe(1);
    expect(fieldNumber(f, 5)).toBe(2 ** 40);
    expect([...fieldBytes(f, 6)!]).toEqual([0, 1, 2]);
  });

  it("omits proto3 defaults", () => {
    expect(new ProtoWriter().uint(1, 0).bool(2, false).string(3, "").finish().length).toBe(0);
  });

  it("decodes a PlanResourceChange request", () => {
    const dv = (b: Buffer) => new ProtoWriter().bytes(1, b).finish();
    const req = new ProtoWriter()
      .string(1, "null_resource")
      .message(3, dv(encodeCty({ id: null, triggers: null })))
      .bytes(5, Buffer.from("priv"))
      .finish();
    const r = decodeResourceRequest(req, [2, 3], [5]);
    expect(r.typeName).toBe("null_resource");
    expect(r.dynamic.has(2)).toBe(false);
    expect(decodeCty(r.dynamic.get(3)!.msgpack!)).toEqual({ id: null, triggers: null });
    expect(r.bytes.get(5)!.toString()).toBe("priv");
  });

  it("encodes a GetProviderSchema response with types as cty JSON", () => {
    const buf = encodeGetProviderSchemaResponse({
      name: "t",
      version: "1.0.0",
      provider: { attributes: {}, blockTypes: {} },
      resources: { t_thing: { attributes: { tags: { type: ["map", "string"], optional: true } }, blockTypes: {} } },
      dataSources: {},
    });
    const entry = decodeFields(fieldBytes(decodeFields(buf), 2)!);
    expect(fieldString(entry, 1)).toBe("t_thing");
    const block = decodeFields(fieldBytes(decodeFields(fieldBytes(entry, 2)!), 2)!);
    const attr = decodeFields(fieldBytes(block, 2)!);
    expect(fieldString(attr, 1)).toBe("tags");
    expect(JSON.parse(fieldString(attr, 2))).toEqual(["map", "string"]);
    expect(fieldNumber(attr, 5)).toBe(1);
    // server_capabilities.get_provider_schema_optional
    expect(fieldNumber(decodeFields(fieldBytes(decodeFields(buf), 6)!), 2)).toBe(1);
  });
});

describe("cty msgpack values", () => {
  it("encodes unknown exactly like cty (fixext1 type 0)", () => {
    expect([...encodeCty(unknownValue())]).toEqual([0xd4, 0x00, 0x00]);
  });

  it("recognizes and preserves refined unknowns (ext 0x0c)", () => {
    const refined = Buffer.from([0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2]); // ext8 len 3 type 12 {1: false}
    const v = decodeCty(refined);
    expect(v).toBeInstanceOf(ExtData);
    expect(isUnknown(v)).toBe(true);
    expect([...encodeCty(v)]).toEqual([...refined]);
  });
});

const block: SchemaBlock = {
  attributes: {
    name: { type: "string", required: true },
    description: { type: "string", optional: true, computed: true },
    arn: { type: "string", computed: true },
    names: { type: ["list", "string"], computed: true },
    value_wo: { type: "string", optional: true, writeOnly: true },
  },
  blockTypes: {
    disk: { nesting: "list", maxItems: 1, block: { attributes: { size: { type: "number", optional: true, computed: true }, id: { type: "string", computed: true } }, blockTypes: {} } },
  },
};

describe("stand-in planning", () => {
  it("plans unset computed attributes unknown, keeps config values, nulls write-only values", () => {
    const planned = planProposedState(block, {
      name: "x",
      description: null,
      arn: null,
      names: null,
      value_wo: "secret",
      disk: [{ size: 10, id: null }],
    }) as Record<string, any>;
    expect(planned.name).toBe("x");
    expect(isUnknown(planned.description)).toBe(true);
    expect(isUnknown(planned.arn)).toBe(true);
    expect(planned.value_wo).toBeNull();
    expect(planned.disk[0].size).toBe(10);
    expect(isUnknown(planned.disk[0].id)).toBe(true);
  });

  it("plans destroy as null", () => {
    expect(planProposedState(block, null)).toBeNull();
  });

  it("returns wholly known, typed placeholders for data sources", () => {
    const state = readDataSourcePlaceholders(block, { name: "x", description: null, arn: null, names: null, value_wo: null, disk: [] }) as Record<string, any>;
    expect(state).toEqual({
      name: "x",
      description: "offline-placeholder-description",
      arn: "arn:aws:offline:us-east-1:123456789012:arn/placeholder",
      // Zone names: three, so a network over two or three zones evaluates its per-zone counts.
      names: ["us-east-1a", "us-east-1b", "us-east-1c"],
      value_wo: null,
      disk: [],
    });
  });
});
