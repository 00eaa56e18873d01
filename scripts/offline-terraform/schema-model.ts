/**
 * The provider schema model shared by the generator, the protobuf encoder and
 * the planner. It mirrors Terraform's configschema closely enough to be
 * encoded into tfplugin6 `Schema` messages without further interpretation.
 */

/** cty type in Terraform's JSON type notation ("string", ["list","string"], ["object",{...}]). */
export type CtyType =
  | "string"
  | "number"
  | "bool"
  | "dynamic"
  | ["list" | "set" | "map", CtyType]
  | ["object", { [name: string]: CtyType }];

export interface SchemaAttribute {
  type: CtyType;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  writeOnly?: boolean;
}

export type NestingMode = "single" | "list" | "set" | "map";

export interface NestedBlock {
  nesting: NestingMode;
  block: SchemaBlock;
  minItems?: number;
  maxItems?: number;
}

export interface SchemaBlock {
  attributes: { [name: string]: SchemaAttribute };
  blockTypes: { [name: string]: NestedBlock };
}

export interface ProviderSchema {
  /** Provider type name as used in resource type prefixes, e.g. "aws". */
  name: string;
  /** Provider version the bindings were generated for, e.g. "6.25.0". */
  version: string;
  provider: SchemaBlock;
  resources: { [typeName: string]: SchemaBlock };
  dataSources: { [typeName: string]: SchemaBlock };
}

export function typeContainsDynamic(type: CtyType): boolean {
  if (typeof type === "string") return type === "dynamic";
  if (type[0] === "object") return Object.values(type[1]).some(typeContainsDynamic);
  return typeContainsDynamic(type[1]);
}

export function blockContainsDynamic(block: SchemaBlock): boolean {
  return (
    Object.values(block.attributes).some((a) => typeContainsDynamic(a.type)) ||
    Object.values(block.blockTypes).some((b) => blockContainsDynamic(b.block))
  );
}

/** The cty object type a block's value has (used to fill placeholders / walk values). */
export function blockImpliedType(block: SchemaBlock): CtyType {
  const attrs: { [name: string]: CtyType } = {};
  for (const [name, a] of Object.entries(block.attributes)) attrs[name] = a.type;
  for (const [name, nb] of Object.entries(block.blockTypes)) {
    const inner = blockImpliedType(nb.block);
    attrs[name] = nb.nesting === "single" ? inner : [nb.nesting, inner];
  }
  return ["object", attrs];
}
