/**
 * Server certificate for go-plugin's AutoMTLS. Terraform trusts exactly the
 * certificate the plugin prints in its handshake line, so a fresh self-signed
 * ECDSA P-256 certificate generated in code is all we need: SAN `localhost`
 * (go-plugin dials with ServerName "localhost"), CA + server/client EKUs like
 * go-plugin's own generated certificates.
 *
 * Importing @peculiar/x509 costs ~0.6 s, which would be paid by every plugin
 * start. The CLI process therefore generates one certificate per run and hands
 * it to the plugin processes via a 0600 file in the git-ignored cache; the
 * plugin only falls back to generating one itself when no file is given.
 */
import { webcrypto } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

export interface ServerTlsMaterial {
  certPem: string;
  keyPem: string;
  /** DER of the certificate, base64 without padding, as go-plugin's handshake expects. */
  certDerBase64: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * A positive DER INTEGER needs a first byte of 0x01-0x7f: 0x80 and up would be
 * negative, and a leading 0x00 is not minimal DER, which OpenSSL rejects
 * ("asn1 encoding routines::illegal padding"): 1 certificate in 256 did.
 */
export function serialNumberHex(random: Uint8Array): string {
  const bytes = Uint8Array.from(random);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

export async function generateServerTls(): Promise<ServerTlsMaterial> {
  const x509 = await import("@peculiar/x509");
  type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
  type KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"];
  x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as unknown as KeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumberHex(webcrypto.getRandomValues(new Uint8Array(8))),
    name: "CN=localhost, O=offline-terraform stand-in provider",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 7 * 24 * 3600_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as unknown as webcrypto.CryptoKey);
  return {
    certPem: cert.toString("pem") + "\n",
    keyPem: pem("PRIVATE KEY", pkcs8),
    certDerBase64: Buffer.from(cert.rawData).toString("base64").replace(/=+$/, ""),
  };
}

/** Writes the material as one JSON file (atomic rename: cert and key always match). */
export function writeServerTls(path: string, material: ServerTlsMaterial): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(material), { mode: 0o600 });
  renameSync(tmp, path);
}

export function readServerTls(path: string): ServerTlsMaterial {
  return JSON.parse(readFileSync(path, "utf8")) as ServerTlsMaterial;
}
