/**
 * What the stand-in provider answers where a real provider would talk to AWS.
 *
 * - Plan: the proposed new state, with every computed attribute that has no
 *   value marked unknown ("known after apply") and write-only attributes
 *   nulled (Terraform requires that). Optional attributes are declared
 *   optional+computed by the generator, so unset optionals plan as unknown.
 * - Data sources: Terraform insists on wholly known results, so unset
 *   computed attributes get typed placeholders (collections get one element so
 *   `names[0]`-style references still evaluate; zone lists get three, so a
 *   network spread over two or three zones evaluates).
 */
import type { CtyType, SchemaBlock } from "./schema-model.js";
import { type CtyValue, isObject, isUnknown, unknownValue } from "./cty-msgpack.js";

type AttrVisitor = (name: string, value: CtyValue, attr: SchemaBlock["attributes"][string]) => CtyValue;

/** Applies `visit` to every attribute of `value` (an object of `block`'s type), recursing into nested blocks. */
function mapBlock(block: SchemaBlock, value: CtyValue, visit: AttrVisitor): CtyValue {
  if (!isObject(value)) return value; // null or unknown block: nothing to do
  const out: Record<string, CtyValue> = { ...value };
  for (const [name, attr] of Object.entries(block.attributes)) out[name] = visit(name, value[name] ?? null, attr);
  for (const [name, nb] of Object.entries(block.blockTypes)) {
    const v = value[name];
    if (v === undefined || v === null || isUnknown(v)) continue;
    if (nb.nesting === "single") out[name] = mapBlock(nb.block, v, visit);
    else if (Array.isArray(v)) out[name] = v.map((el) => mapBlock(nb.block, el, visit));
    else if (isObject(v)) out[name] = Object.fromEntries(Object.entries(v).map(([k, el]) => [k, mapBlock(nb.block, el, visit)]));
  }
  return out;
}

export function planProposedState(block: SchemaBlock, proposed: CtyValue): CtyValue {
  if (proposed === null) return null; // destroy
  return mapBlock(block, proposed, (_name, v, attr) => {
    if (attr.writeOnly) return null;
    if (attr.computed && v === null) return unknownValue();
    return v;
  });
}

/** Read data source: fill every unset computed attribute with a typed, fully known placeholder. */
export function readDataSourcePlaceholders(block: SchemaBlock, config: CtyValue): CtyValue {
  return mapBlock(block, config, (name, v, attr) => {
    if (attr.writeOnly) return null;
    if (attr.computed && (v === null || isUnknown(v))) return placeholder(attr.type, name);
    return v;
  });
}

const STRING_PLACEHOLDERS: Record<string, string> = {
  account_id: "123456789012",
  owner_id: "123456789012",
  partition: "aws",
  dns_suffix: "amazonaws.com",
  reverse_dns_prefix: "com.amazonaws",
  region: "us-east-1",
  availability_zone: "us-east-1a",
  architecture: "arm64",
};

/** String lists that must hold several elements: availability zones (aws_availability_zones). */
const LIST_PLACEHOLDERS: Record<string, string[]> = {
  names: ["us-east-1a", "us-east-1b", "us-east-1c"],
  zone_ids: ["use1-az1", "use1-az2", "use1-az4"],
};

export function placeholder(type: CtyType, name: string): CtyValue {
  if (type === "string") {
    if (STRING_PLACEHOLDERS[name]) return STRING_PLACEHOLDERS[name];
    if (name === "arn" || name.endsWith("_arn")) return `arn:aws:offline:us-east-1:123456789012:${name}/placeholder`;
    return `offline-placeholder-${name}`;
  }
  if (type === "number") return 0;
  if (type === "bool") return false;
  if (type === "dynamic") return [new TextEncoder().encode(JSON.stringify("string")), `offline-placeholder-${name}`];
  switch (type[0]) {
    case "list":
    case "set":
      if (type[1] === "string" && LIST_PLACEHOLDERS[name]) return [...LIST_PLACEHOLDERS[name]];
      return [placeholder(type[1], name)];
    case "map":
      return {};
    case "object":
      return Object.fromEntries(Object.entries(type[1]).map(([k, t]) => [k, placeholder(t, k)]));
  }
}
