import { createServer as createHttpServer, IncomingMessage, Server } from "node:http";
import { createServer as createTcpServer, AddressInfo, Server as TcpServer } from "node:net";
import type { TestContext } from "vitest";
import { announcedDelays, bodies, cdkTfJson, Sandbox, sleeps, testSandbox } from "./stubs.js";

type Ctx = Pick<TestContext, "onTestFinished">;

/** A local stand-in for a host with a web UI, an OTLP/HTTP endpoint and a TCP-only port, each on an ephemeral port. */
interface FakeHost {
  uiPort: number;
  otlpPort: number;
  grpcPort: number;
  traces: { contentType?: string; body: string }[];
  uiRequests: number;
  close(): Promise<void>;
}

/**
 * Ports handed out by closedPort(). The tests run concurrently, so a fake server listening on an ephemeral port
 * must never land on one of them (or that "closed" port would answer); listen() picks another port if it does.
 */
const closedPorts = new Set<number>();

function listenOnce(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}
async function listen(server: Server | TcpServer): Promise<number> {
  let port = await listenOnce(server);
  while (closedPorts.has(port)) {
    await close(server);
    port = await listenOnce(server);
  }
  return port;
}
function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ("closeAllConnections" in server) server.closeAllConnections();
  });
}
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => resolve(data));
  });
}

/** A fake host, closed when the test finishes. */
async function fakeHost(ctx: Ctx, opts: { uiFailures?: number; otlpStatus?: number } = {}): Promise<FakeHost> {
  const state = { traces: [] as { contentType?: string; body: string }[], uiRequests: 0 };
  const ui = createHttpServer((req, res) => {
    state.uiRequests++;
    if (state.uiRequests <= (opts.uiFailures ?? 0)) {
      res.writeHead(503).end("starting");
      return;
    }
    res.writeHead(req.url === "/" ? 307 : 200, { Location: "/login" }).end();
  });
  const otlp = createHttpServer(async (req, res) => {
    const raw = await readBody(req);
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      res.writeHead(404).end();
      return;
    }
    state.traces.push({ contentType: req.headers["content-type"], body: raw });
    res.writeHead(opts.otlpStatus ?? 200, { "Content-Type": "application/json" }).end('{"partialSuccess":{}}');
  });
  // Accepts, then closes, like a gRPC server given an HTTP/1.1 request.
  const grpc = createTcpServer((socket) => socket.destroy());
  const closeAll = async () => {
    await Promise.all([ui, otlp, grpc].map((s) => (s.listening ? close(s) : undefined)));
  };
  ctx.onTestFinished(closeAll);
  const [uiPort, otlpPort, grpcPort] = await Promise.all([listen(ui), listen(otlp), listen(grpc)]);
  return {
    uiPort,
    otlpPort,
    grpcPort,
    get traces() {
      return state.traces;
    },
    get uiRequests() {
      return state.uiRequests;
    },
    close: closeAll,
  };
}

/** A port nothing listens on (and, in this file, nothing will: see closedPorts). */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  closedPorts.add(port);
  await close(s);
  return port;
}


/** The OTLP test span: it comes from the stack's checks, so the test writes it inline. */
const SPAN = JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "ops-health-check" } }] },
    scopeSpans: [{ scope: { name: "health-check" }, spans: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "health-check", kind: 1, startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000001000000" }] }],
  }],
});

interface Check { name?: unknown; protocol?: unknown; port?: unknown; [k: string]: unknown }
/** The checks of a fake host, as a stack would list them in its health_checks output. */
function checksFor(f: { uiPort: number; otlpPort: number; grpcPort: number }): Check[] {
  return [
    { name: "ui", protocol: "http", port: f.uiPort, path: "/" },
    { name: "otlp-http", protocol: "http", port: f.otlpPort, path: "/v1/traces", method: "POST", content_type: "application/json", body: SPAN },
    { name: "otlp-grpc", protocol: "tcp", port: f.grpcPort },
  ];
}
/** Exactly how the Terraform health gate calls the script. */
const gateArgs = (host: string, checks: Check[], timeout: number, interval: number | string) =>
  ["--host", host, "--checks", JSON.stringify(checks), "--timeout", `${timeout}`, "--interval", `${interval}`];

// Every test has its own sandbox (stub log) and fake servers, so the tests run concurrently. `sleep` is a stub that
// returns at once and records its argument: the back-off tests assert the schedule of delays, which depends on the
// options only (the wall-clock deadline is far beyond what a run takes), never how many attempts fit into some time.
describe.concurrent("health-check.sh --host --checks against local servers (real curl)", () => {
  const realCurl = (ctx: Ctx) => testSandbox(ctx, { realTools: ["curl"], stubs: { terraform: "exit 99", sleep: "" } });

  it("passes on HTTP 2xx/3xx and an accepted TCP connection, posting the check's body as is", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeHost({ onTestFinished });
    const r = await sb.run("health-check.sh", gateArgs("127.0.0.1", checksFor(fake), 0, 5));
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^PASS\s+ui\s+GET http:\/\/127\.0\.0\.1:\d+\/\s+HTTP 307$/);
    expect(lines[1]).toMatch(/^PASS\s+otlp-http\s+POST http:\/\/127\.0\.0\.1:\d+\/v1\/traces\s+HTTP 200$/);
    expect(lines[2]).toMatch(/^PASS\s+otlp-grpc\s+127\.0\.0\.1:\d+ \(tcp\)\s+TCP connection accepted$/);
    expect(lines[3]).toMatch(/^healthy: 3\/3 checks passed for 127\.0\.0\.1 \(1 attempt\(s\), \d+s\)$/);
    expect(fake.traces).toEqual([{ contentType: "application/json", body: SPAN }]);
    expect(sleeps(sb)).toEqual([]);
  });

  it("sends a body starting with @ literally (never as a file name)", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeHost({ onTestFinished });
    const checks = [{ name: "ingest", protocol: "http", port: fake.otlpPort, path: "/v1/traces", method: "post", body: "@/etc/hostname" }];
    const r = await sb.run("health-check.sh", gateArgs("127.0.0.1", checks, 0, 5));
    expect(r.code).toBe(0);
    expect(fake.traces.map((t) => t.body)).toEqual(["@/etc/hostname"]);
  });

  it("retries with the announced back-off (doubled, capped by --max-interval) until the UI comes up", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeHost({ onTestFinished }, { uiFailures: 5 });
    const r = await sb.run("health-check.sh", [...gateArgs("127.0.0.1", checksFor(fake), 600, 0.1), "--max-interval", "0.4"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("(6 attempt(s)");
    expect(r.stderr).toMatch(/attempt 1: not healthy yet \(ui: HTTP 503\); retrying in 0\.100s/);
    const schedule = ["0.100", "0.200", "0.400", "0.400", "0.400"];
    expect(announcedDelays(r.stderr)).toEqual(schedule);
    expect(sleeps(sb)).toEqual(schedule);
    expect(fake.uiRequests).toBe(6);
  });

  it("gives up at --timeout when nothing listens: the last delay is what is left of the timeout", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const port = await closedPort();
    const checks = [{ name: "web", protocol: "http", port }, { name: "raw", protocol: "tcp", port }];
    const r = await sb.run("health-check.sh", [...gateArgs("127.0.0.1", checks, 10, 2), "--max-interval", "4"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+web\s+.*connection refused/m);
    expect(r.stdout).toMatch(/unhealthy: 0\/2 checks passed for 127\.0\.0\.1 after 4 attempt\(s\) in \d+s \(timeout 10s\); failing: web, raw$/m);
    expect(announcedDelays(r.stderr)).toEqual(["2.000", "4.000", "4.000"]);
    expect(sleeps(sb)).toEqual(["2.000", "4.000", "4.000"]);
  });

  it("--json prints one machine-readable object", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeHost({ onTestFinished });
    const r = await sb.run("health-check.sh", [...gateArgs("127.0.0.1", checksFor(fake), 0, 5), "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ host: "127.0.0.1", stack: null, healthy: true, passed: 3, total: 3, attempts: 1, timeout_seconds: 0 });
    expect(out.checks.map((c: any) => [c.name, c.protocol, c.ok])).toEqual([
      ["ui", "http", true],
      ["otlp-http", "http", true],
      ["otlp-grpc", "tcp", true],
    ]);
  });

  it("fails on a closed port, naming the failing check (text and JSON)", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeHost({ onTestFinished });
    const checks = checksFor({ ...fake, grpcPort: await closedPort() });
    const r = await sb.run("health-check.sh", gateArgs("127.0.0.1", checks, 0, 5));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+otlp-grpc\s+.*connection refused/m);
    expect(r.stdout).toMatch(/unhealthy: 2\/3 checks passed .* failing: otlp-grpc$/m);

    const j = await sb.run("health-check.sh", [...gateArgs("127.0.0.1", checks, 0, 5), "--json"]);
    expect(j.code).toBe(1);
    const out = JSON.parse(j.stdout);
    expect(out.healthy).toBe(false);
    expect(out.checks.filter((c: any) => !c.ok).map((c: any) => c.name)).toEqual(["otlp-grpc"]);
  });

  it("speaks TLS for an https check: against a plain-HTTP port the handshake fails", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeHost({ onTestFinished });
    const ui = checksFor(fake)[0]!;
    const r = await sb.run("health-check.sh", gateArgs("127.0.0.1", [{ ...ui, protocol: "https" }], 0, 5));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+ui\s+GET https:\/\/127\.0\.0\.1:\d+\/\s+.*TLS handshake failed$/m);
  });

  it("fails on an HTTP error status", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeHost({ onTestFinished }, { otlpStatus: 503 });
    const r = await sb.run("health-check.sh", gateArgs("127.0.0.1", checksFor(fake), 0, 5));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+otlp-http\s+.*HTTP 503$/m);
  });

  it("<stack>: reads host and checks from the stack's output health_checks", async ({ expect, onTestFinished }) => {
    const fake = await fakeHost({ onTestFinished });
    const output = JSON.stringify({ host: "127.0.0.1", checks: checksFor(fake) });
    const sb = testSandbox({ onTestFinished }, {
      realTools: ["curl"],
      stubs: { terraform: `printf '%s\\n' '${output}'`, sleep: "" },
      environments: { "shop/dev": "" },
      files: { "cdktf.out/stacks/shop-dev/cdk.tf.json": cdkTfJson({ outputs: ["health_checks"] }) },
    });
    const r = await sb.run("health-check.sh", ["shop-dev", "--timeout", "0", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: "127.0.0.1", stack: "shop-dev", environment: "dev", healthy: true, total: 3 });
    expect(sb.commands()).toEqual(["terraform -chdir=ROOT/cdktf.out/stacks/shop-dev output -json health_checks"]);
    expect(fake.traces).toHaveLength(1);
  });
});

describe.concurrent("health-check.sh argument handling", () => {
  const SHOP = { environments: { "shop/dev": "", "shop/prod": "" } };
  const synthesized = (outputs: string[]) => ({ "cdktf.out/stacks/shop-dev/cdk.tf.json": cdkTfJson({ outputs }) });

  it("explains a stack that is not synthesized, not deployed, or has no health_checks output", async ({ expect, onTestFinished }) => {
    const tf = "echo 'Error: Output \"health_checks\" not found' >&2; exit 1";
    let sb = testSandbox({ onTestFinished }, { ...SHOP, stubs: { terraform: tf, curl: bodies.curlHealthy } });
    let r = await sb.run("health-check.sh", ["shop-dev", "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stack shop-dev is not synthesized");
    expect(r.stderr).toContain("run: npm run synth");
    expect(sb.calls()).toEqual([]);

    sb = testSandbox({ onTestFinished }, { ...SHOP, stubs: { terraform: tf, curl: bodies.curlHealthy }, files: synthesized(["health_checks"]) });
    r = await sb.run("health-check.sh", ["shop-dev", "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not read output health_checks of stack shop-dev; is it deployed? (scripts/deploy.sh shop-dev)");

    sb = testSandbox({ onTestFinished }, { ...SHOP, stubs: { terraform: tf, curl: bodies.curlHealthy }, files: synthesized([]) });
    r = await sb.run("health-check.sh", ["shop-dev", "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stack shop-dev declares no output health_checks");
    expect(sb.commands().some((c) => c.startsWith("curl"))).toBe(false);
  });

  it("rejects invalid checks with clear errors (exit 2), calling nothing", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { terraform: "exit 99", curl: "exit 99" } });
    const cases: [unknown, string][] = [
      ["not json", "not JSON"],
      [{ name: "ui" }, "expected a JSON list of checks"],
      [[], "the list of checks is empty"],
      [[{ protocol: "http", port: 80 }], 'check 1: missing "name"'],
      [[{ name: "ui", protocol: "http", port: 80 }, { name: "db", protocol: "udp", port: 53 }], 'check 2 (db): unknown protocol "udp" (http, https, tcp or ssm)'],
      [[{ name: "db", port: 53 }], 'check 1 (db): missing "protocol"'],
      [[{ name: "ui", protocol: "http", port: 70000 }], "check 1 (ui): bad port 70000 (1-65535)"],
      [[{ name: "ui", protocol: "http", port: "http" }], 'check 1 (ui): bad port "http"'],
      [[{ name: "ui", protocol: "http" }], 'check 1 (ui): missing "port"'],
      [[{ name: "ui", protocol: "http", port: 80, path: "health" }], 'check 1 (ui): bad path "health"'],
      [[{ name: "ui", protocol: "tcp", port: 1 }, { name: "ui", protocol: "tcp", port: 2 }], "check 2 (ui): duplicate name"],
    ];
    for (const [checks, message] of cases) {
      const text = typeof checks === "string" ? checks : JSON.stringify(checks);
      const r = await sb.run("health-check.sh", ["--host", "10.0.0.5", "--checks", text]);
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toContain(`health-check.sh: error: invalid health checks (--checks): ${message}`);
    }
    expect(sb.calls()).toEqual([]);
  });

  it("rejects bad usage: no checks, no target, bad flags, an unknown stack", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { ...SHOP, stubs: { terraform: "exit 99", curl: "exit 99" } });
    const checks = JSON.stringify([{ name: "ui", protocol: "http", port: 80 }]);
    let r = await sb.run("health-check.sh", ["--host", "10.0.0.5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no checks: pass --checks JSON (or set HEALTH_CHECKS)");
    r = await sb.run("health-check.sh", []);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Available stacks: shop-dev, shop-prod");
    for (const bad of [["--timeout", "soon"], ["--interval=abc"], ["--max-interval", "-1"], ["--ui-port", "3000"]]) {
      expect((await sb.run("health-check.sh", ["--host", "10.0.0.5", "--checks", checks, ...bad])).code, bad.join(" ")).toBe(2);
    }
    r = await sb.run("health-check.sh", ["203.0.113.10"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'203.0.113.10' looks like a host, not a stack; use --host 203.0.113.10 --checks JSON");
    r = await sb.run("health-check.sh", ["shop-qa", "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown stack 'shop-qa'");
    expect(sb.calls()).toEqual([]);
  });

  it("takes the checks from HEALTH_CHECKS, the flag=value form, and defaults method GET and path /", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { curl: bodies.curlHealthy } });
    const checks = JSON.stringify([{ name: "web", protocol: "http", port: "8080" }, { name: "raw", protocol: "tcp", port: 14317, path: "/ignored" }]);
    const r = await sb.run("health-check.sh", ["--host=10.0.0.5", "--timeout=0"], { env: { HEALTH_CHECKS: checks } });
    expect(r.code).toBe(0);
    expect(sb.calls().map((c) => c.args.slice(-3).join(" "))).toEqual(["-X GET http://10.0.0.5:8080/", "-w %{time_connect} http://10.0.0.5:14317/"]);
    // proxies and ~/.curlrc never get in the way
    for (const c of sb.calls()) expect(c.args.slice(0, 4)).toEqual(["-q", "-s", "--noproxy", "*"]);
  });
});

const INSTANCE = "i-0123456789abcdef0";
const COMMAND_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
/** A command with every character a shell or JSON would trip on: it must reach SSM exactly like this. */
const PG_READY = `docker exec timescaledb pg_isready -h 127.0.0.1 -U postgres -d "my'db" && echo "$HOSTNAME" \`id -u\` \\ done`;

/** What get-command-invocation answers: an invocation (fields as the SSM API names them), or that none exists yet. */
type Invocation =
  | { Status: string; StatusDetails?: string; ResponseCode?: number; StandardOutputContent?: string; StandardErrorContent?: string }
  | "InvocationDoesNotExist";

/**
 * aws stub for SSM Run Command: send-command prints a command id (as `--query Command.CommandId --output text`
 * does); each get-command-invocation answers the next invocation of the list, the last one from then on.
 */
function awsSsm(invocations: readonly Invocation[]): string {
  const answers = invocations.map((inv, k) => {
    const answer =
      inv === "InvocationDoesNotExist"
        ? "printf '\\nAn error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation operation: \\n' >&2; exit 254"
        : `cat <<'JSON'\n${JSON.stringify({ CommandId: COMMAND_ID, InstanceId: INSTANCE, DocumentName: "AWS-RunShellScript", ResponseCode: -1, StandardOutputContent: "", StandardErrorContent: "", StatusDetails: inv.Status, ...inv }, null, 2)}\nJSON`;
    return `  ${k + 1}) ${answer}\n  ;;`;
  });
  return [
    'case "$1 $2" in',
    `  "ssm send-command") printf '%s\\n' ${COMMAND_ID}; exit 0 ;;`,
    '  "ssm get-command-invocation") ;;',
    "  *) exit 99 ;;",
    "esac",
    'n=$(($(cat "$STUB_LOG.polls" 2>/dev/null || echo 0) + 1))',
    'printf %s "$n" > "$STUB_LOG.polls"',
    `((n <= ${invocations.length})) || n=${invocations.length}`,
    'case "$n" in',
    ...answers,
    "esac",
  ].join("\n");
}

const awsCalls = (sb: Sandbox) => sb.calls().filter((c) => c.cmd === "aws");

/** The value after `flag` in a recorded call. */
function argOf(args: readonly string[], flag: string): string | undefined {
  const k = args.indexOf(flag);
  return k < 0 ? undefined : args[k + 1];
}

const ssmCheck = (extra: Check = {}): Check => ({ name: "postgres", protocol: "ssm", command: PG_READY, ...extra });
const ssmArgs = (checks: Check[], ...more: string[]) => ["--host", INSTANCE, "--checks", JSON.stringify(checks), ...more];

// sleep is a stub here too: the poll delays (1 s by default) and the retry delays are recorded, never slept.
describe.concurrent("health-check.sh ssm checks (SSM Run Command through the aws stub)", () => {
  const ssmSandbox = (ctx: Ctx, invocations: readonly Invocation[]) => testSandbox(ctx, { stubs: { aws: awsSsm(invocations), sleep: "" } });

  it("sends the command unchanged as AWS-RunShellScript, polls until Success, needs no curl", async ({ expect, onTestFinished }) => {
    const sb = ssmSandbox({ onTestFinished }, ["InvocationDoesNotExist", { Status: "InProgress" }, { Status: "Success", ResponseCode: 0, StandardOutputContent: "127.0.0.1:5432 - accepting connections\n" }]);
    const r = await sb.run("health-check.sh", ssmArgs([ssmCheck()], "--timeout", "0"));
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}postgres {2}i-0123456789abcdef0 \(ssm\) {2}Success: 127\.0\.0\.1:5432 - accepting connections$/m);
    const [send, ...polls] = awsCalls(sb);
    expect(send.args.slice(0, 2)).toEqual(["ssm", "send-command"]);
    expect(argOf(send.args, "--instance-ids")).toBe(INSTANCE);
    expect(argOf(send.args, "--document-name")).toBe("AWS-RunShellScript");
    expect(JSON.parse(argOf(send.args, "--parameters")!)).toEqual({ commands: [PG_READY], executionTimeout: ["60"] });
    expect(argOf(send.args, "--timeout-seconds")).toBe("60");
    expect(polls.map((c) => c.args.join(" "))).toEqual(Array(3).fill(`ssm get-command-invocation --command-id ${COMMAND_ID} --instance-id ${INSTANCE} --output json`));
    // no --region without one given: the CLI's own configuration applies
    expect(sb.calls().some((c) => c.args.includes("--region"))).toBe(false);
    expect(sleeps(sb)).toEqual(["1.000", "1.000", "1.000"]);
  });

  it("fails an attempt on a failed command with its error output, passes on the retry; AWS_REGION is passed on", async ({ expect, onTestFinished }) => {
    const sb = ssmSandbox({ onTestFinished }, [
      { Status: "Failed", ResponseCode: 1, StandardErrorContent: "Error response from daemon:\n  container timescaledb is not running\n" },
      { Status: "Success", ResponseCode: 0 },
    ]);
    const r = await sb.run("health-check.sh", ssmArgs([ssmCheck()], "--timeout", "600", "--interval", "0.1"), { env: { AWS_REGION: "us-east-1" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("attempt 1: not healthy yet (postgres: Failed (exit 1): Error response from daemon: container timescaledb is not running); retrying in 0.100s");
    expect(r.stdout).toMatch(/^PASS {2}postgres {2}i-0123456789abcdef0 \(ssm, us-east-1\) {2}Success$/m);
    expect(r.stdout).toContain("(2 attempt(s)");
    expect(awsCalls(sb).map((c) => c.args[1])).toEqual(["send-command", "get-command-invocation", "send-command", "get-command-invocation"]);
    for (const c of awsCalls(sb)) expect(argOf(c.args, "--region")).toBe("us-east-1");
    expect(sleeps(sb)).toEqual(["1.000", "0.100", "1.000"]);
  });

  it("reports a terminal status with the command's output as the detail (text and JSON)", async ({ expect, onTestFinished }) => {
    const sb = ssmSandbox({ onTestFinished }, [{ Status: "Failed", ResponseCode: 2, StandardOutputContent: "127.0.0.1:5432 - no response\n" }]);
    const r = await sb.run("health-check.sh", ssmArgs([ssmCheck()], "--timeout", "0", "--json"));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      host: INSTANCE,
      healthy: false,
      checks: [{ name: "postgres", protocol: "ssm", port: null, target: `${INSTANCE} (ssm)`, ok: false, detail: "Failed (exit 2): 127.0.0.1:5432 - no response" }],
    });
  });

  it("names an undeliverable command's status detail", async ({ expect, onTestFinished }) => {
    const sb = ssmSandbox({ onTestFinished }, [{ Status: "Failed", StatusDetails: "Undeliverable" }]);
    const r = await sb.run("health-check.sh", ssmArgs([ssmCheck()], "--timeout", "0"));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}postgres {2}\S+ \(ssm\) {2}Undeliverable$/m);
  });

  it("stops polling after --ssm-timeout (by the poll delays slept), with the check's region over --region", async ({ expect, onTestFinished }) => {
    const sb = ssmSandbox({ onTestFinished }, [{ Status: "InProgress" }]);
    const r = await sb.run("health-check.sh", ssmArgs([ssmCheck({ region: "eu-central-1" })], "--timeout", "0", "--ssm-timeout", "45", "--region", "us-east-1"), {
      env: { HEALTH_SSM_POLL_INTERVAL: "15" },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`no result within 45s (last status: InProgress; command id ${COMMAND_ID})`);
    expect(sleeps(sb)).toEqual(["15.000", "15.000", "15.000"]);
    const [send] = awsCalls(sb);
    expect(argOf(send.args, "--timeout-seconds")).toBe("45");
    expect(JSON.parse(argOf(send.args, "--parameters")!).executionTimeout).toEqual(["45"]);
    for (const c of awsCalls(sb)) expect(argOf(c.args, "--region")).toBe("eu-central-1");
  });

  it("rejects invalid ssm checks (exit 2), calling nothing", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { aws: "exit 99", curl: "exit 99" } });
    const cases: [Check[], string][] = [
      [[{ name: "db", protocol: "ssm" }], 'check 1 (db): missing "command" (the shell command to run on the instance)'],
      [[{ name: "db", protocol: "ssm", command: "true", port: 5432 }], "check 1 (db): ssm checks take command, not port"],
      [[{ name: "db", protocol: "ssm", command: "true", region: "Frankfurt" }], 'check 1 (db): bad region "Frankfurt" (e.g. "eu-central-1")'],
      [[{ name: "db", protocol: "tcp", port: 5432, command: "true" }], 'check 1 (db): "command" is for ssm checks only (a tcp check connects to host and port)'],
      [[ssmCheck(), { name: "ui", protocol: "http", port: 80 }], "ssm checks cannot be mixed with http, https or tcp checks: an ssm check runs on the instance whose id is the host, the others connect to the host as an address; check them in separate runs"],
    ];
    const runs = await Promise.all(cases.map(([checks]) => sb.run("health-check.sh", ssmArgs(checks))));
    runs.forEach((r, k) => {
      expect(r.code, cases[k][1]).toBe(2);
      expect(r.stderr).toContain(`health-check.sh: error: invalid health checks (--checks): ${cases[k][1]}`);
    });
    expect(sb.calls()).toEqual([]);
  });

  it("needs an instance id as host and the aws CLI", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { curl: "exit 99" } });
    const checks = JSON.stringify([ssmCheck()]);
    const [ip, short, noAws] = await Promise.all([
      sb.run("health-check.sh", ["--host", "10.0.0.5", "--checks", checks]),
      sb.run("health-check.sh", ["--host", "i-0123abc", "--checks", checks]),
      sb.run("health-check.sh", ["--host", "i-0123abcd", "--checks", checks]),
    ]);
    expect(ip.code).toBe(2);
    expect(ip.stderr).toContain("host '10.0.0.5' is not an EC2 instance id (i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0): ssm checks run on the instance with that id");
    expect(short.code).toBe(2);
    expect(noAws.code).toBe(1);
    expect(noAws.stderr).toContain("'aws' not found on PATH (the AWS CLI v2 runs the ssm checks; install it: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)");
    expect(sb.calls()).toEqual([]);
  });
});
