/**
 * Offline plans, cached by their inputs. A plan of a stack is a function of the synthesized configuration, the
 * var files, the environment given to Terraform, the offline stand-in (its source and the provider schema it
 * serves) and the Terraform binary: when none of them changed since a plan succeeded, its result is read from
 * `.cache/plans/` (result-cache.ts) instead of planning again. Any change to any input means a real plan,
 * and only successful plans are kept, so a failure is always Terraform's own, reported by a real run.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { planStack, terraformVersion, type PlanStackResult } from "../../scripts/offline-terraform/index.js";
import { readResult, resultKey, writeResult } from "./result-cache.js";

const REPO = resolve(import.meta.dirname, "..", "..");
const AREA = "plans";

let standInDigest: string | undefined;
/** What the stand-in provider is: its source, the provider bindings it reads the schema from, Terraform's version. */
function standIn(): string {
  if (standInDigest === undefined) {
    const hash = createHash("sha256");
    const dir = join(REPO, "scripts", "offline-terraform");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts")).sort()) hash.update(file).update(readFileSync(join(dir, file)));
    hash.update(readFileSync(join(REPO, "node_modules", "@cdktf", "provider-aws", "package.json")));
    hash.update(readFileSync(join(REPO, "node_modules", "@cdktf", "provider-null", "package.json")));
    hash.update(JSON.stringify(terraformVersion() ?? "none"));
    standInDigest = hash.digest("hex");
  }
  return standInDigest;
}

export interface CachedPlanOptions {
  readonly stackDir: string;
  readonly varFiles: string[];
  readonly env: Record<string, string>;
}

/** planStack, or its earlier result for exactly these inputs. `cached` says which. */
export async function cachedPlanStack(options: CachedPlanOptions): Promise<PlanStackResult & { cached?: boolean }> {
  const key = resultKey(
    standIn(),
    readFileSync(join(options.stackDir, "cdk.tf.json")),
    options.varFiles.map((f) => [f, readFileSync(f, "utf8")]),
    Object.entries(options.env).sort(),
  );
  const kept = readResult<PlanStackResult>(AREA, key);
  if (kept) return { ...kept, cached: true };
  const result = await planStack({ stackDir: options.stackDir, varFiles: options.varFiles, env: options.env });
  if (result.exitCode === 0 && result.showJson !== undefined) writeResult(AREA, key, result);
  return result;
}
