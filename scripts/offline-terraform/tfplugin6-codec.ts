/**
 * Hand-written encoders/decoders for the subset of tfplugin6 (Terraform plugin
 * protocol 6) messages the stand-in provider needs. Field numbers follow
 * docs/plugin-protocol/tfplugin6.proto in the Terraform repository.
 */
import { ProtoWriter, decodeFields, fieldBytes, fieldNumber, fieldString } from "./protobuf-wire.js";
import type { NestedBlock, ProviderSchema, SchemaAttribute, SchemaBlock } from "./schema-model.js";

const NESTING = { single: 1, list: 2, set: 3, map: 4 } as const;

export interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
}

/** DynamicValue: Terraform accepts either msgpack (field 1) or JSON (field 2). */
export interface DynamicValue {
  msgpack?: Buffer;
  json?: Buffer;
}

function encodeAttribute(name: string, a: SchemaAttribute): Buffer {
  return new ProtoWriter()
    .string(1, name)
    .bytes(2, Buffer.from(JSON.stringify(a.type)))
    .bool(4, a.required)
    .bool(5, a.optional)
    .bool(6, a.computed)
    .bool(7, a.sensitive)
    .bool(11, a.writeOnly)
    .finish();
}

function encodeNestedBlock(name: string, nb: NestedBlock): Buffer {
  return new ProtoWriter()
    .string(1, name)
    .message(2, encodeBlock(nb.block))
    .uint(3, NESTING[nb.nesting])
    .uint(4, nb.minItems)
    .uint(5, nb.maxItems)
    .finish();
}

function encodeBlock(block: SchemaBlock): Buffer {
  const w = new ProtoWriter();
  // Terraform sorts names itself, but stable order keeps the cached bytes deterministic
  for (const name of Object.keys(block.attributes).sort()) w.message(2, encodeAttribute(name, block.attributes[name]!));
  for (const name of Object.keys(block.blockTypes).sort()) w.message(3, encodeNestedBlock(name, block.blockTypes[name]!));
  return w.finish();
}

function encodeSchema(block: SchemaBlock): Buffer {
  return new ProtoWriter().message(2, encodeBlock(block)).finish();
}

/**
 * GetProviderSchema.Response as separately encoded top-level fields. A
 * protobuf message is the concatenation of its fields, so any subset of the
 * type entries, concatenated between `provider` and `capabilities`, is itself
 * a valid response: this is how schema-prune.ts serves pruned schemas without
 * re-encoding anything.
 */
export interface EncodedSchemaParts {
  /** Field 1: the provider configuration schema. */
  provider: Buffer;
  /** Field 2 entries (resource_schemas map), by type name, in sorted order. */
  resources: Array<[string, Buffer]>;
  /** Field 3 entries (data_source_schemas map), by type name, in sorted order. */
  dataSources: Array<[string, Buffer]>;
  /** Field 6: server_capabilities. */
  capabilities: Buffer;
}

export function encodeGetProviderSchemaParts(schema: ProviderSchema): EncodedSchemaParts {
  const entries = (field: number, types: ProviderSchema["resources"]): Array<[string, Buffer]> =>
    Object.keys(types)
      .sort()
      .map((name) => [name, new ProtoWriter().message(field, new ProtoWriter().string(1, name).message(2, encodeSchema(types[name]!)).finish()).finish()]);
  return {
    provider: new ProtoWriter().message(1, encodeSchema(schema.provider)).finish(),
    resources: entries(2, schema.resources),
    dataSources: entries(3, schema.dataSources),
    // server_capabilities: get_provider_schema_optional lets Terraform reuse the
    // schema it already fetched instead of asking every new plugin process again.
    capabilities: new ProtoWriter().message(6, new ProtoWriter().bool(2, true).finish()).finish(),
  };
}

/** GetProviderSchema.Response; computed once and cached on disk because the aws schema is large. */
export function encodeGetProviderSchemaResponse(schema: ProviderSchema): Buffer {
  const parts = encodeGetProviderSchemaParts(schema);
  return Buffer.concat([parts.provider, ...parts.resources.map(([, b]) => b), ...parts.dataSources.map(([, b]) => b), parts.capabilities]);
}

export function encodeDiagnostic(d: Diagnostic): Buffer {
  return new ProtoWriter()
    .uint(1, d.severity === "error" ? 1 : 2)
    .string(2, d.summary)
    .string(3, d.detail)
    .finish();
}

export function encodeDynamicValue(v: DynamicValue): Buffer {
  return new ProtoWriter().bytes(1, v.msgpack, true).bytes(2, v.json).finish();
}

/** Response with only a repeated `diagnostics` field at the given field number. */
export function encodeDiagnosticsOnly(field: number, diags: Diagnostic[] = []): Buffer {
  const w = new ProtoWriter();
  for (const d of diags) w.message(field, encodeDiagnostic(d));
  return w.finish();
}

/**
 * Generic response builder: `dynamic` fields hold DynamicValues, `bytes` raw
 * bytes, and diagnostics go to `diagField`.
 */
export function encodeResponse(parts: {
  dynamic?: Array<[number, DynamicValue | undefined]>;
  bytes?: Array<[number, Buffer | undefined]>;
  diagField: number;
  diagnostics?: Diagnostic[];
}): Buffer {
  const w = new ProtoWriter();
  for (const [field, v] of parts.dynamic ?? []) if (v) w.message(field, encodeDynamicValue(v));
  for (const [field, v] of parts.bytes ?? []) w.bytes(field, v);
  for (const d of parts.diagnostics ?? []) w.message(parts.diagField, encodeDiagnostic(d));
  return w.finish();
}

function decodeDynamicValue(buf: Buffer | undefined): DynamicValue | undefined {
  if (!buf) return undefined;
  const f = decodeFields(buf);
  return { msgpack: fieldBytes(f, 1), json: fieldBytes(f, 2) };
}

/** Fields common to the resource/data source requests we decode. */
export interface ResourceRequest {
  typeName: string;
  /** Raw DynamicValues keyed by their field number in the request message. */
  dynamic: Map<number, DynamicValue>;
  /** Raw bytes fields (private state) keyed by field number. */
  bytes: Map<number, Buffer>;
  version: number;
}

/**
 * Decodes a request whose field 1 is `type_name`. `dynamicFields` lists the
 * DynamicValue fields to decode, `bytesFields` the opaque bytes fields.
 */
export function decodeResourceRequest(buf: Buffer, dynamicFields: number[], bytesFields: number[] = []): ResourceRequest {
  const f = decodeFields(buf);
  const dynamic = new Map<number, DynamicValue>();
  for (const n of dynamicFields) {
    const v = decodeDynamicValue(fieldBytes(f, n));
    if (v) dynamic.set(n, v);
  }
  const bytes = new Map<number, Buffer>();
  for (const n of bytesFields) {
    const v = fieldBytes(f, n);
    if (v) bytes.set(n, v);
  }
  return { typeName: fieldString(f, 1), dynamic, bytes, version: fieldNumber(f, 2) };
}

/** UpgradeResourceState.Request.raw_state (field 3) -> RawState.json (field 1). */
export function decodeRawStateJson(buf: Buffer): Buffer | undefined {
  const raw = fieldBytes(decodeFields(buf), 3);
  return raw ? fieldBytes(decodeFields(raw), 1) : undefined;
}
