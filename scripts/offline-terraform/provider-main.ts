/**
 * Entry point of the stand-in provider executable (started by Terraform via
 * the wrapper script the mirror installer writes). Implements go-plugin's
 * server side of the handshake:
 *   - refuse to run unless Terraform's magic cookie is set,
 *   - serve gRPC over mTLS on 127.0.0.1 (client cert from PLUGIN_CLIENT_CERT),
 *   - print exactly one stdout line `1|6|tcp|127.0.0.1:PORT|grpc|<cert DER b64>`.
 * Everything else must go to stderr (Terraform parses stdout).
 *
 * Args: --schema-json F --schema-pb F [--tls F]
 */
import * as grpc from "@grpc/grpc-js";
import { addGoPluginServices } from "./go-plugin-services.js";
import { addProviderService } from "./provider-server.js";
import { generateServerTls, readServerTls, type ServerTlsMaterial } from "./tls-cert.js";

const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

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
  const tlsFile = arg("tls");
  const tls: ServerTlsMaterial = tlsFile ? readServerTls(tlsFile) : await generateServerTls();

  const clientCert = process.env.PLUGIN_CLIENT_CERT;
  const credentials = clientCert
    ? grpc.ServerCredentials.createSsl(
        Buffer.from(clientCert),
        [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }],
        true,
      )
    : grpc.ServerCredentials.createInsecure();

  const server = new grpc.Server({ "grpc.max_receive_message_length": 256 * 1024 * 1024, "grpc.max_send_message_length": 256 * 1024 * 1024 });
  const exit = () => {
    server.forceShutdown();
    process.exit(0);
  };
  addGoPluginServices(server, exit);
  addProviderService(server, { schemaJsonPath, schemaProtobufPath });
  process.on("SIGTERM", exit);
  // Terraform forwards Ctrl-C to plugins and then asks them to stop; exit on StopProvider/Shutdown instead
  process.on("SIGINT", () => undefined);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  const certField = clientCert ? tls.certDerBase64 : "";
  process.stdout.write(`1|6|tcp|127.0.0.1:${port}|grpc|${certField}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`stand-in provider failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
