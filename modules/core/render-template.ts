import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { Token } from "cdktf";

/** Where `templates/*.hbs` live, independent of the caller's working directory. */
export const TEMPLATES_DIR = join(import.meta.dirname, "..", "..", "templates");

/**
 * Terraform interpolates `${…}` and `%{…}` in every string. Templates are written like the files they
 * produce (plain `${VAR}` for shell, `${env:X}` for the collector), so their literal text is escaped here,
 * once, before Handlebars inserts values. Values that are Terraform tokens stay live; plain values are escaped.
 */
export function escapeForTerraform(text: string): string {
  // Replacement functions, not strings: in a replacement string "$$" means one "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/**
 * {@link escapeForTerraform} for template source: a `$` right before a Handlebars expression (`${{name}}`)
 * becomes shell's `$NAME` once rendered, not Terraform's `${`, so it is left alone.
 */
function escapeTemplateSource(text: string): string {
  return text.replace(/\$\{(?!\{)/g, () => "$${").replace(/%\{(?!\{)/g, () => "%%{");
}

const handlebars = Handlebars.create();
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/**
 * The compose host's boot script fragments (`templates/host/*.sh.hbs` except the whole script), usable in every
 * template as `{{> host/<name>}}`; read with the first template, not when a module is merely imported.
 */
let partialsRegistered = false;
function registerHostPartials(): void {
  if (partialsRegistered) return;
  partialsRegistered = true;
  for (const file of readdirSync(join(TEMPLATES_DIR, "host")).filter((f) => f.endsWith(".sh.hbs") && f !== "user-data.sh.hbs")) {
    handlebars.registerPartial(`host/${file.replace(/\.sh\.hbs$/, "")}`, escapeTemplateSource(readFileSync(join(TEMPLATES_DIR, "host", file), "utf8")));
  }
}

function compile(name: string): HandlebarsTemplateDelegate {
  let template = compiled.get(name);
  if (!template) {
    registerHostPartials();
    const source = escapeTemplateSource(readFileSync(join(TEMPLATES_DIR, name), "utf8"));
    // noEscape: these are shell/YAML files, not HTML. strict: a missing value is a bug, not an empty string.
    template = handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template;
}

export interface TemplateContext {
  readonly [key: string]: string | number | boolean | TemplateContext | readonly TemplateContext[];
}

function escapeValues(context: TemplateContext): TemplateContext {
  return Object.fromEntries(
    Object.entries(context).map(([key, value]) => {
      if (Token.isUnresolved(value)) return [key, Token.asString(value)];
      if (typeof value === "string") return [key, escapeForTerraform(value)];
      if (Array.isArray(value)) return [key, value.map((v) => escapeValues(v))];
      if (typeof value === "object") return [key, escapeValues(value as TemplateContext)];
      return [key, value];
    }),
  );
}

/**
 * Renders `templates/<name>` with Handlebars. Plain string values are escaped for Terraform; token
 * values (variables, resource attributes) are left for Terraform to interpolate at plan time.
 * Pass `preEscaped` for values that are already Terraform strings (another rendered template).
 */
export function renderTemplate(name: string, context: TemplateContext, preEscaped: Readonly<Record<string, string | Readonly<Record<string, string>>>> = {}): string {
  return compile(name)({ ...escapeValues(context), ...preEscaped });
}

/** A file of templates/ as it is (no Handlebars: a script whose `{{` belongs to its own language), escaped for Terraform. */
export function readTemplateFile(name: string): string {
  return escapeForTerraform(readFileSync(join(TEMPLATES_DIR, name), "utf8"));
}
