import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { runProcess } from "../support/process.js";
import { SCRIPTS_DIR } from "./stubs.js";

// scripts/make-private-ca.sh, run for real (openssl makes the CA) in a temp dir of its own per test. It is no
// operator script of the stacks (stubs.ts's sandboxes link only those): it runs straight from scripts/, its PATH the
// test's own, except where a test takes openssl away.

const SCRIPT = join(SCRIPTS_DIR, "make-private-ca.sh");
const NAME = "h3-pipeline-prod ClickHouse CA";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "make-private-ca-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let next = 0;
/** A fresh working directory. */
const scratch = () => {
  const dir = join(root, `t${next++}`);
  mkdirSync(dir);
  return dir;
};
const run = (args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}) => runProcess(SCRIPT, args, { cwd, env: { LANG: "C", ...env } });
const openssl = (args: readonly string[], cwd: string) => runProcess("openssl", args, { cwd });
const mode = (path: string) => statSync(path).mode & 0o777;

describe.concurrent("scripts/make-private-ca.sh", () => {
  it("--help prints the usage and exits 0, writing nothing", async ({ expect }) => {
    const cwd = scratch();
    for (const flag of ["--help", "-h"]) {
      const r = await run([flag], cwd);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: scripts\/make-private-ca\.sh --name NAME \[--out DIR\] \[--days N\]\n/);
      expect(r.stdout).toContain("--days N");
      expect(r.stderr).toBe("");
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.for([
    [[], "--name is required (see --help)"],
    [["--out", "ca"], "--name is required (see --help)"],
    [["--name"], "--name needs a value"],
    [["--name", "a/b"], "--name must be 1-64 letters, digits, spaces and . _ -"],
    [["--name", "x".repeat(65)], "--name must be 1-64 letters, digits, spaces and . _ -"],
    [["--name", NAME, "--days", "0"], "--days must be a whole number of days, e.g. 3650"],
    [["--name", NAME, "--days", "ten"], "--days must be a whole number of days, e.g. 3650"],
    [["--name", NAME, "--days", "-5"], "--days must be a whole number of days, e.g. 3650"],
    [["--name", NAME, "--days", "100000"], "--days must be a whole number of days, e.g. 3650"],
    [["--name", NAME, "--days"], "--days needs a value"],
    [["--name", NAME, "--out"], "--out needs a value"],
    [["--name", NAME, "--force"], "unknown argument: --force (see --help)"],
    [["extra"], "unknown argument: extra (see --help)"],
  ] as const)("%j exits 2 with a message, writing nothing", async ([args, message], { expect }) => {
    const cwd = scratch();
    const r = await run(args, cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`make-private-ca.sh: ${message}\n`);
    expect(r.stdout).toBe("");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("writes ca.key (mode 0600, EC P-256) and ca.crt (a self-signed CA: basicConstraints CA:TRUE) for --name and --days", async ({ expect }) => {
    const cwd = scratch();
    const r = await run(["--name", NAME, "--out", "out/ca", "--days", "30"], cwd);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`CA "${NAME}" written: out/ca/ca.crt (public), out/ca/ca.key (secret, mode 0600), valid 30 days\n`);
    const dir = join(cwd, "out", "ca");
    expect(readdirSync(dir).sort()).toEqual(["ca.crt", "ca.key"]);
    expect(mode(join(dir, "ca.key"))).toBe(0o600);
    expect(mode(join(dir, "ca.crt"))).toBe(0o644);
    expect(readFileSync(join(dir, "ca.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);

    const [text, verify, certKey, key] = await Promise.all([
      openssl(["x509", "-noout", "-text", "-nameopt", "RFC2253", "-in", "ca.crt"], dir),
      openssl(["verify", "-CAfile", "ca.crt", "ca.crt"], dir),
      openssl(["x509", "-noout", "-pubkey", "-in", "ca.crt"], dir),
      openssl(["pkey", "-pubout", "-in", "ca.key"], dir),
    ]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Subject: CN=${NAME}`);
    expect(text.stdout).toContain(`Issuer: CN=${NAME}`);
    expect(text.stdout).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
    expect(text.stdout).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    expect(text.stdout).toContain("ASN1 OID: prime256v1");
    // --days 30: valid until 30 days from now.
    const notAfter = Date.parse(/Not After : (.+)\n/.exec(text.stdout)![1]!);
    expect(Math.abs(notAfter - (Date.now() + 30 * 86_400_000))).toBeLessThan(3_600_000);
    expect(verify.stdout).toBe("ca.crt: OK\n");
    expect(certKey.stdout).toBe(key.stdout); // the key is the certificate's
  });

  it("writes ./private-ca by default, valid 3650 days", async ({ expect }) => {
    const cwd = scratch();
    const r = await run(["--name", NAME], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(cwd, "private-ca")).sort()).toEqual(["ca.crt", "ca.key"]);
    const end = await openssl(["x509", "-noout", "-enddate", "-in", "private-ca/ca.crt"], cwd);
    const notAfter = Date.parse(end.stdout.replace("notAfter=", "").trim());
    expect(Math.abs(notAfter - (Date.now() + 3650 * 86_400_000))).toBeLessThan(3_600_000);
  });

  it("refuses to overwrite an existing CA (exit 2), leaving its files as they were", async ({ expect }) => {
    const cwd = scratch();
    const first = await run(["--name", NAME, "--out", "ca"], cwd);
    expect(first.status, first.stderr).toBe(0);
    const before = { key: readFileSync(join(cwd, "ca", "ca.key")), crt: readFileSync(join(cwd, "ca", "ca.crt")) };
    const again = await run(["--name", "another CA", "--out", "ca"], cwd);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe("make-private-ca.sh: ca already holds a CA (ca.key or ca.crt): keep it, or move it away to make a new one\n");
    expect(again.stdout).toBe("");
    expect(readFileSync(join(cwd, "ca", "ca.key"))).toEqual(before.key);
    expect(readFileSync(join(cwd, "ca", "ca.crt"))).toEqual(before.crt);
    expect(mode(join(cwd, "ca", "ca.key"))).toBe(0o600);

    // Half a CA (only the certificate left) is refused too.
    mkdirSync(join(cwd, "half"));
    writeFileSync(join(cwd, "half", "ca.crt"), before.crt);
    const half = await run(["--name", NAME, "--out", "half"], cwd);
    expect(half.status).toBe(2);
    expect(readdirSync(join(cwd, "half"))).toEqual(["ca.crt"]);
  });

  it("exits 2 when openssl is not installed, writing nothing", async ({ expect }) => {
    const cwd = scratch();
    // A PATH of bash alone (env finds it there for the shebang).
    const bin = join(cwd, "..", `bin-${next++}`);
    mkdirSync(bin);
    const bash = (process.env.PATH ?? "").split(delimiter).map((d) => join(d, "bash")).find((p) => existsSync(p))!;
    symlinkSync(bash, join(bin, "bash"));
    const r = await run(["--name", NAME, "--out", "ca"], cwd, { PATH: bin });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("make-private-ca.sh: openssl is not installed\n");
    expect(readdirSync(cwd)).toEqual([]);
  });
});
