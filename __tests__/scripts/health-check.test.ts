import { createServer as createHttpServer, IncomingMessage, Server } from "node:http";
import { createServer as createTcpServer, AddressInfo, Server as TcpServer } from "node:net";
import type { TestContext } from "vitest";
import { bodies, testSandbox } from "./stubs.js";

type Ctx = Pick<TestContext, "onTestFinished">;

/** A local stand-in for an OpenLIT host: UI, OTLP/HTTP and a TCP port, each on an ephemeral port. */
interface FakeOpenlit {
  uiPort: number;
  otlpPort: number;
  grpcPort: number;
  traces: { contentType?: string; body: any }[];
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

/** A fake OpenLIT host, closed when the test finishes. */
async function fakeOpenlit(ctx: Ctx, opts: { uiFailures?: number; otlpStatus?: number } = {}): Promise<FakeOpenlit> {
  const state = { traces: [] as { contentType?: string; body: any }[], uiRequests: 0 };
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
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      res.writeHead(400).end("bad json");
      return;
    }
    state.traces.push({ contentType: req.headers["content-type"], body });
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

const portArgs = (f: FakeOpenlit) => ["--ui-port", `${f.uiPort}`, "--otlp-http-port", `${f.otlpPort}`, "--otlp-grpc-port", `${f.grpcPort}`];

// Every test has its own sandbox (stub log) and fake servers, so the tests run concurrently.
describe.concurrent("health-check.sh against local servers (real curl)", () => {
  const realCurl = (ctx: Ctx) => testSandbox(ctx, { realTools: ["curl"], stubs: { terraform: "printf 127.0.0.1" } });

  // First the two tests that mostly wait (timeout, backoff sleeps), which the tests after them overlap (at most 5 run
  // at once, in order).
  it("gives up after --timeout when nothing listens", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const port = await closedPort();
    const r = await sb.run("health-check.sh", [
      "127.0.0.1", "--ui-port", `${port}`, "--otlp-http-port", `${port}`, "--otlp-grpc-port", `${port}`,
      // 3 s leaves room for a second attempt even when CI's two cores are busy with other test files.
      "--timeout", "3", "--interval", "0.2", "--max-interval", "0.4",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/unhealthy: 0\/3 .* \(timeout 3s\); failing: ui, otlp-http, otlp-grpc/);
    expect(r.stderr).toMatch(/attempt 2:/);
    expect(r.ms).toBeLessThan(8000);
  });

  it("retries with backoff until the UI comes up", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeOpenlit({ onTestFinished }, { uiFailures: 2 });
    const r = await sb.run("health-check.sh", ["127.0.0.1", ...portArgs(fake), "--timeout", "10", "--interval", "0.1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("(3 attempt(s)");
    expect(r.stderr).toMatch(/attempt 1: not healthy yet \(ui: HTTP 503\); retrying in 0\.100s/);
    expect(r.stderr).toMatch(/attempt 2: .*retrying in 0\.200s/);
  });

  it("passes when UI, OTLP/HTTP and the gRPC port answer, posting a valid OTLP JSON trace", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeOpenlit({ onTestFinished });
    const r = await sb.run("health-check.sh", ["127.0.0.1", ...portArgs(fake), "--timeout", "0"]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^PASS\s+ui\s+http:\/\/127\.0\.0\.1:\d+\/\s+HTTP 307$/);
    expect(lines[1]).toMatch(/^PASS\s+otlp-http\s+.*\/v1\/traces\s+HTTP 200, test trace accepted$/);
    expect(lines[2]).toMatch(/^PASS\s+otlp-grpc\s+127\.0\.0\.1:\d+ \(tcp\)\s+TCP connection accepted$/);
    expect(lines[3]).toMatch(/^healthy: 3\/3 checks passed for 127\.0\.0\.1 \(1 attempt\(s\), \d+s\)$/);

    expect(fake.traces).toHaveLength(1);
    const { contentType, body } = fake.traces[0];
    expect(contentType).toBe("application/json");
    const span = body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(body.resourceSpans[0].resource.attributes[0]).toEqual({ key: "service.name", value: { stringValue: "ops-health-check" } });
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThan(BigInt(span.startTimeUnixNano));
  });

  it("--json prints one machine-readable object", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeOpenlit({ onTestFinished });
    const r = await sb.run("health-check.sh", ["--host", "127.0.0.1", ...portArgs(fake), "--timeout", "0", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ host: "127.0.0.1", environment: null, healthy: true, passed: 3, total: 3, attempts: 1, timeout_seconds: 0 });
    expect(out.checks.map((c: any) => [c.name, c.ok])).toEqual([
      ["ui", true],
      ["otlp-http", true],
      ["otlp-grpc", true],
    ]);
  });

  it("fails on a closed port, naming the failing check (text and JSON)", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeOpenlit({ onTestFinished });
    const grpc = await closedPort();
    const args = ["127.0.0.1", "--ui-port", `${fake.uiPort}`, "--otlp-http-port", `${fake.otlpPort}`, "--otlp-grpc-port", `${grpc}`, "--timeout", "0"];
    const r = await sb.run("health-check.sh", args);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+otlp-grpc\s+.*connection refused/m);
    expect(r.stdout).toMatch(/unhealthy: 2\/3 checks passed .* failing: otlp-grpc$/m);

    const j = await sb.run("health-check.sh", [...args, "--json"]);
    expect(j.code).toBe(1);
    const out = JSON.parse(j.stdout);
    expect(out.healthy).toBe(false);
    expect(out.checks.filter((c: any) => !c.ok).map((c: any) => c.name)).toEqual(["otlp-grpc"]);
  });

  it("fails when the OTLP endpoint rejects the trace", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeOpenlit({ onTestFinished }, { otlpStatus: 503 });
    const r = await sb.run("health-check.sh", ["127.0.0.1", ...portArgs(fake), "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+otlp-http\s+.*HTTP 503$/m);
  });

  it("reads public_ip from the environment's stack outputs", async ({ expect, onTestFinished }) => {
    const sb = realCurl({ onTestFinished });
    const fake = await fakeOpenlit({ onTestFinished });
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(`${sb.root}/cdktf.out/stacks/openlit-demo`, { recursive: true });
    writeFileSync(`${sb.root}/cdktf.out/stacks/openlit-demo/cdk.tf.json`, "{}");
    const r = await sb.run("health-check.sh", ["demo", ...portArgs(fake), "--timeout", "0", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: "127.0.0.1", environment: "demo", healthy: true });
    expect(sb.commands()).toEqual(["terraform -chdir=ROOT/cdktf.out/stacks/openlit-demo output -raw public_ip"]);
  });
});

describe.concurrent("health-check.sh argument handling", () => {
  it("explains an environment that is not synthesized or deployed", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { terraform: "echo 'Error: Output \"public_ip\" not found' >&2; exit 1", curl: bodies.curlHealthy } });
    let r = await sb.run("health-check.sh", ["demo", "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not synthesized");

    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(`${sb.root}/cdktf.out/stacks/openlit-demo`, { recursive: true });
    writeFileSync(`${sb.root}/cdktf.out/stacks/openlit-demo/cdk.tf.json`, "{}");
    r = await sb.run("health-check.sh", ["demo", "--timeout", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not read output public_ip of stack openlit-demo");
    expect(sb.commands().some((c) => c.startsWith("curl"))).toBe(false);
  });

  it("rejects a name that is neither an environment nor a host, and bad flags", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { terraform: "exit 0", curl: bodies.curlHealthy } });
    const r = await sb.run("health-check.sh", ["stagin"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("available: demo, staging");
    expect((await sb.run("health-check.sh", ["127.0.0.1", "--ui-port", "99999"])).code).toBe(2);
    expect((await sb.run("health-check.sh", ["127.0.0.1", "--timeout", "soon"])).code).toBe(2);
    expect((await sb.run("health-check.sh", ["127.0.0.1", "--interval=abc"])).code).toBe(2);
    expect(sb.calls()).toEqual([]);
  });

  it("uses the HEALTH_* environment defaults and the flag=value form", async ({ expect, onTestFinished }) => {
    const sb = testSandbox({ onTestFinished }, { stubs: { curl: bodies.curlHealthy } });
    const r = await sb.run("health-check.sh", ["--host=10.0.0.5", "--timeout=0"], { env: { HEALTH_UI_PORT: "8080", HEALTH_OTLP_GRPC_PORT: "14317" } });
    expect(r.code).toBe(0);
    const urls = sb.calls().map((c) => c.args[c.args.length - 1]);
    expect(urls).toEqual(["http://10.0.0.5:8080/", "http://10.0.0.5:4318/v1/traces", "http://10.0.0.5:14317/"]);
    // proxies and ~/.curlrc never get in the way
    for (const c of sb.calls()) expect(c.args.slice(0, 4)).toEqual(["-q", "-s", "--noproxy", "*"]);
  });
});
