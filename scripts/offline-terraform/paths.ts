/** Well-known locations, resolved from this file so the tools work from any cwd. */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const OFFLINE_TF_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(OFFLINE_TF_DIR, "../..");
/** Git-ignored (`.cache/` in .gitignore): schema cache, provider mirror, CLI config, TLS material. */
export const CACHE_DIR = process.env.OFFLINE_TF_CACHE_DIR ?? join(REPO_ROOT, ".cache", "offline-terraform");
export const NODE_MODULES = join(REPO_ROOT, "node_modules");
