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

interface FakeOrg {
  name: string;
  createdBy: string;
  /** e-mail → membership */
  members: Map<string, { role: "owner" | "admin" | "member"; isCurrent: boolean }>;
  /** Pending invitations (e-mails). */
  invited: Set<string>;
}

interface SeenRequest {
  method: string;
  url: string;
  path: string;
  /** The e-mail of a sign-in (form field), if any. */
  email?: string;
  forwardedProto?: string;
}

type Outage = "503" | "reset";

interface FakeOpenlit {
  readonly url: string;
  /** By e-mail, lower case (OpenLIT normalises e-mails). */
  readonly users: Map<string, FakeUser>;
  readonly orgs: Map<string, FakeOrg>;
  readonly requests: SeenRequest[];
  /** How the next GET /api/auth/csrf requests fail (consumed one per request); `forever` keeps failing. */
  outages: Outage[];
  forever?: Outage;
  /** Back to a fresh database: the seeded owner (published password) and its default organisation. */
  reset(): void;
}

const DEFAULT_ORG = "cm-default-org-1";

/** The user's organisations as GET /api/organisation lists them (lib/organisation.ts getOrganisationsByUser). */
function orgsOf(fake: FakeOpenlit, email: string) {
  return [...fake.orgs].flatMap(([id, org]) => {
    const m = org.members.get(email);
    return m ? [{ id, name: org.name, slug: id, isCurrent: m.isCurrent, memberCount: org.members.size, createdByUserId: org.createdBy }] : [];
  });
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

/** The invite route's e-mail check (app/api/organisation/[id]/invite/route.ts). */
const INVITE_EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/**
 * A fake OpenLIT 1.24.2 (next-auth 4.24.7) on an ephemeral port, closed when the test finishes.
 * Cookie names as upstream: with `trustHost` (AUTH_TRUST_HOST=true, the default here) NextAuth's handlers name their
 * cookies after the origin detect-origin derives from X-Forwarded-Proto ("http" → plain, anything else or absent →
 * __Secure-/__Host-); without it, after NEXTAUTH_URL. OpenLIT's middleware (getToken) reads only the session cookie
 * NEXTAUTH_URL implies (__Secure- exactly when it starts with https://), so a mismatch is 401 on every API call.
 */
async function fakeOpenlit(ctx: Ctx, opts: { nextauthUrl?: string; trustHost?: boolean } = {}): Promise<FakeOpenlit> {
  const trustHost = opts.trustHost ?? true;
  const nextauthHttps = opts.nextauthUrl?.startsWith("https://") ?? false;
  const middlewareCookie = nextauthHttps ? "__Secure-next-auth.session-token" : "next-auth.session-token";
  /** useSecureCookies of NextAuth's handlers for this request. */
  const handlerSecure = (req: IncomingMessage) => (trustHost ? req.headers["x-forwarded-proto"] !== "http" : nextauthHttps);
  const csrfCookie = (req: IncomingMessage) => (handlerSecure(req) ? "__Host-next-auth.csrf-token" : "next-auth.csrf-token");
  const sessionCookie = (req: IncomingMessage) => (handlerSecure(req) ? "__Secure-next-auth.session-token" : "next-auth.session-token");
  const cookieFlags = (req: IncomingMessage) => `Path=/; HttpOnly; SameSite=Lax${handlerSecure(req) ? "; Secure" : ""}`;
  /** session token → the JWT's contents at sign-in: e-mail and hasCompletedOnboarding */
  const sessions = new Map<string, { email: string; onboarded: boolean }>();
  let base = "";

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
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
    users: new Map(),
    orgs: new Map(),
    requests: [],
    outages: [],
    reset() {
      this.users.clear();
      this.orgs.clear();
      this.users.set(OWNER, { password: PUBLISHED, onboarded: true });
      this.orgs.set(DEFAULT_ORG, { name: "Default Organisation", createdBy: OWNER, members: new Map([[OWNER, { role: "owner", isCurrent: true }]]), invited: new Set() });
    },
  };
  fake.reset();

  const server: Server = createServer(async (req, res) => {
    const raw = (await readBody(req)).toString("utf8");
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const seen: SeenRequest = { method: req.method ?? "", url: req.url ?? "", path, forwardedProto: req.headers["x-forwarded-proto"] as string | undefined };
    fake.requests.push(seen);

    if (req.method === "GET" && path === "/api/auth/csrf") {
      const outage = fake.outages.shift() ?? fake.forever;
      if (outage === "reset") return void req.socket.destroy();
      if (outage === "503") return void res.writeHead(503).end("starting");
      const token = randomBytes(16).toString("hex");
      return json(res, 200, { csrfToken: token }, { "Set-Cookie": `${csrfCookie(req)}=${token}%7C${"f".repeat(64)}; ${cookieFlags(req)}` });
    }

    const callback = path.match(/^\/api\/auth\/callback\/(login|register)$/);
    if (req.method === "POST" && callback) {
      const form = new URLSearchParams(raw);
      const email = (form.get("email") ?? "").toLowerCase().trim(); // getUserByEmail / createNewUser normalise
      const password = form.get("password") ?? "";
      seen.email = form.get("email") ?? "";
      const fail = () => json(res, 200, { url: `${base}/login?error=CredentialsSignin` });
      if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) return fail();
      const cookieToken = decodeURIComponent(cookiesOf(req)[csrfCookie(req)] ?? "").split("|")[0];
      if (!cookieToken || form.get("csrfToken") !== cookieToken) return json(res, 200, { url: `${base}/api/auth/signin?csrf=true` });
      if (form.get("json") !== "true") return fail();
      if (callback[1] === "login") {
        if (fake.users.get(email)?.password !== password) return fail();
      } else {
        if (fake.users.has(email) || !passwordOk(password)) return fail();
        fake.users.set(email, { password, onboarded: false });
        // moveInvitationsToMembership: pending invitations become memberships, not current
        for (const org of fake.orgs.values()) {
          if (org.invited.delete(email)) org.members.set(email, { role: "member", isCurrent: false });
        }
      }
      const session = randomBytes(16).toString("hex");
      sessions.set(session, { email, onboarded: fake.users.get(email)!.onboarded });
      return json(res, 200, { url: base }, { "Set-Cookie": `${sessionCookie(req)}=${session}; ${cookieFlags(req)}` });
    }

    if (!path.startsWith("/api/")) return json(res, 404, { error: "Not found" });
    // middleware chain: check-csrf (state-changing methods), then check-auth (getToken with NEXTAUTH_URL's cookie name)
    if (req.method !== "GET" && !originOk(req)) return json(res, 403, "Forbidden");
    const token = sessions.get(cookiesOf(req)[middlewareCookie] ?? "");
    if (!token) return json(res, 401, { error: "Unauthorized" });
    const onboardingApi =
      (req.method === "GET" && (path === "/api/organisation" || path === "/api/user/profile" || path.startsWith("/api/organisation/"))) ||
      (req.method === "POST" && (path === "/api/organisation" || path === "/api/user/complete-onboarding" || path.startsWith("/api/organisation/")));
    if (!token.onboarded && !onboardingApi) return json(res, 403, { error: "Please complete onboarding first" });
    // the route handlers: getServerSession, cookie named after the request's origin
    const email = sessions.get(cookiesOf(req)[sessionCookie(req)] ?? "")?.email;
    const user = email === undefined ? undefined : fake.users.get(email);
    let body: Record<string, unknown> = {};
    if (req.method === "POST") {
      try {
        body = JSON.parse(raw);
      } catch {
        return json(res, 400, { error: "Invalid JSON" });
      }
    }

    if (req.method === "GET" && path === "/api/user/profile") {
      if (!user || !email) return json(res, 401, "No user loggedin!");
      return json(res, 200, { id: email, email, name: null, hasCompletedOnboarding: user.onboarded });
    }
    if (req.method === "POST" && path === "/api/user/complete-onboarding") {
      if (!user) return json(res, 401, "Unauthorized");
      user.onboarded = true;
      return json(res, 200, { success: true });
    }
    if (req.method === "POST" && path === "/api/user/profile") {
      if (!user) return json(res, 400, { error: "Unauthorized user!" });
      if (body.currentPassword !== user.password) return json(res, 400, { error: "Wrong current password!" });
      if (typeof body.newPassword !== "string" || !passwordOk(body.newPassword)) return json(res, 400, { error: "Password does not meet the requirements" });
      user.password = body.newPassword;
      return json(res, 200, { success: true });
    }
    if (req.method === "GET" && path === "/api/organisation") {
      if (!user || !email) return json(res, 400, { error: "Unauthorized user!", err: "Unauthorized user!" });
      return json(res, 200, orgsOf(fake, email));
    }
    const current = path.match(/^\/api\/organisation\/current\/([^/]+)$/);
    if (req.method === "POST" && current) {
      const org = fake.orgs.get(decodeURIComponent(current[1]!));
      if (!user || !email) return json(res, 400, "Error: Unauthorized user!");
      if (!org?.members.has(email)) return json(res, 400, "Error: You are not a member of this organisation");
      for (const o of fake.orgs.values()) {
        const m = o.members.get(email);
        if (m) m.isCurrent = o === org;
      }
      return json(res, 200, { success: true });
    }
    const invite = path.match(/^\/api\/organisation\/([^/]+)\/invite$/);
    if (req.method === "POST" && invite) {
      const emails = body.emails;
      if (!Array.isArray(emails) || emails.length === 0) return json(res, 400, "At least one email is required");
      const org = fake.orgs.get(decodeURIComponent(invite[1]!));
      const results = emails.map((given: unknown) => {
        const trimmed = typeof given === "string" ? given.trim() : "";
        if (!trimmed) return { email: given, error: "Email cannot be empty", result: null };
        if (!INVITE_EMAIL.test(trimmed)) return { email: trimmed, error: "Invalid email format", result: null };
        const error = (error: string) => ({ email: trimmed, error, result: null });
        if (!user || !email) return error("Unauthorized user!");
        const role = org?.members.get(email)?.role;
        if (!org || (role !== "owner" && role !== "admin")) return error("Only organisation admins or owner can invite new members");
        const normalized = trimmed.toLowerCase();
        if (fake.users.has(normalized)) {
          if (org.members.has(normalized)) return error("User is already a member of this organisation");
          org.members.set(normalized, { role: "member", isCurrent: false });
          return { email: trimmed, error: null, result: { added: true, invited: false } };
        }
        if (org.invited.has(normalized)) return error("User has already been invited to this organisation");
        org.invited.add(normalized);
        return { email: trimmed, error: null, result: { added: false, invited: true } };
      });
      return json(res, results.some((r) => r.error) ? 207 : 200, results);
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
/** The account's membership of the seeded default organisation, if any. */
const membership = (openlit: FakeOpenlit, email: string) => openlit.orgs.get(DEFAULT_ORG)?.members.get(email);
/** Requests that change something (every POST but a login). */
const changes = (openlit: FakeOpenlit) => openlit.requests.filter((r) => r.method !== "GET" && r.path !== "/api/auth/callback/login");

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
    for (const word of ["OPENLIT_URL", "FORWARDED_PROTO", "AWS_REGION", "OWNER_EMAIL", "OWNER_PASSWORD_PARAMETER", "DEMO_EMAILS", "DEMO_PASSWORDS_PARAMETER", "STATE_DIR", "WAIT_SECONDS", "--dry-run", "exit status"]) {
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
    // each demo account: a member of the owner's (seeded) organisation, which is its current one
    for (const email of [A, B]) expect(membership(openlit, email)).toEqual({ role: "member", isCurrent: true });
    expect(membership(openlit, OWNER)).toEqual({ role: "owner", isCurrent: true });
    expect(calls(openlit, `/api/organisation/${DEFAULT_ORG}/invite`)).toHaveLength(2);
    expect(calls(openlit, `/api/organisation/current/${DEFAULT_ORG}`)).toHaveLength(2);
    // X-Forwarded-Proto: http on every request (no header: NextAuth would assume https and name the cookie __Secure-)
    expect(openlit.requests.filter((r) => r.forwardedProto !== "http")).toEqual([]);
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
    expect(changes(openlit)).toEqual([]);
    expect(new Set(openlit.requests.map((r) => r.path))).toEqual(new Set(["/api/auth/csrf", "/api/auth/callback/login", "/api/organisation", "/api/user/profile"]));
    for (const email of [A, B]) expect(membership(openlit, email)).toEqual({ role: "member", isCurrent: true });
    expect(openlit.orgs.get(DEFAULT_ORG)?.invited).toEqual(new Set());
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
    expect(calls(openlit, "/api/user/profile").filter((q) => q.method === "POST")).toHaveLength(2);
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
    openlit.reset();
    const r = await h.run();
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: re-keyed from the published default`, `demo ${A}: created`, `demo ${B}: created`]);
    expect(r.code).toBe(0);
    expect(openlit.users.get(OWNER)?.password).toBe(OWNER_PW);
    expect(openlit.users.get(A)).toEqual({ password: A_PW, onboarded: true });
    for (const email of [A, B]) expect(membership(openlit, email)).toEqual({ role: "member", isCurrent: true });
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

  it("reports a demo account that exists with a password this instance never set, never adds it to the organisation, and still does the others", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    openlit.users.set(A, { password: "Someone3lse", onboarded: true });
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run();
    expect(r.code).toBe(1);
    const errors = lines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`openlit-accounts: demo ${A}: exists with a password this instance never set`);
    expect(errors[0]).toContain("Log in as it and change its password");
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: re-keyed from the published default`, `demo ${B}: created`]);
    expect(openlit.users.get(A)?.password).toBe("Someone3lse");
    // registered before being added: an account whose password this instance does not control never joins
    expect(membership(openlit, A)).toBeUndefined();
    expect(openlit.orgs.get(DEFAULT_ORG)?.invited).toEqual(new Set());
    expect(membership(openlit, B)).toEqual({ role: "member", isCurrent: true });
    expect(h.stateVersion(A)).toBeUndefined();
    expect(h.stateVersion(B)).toBe("1\n");
    expectNoLeak(h, openlit, r);
  });

  it("reports an owner with a password this instance never set, and creates no demo account without its organisation", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    openlit.users.set(OWNER, { password: "S0meone-changed-it", onboarded: true });
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run();
    expect(r.code).toBe(1);
    const errors = lines(r.stderr);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain(`openlit-accounts: owner ${OWNER}: login works neither with ${OWNER_PARAM} version 1 nor with the published default: the account has a password this instance never set. Log in as it and change its password to the value of ${OWNER_PARAM}`);
    expect(errors[0]).toContain("Never delete this user");
    for (const [i, email] of [A, B].entries()) {
      expect(errors[i + 1]).toBe(`openlit-accounts: demo ${email}: not created: it would not be a member of the owner's organisation: the owner account failed (see above)`);
    }
    expect(r.stdout).toBe("");
    expect(openlit.users.get(OWNER)?.password).toBe("S0meone-changed-it");
    expect([...openlit.users.keys()]).toEqual([OWNER]);
    expect(calls(openlit, "/api/user/profile")).toEqual([]);
    expect(h.stateVersion(OWNER)).toBeUndefined();
    expectNoLeak(h, openlit, r);
  });

  it("puts an existing demo account back in the owner's organisation (member, current, onboarded) when it is not", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    expect((await h.run()).code).toBe(0);
    const org = openlit.orgs.get(DEFAULT_ORG)!;
    org.members.delete(A); // e.g. an account made by an earlier version of this script
    org.members.get(B)!.isCurrent = false; // e.g. a run that stopped after registering it
    openlit.users.get(B)!.onboarded = false;
    openlit.requests.length = 0;
    const r = await h.run();
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual([
      `owner ${OWNER}: unchanged`,
      `demo ${A}: unchanged; added to organisation Default Organisation; made organisation Default Organisation its current organisation`,
      `demo ${B}: unchanged; made organisation Default Organisation its current organisation; onboarding completed`,
    ]);
    expect(r.code).toBe(0);
    for (const email of [A, B]) expect(membership(openlit, email)).toEqual({ role: "member", isCurrent: true });
    expect(openlit.users.get(B)?.onboarded).toBe(true);
    expect(calls(openlit, "/api/auth/callback/register")).toEqual([]);

    // an account that chose another current organisation itself keeps it: only membership is put back
    openlit.orgs.set("own-org", { name: "Mine", createdBy: A, members: new Map([[A, { role: "owner", isCurrent: true }]]), invited: new Set() });
    org.members.delete(A);
    const again = await h.run();
    expect(lines(again.stdout)).toEqual([`owner ${OWNER}: unchanged`, `demo ${A}: unchanged; added to organisation Default Organisation`, `demo ${B}: unchanged`]);
    expect(membership(openlit, A)).toEqual({ role: "member", isCurrent: false });
    openlit.requests.length = 0;
    const third = await h.run();
    expect(lines(third.stdout)).toEqual([`owner ${OWNER}: unchanged`, `demo ${A}: unchanged`, `demo ${B}: unchanged`]);
    expect(changes(openlit)).toEqual([]);
    expectNoLeak(h, openlit, third);
  });

  it("compares e-mails in lower case, as OpenLIT stores them", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx);
    const h = host(ctx, openlit, { demoEmails: " A@Example.COM ,b@example.com" });
    h.params(FIRST_BOOT);
    const r = await h.run({ OWNER_EMAIL: "User@OpenLIT.io" });
    expect(r.stderr).toBe("");
    expect(lines(r.stdout)).toEqual([`owner ${OWNER}: re-keyed from the published default`, `demo ${A}: created`, `demo ${B}: created`]);
    expect(calls(openlit, "/api/auth/callback/register").map((q) => q.email)).toEqual([A, B]);
    for (const email of [OWNER, A, B]) expect(h.stateVersion(email)).toBe("1\n"); // hashed in lower case
    expect(readdirSync(h.stateDir)).toHaveLength(3);
    expect(membership(openlit, A)).toEqual({ role: "member", isCurrent: true });
    const again = await h.run({ OWNER_EMAIL: "USER@openlit.io", DEMO_EMAILS: `${A},B@EXAMPLE.com` });
    expect(lines(again.stdout)).toEqual([`owner ${OWNER}: unchanged`, `demo ${A}: unchanged`, `demo ${B}: unchanged`]);

    const dup = await h.run({ DEMO_EMAILS: "a@example.com,b@example.com,A@Example.com" });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toBe("openlit-accounts: DEMO_EMAILS lists a@example.com and A@Example.com: the same account (OpenLIT ignores case in e-mails)\n");
    const owner = await h.run({ DEMO_EMAILS: `USER@OPENLIT.IO,${A}` });
    expect(owner.code).toBe(2);
    expect(owner.stderr).toContain(`DEMO_EMAILS lists the owner ${OWNER}`);
    const bad = await h.run({ DEMO_EMAILS: "é@example.com" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("DEMO_EMAILS has an invalid entry");
    expect(h.awsCalls()).toHaveLength(4);
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

  it("with FORWARDED_PROTO=https works with NextAuth's Secure cookies (NEXTAUTH_URL on https) over the local http port", async (ctx) => {
    const { expect } = ctx;
    const openlit = await fakeOpenlit(ctx, { nextauthUrl: "https://openlit.example.com" });
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run({ FORWARDED_PROTO: "https" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(openlit.requests.filter((q) => q.forwardedProto !== "https")).toEqual([]);
    expect(openlit.users.get(OWNER)?.password).toBe(OWNER_PW);
    expect(openlit.users.get(B)).toEqual({ password: B_PW, onboarded: true });
    for (const email of [A, B]) expect(membership(openlit, email)).toEqual({ role: "member", isCurrent: true });
    const again = await h.run({ FORWARDED_PROTO: "https" });
    expect(lines(again.stdout)).toEqual([`owner ${OWNER}: unchanged`, `demo ${A}: unchanged`, `demo ${B}: unchanged`]);
  });

  it("says what to set when the session cookie does not match what OpenLIT's middleware reads", async (ctx) => {
    const { expect } = ctx;
    // NEXTAUTH_URL on https but FORWARDED_PROTO left at http: a plain cookie, which the middleware does not read
    const openlit = await fakeOpenlit(ctx, { nextauthUrl: "https://openlit.example.com" });
    const h = host(ctx, openlit);
    h.params(FIRST_BOOT);
    const r = await h.run();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`openlit-accounts: owner ${OWNER}: POST /api/user/profile answered HTTP 401`);
    expect(r.stderr).toContain("FORWARDED_PROTO is http; it must be https exactly when OpenLIT's NEXTAUTH_URL is https://");
    expect(openlit.users.get(OWNER)?.password).toBe(PUBLISHED);
    expectNoLeak(h, openlit, r);

    // an OpenLIT that ignores X-Forwarded-Proto (no AUTH_TRUST_HOST)
    const untrusting = await fakeOpenlit(ctx, { nextauthUrl: "https://openlit.example.com", trustHost: false });
    const h2 = host(ctx, untrusting);
    h2.params(FIRST_BOOT);
    const r2 = await h2.run();
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(
      `owner ${OWNER}: OpenLIT set its session cookie as __Secure-next-auth.session-token, not next-auth.session-token as FORWARDED_PROTO=http expects`,
    );
    const bad = await h2.run({ FORWARDED_PROTO: "HTTPS " });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("FORWARDED_PROTO must be http or https");
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
    expect(notFound.stderr).toContain(`openlit-accounts: demo ${A}: not created: it would not be a member of the owner's organisation: the owner account failed (see above)`);
    expect(notFound.stdout).toBe("");
    expect(openlit.users.get(OWNER)?.password).toBe(PUBLISHED);
  });
});
