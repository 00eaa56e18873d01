/**
 * The plugin host: serves the stand-in providers for the plugin processes
 * Terraform starts, from inside the runner's own (long-lived) process.
 *
 * Terraform starts a fresh provider process for every phase of every command
 * (schema, validate, plan, show - per provider): 4 for a validate, 8 for a
 * plan + show. Started as node, each costs ~0.1 s of CPU (node itself, then
 * grpc-js and TLS), about two thirds of all the CPU of a validate. With the
 * host, the executable Terraform starts is still the installed one, but its
 * wrapper hands the start over to bash (host-client.bash, ~5 ms): it connects
 * to this host on 127.0.0.1, sends Terraform's client certificate and the
 * workspace's schema directory, and prints the handshake line the host
 * answers with. The host runs one gRPC server per plugin process, over mTLS
 * with that process's client certificate, exactly as provider-main.ts does
 * (both use plugin-server.ts). When Terraform shuts the provider down, the
 * host answers, stops that server and closes the connection, and the plugin
 * process exits; when the plugin process dies, the host stops its server.
 *
 * What Terraform sees is unchanged: it launches the executable from the
 * provider mirror (lock file hashes included), reads one handshake line,
 * speaks tfplugin6 over mTLS with its own certificate, calls Shutdown and
 * waits for the process to exit. Without OFFLINE_TF_PLUGIN_HOST in its
 * environment (a manual `terraform` run in a kept scratch directory), or
 * without bash, the wrapper runs the standalone node plugin as before.
 *
 * Protocol, one connection per plugin process:
 *   client: token, provider, pid, schema dir ("-": full schema), then the
 *           client certificate PEM ("-": none), one per line, then "END"
 *   host:   the handshake line, or "ERR <message>"; closes after Shutdown
 */
import { randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { type PluginInstance, schemaPathsFor, startPluginInstance } from "./plugin-server.js";
import { STAND_IN_PROVIDERS, type StandInProvider, ensureSchemaCache } from "./schema-cache.js";
import { PLUGIN_HOST_ENV } from "./plugin-host-env.js";
import { type ServerTlsMaterial, readServerTls } from "./tls-cert.js";

export interface PluginHost {
  /** Environment for terraform: OFFLINE_TF_PLUGIN_HOST. */
  env: Record<string, string>;
  /** Plugin processes served so far. */
  served(): number;
}

const hosts = new Map<string, Promise<PluginHost>>();

/** Starts the host once per process (and TLS file); its sockets never keep the process alive. */
export function startPluginHost(tlsPath: string): Promise<PluginHost> {
  let host = hosts.get(tlsPath);
  if (!host) {
    host = listen(readServerTls(tlsPath));
    hosts.set(tlsPath, host);
  }
  return host;
}

function listen(tls: ServerTlsMaterial): Promise<PluginHost> {
  const token = randomBytes(16).toString("hex");
  let served = 0;
  const server = createServer((socket) => {
    socket.unref();
    socket.setEncoding("utf8");
    socket.on("error", () => undefined); // the plugin process died; "close" follows
    let buffered = "";
    const onData = (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf("\nEND\n");
      if (end < 0) {
        if (buffered.length > 64 * 1024) socket.destroy();
        return;
      }
      socket.off("data", onData);
      const [clientToken, provider, , schemaDir, ...cert] = buffered.slice(0, end).split("\n");
      if (clientToken !== token) return void socket.destroy();
      served++;
      serve(socket, provider!, schemaDir!, cert.join("\n"), tls).catch((err: Error) => {
        socket.end(`ERR ${err.message.replace(/\s+/g, " ")}\n`);
      });
    };
    socket.on("data", onData);
  });
  server.unref();
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ env: { [PLUGIN_HOST_ENV]: `${port}:${token}` }, served: () => served });
    });
  });
}

async function serve(socket: Socket, provider: string, schemaDir: string, certPem: string, tls: ServerTlsMaterial): Promise<void> {
  if (!(provider in STAND_IN_PROVIDERS)) throw new Error(`no stand-in provider ${provider}`);
  const cached = ensureSchemaCache(provider as StandInProvider);
  const schema = schemaPathsFor(provider, { schemaJsonPath: cached.jsonPath, schemaProtobufPath: cached.protobufPath }, schemaDir === "-" ? undefined : schemaDir);
  let instance: PluginInstance | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    instance?.close();
    socket.end(); // the plugin process exits when its connection closes
  };
  instance = await startPluginInstance({ ...schema, tls, clientCertPem: certPem === "-" ? undefined : `${certPem}\n`, onShutdown: finish });
  if (socket.destroyed) return finish();
  socket.on("close", finish); // killed before Shutdown: stop serving it
  socket.write(`${instance.handshake}\n`);
}
