/**
 * Entry point of the stand-in provider executable (started by Terraform via
 * the wrapper script the mirror installer writes, when no plugin host serves
 * it, see plugin-host.ts). Implements go-plugin's server side of the handshake:
 *   - refuse to run unless Terraform's magic cookie is set,
 *   - serve gRPC over mTLS on 127.0.0.1 (client cert from PLUGIN_CLIENT_CERT),
 *   - print exactly one stdout line `1|6|tcp|127.0.0.1:PORT|grpc|<cert DER b64>`.
 * Everything else must go to stderr (Terraform parses stdout).
 *
 * Args: --schema-json F --schema-pb F [--tls F] [--provider NAME]
 *
 * With OFFLINE_TF_SCHEMA_DIR set (the runner sets it for each scratch
 * workspace, Terraform passes its environment through to plugins), the schema
 * is read from `$OFFLINE_TF_SCHEMA_DIR/<provider>.pb|.json` instead: the
 * schema pruned to the configuration's types (see schema-prune.ts).
 */
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, type PluginInstance, schemaPathsFor, startPluginInstance } from "./plugin-server.js";
import { generateServerTls, readServerTls, type ServerTlsMaterial } from "./tls-cert.js";

// stdout belongs to the go-plugin handshake
console.log = (...args: unknown[]) => console.error(...args);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write(
      "This binary is a Terraform provider plugin (offline stand-in). It is not meant to be executed directly; Terraform starts it.\n",
    );
    process.exit(1);
  }
  const schemaJsonPath = arg("schema-json");
  const schemaProtobufPath = arg("schema-pb");
  if (!schemaJsonPath || !schemaProtobufPath) throw new Error("provider-main: --schema-json and --schema-pb are required");
  const schema = schemaPathsFor(arg("provider"), { schemaJsonPath, schemaProtobufPath }, process.env.OFFLINE_TF_SCHEMA_DIR);
  const tlsFile = arg("tls");
  const tls: ServerTlsMaterial = tlsFile ? readServerTls(tlsFile) : await generateServerTls();

  let instance: PluginInstance | undefined;
  const exit = () => {
    instance?.close();
    process.exit(0);
  };
  const started = await startPluginInstance({ ...schema, tls, clientCertPem: process.env.PLUGIN_CLIENT_CERT || undefined, onShutdown: exit });
  instance = started;
  process.on("SIGTERM", exit);
  // Terraform forwards Ctrl-C to plugins and then asks them to stop; exit on StopProvider/Shutdown instead
  process.on("SIGINT", () => undefined);
  process.stdout.write(`${started.handshake}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`stand-in provider failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
