/**
 * Results that depend only on their inputs, kept in `.cache/<area>/<sha256 of the inputs>.json` (git-ignored), so a
 * test run repeats only what changed (shellcheck, offline plans, `terraform test`). Writes go aside and are renamed:
 * concurrent workers never read half a file.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const CACHE_ROOT = resolve(import.meta.dirname, "..", "..", ".cache");

/** The key of a result: the sha256 of everything it depends on (strings and buffers as they are, the rest as JSON). */
export function resultKey(...inputs: readonly unknown[]): string {
  const hash = createHash("sha256");
  for (const input of inputs) hash.update(typeof input === "string" || Buffer.isBuffer(input) ? input : JSON.stringify(input)).update("\0");
  return hash.digest("hex");
}

/** The kept result, or undefined. */
export function readResult<T>(area: string, key: string): T | undefined {
  const file = join(CACHE_ROOT, area, `${key}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : undefined;
}

export function writeResult(area: string, key: string, value: unknown): void {
  const file = join(CACHE_ROOT, area, `${key}.json`);
  mkdirSync(join(CACHE_ROOT, area), { recursive: true });
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(value));
  renameSync(`${file}.${process.pid}`, file);
}
