/**
 * The platform's layout rules: modules/ holds generic building blocks only (no module names a system, so each
 * next system is composition), each module has a test that builds it on a bare stack, and every system of the
 * registry has its folder, its tfvars and its docs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SYSTEMS } from "../stacks/systems.js";
import { REPO } from "./support/variables.js";

/** Words that name one of the five systems or a part only one of them has. */
const SYSTEM_WORDS = /openlit|clickhouse|lighthouse|timescale|vectordb|agent[-_ ]?platform|\bh3\b|\botel\b|\botlp\b|chromadb|celery/i;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The files among `files` that mention a system, with the first line that does. */
export function systemMentions(files: readonly string[], read: (f: string) => string): string[] {
  return files.flatMap((f) => {
    const line = read(f).split("\n").find((l) => SYSTEM_WORDS.test(l));
    return line === undefined ? [] : [`${f}: ${line.trim()}`];
  });
}

describe("generic building blocks", () => {
  const generic = [...filesUnder(join(REPO, "modules")), ...filesUnder(join(REPO, "templates", "host"))];

  it("modules/ and templates/host/ name no system", () => {
    expect(generic.length).toBeGreaterThan(20);
    expect(systemMentions(generic, (f) => readFileSync(f, "utf8"))).toEqual([]);
  });

  it("the check catches a mention", () => {
    const sources: Record<string, string> = { "a.ts": "const x = 1;\n// OpenLIT port\n", "b.ts": "const port = 5432;\n", "c.hbs": "image: timescale/timescaledb\n" };
    expect(systemMentions(Object.keys(sources), (f) => sources[f]!)).toEqual(["a.ts: // OpenLIT port", "c.hbs: image: timescale/timescaledb"]);
  });

  it("every module is built by a test of its own", () => {
    const tests = filesUnder(join(REPO, "__tests__")).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(f, "utf8")).join("\n");
    const modules = readdirSync(join(REPO, "modules")).filter((m) => m !== "core");
    const untested = modules.filter((m) => !tests.includes(`modules/${m}/index.js`));
    expect(untested).toEqual([]);
  });
});

describe("systems", () => {
  it.each(SYSTEMS.map((s) => s.name))("%s has its stack folder, a tfvars per environment and its docs", (name) => {
    const system = SYSTEMS.find((s) => s.name === name)!;
    expect(statSync(join(REPO, "stacks", name)).isDirectory()).toBe(true);
    for (const env of system.environments) expect(statSync(join(REPO, "environments", name, `${env}.tfvars`)).isFile()).toBe(true);
    expect(statSync(join(REPO, "docs", `${name}.md`)).isFile()).toBe(true);
  });
});
