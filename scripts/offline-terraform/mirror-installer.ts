/**
 * Makes the stand-in providers installable by a real `terraform init`:
 * a filesystem_mirror in the unpacked layout
 *   registry.terraform.io/hashicorp/aws/6.25.0/linux_amd64/terraform-provider-aws_v6.25.0
 * whose "binary" is a small sh wrapper that execs node on provider-main.ts,
 * and a CLI config (passed as TF_CLI_CONFIG_FILE) that selects that mirror.
 * A filesystem mirror (unlike dev_overrides) works with backend blocks and
 * produces a normal lock file - which only ever lands in the scratch copy.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CACHE_DIR, NODE_MODULES, OFFLINE_TF_DIR } from "./paths.js";
import { STAND_IN_PROVIDERS, type StandInProvider, ensureSchemaCache } from "./schema-cache.js";
import { generateServerTls, writeServerTls } from "./tls-cert.js";

export interface OfflineInstall {
  cliConfigPath: string;
  mirrorDir: string;
  /** Environment for every terraform invocation (TF_CLI_CONFIG_FILE, CHECKPOINT_DISABLE, ...). */
  env: NodeJS.ProcessEnv;
  /** Milliseconds spent generating schemas on a cache miss (0 when warm). */
  schemaGenerationMs: number;
  /** Whether the plugin runs from the pre-bundled .mjs (fast) or through tsx. */
  bundledPlugin: boolean;
}

const TLS_MAX_AGE_MS = 24 * 3600_000; // certificates are valid 7 days; rotate daily

function terraformPlatform(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = ({ x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" } as Record<string, string>)[process.arch] ?? process.arch;
  return `${os}_${arch}`;
}

function writeIfChanged(path: string, content: string, mode: number): void {
  if (existsSync(path) && readFileSync(path, "utf8") === content) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function ensureTlsFile(): Promise<string> {
  const dir = join(CACHE_DIR, "tls");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, "server.json");
  if (!existsSync(path) || Date.now() - statSync(path).mtimeMs > TLS_MAX_AGE_MS) {
    writeServerTls(path, await generateServerTls());
  }
  return path;
}

/**
 * How the wrapper starts node. Terraform starts a fresh plugin process for
 * every phase (schema, validate, plan, show - per provider), so startup time
 * dominates: `node --import tsx provider-main.ts` costs ~0.7-1 s per start
 * (tsx loader + on-the-fly transforms), a single pre-bundled .mjs ~0.2 s.
 * The bundle is built with the esbuild that tsx already brings, into the
 * git-ignored cache, keyed by a hash of these sources; if esbuild cannot be
 * loaded we fall back to running the TypeScript through tsx.
 */
async function pluginCommand(): Promise<{ argv: string[]; bundled: boolean }> {
  const entry = join(OFFLINE_TF_DIR, "provider-main.ts");
  const tsxArgv = [process.execPath, "--import", pathToFileURL(join(NODE_MODULES, "tsx", "dist", "loader.mjs")).href, entry];
  if (process.env.OFFLINE_TF_NO_BUNDLE === "1") return { argv: tsxArgv, bundled: false };
  const h = createHash("sha256");
  for (const f of readdirSync(OFFLINE_TF_DIR).filter((n) => n.endsWith(".ts")).sort()) h.update(f).update(readFileSync(join(OFFLINE_TF_DIR, f)));
  const outfile = join(CACHE_DIR, "plugin", `provider-main-${h.digest("hex").slice(0, 12)}.mjs`);
  if (!existsSync(outfile)) {
    try {
      const esbuild = (await import("esbuild" as string)) as {
        build(opts: Record<string, unknown>): Promise<unknown>;
      };
      mkdirSync(join(CACHE_DIR, "plugin"), { recursive: true });
      const tmp = `${outfile}.${process.pid}.tmp.mjs`;
      await esbuild.build({
        entryPoints: [entry],
        outfile: tmp,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        logLevel: "silent",
        // only needed when no pre-generated certificate is passed; keep it out of the hot path
        external: ["@peculiar/x509"],
        // grpc-js is CommonJS and calls require(); give the ESM bundle one
        banner: { js: "import { createRequire as __offlineTfCreateRequire } from 'node:module'; const require = __offlineTfCreateRequire(import.meta.url);" },
      });
      renameSync(tmp, outfile);
      // drop bundles of older sources so the cache does not grow with every edit
      for (const f of readdirSync(join(CACHE_DIR, "plugin"))) {
        if (f.startsWith("provider-main-") && f.endsWith(".mjs") && join(CACHE_DIR, "plugin", f) !== outfile) rmSync(join(CACHE_DIR, "plugin", f), { force: true });
      }
    } catch (err) {
      process.stderr.write(`offline-terraform: cannot bundle the stand-in provider (${(err as Error).message}); using tsx (slower)\n`);
      return { argv: tsxArgv, bundled: false };
    }
  }
  return { argv: [process.execPath, outfile], bundled: true };
}

let installPromise: Promise<OfflineInstall> | undefined;

/** Idempotent; memoized per process. */
export function installStandInProviders(): Promise<OfflineInstall> {
  return (installPromise ??= doInstall());
}

async function doInstall(): Promise<OfflineInstall> {
  const mirrorDir = join(CACHE_DIR, "mirror");
  const tlsPath = await ensureTlsFile();
  const command = await pluginCommand();
  let schemaGenerationMs = 0;
  const includes: string[] = [];
  for (const provider of Object.keys(STAND_IN_PROVIDERS) as StandInProvider[]) {
    const { namespace, type } = STAND_IN_PROVIDERS[provider];
    const cached = ensureSchemaCache(provider);
    schemaGenerationMs += cached.generatedMs ?? 0;
    const dir = join(mirrorDir, "registry.terraform.io", namespace, type, cached.version, terraformPlatform());
    mkdirSync(dir, { recursive: true });
    const script = [
      "#!/bin/sh",
      "# Offline stand-in provider generated by scripts/offline-terraform/mirror-installer.ts.",
      "# Not the real provider: it serves a schema derived from the cdktf bindings and cannot apply.",
      `exec ${command.argv.map(shQuote).join(" ")} \\`,
      `  --schema-json ${shQuote(cached.jsonPath)} --schema-pb ${shQuote(cached.protobufPath)} --tls ${shQuote(tlsPath)}`,
      "",
    ].join("\n");
    writeIfChanged(join(dir, `terraform-provider-${type}_v${cached.version}`), script, 0o755);
    includes.push(`"registry.terraform.io/${namespace}/${type}"`);
  }
  const cliConfigPath = join(CACHE_DIR, "terraformrc");
  writeIfChanged(
    cliConfigPath,
    [
      "# Generated by scripts/offline-terraform/mirror-installer.ts",
      "disable_checkpoint = true",
      "provider_installation {",
      "  filesystem_mirror {",
      `    path    = ${JSON.stringify(mirrorDir)}`,
      `    include = [${includes.join(", ")}]`,
      "  }",
      "}",
      "",
    ].join("\n"),
    0o644,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfigPath,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
  };
  // settings that would make runs depend on the caller's machine or write outside the scratch dir
  for (const k of Object.keys(env)) {
    if (k === "TF_PLUGIN_CACHE_DIR" || k === "TF_DATA_DIR" || k === "TF_WORKSPACE" || k.startsWith("TF_CLI_ARGS")) delete env[k];
  }
  return { cliConfigPath, mirrorDir, env, schemaGenerationMs, bundledPlugin: command.bundled };
}
