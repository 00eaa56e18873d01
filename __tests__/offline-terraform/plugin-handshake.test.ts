/**
 * The stand-in provider executable speaks go-plugin: magic cookie check,
 * one handshake line on stdout, gRPC over mutual TLS with the client
 * certificate Terraform passes in PLUGIN_CLIENT_CERT - whether it runs as a
 * node process of its own or is served by the runner's plugin host.
 */
import * as grpc from "@grpc/grpc-js";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installStandInProviders } from "../../scripts/offline-terraform/mirror-installer.js";
import { startPluginHost } from "../../scripts/offline-terraform/plugin-host.js";
import { ensureSchemaCache } from "../../scripts/offline-terraform/schema-cache.js";
import { writePrunedSchemas } from "../../scripts/offline-terraform/schema-prune.js";
import { generateServerTls, serialNumberHex } from "../../scripts/offline-terraform/tls-cert.js";

const COOKIE = { TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2" };
let pluginPath: string;
let tlsPath: string;

beforeAll(async () => {
  const install = await installStandInProviders();
  tlsPath = install.tlsPath;
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

describe("certificates", () => {
  it("always get a minimal, positive DER serial number", () => {
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      const hex = serialNumberHex(Uint8Array.from([first, 0, 0, 0, 0, 0, 0, 1]));
      const lead = parseInt(hex.slice(0, 2), 16);
      expect(lead >= 0x01 && lead <= 0x7f, hex).toBe(true);
      expect(hex).toHaveLength(16);
    }
  });
});

describe.concurrent("stand-in provider plugin process", () => {
  it("refuses to run without Terraform's magic cookie", async () => {
    const child = spawn(pluginPath, [], { env: { PATH: process.env.PATH } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => child.on("close", r)); // "close": after stderr is drained
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

  it("serves the pruned schema from OFFLINE_TF_SCHEMA_DIR, and refuses to start when it lacks the provider's files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "offline-tf-handshake-"));
    try {
      writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify({ resource: { aws_instance: { a: {} } } }));
      const { env } = writePrunedSchemas(dir, join(dir, "schema"));
      const client = await generateServerTls();
      const child = spawn(pluginPath, [], { env: { ...process.env, ...COOKIE, ...env, PLUGIN_CLIENT_CERT: client.certPem } });
      try {
        const [, , , addr, , certB64] = (await firstLine(child)).split("|");
        const serverPem = new X509Certificate(Buffer.from(certB64!, "base64")).toString();
        const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(client.keyPem), Buffer.from(client.certPem));
        const conn = new grpc.Client(addr!, creds, { "grpc.ssl_target_name_override": "localhost" });
        const schema = await unary(conn, "/tfplugin6.Provider/GetProviderSchema");
        // the null provider's share of a config without null types: provider block and capabilities only
        expect(schema.equals(readFileSync(join(dir, "schema", "null.pb")))).toBe(true);
        expect(schema.length).toBeLessThan(readFileSync(ensureSchemaCache("null").protobufPath).length);
        conn.close();
      } finally {
        child.kill();
      }

      rmSync(join(dir, "schema", "null.pb"));
      const broken = spawn(pluginPath, [], { env: { ...process.env, ...COOKIE, ...env } });
      let stderr = "";
      broken.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      expect(await new Promise((r) => broken.on("close", r))).toBe(1);
      expect(stderr).toContain("OFFLINE_TF_SCHEMA_DIR is set but has no pruned schema for null");
    } finally {
      rmSync(dir, { recursive: true, force: true });
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

describe.concurrent("stand-in provider plugin process served by the plugin host", () => {
  it("hands over to the host: same handshake, mTLS with Terraform's certificate, exit after Shutdown", async () => {
    const host = await startPluginHost(tlsPath);
    const before = host.served();
    const [client, other] = [await generateServerTls(), await generateServerTls()];
    const child = spawn(pluginPath, [], { env: { ...process.env, ...COOKIE, ...host.env, PLUGIN_CLIENT_CERT: client.certPem } });
    try {
      const line = await firstLine(child);
      expect(host.served()).toBe(before + 1);
      const m = /^1\|6\|tcp\|(127\.0\.0\.1:\d+)\|grpc\|([A-Za-z0-9+/]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      const serverPem = new X509Certificate(Buffer.from(m![2]!, "base64")).toString();
      const wrong = new grpc.Client(m![1]!, grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(other.keyPem), Buffer.from(other.certPem)), {
        "grpc.ssl_target_name_override": "localhost",
      });
      await expect(unary(wrong, "/grpc.health.v1.Health/Check")).rejects.toThrow();
      wrong.close();
      const conn = new grpc.Client(m![1]!, grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(client.keyPem), Buffer.from(client.certPem)), {
        "grpc.ssl_target_name_override": "localhost",
      });
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

  it("falls back to a node process of its own when no host answers", async () => {
    const client = await generateServerTls();
    // port 1: nothing listens there
    const child = spawn(pluginPath, [], { env: { ...process.env, ...COOKIE, OFFLINE_TF_PLUGIN_HOST: "1:no-such-host", PLUGIN_CLIENT_CERT: client.certPem } });
    try {
      expect(await firstLine(child)).toMatch(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/);
    } finally {
      child.kill();
    }
  });
});
