import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { REPO } from "./support/variables.js";

// The barrel `@cdktf/provider-aws` loads all ~2,200 resources: about 6x the synth time and memory.
const BARREL = /from\s+["']@cdktf\/provider-(aws|null)["']|require\(\s*["']@cdktf\/provider-(aws|null)["']\s*\)|import\(\s*["']@cdktf\/provider-(aws|null)["']\s*\)/;

export function barrelImports(files: readonly string[], read: (f: string) => string): string[] {
  return files.filter((f) => BARREL.test(read(f)));
}

describe("provider imports", () => {
  it("are deep (lib/<resource>) in every TypeScript file of the repository", () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], { cwd: REPO, encoding: "utf8" })
      .split("\n")
      // Tracked files deleted in the working tree are listed by git but are no code any more.
      .filter((f) => f && existsSync(`${REPO}/${f}`));
    expect(files.length).toBeGreaterThan(10);
    expect(barrelImports(files, (f) => readFileSync(`${REPO}/${f}`, "utf8"))).toEqual([]);
  });

  it("the check catches a barrel import", () => {
    // Assembled from pieces so this file does not itself contain a barrel import.
    const pkg = (name: string) => ["@cdktf", `provider-${name}`].join("/");
    const sources: Record<string, string> = {
      "a.ts": `import { Instance } from "${pkg("aws")}";`,
      "b.ts": `import { Instance } from "${pkg("aws")}/lib/instance";`,
      "c.ts": `const aws = require('${pkg("null")}');`,
    };
    expect(barrelImports(Object.keys(sources), (f) => sources[f])).toEqual(["a.ts", "c.ts"]);
  });
});
