/**
 * One stand-in provider instance the way go-plugin expects it: a gRPC server
 * with the tfplugin6 provider service plus go-plugin's health, controller,
 * stdio and broker services, on 127.0.0.1, over mutual TLS with Terraform's
 * client certificate (PLUGIN_CLIENT_CERT), announced by the handshake line
 * `1|6|tcp|127.0.0.1:PORT|grpc|<server cert DER, base64>`.
 *
 * provider-main.ts runs one instance per plugin process; plugin-host.ts runs
 * many in the runner's process, one per plugin process Terraform starts.
 */
// Server-side modules only: @grpc/grpc-js's index also loads the whole client stack (channels,
// load balancers, DNS resolution), ~15 ms of every plugin start. The package is pinned; the
// ip resolver (what binding ipv4:127.0.0.1 needs) is registered here as the index would do.
import { Server } from "@grpc/grpc-js/build/src/server";
import { ServerCredentials } from "@grpc/grpc-js/build/src/server-credentials";
import { setup as setupIpResolver } from "@grpc/grpc-js/build/src/resolver-ip";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { addGoPluginServices } from "./go-plugin-services.js";
import { addProviderService } from "./provider-server.js";
import type { ServerTlsMaterial } from "./tls-cert.js";

export { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "./go-plugin-services.js";

export interface SchemaPaths {
  schemaJsonPath: string;
  schemaProtobufPath: string;
}

/**
 * The schema files to serve: the pruned ones in `prunedDir` (OFFLINE_TF_SCHEMA_DIR,
 * see schema-prune.ts) when given, else the full schema.
 */
export function schemaPathsFor(provider: string | undefined, full: SchemaPaths, prunedDir: string | undefined): SchemaPaths {
  if (!prunedDir || !provider) return full;
  const paths = { schemaJsonPath: join(prunedDir, `${provider}.json`), schemaProtobufPath: join(prunedDir, `${provider}.pb`) };
  if (!existsSync(paths.schemaProtobufPath) || !existsSync(paths.schemaJsonPath)) {
    throw new Error(`OFFLINE_TF_SCHEMA_DIR is set but has no pruned schema for ${provider} (${paths.schemaProtobufPath}); unset it to serve the full schema`);
  }
  return paths;
}

export interface PluginInstance {
  /** The go-plugin handshake line (without newline). */
  handshake: string;
  /** Stops serving at once. */
  close(): void;
}

let resolverReady = false;

export async function startPluginInstance(opts: SchemaPaths & {
  tls: ServerTlsMaterial;
  /** PEM of Terraform's client certificate; without it the server is plaintext (go-plugin without AutoMTLS). */
  clientCertPem?: string;
  /** After Terraform's Shutdown RPC has been answered. */
  onShutdown: () => void;
}): Promise<PluginInstance> {
  if (!resolverReady) {
    setupIpResolver();
    resolverReady = true;
  }
  const credentials = opts.clientCertPem
    ? ServerCredentials.createSsl(
        Buffer.from(opts.clientCertPem),
        [{ private_key: Buffer.from(opts.tls.keyPem), cert_chain: Buffer.from(opts.tls.certPem) }],
        true,
      )
    : ServerCredentials.createInsecure();
  const server = new Server({ "grpc.max_receive_message_length": 256 * 1024 * 1024, "grpc.max_send_message_length": 256 * 1024 * 1024 });
  addGoPluginServices(server, opts.onShutdown);
  addProviderService(server, { schemaJsonPath: opts.schemaJsonPath, schemaProtobufPath: opts.schemaProtobufPath });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("ipv4:127.0.0.1:0", credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    handshake: `1|6|tcp|127.0.0.1:${port}|grpc|${opts.clientCertPem ? opts.tls.certDerBase64 : ""}`,
    close: () => server.forceShutdown(),
  };
}
