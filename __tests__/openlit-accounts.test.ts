/**
 * templates/openlit/openlit-accounts.py (installed on the host as /usr/local/sbin/openlit-accounts), run with the
 * real python3 against a fake OpenLIT (node:http: NextAuth's csrf/login/register endpoints, the profile and
 * onboarding APIs with their Origin check and password rule, users in memory, seeded with the published
 * user@openlit.io / openlituser) and a stub `aws` first on PATH that serves SSM parameter versions from a JSON file
 * and records its argv and environment. Waiting runs on the script's virtual clock (ACCOUNTS_VIRTUAL_CLOCK): no
 * test depends on wall-clock time.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import type { TestContext } from "vitest";

type Ctx = Pick<TestContext, "onTestFinished">;

const SCRIPT = resolve(import.meta.dirname, "..", "templates", "openlit", "openlit-accounts.py");
/**
 * The interpreter (OPENLIT_ACCOUNTS_PYTHON=python3.9 checks the version Amazon Linux 2023 ships), by its real path:
 * a version manager's `python3` shim would put its own bin directory, which may hold a real `aws`, first on PATH.
 */
const PYTHON = execFileSync(process.env.OPENLIT_ACCOUNTS_PYTHON ?? "python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();

const OWNER = "user@openlit.io";
const PUBLISHED = "openlituser";
const OWNER_PARAM = "/openlit/test/owner-password";
const DEMO_PARAM = "/openlit/test/demo-passwords";
const A = "a@example.com";
const B = "b@example.com";

/** Passwords with the characters shells, URLs, forms and JSON care about (never a comma: it separates demo passwords). */
const OWNER_PW = `Own3r $HOME pa&ss;word "dq" 'sq' é`;
const A_PW = `D€mo-1 $(id) & ; 'x' "y" ü`;
const B_PW = "Tw0+%20=%26\\`back` ñ 字 🔑";

// --- Fake OpenLIT --------------------------------------------------------------------------------------------

/** OpenLIT's createNewUser rule: 8-128 characters (UTF-16 code units), an upper-case letter, a lower-case letter, a digit. */
function passwordOk(p: string): boolean {
  return p.length >= 8 && p.length <= 128 && /[A-Z]/.test(p) && /[a-z]/.test(p) && /\d/.test(p);
}

interface FakeUser {
  password: string;
  onboarded: boolean;
}

interface SeenRequest {
  method: string;
  url: string;
  path: string;
  /** The e-mail of a sign-in (form field), if any. */
  email?: string;
}

type Outage = "503" | "reset";

interface FakeOpenlit {
  readonly url: string;
  readonly users: Map<string, FakeUser>;
  readonly requests: SeenRequest[];
  /** How the next GET /api/auth/csrf requests fail (consumed one per request); `forever` keeps failing. */
  outages: Outage[];
  forever?: Outage;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => resolveBody(Buffer.concat(chunks)));
  });
}

function cookiesOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** A fake OpenLIT 1.24.2 on an ephemeral port, closed when the test finishes. `secure`: cookies as with an https NEXTAUTH_URL. */
async function fakeOpenlit(ctx: Ctx, opts: { secure?: boolean } = {}): Promise<FakeOpenlit> {
  const csrfCookie = opts.secure ? "__Host-next-auth.csrf-token" : "next-auth.csrf-token";
  const sessionCookie = opts.secure ? "__Secure-next-auth.session-token" : "next-auth.session-token";
  const cookieFlags = `Path=/; HttpOnly; SameSite=Lax${opts.secure ? "; Secure" : ""}`;
  const sessions = new Map<string, string>();
  let base = "";

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
  const sessionUser = (req: IncomingMessage) => sessions.get(cookiesOf(req)[sessionCookie] ?? "");
  // OpenLIT's CSRF check for its APIs: an Origin header whose host is the Host header.
  const originOk = (req: IncomingMessage) => {
    try {
      return new URL(String(req.headers.origin)).host === req.headers.host;
    } catch {
      return false;
    }
  };

  const fake: FakeOpenlit = {
    url: "",
    users: new Map([[OWNER, { password: PUBLISHED, onboarded: true }]]),
    requests: [],
    outages: [],
  };

  const server: Server = createServer(async (req, res) => {
    const raw = (await readBody(req)).toString("utf8");
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const seen: SeenRequest = { method: req.method ?? "", url: req.url ?? "", path };
    fake.requests.push(seen);

    if (req.method === "GET" && path === "/api/auth/csrf") {
      const outage = fake.outages.shift() ?? fake.forever;
      if (outage === "reset") return void req.socket.destroy();
      if (outage === "503") return void res.writeHead(503).end("starting");
      const token = randomBytes(16).toString("hex");
      return json(res, 200, { csrfToken: token }, { "Set-Cookie": `${csrfCookie}=${token}%7C${"f".repeat(64)}; ${cookieFlags}` });
    }

    const callback = path.match(/^\/api\/auth\/callback\/(login|register)$/);
    if (req.method === "POST" && callback) {
      const form = new URLSearchParams(raw);
      const email = form.get("email") ?? "";
      const password = form.get("password") ?? "";
      seen.email = email;
      const fail = () => json(res, 200, { url: `${base}/login?error=CredentialsSignin` });
      if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) return fail();
      const cookieToken = decodeURIComponent(cookiesOf(req)[csrfCookie] ?? "").split("|")[0];
      if (!cookieToken || form.get("csrfToken") !== cookieToken) return json(res, 200, { url: `${base}/api/auth/signin?csrf=true` });
      if (form.get("json") !== "true") return fail();
      if (callback[1] === "login") {
        if (fake.users.get(email)?.password !== password) return fail();
      } else {
        if (fake.users.has(email) || !passwordOk(password)) return fail();
        fake.users.set(email, { password, onboarded: false });
      }
      const session = randomBytes(16).toString("hex");
      sessions.set(session, email);
      return json(res, 200, { url: base }, { "Set-Cookie": `${sessionCookie}=${session}; ${cookieFlags}` });
    }

    if (req.method === "POST" && (path === "/api/user/profile" || path === "/api/user/complete-onboarding")) {
      const email = sessionUser(req);
      const user = email === undefined ? undefined : fake.users.get(email);
      if (!user) return json(res, 401, { error: "Unauthorized" });
      if (!originOk(req)) return json(res, 403, { error: "Invalid origin" });
      if (path === "/api/user/complete-onboarding") {
        user.onboarded = true;
        return json(res, 200, { success: true });
      }
      let body: { currentPassword?: unknown; newPassword?: unknown };
      try {
        body = JSON.parse(raw);
      } catch {
        return json(res, 400, { error: "Invalid JSON" });
      }
      if (body.currentPassword !== user.password) return json(res, 400, { error: "Current password is incorrect" });
      if (typeof body.newPassword !== "string" || !passwordOk(body.newPassword)) return json(res, 400, { error: "Password does not meet the requirements" });
      user.password = body.newPassword;
      return json(res, 200, { success: true });
    }
    return json(res, 404, { error: "Not found" });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  (fake as { url: string }).url = base;
  ctx.onTestFinished(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return fake;
}

// --- The host: stub aws, state dir, virtual clock ------------------------------------------------------------

/**
 * The stub `aws`: records argv and environment, answers `ssm get-parameter` from params.json (name → history, version 1
 * first). Run by the real interpreter without site packages: a version manager's shim would take ~100 ms a call.
 */
const AWS_STUB = `#!${PYTHON} -S\n` + String.raw`
import json, os, sys
d = os.environ["AWS_STUB_DIR"]
args = sys.argv[1:]
with open(os.path.join(d, "aws-calls.jsonl"), "a", encoding="utf-8") as f:
    f.write(json.dumps({"argv": args, "env": dict(os.environ)}) + "\n")
def opt(n):
    return args[args.index(n) + 1] if n in args and args.index(n) + 1 < len(args) else None
if args[:2] != ["ssm", "get-parameter"] or "--with-decryption" not in args or not opt("--region") \
        or opt("--query") != "Parameter.[Value,Version]" or opt("--output") != "json":
    sys.stderr.write("aws stub: unexpected call\n")
    sys.exit(252)
name, version = opt("--name"), None
if ":" in name:
    name, v = name.rsplit(":", 1)
    version = int(v)
with open(os.path.join(d, "params.json"), encoding="utf-8") as f:
    history = json.load(f).get(name)
if not history or (version is not None and not 1 <= version <= len(history)):
    sys.stderr.write("\nAn error occurred (ParameterNotFound) when calling the GetParameter operation: \n")
    sys.exit(254)
version = version or len(history)
sys.stdout.buffer.write(json.dumps([history[version - 1], version], indent=4, ensure_ascii=False).encode("utf-8") + b"\n")
`;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface AwsCall {
  argv: string[];
  env: Record<string, string>;
}

interface Host {
  readonly root: string;
  readonly stateDir: string;
  /** SSM parameters: name → values of versions 1, 2, … */
  params(p: Record<string, string[]>): void;
  run(env?: Record<string, string | undefined>, args?: string[]): Promise<RunResult>;
  awsCalls(): AwsCall[];
  /** The virtual sleeps so far, in seconds. */
  sleeps(): number[];
  stateVersion(email: string): string | undefined;
  /** Every password in params.json (each version, each comma-separated entry): none may leak. */
  secrets(): string[];
}

function host(ctx: Ctx, openlit: FakeOpenlit, base: { demoEmails?: string } = {}): Host {
  const root = mkdtempSync(join(tmpdir(), "openlit-accounts-"));
  ctx.onTestFinished(() => rm(root, { recursive: true, force: true }));
  const bin = join(root, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "aws"), AWS_STUB);
  chmodSync(join(bin, "aws"), 0o755);
  const stateDir = join(root, "state");
  const clock = join(root, "sleeps");
  writeFileSync(join(root, "aws-calls.jsonl"), "");
  let params: Record<string, string[]> = {};
  const readLines = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : []);

  return {
    root,
    stateDir,
    params(p) {
      params = p;
      writeFileSync(join(root, "params.json"), JSON.stringify(p));
    },
    run(env = {}, args = []) {
      const full: Record<string, string> = {
        // No LANG: systemd gives the service none.
        PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
        AWS_STUB_DIR: root,
        ACCOUNTS_VIRTUAL_CLOCK: clock,
        OPENLIT_URL: openlit.url,
        AWS_REGION: "eu-west-1",
        OWNER_PASSWORD_PARAMETER: OWNER_PARAM,
        DEMO_EMAILS: base.demoEmails ?? `${A},${B}`,
        DEMO_PASSWORDS_PARAMETER: DEMO_PARAM,
        STATE_DIR: stateDir,
      };
      for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete full[k];
        else full[k] = v;
      }
      return new Promise((resolveRun, reject) => {
        const child = spawn(PYTHON, [SCRIPT, ...args], { env: full, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolveRun({ code, stdout, stderr });
        });
      });
    },
    awsCalls: () => readLines(join(root, "aws-calls.jsonl")).map((l) => JSON.parse(l) as AwsCall),
    sleeps: () => readLines(clock).map(Number),
    stateVersion(email) {
      const f = join(stateDir, `${createHash("sha256").update(email).digest("hex")}.version`);
      return existsSync(f) ? readFileSync(f, "utf8") : undefined;
    },
    secrets: () => Object.values(params).flatMap((versions) => versions.flatMap((v) => [v, ...v.split(",")])).filter((s) => s !== PUBLISHED && s.length > 0),
  };
}

/** No password in the output, the state dir (names and contents), any aws argv or environment, or any URL OpenLIT saw. */
function expectNoLeak(h: Host, openlit: FakeOpenlit, result: RunResult): void {
  const places: [string, string][] = [
    ["stdout", result.stdout],
    ["stderr", result.stderr],
    ["request URLs", openlit.requests.map((r) => r.url).join("\n")],
  ];
  for (const call of h.awsCalls()) places.push(["aws argv", call.argv.join("\n")], ["aws environment", JSON.stringify(call.env)]);
  if (existsSync(h.stateDir)) {
    for (const f of readdirSync(h.stateDir)) places.push([`state file ${f}`, `${f}\n${readFileSync(join(h.stateDir, f), "utf8")}`]);
  }
  if (h.secrets().length === 0) throw new Error("no passwords to look for");
  for (const secret of h.secrets()) {
    for (const [where, text] of places) {
      if (text.includes(secret)) throw new Error(`a password leaked into ${where}`);
    }
  }
}

const lines = (text: string) => text.split("\n").filter(Boolean);
const calls = (openlit: FakeOpenlit, path: string) => openlit.requests.filter((r) => r.path === path);

const FIRST_BOOT = { [OWNER_PARAM]: [OWNER_PW], [DEMO_PARAM]: [`${A_PW},${B_PW}`] };

describe.concurrent("openlit-accounts", () => {
  it("is Python 3.9 syntax and explains itself with --help", async (ctx) => {
    const { expect } = ctx;
    const check = await new Promise<number | null>((r) =>
      spawn(PYTHON, ["-c", "import ast,sys; ast.parse(open(sys.argv[1], encoding='utf-8').read(), feature_version=(3, 9))", SCRIPT], { stdio: "inherit" }).on("close", r),
    );
    expect(check).toBe(0);
    const h = host(ctx, await fakeOpenlit(ctx));
    const help = await h.run({}, ["--help"]);
    expect(help.code).toBe(0);
    for (const word of ["OPENLIT_URL", "AWS_REGION", "OWNER_EMAIL", "OWNER_PASSWORD_PARAMETER", "DEMO_EMAILS", "DEMO_PASSWORDS_PARAMETER", "STATE_DIR", "WAIT_SECONDS", "--dry-run", "exit status"]) {
      expect(help.stdout).toContain(word);
    }
    expect(h.awsCalls()).toEqual([]);
  });

  it("first boot: re-keys the owner from the published default and creates the demo accounts, onboarded; a second run changes nothing", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);

    const first = await h.run();
    expect(first.stderr).toBe("");
    expect(lines(first.stdout)).toEqual([`owner ${OWNER}: re-keyed from the published default`, `demo ${A}: created`, `demo ${B}: created`]);
    expect(first.code).toBe(0);
    // $, spaces, &, ;, quotes, backslash, %, +, = and non-ASCII arrive intact
    expect(openlit.users.get(OWNER)).toEqual({ password: OWNER_PW, onboarded: true });
    expect(openlit.users.get(A)).toEqual({ password: A_PW, onboarded: true });
    expect(openlit.users.get(B)).toEqual({ password: B_PW, onboarded: true });
    expect(calls(openlit, "/api/user/profile")).toHaveLength(1);
    expect(calls(openlit, "/api/auth/callback/register").map((r) => r.email)).toEqual([A, B]);
    expect(calls(openlit, "/api/user/complete-onboarding")).toHaveLength(2);
    // state: the version applied, per account; dir 0700, files 0600
    for (const email of [OWNER, A, B]) expect(h.stateVersion(email)).toBe("1\n");
    expect(readdirSync(h.stateDir)).toHaveLength(3);
    expect(statSync(h.stateDir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(h.stateDir)) expect(statSync(join(h.stateDir, f)).mode & 0o777).toBe(0o600);
    // secrets through pipes only: two reads, nothing secret in argv or environment
    expect(h.awsCalls().map((c) => c.argv)).toEqual([
      ["ssm", "get-parameter", "--region", "eu-west-1", "--name", OWNER_PARAM, "--with-decryption", "--query", "Parameter.[Value,Version]", "--output", "json"],
      ["ssm", "get-parameter", "--region", "eu-west-1", "--name", DEMO_PARAM, "--with-decryption", "--query", "Parameter.[Value,Version]", "--output", "json"],
    ]);
    expectNoLeak(h, openlit, first);

    openlit.requests.length = 0;
    const second = await h.run();
    expect(second.stderr).toBe("");
    expect(lines(second.stdout)).toEqual([`owner ${OWNER}: unchanged`, `demo ${A}: unchanged`, `demo ${B}: unchanged`]);
    expect(second.code).toBe(0);
    expect(openlit.requests.map((r) => r.path).filter((p) => !p.startsWith("/api/auth/csrf") && p !== "/api/auth/callback/login")).toEqual([]);
    expect(h.awsCalls()).toHaveLength(4);
    expect(h.sleeps()).toEqual([]);
    expectNoLeak(h, openlit, second);
  });

  it("applies rotated passwords (a new parameter version) by logging in with the previous version's", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    expect((await h.run()).code).toBe(0);

    const ownerNew = "N3w owner 'pass' \"word\" $x;&ö";
    const bNew = `B-rotated-2 ; & $1 "é"`;
    h.params({ [OWNER_PARAM]: [OWNER_PW, ownerNew], [DEMO_PARAM]: [`${A_PW},${B_PW}`, `${A_PW},${bNew}`] });
    openlit.requests.length = 0;
    const rotated = await h.run();
    expect(rotated.stderr).toBe("");
    expect(lines(rotated.stdout)).toEqual([`owner ${OWNER}: password updated`, `demo ${A}: unchanged`, `demo ${B}: password updated`]);
    expect(rotated.code).toBe(0);
    expect(openlit.users.get(OWNER)?.password).toBe(ownerNew);
    expect(openlit.users.get(A)?.password).toBe(A_PW);
    expect(openlit.users.get(B)?.password).toBe(bNew);
    expect(calls(openlit, "/api/user/profile")).toHaveLength(2);
    expect(calls(openlit, "/api/auth/callback/register")).toEqual([]);
    // the previous versions, by NAME:VERSION
    const names = h.awsCalls().slice(2).map((c) => c.argv[c.argv.indexOf("--name") + 1]);
    expect(names).toEqual([OWNER_PARAM, DEMO_PARAM, `${OWNER_PARAM}:1`, `${DEMO_PARAM}:1`]);
    for (const email of [OWNER, A, B]) expect(h.stateVersion(email)).toBe("2\n");
    expectNoLeak(h, openlit, rotated);

    const again = await h.run();
    expect(lines(again.stdout)).toEqual([`owner ${OWNER}: unchanged`, `demo ${A}: unchanged`, `demo ${B}: unchanged`]);
  });

  it("finds the previous password when a rotation also removed an e-mail before it (positions shifted)", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    expect((await h.run()).code).toBe(0);
    const bNew = "Only-B-now-3 é";
    h.params({ [OWNER_PARAM]: [OWNER_PW], [DEMO_PARAM]: [`${A_PW},${B_PW}`, bNew] });
    const r = await h.run({ DEMO_EMAILS: B });
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: unchanged`, `demo ${B}: password updated`]);
    expect(openlit.users.get(B)?.password).toBe(bNew);
    expect(h.stateVersion(B)).toBe("2\n");
    expectNoLeak(h, openlit, r);
  });

  it("re-keys again when OpenLIT's data was reset (owner back to the published default, demo accounts gone) though the state says done", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    expect((await h.run()).code).toBe(0);
    openlit.users.clear();
    openlit.users.set(OWNER, { password: PUBLISHED, onboarded: true });
    const r = await h.run();
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: re-keyed from the published default`, `demo ${A}: created`, `demo ${B}: created`]);
    expect(r.code).toBe(0);
    expect(openlit.users.get(OWNER)?.password).toBe(OWNER_PW);
    expect(openlit.users.get(A)).toEqual({ password: A_PW, onboarded: true });
    expectNoLeak(h, openlit, r);
  });

  it("refuses a password that breaks OpenLIT's rule, naming the account and sending nothing for it", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params({ [OWNER_PARAM]: [OWNER_PW], [DEMO_PARAM]: [`${A_PW},ab12cd`] });
    const r = await h.run();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `demo ${B}: its password (${DEMO_PARAM} version 1, entry 2) breaks OpenLIT's password rule: it is shorter than 8 characters, has no upper-case letter (A-Z). Nothing was sent to OpenLIT for this account`,
    );
    expect(lines(r.stderr)).toHaveLength(1);
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: re-keyed from the published default`, `demo ${A}: created`]);
    expect(openlit.requests.filter((q) => q.email === B)).toEqual([]);
    expect(openlit.users.has(B)).toBe(false);
    expect(h.stateVersion(B)).toBeUndefined();
    expectNoLeak(h, openlit, r);
  });

  it("refuses an owner password that breaks the rule and leaves the owner alone", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit, { demoEmails: "" });
    h.params({ [OWNER_PARAM]: ["alllowercase-and-long-enough-1"] });
    const r = await h.run({ DEMO_PASSWORDS_PARAMETER: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`owner ${OWNER}: its password (${OWNER_PARAM} version 1) breaks OpenLIT's password rule: it has no upper-case letter (A-Z)`);
    expect(r.stdout).toBe("");
    expect(openlit.requests).toEqual([]); // nothing to do: OpenLIT is not even asked
    expectNoLeak(h, openlit, r);
  });

  it("reports an account that exists with a password this instance never set, and still does the others", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    openlit.users.set(OWNER, { password: "S0meone-changed-it", onboarded: true });
    openlit.users.set(A, { password: "Someone3lse", onboarded: true });
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run();
    expect(r.code).toBe(1);
    const errors = lines(r.stderr);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain(`openlit-accounts: owner ${OWNER}: login works neither with ${OWNER_PARAM} version 1 nor with the published default: the account has a password this instance never set. Log in as it and change its password to the value of ${OWNER_PARAM}`);
    expect(errors[0]).toContain("Never delete this user");
    expect(errors[1]).toContain(`openlit-accounts: demo ${A}: exists with a password this instance never set`);
    expect(errors[1]).toContain("Log in as it and change its password");
    expect(lines(r.stdout)).toEqual([`demo ${B}: created`]);
    expect(openlit.users.get(OWNER)?.password).toBe("S0meone-changed-it");
    expect(openlit.users.get(A)?.password).toBe("Someone3lse");
    expect(calls(openlit, "/api/user/profile")).toEqual([]);
    expect(h.stateVersion(OWNER)).toBeUndefined();
    expect(h.stateVersion(A)).toBeUndefined();
    expect(h.stateVersion(B)).toBe("1\n");
    expectNoLeak(h, openlit, r);
  });

  it("fails the demo accounts when the password count differs from the e-mail count, and still re-keys the owner", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params({ [OWNER_PARAM]: [OWNER_PW], [DEMO_PARAM]: [A_PW] });
    const r = await h.run();
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `openlit-accounts: demo ${A}: DEMO_EMAILS has 2 e-mails but ${DEMO_PARAM} version 1 holds 1 comma-separated passwords: give one password per e-mail, in the same order`,
      `openlit-accounts: demo ${B}: DEMO_EMAILS has 2 e-mails but ${DEMO_PARAM} version 1 holds 1 comma-separated passwords: give one password per e-mail, in the same order`,
    ]);
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: re-keyed from the published default`]);
    expect(calls(openlit, "/api/auth/callback/register")).toEqual([]);
    expectNoLeak(h, openlit, r);
  });

  it("waits for OpenLIT to answer (virtual 5 s sleeps), then proceeds", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    openlit.outages = ["reset", "503", "reset", "503"];
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run();
    expect(r.code).toBe(0);
    expect(h.sleeps()).toEqual([5, 5, 5, 5]);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^openlit-accounts: waiting up to 600 s for OpenLIT at http:\/\/127\.0\.0\.1:\d+ \(GET \/api\/auth\/csrf: /)]);
    expect(lines(r.stdout)).toHaveLength(3);
    expectNoLeak(h, openlit, r);
  });

  it("gives up after WAIT_SECONDS of virtual time with a clear message, changing nothing", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    openlit.forever = "503";
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run({ WAIT_SECONDS: "22" });
    expect(r.code).toBe(3);
    expect(h.sleeps()).toEqual([5, 5, 5, 5, 2]);
    expect(r.stderr).toContain(`OpenLIT at ${openlit.url} did not answer GET /api/auth/csrf with HTTP 200 within 22 s (6 attempts, last: HTTP 503)`);
    expect(r.stdout).toBe("");
    expect(calls(openlit, "/api/auth/csrf")).toHaveLength(6);
    expect(openlit.requests.filter((q) => q.path !== "/api/auth/csrf")).toEqual([]);
    expect(readdirSync(h.stateDir)).toEqual([]);
    expectNoLeak(h, openlit, r);
  });

  it("--dry-run says what it would do and changes nothing", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run({}, ["--dry-run"]);
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: would re-key from the published default`, `demo ${A}: would create`, `demo ${B}: would create`]);
    expect(r.code).toBe(0);
    expect(openlit.users.get(OWNER)?.password).toBe(PUBLISHED);
    expect([...openlit.users.keys()]).toEqual([OWNER]);
    expect(openlit.requests.filter((q) => q.method === "POST" && !q.path.startsWith("/api/auth/callback/login"))).toEqual([]);
    expect(existsSync(h.stateDir)).toBe(false);
    expectNoLeak(h, openlit, r);
  });

  it("works with NextAuth's Secure cookies (NEXTAUTH_URL on https) over the local http port", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx, { secure: true });
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(openlit.users.get(OWNER)?.password).toBe(OWNER_PW);
    expect(openlit.users.get(B)).toEqual({ password: B_PW, onboarded: true });
  });

  it("exits 2 on a configuration error and 1 when SSM cannot be read, saying which", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const missing = await h.run({ OPENLIT_URL: undefined, AWS_REGION: "" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("openlit-accounts: set OPENLIT_URL, AWS_REGION in the environment (see --help)\n");
    const badWait = await h.run({ WAIT_SECONDS: "ten" });
    expect(badWait.code).toBe(2);
    expect(badWait.stderr).toContain("WAIT_SECONDS must be a whole number");
    expect(h.awsCalls()).toEqual([]);

    const notFound = await h.run({ OWNER_PASSWORD_PARAMETER: "/nope" });
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toContain(`openlit-accounts: owner ${OWNER}: cannot read SSM parameter /nope: An error occurred (ParameterNotFound)`);
    expect(lines(notFound.stdout)).toEqual([`demo ${A}: created`, `demo ${B}: created`]);
    expect(openlit.users.get(OWNER)?.password).toBe(PUBLISHED);
  });
});
