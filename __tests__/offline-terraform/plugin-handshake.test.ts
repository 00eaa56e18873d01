/**
 * The stand-in provider executable speaks go-plugin: magic cookie check,
 * one handshake line on stdout, gRPC over mutual TLS with the client
 * certificate Terraform passes in PLUGIN_CLIENT_CERT.
 */
import * as grpc from "@grpc/grpc-js";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { installStandInProviders } from "../../scripts/offline-terraform/mirror-installer.js";
import { ensureSchemaCache } from "../../scripts/offline-terraform/schema-cache.js";
import { generateServerTls } from "../../scripts/offline-terraform/tls-cert.js";

const COOKIE = { TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2" };
let pluginPath: string;

beforeAll(async () => {
  const install = await installStandInProviders();
  const dir = join(install.mirrorDir, "registry.terraform.io/hashicorp/null/3.2.4", readdirSync(join(install.mirrorDir, "registry.terraform.io/hashicorp/null/3.2.4"))[0]!);
  pluginPath = join(dir, "terraform-provider-null_v3.2.4");
}, 120_000);

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`plugin exited (${code}) before handshake`)));
  });
}

function unary(client: grpc.Client, path: string, req: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, req, (err, res) => (err ? reject(err) : resolve(res!))),
  );
}

describe("stand-in provider plugin process", () => {
  it("refuses to run without Terraform's magic cookie", async () => {
    const child = spawn(pluginPath, [], { env: { PATH: process.env.PATH } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(1);
    expect(stderr).toContain("Terraform provider plugin");
  });

  it("prints the go-plugin handshake and serves tfplugin6 over mTLS", async () => {
    const client = await generateServerTls(); // any cert with clientAuth works as Terraform's client cert
    const child = spawn(pluginPath, [], { env: { ...process.env, ...COOKIE, PLUGIN_CLIENT_CERT: client.certPem } });
    try {
      const line = await firstLine(child);
      const m = /^1\|6\|tcp\|127\.0\.0\.1:(\d+)\|grpc\|([A-Za-z0-9+/]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      const cert = new X509Certificate(Buffer.from(m![2]!, "base64"));
      expect(cert.subjectAltName).toContain("DNS:localhost");
      expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));

      const creds = grpc.credentials.createSsl(Buffer.from(cert.toString()), Buffer.from(client.keyPem), Buffer.from(client.certPem));
      const conn = new grpc.Client(`127.0.0.1:${m![1]}`, creds, { "grpc.ssl_target_name_override": "localhost" });
      expect([...(await unary(conn, "/grpc.health.v1.Health/Check"))]).toEqual([0x08, 0x01]);
      const schema = await unary(conn, "/tfplugin6.Provider/GetProviderSchema");
      expect(schema.equals(readFileSync(ensureSchemaCache("null").protobufPath))).toBe(true);

      const exited = new Promise((r) => child.on("exit", r));
      await unary(conn, "/plugin.GRPCController/Shutdown");
      expect(await exited).toBe(0);
      conn.close();
    } finally {
      child.kill();
    }
  });

  it("rejects clients without the expected certificate", async () => {
    const expected = await generateServerTls();
    const other = await generateServerTls();
    const child = spawn(pluginPath, [], { env: { ...process.env, ...COOKIE, PLUGIN_CLIENT_CERT: expected.certPem } });
    try {
      const line = await firstLine(child);
      const [, , , addr, , certB64] = line.split("|");
      const serverPem = new X509Certificate(Buffer.from(certB64!, "base64")).toString();
      const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(other.keyPem), Buffer.from(other.certPem));
      const conn = new grpc.Client(addr!, creds, { "grpc.ssl_target_name_override": "localhost" });
      await expect(unary(conn, "/grpc.health.v1.Health/Check")).rejects.toThrow();
      conn.close();
    } finally {
      child.kill();
    }
  });
});
