/**
 * Derives a Terraform provider schema from the generated cdktf provider
 * bindings (@cdktf/provider-aws, @cdktf/provider-null).
 *
 * Why text parsing instead of `require()`: the aws bindings are ~2200 modules
 * (270 MB). Reading the compiled JS as text and matching the very regular
 * generated code is faster than loading and instantiating every class, and it
 * gives us more than the runtime objects do:
 *
 *  - `synthesizeHclAttributes()` / `fooToHclTerraform(struct)` list every
 *    configurable argument with isBlock, list/set/map/struct and a value
 *    expression (`cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)`)
 *    that spells out the element type.
 *  - `// x - computed: true, optional: false, required: false` comments mark
 *    computed-only attributes; the getter that follows gives their type.
 *  - `?` on the config interfaces in index.d.ts gives optional vs required.
 *
 * Known losses (documented in docs/offline-terraform.md): optional+computed
 * scalars look like plain optionals, so every optional attribute is declared
 * optional+computed and planned unknown when unset; `sensitive`, enum values,
 * conflicts and ForceNew are not in the bindings at all.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { CtyType, NestedBlock, ProviderSchema, SchemaAttribute, SchemaBlock } from "./schema-model.js";
import { blockContainsDynamic, typeContainsDynamic } from "./schema-model.js";

/** Parsed value expression of one synthesizeHclAttributes entry. */
type TypeExpr =
  | { kind: "primitive"; type: "string" | "number" | "bool" | "dynamic" }
  | { kind: "list"; inner: TypeExpr }
  | { kind: "map"; inner: TypeExpr }
  | { kind: "struct"; fn: string };

interface AttrEntry {
  name: string;
  isBlock: boolean;
  collection: string; // "simple" | "list" | "set" | "map" | "struct"
  expr: TypeExpr;
  /** `this._field` (resource level) or `struct.prop` (nested struct), without `.internalValue`. */
  arg: string;
}

/**
 * Attributes the real provider marks sensitive. The bindings don't carry the
 * flag; a short explicit list (instead of a name heuristic) avoids false
 * "Output refers to sensitive values" errors.
 */
const KNOWN_SENSITIVE: Record<string, string[]> = {
  aws_ssm_parameter: ["value"],
  "data.aws_ssm_parameter": ["value"],
  aws_db_instance: ["password"],
  aws_rds_cluster: ["master_password"],
  aws_secretsmanager_secret_version: ["secret_string", "secret_binary"],
  "data.aws_secretsmanager_secret_version": ["secret_string", "secret_binary"],
  aws_iam_access_key: ["secret", "ses_smtp_password_v4"],
};

const PRIMITIVE_FNS: Record<string, "string" | "number" | "bool" | "dynamic"> = {
  "cdktf.stringToHclTerraform": "string",
  "cdktf.numberToHclTerraform": "number",
  "cdktf.booleanToHclTerraform": "bool",
  "cdktf.anyToHclTerraform": "dynamic",
};

/** Parses `cdktf.listMapperHcl(cdktf.hashMapperHcl(cdktf.stringToHclTerraform), false)(struct.x)`. */
function parseValueExpr(raw: string): { expr: TypeExpr; arg: string } | undefined {
  // attribute-as-block structs emit `struct.x === undefined ? null : F(struct.x)`
  const s = raw.includes(" ? null : ") ? raw.slice(raw.indexOf(" ? null : ") + 10) : raw;
  let pos = 0;
  const parse = (): TypeExpr | undefined => {
    for (const [fn, type] of Object.entries(PRIMITIVE_FNS)) {
      if (s.startsWith(fn, pos)) {
        pos += fn.length;
        return { kind: "primitive", type };
      }
    }
    for (const [prefix, kind] of [["cdktf.listMapperHcl(", "list"], ["cdktf.hashMapperHcl(", "map"]] as const) {
      if (s.startsWith(prefix, pos)) {
        pos += prefix.length;
        const inner = parse();
        if (!inner) return undefined;
        const close = s.indexOf(")", pos); // skips ", false" / ", true"
        pos = close + 1;
        return { kind, inner };
      }
    }
    const m = /^(\w+)ToHclTerraform/.exec(s.slice(pos));
    if (m) {
      pos += m[0].length;
      return { kind: "struct", fn: m[1]! };
    }
    return undefined;
  };
  const expr = parse();
  if (!expr) return undefined;
  const argMatch = /^\(([\w.]+?)(?:\.internalValue)?\)$/.exec(s.slice(pos));
  if (!argMatch) return undefined;
  return { expr, arg: argMatch[1]! };
}

const ENTRY_RE =
  /^\s+"?(\w+)"?: \{\n\s+value: (.+),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "\w*",\n\s+\},?$/gm;

function parseAttrsLiteral(text: string): AttrEntry[] {
  const entries: AttrEntry[] = [];
  for (const m of text.matchAll(ENTRY_RE)) {
    const parsed = parseValueExpr(m[2]!);
    if (!parsed) throw new Error(`schema-from-bindings: cannot parse value expression for ${m[1]}: ${m[2]}`);
    entries.push({ name: m[1]!, isBlock: m[3] === "true", collection: m[4]!, ...parsed });
  }
  return entries;
}

/** One bindings module (lib/<name>/index.js + index.d.ts). */
class BindingsModule {
  private readonly structFns = new Map<string, string>(); // fn prefix -> body
  readonly classes = new Map<string, string>(); // class name -> body
  private readonly interfaces = new Map<string, Map<string, boolean>>(); // iface -> prop -> optional
  private readonly structCache = new Map<string, SchemaBlock>();

  constructor(js: string, dts: string) {
    for (const chunk of js.split(/^(?=class |function )/m)) {
      const fn = /^function (\w+)ToHclTerraform\(struct\)/.exec(chunk);
      if (fn) this.structFns.set(fn[1]!, chunk);
      const cls = /^class (\w+) extends/.exec(chunk);
      if (cls) this.classes.set(cls[1]!, chunk);
    }
    for (const m of dts.matchAll(/^export interface (\w+)[^{\n]*\{\n([\s\S]*?)^\}/gm)) {
      const props = new Map<string, boolean>();
      for (const p of m[2]!.matchAll(/^ {4}readonly (\w+)(\?)?:/gm)) props.set(p[1]!, p[2] === "?");
      this.interfaces.set(m[1]!, props);
    }
  }

  /** Entry points: classes that declare a Terraform resource/data source/provider type. */
  *typeDeclarations(): Generator<{ className: string; typeName: string; kind: "resource" | "data" | "provider" }> {
    for (const [className, body] of this.classes) {
      const ext = /^class \w+ extends cdktf\.(TerraformResource|TerraformDataSource|TerraformProvider)/.exec(body);
      const type = /terraformResourceType: '([\w-]+)'/.exec(body);
      if (!ext || !type) continue;
      const kind = ext[1] === "TerraformResource" ? "resource" : ext[1] === "TerraformDataSource" ? "data" : "provider";
      yield { className, typeName: type[1]!, kind };
    }
  }

  /** Schema of a top-level resource/data source/provider class. */
  topLevelBlock(className: string): SchemaBlock {
    const body = this.classes.get(className)!;
    const start = body.indexOf("synthesizeHclAttributes() {");
    const entries = start >= 0 ? parseAttrsLiteral(body.slice(start, body.indexOf("\n    }\n", start))) : [];
    // constructor maps private fields to config properties: this._getPasswordData = config.fetchPasswordData;
    const fieldToProp = new Map<string, string>();
    for (const m of body.matchAll(/this\._(\w+)(?:\.internalValue)? = config\.(\w+);/g)) fieldToProp.set(m[1]!, m[2]!);
    const iface = this.interfaces.get(`${className}Config`) ?? new Map<string, boolean>();
    const block = this.buildBlock(entries, (arg) => {
      const prop = fieldToProp.get(arg.replace(/^this\._/, ""));
      return prop !== undefined && iface.get(prop) === false;
    });
    this.addComputedOnly(block, body);
    return block;
  }

  private structBlock(fn: string): SchemaBlock {
    const cached = this.structCache.get(fn);
    if (cached) return cached;
    const body = this.structFns.get(fn);
    const className = fn[0]!.toUpperCase() + fn.slice(1);
    const block: SchemaBlock = { attributes: {}, blockTypes: {} };
    this.structCache.set(fn, block); // guards against self-reference
    if (!body) return block;
    const start = body.indexOf("const attrs = {");
    const entries = start >= 0 ? parseAttrsLiteral(body.slice(start)) : [];
    const iface = this.interfaces.get(className) ?? new Map<string, boolean>();
    Object.assign(block, this.buildBlock(entries, (arg) => iface.get(arg.replace(/^struct\./, "")) === false));
    const ref = this.classes.get(`${className}OutputReference`);
    if (ref) this.addComputedOnly(block, ref);
    return block;
  }

  private exprToType(expr: TypeExpr, outer: string | undefined): CtyType {
    switch (expr.kind) {
      case "primitive":
        return expr.type;
      case "list":
        return [outer === "set" ? "set" : "list", this.exprToType(expr.inner, undefined)];
      case "map":
        return ["map", this.exprToType(expr.inner, undefined)];
      case "struct":
        return this.objectTypeOf(this.structBlock(expr.fn));
    }
  }

  private objectTypeOf(block: SchemaBlock): CtyType {
    const attrs: { [name: string]: CtyType } = {};
    for (const [n, a] of Object.entries(block.attributes)) attrs[n] = a.type;
    for (const [n, b] of Object.entries(block.blockTypes)) {
      const inner = this.objectTypeOf(b.block);
      attrs[n] = b.nesting === "single" ? inner : [b.nesting, inner];
    }
    return ["object", attrs];
  }

  private buildBlock(entries: AttrEntry[], isRequired: (arg: string) => boolean): SchemaBlock {
    const block: SchemaBlock = { attributes: {}, blockTypes: {} };
    for (const e of entries) {
      const required = isRequired(e.arg);
      const structFn = e.expr.kind === "struct" ? e.expr.fn : e.expr.kind === "list" && e.expr.inner.kind === "struct" ? e.expr.inner.fn : undefined;
      if (e.isBlock && structFn) {
        const nested: NestedBlock = {
          nesting: e.collection === "struct" ? "single" : e.collection === "set" ? "set" : "list",
          block: this.structBlock(structFn),
        };
        // a block mapped without listMapperHcl is a MaxItems:1 block (cdktf OutputReference)
        if (e.expr.kind === "struct" && nested.nesting !== "single") nested.maxItems = 1;
        if (required && nested.nesting !== "single") nested.minItems = 1;
        block.blockTypes[e.name] = nested;
        continue;
      }
      const type = this.exprToType(e.expr, e.collection);
      const attr: SchemaAttribute = { type };
      if (required) attr.required = true;
      else if (/_wo$/.test(e.name)) {
        // write-only: Terraform forbids computed+write_only and requires null in plan/state
        attr.optional = true;
        attr.writeOnly = true;
      } else {
        // optional and optional+computed are indistinguishable in the bindings
        attr.optional = true;
        attr.computed = true;
      }
      block.attributes[e.name] = attr;
    }
    return block;
  }

  /** Adds attributes that only appear as `// x - computed: true, optional: false` getters. */
  private addComputedOnly(block: SchemaBlock, classBody: string, seen = new Set<string>()): void {
    // The two lines after the comment are looked ahead at, not consumed: two computed-only attributes in a row
    // (listener_endpoint, then master_user_secret) would otherwise hide the second one's comment.
    const re = /\/\/ (\w+) - computed: true, optional: false, required: false\n(?=\s*(.*)\n\s*(.*))/g;
    for (const m of classBody.matchAll(re)) {
      const name = m[1]!;
      if (block.attributes[name] || block.blockTypes[name]) continue;
      block.attributes[name] = { type: this.computedType(m[2]!, m[3]!, seen), computed: true };
    }
  }

  private computedType(line1: string, line2: string, seen: Set<string>): CtyType {
    const complex = /this\._\w+ = new ([\w.]+)\(this, "[^"]*"(?:, (true|false))?\);/.exec(line1);
    if (complex) {
      const cls = complex[1]!;
      const builtin: Record<string, CtyType> = {
        "cdktf.StringMap": ["map", "string"],
        "cdktf.NumberMap": ["map", "number"],
        "cdktf.BooleanMap": ["map", "bool"],
        "cdktf.AnyMap": ["map", "dynamic"],
      };
      if (builtin[cls]) return builtin[cls]!;
      const base = cls.replace(/(List|Map|OutputReference)$/, "");
      const element = this.computedObjectType(`${base}OutputReference`, seen);
      if (cls.endsWith("List")) return [complex[2] === "true" ? "set" : "list", element];
      if (cls.endsWith("Map")) return ["map", element];
      return ["list", element];
    }
    const ret = /return (.*);/.exec(line2)?.[1] ?? "";
    const getter = /this\.(\w+)\(/.exec(ret)?.[1];
    const asSet = ret.startsWith("cdktf.Fn.tolist(");
    const byGetter: Record<string, CtyType> = {
      getStringAttribute: "string",
      getNumberAttribute: "number",
      getBooleanAttribute: "bool",
      getListAttribute: [asSet ? "set" : "list", "string"],
      getNumberListAttribute: [asSet ? "set" : "list", "number"],
      getStringMapAttribute: ["map", "string"],
      getNumberMapAttribute: ["map", "number"],
      getBooleanMapAttribute: ["map", "bool"],
      getAnyMapAttribute: ["map", "dynamic"],
      interpolationForAttribute: "dynamic",
    };
    return (getter && byGetter[getter]) || "dynamic";
  }

  private computedObjectType(className: string, seen: Set<string>): CtyType {
    const body = this.classes.get(className);
    if (!body || seen.has(className)) return "dynamic";
    const block: SchemaBlock = { attributes: {}, blockTypes: {} };
    this.addComputedOnly(block, body, new Set([...seen, className]));
    return this.objectTypeOf(block);
  }
}

/** Terraform rejects dynamic types inside set blocks/types: downgrade those sets to lists. */
function downgradeDynamicSets(block: SchemaBlock): void {
  const fixType = (t: CtyType): CtyType => {
    if (typeof t === "string") return t;
    if (t[0] === "object") return ["object", Object.fromEntries(Object.entries(t[1]).map(([k, v]) => [k, fixType(v)]))];
    const inner = fixType(t[1]);
    return [t[0] === "set" && typeContainsDynamic(inner) ? "list" : t[0], inner];
  };
  for (const a of Object.values(block.attributes)) a.type = fixType(a.type);
  for (const nb of Object.values(block.blockTypes)) {
    downgradeDynamicSets(nb.block);
    if (nb.nesting === "set" && blockContainsDynamic(nb.block)) nb.nesting = "list";
  }
}

function markSensitive(block: SchemaBlock, key: string): void {
  for (const name of KNOWN_SENSITIVE[key] ?? []) {
    const attr = block.attributes[name];
    if (attr) attr.sensitive = true;
  }
}

/**
 * Builds the schema of one cdktf prebuilt provider package.
 * @param packageDir e.g. node_modules/@cdktf/provider-aws
 */
export function generateProviderSchema(packageDir: string): ProviderSchema {
  const libDir = join(packageDir, "lib");
  const schema: ProviderSchema = {
    name: "",
    version: "",
    provider: { attributes: {}, blockTypes: {} },
    resources: {},
    dataSources: {},
  };
  for (const entry of readdirSync(libDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const jsPath = join(libDir, entry.name, "index.js");
    if (!existsSync(jsPath)) continue;
    let js = readFileSync(jsPath, "utf8");
    if (!js.includes("terraformResourceType:")) continue;
    let dts = readFileSync(join(libDir, entry.name, "index.d.ts"), "utf8");
    // very large resources split their structs into index-structs/structsN.js
    const structsDir = join(libDir, entry.name, "index-structs");
    if (existsSync(structsDir)) {
      for (const f of readdirSync(structsDir).sort()) {
        if (f.endsWith(".js")) js += "\n" + readFileSync(join(structsDir, f), "utf8");
        else if (f.endsWith(".d.ts")) dts += "\n" + readFileSync(join(structsDir, f), "utf8");
      }
      js = js.replace(/\b(?:index_structs|structs\d+)_1\./g, "").replace(/\(0, (\w+ToHclTerraform)\)/g, "$1");
    }
    const mod = new BindingsModule(js, dts);
    for (const decl of mod.typeDeclarations()) {
      const block = mod.topLevelBlock(decl.className);
      downgradeDynamicSets(block);
      if (decl.kind === "provider") {
        delete block.attributes["alias"]; // a Terraform meta-argument, not provider schema
        schema.provider = block;
        schema.name = decl.typeName;
        schema.version = /providerVersion: '([^']+)'/.exec(mod.classes.get(decl.className)!)?.[1] ?? "";
      } else if (decl.kind === "resource") {
        markSensitive(block, decl.typeName);
        schema.resources[decl.typeName] = block;
      } else {
        markSensitive(block, `data.${decl.typeName}`);
        schema.dataSources[decl.typeName] = block;
      }
    }
  }
  if (!schema.name) throw new Error(`schema-from-bindings: no provider class found in ${libDir}`);
  if (!schema.version) {
    // the provider class carries no version; resources do
    const anyJs = readFileSync(join(libDir, "provider", "index.js"), "utf8");
    schema.version = /providerVersion: '([^']+)'/.exec(anyJs)?.[1] ?? "";
  }
  return schema;
}
