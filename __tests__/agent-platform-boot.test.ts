import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { requireTerraform } from "./support/terraform.js";
import { BootSandbox, heredoc, heredocs, installedScripts, lintScripts, localNamed, realTool, renderWithSamples, runTool, ScriptLint, ToolRun } from "./support/rendered-boot.js";
import { onlyResource, synthAgentPlatform, TfJson } from "./support/synth.js";
import { CHROMA_DATA_DIR, CHROMA_VERSION } from "../stacks/agent-platform/application.js";

// The AGENT platform's two boot scripts as the instances receive them: the app servers' (the launch template's user
// data, the local app_user_data_* before base64gzip) and the ChromaDB host's (the local chroma_user_data_*), rendered by
// the real Terraform engine for dev and prod: a provider-free configuration holding the stack's own variables (given
// environments/agent-platform/<env>.tfvars, as `terraform apply -var-file` would) and the stack's own locals, where only
// the resource and data-source attributes Terraform cannot know offline become sample values. One render per
// environment serves every test. Checked statically (bash -n and shellcheck of the scripts and of every script they
// write, every file they write parsed as what it is), then the scripts that follow the database's password run for
// real against stub `aws`, `curl`, `systemctl` and `docker` on PATH, and the containers' health checks against a local
// HTTP server.

const REPO_ROOT = join(import.meta.dirname, "..");
const ENVIRONMENTS = ["dev", "prod"] as const;
type Environment = (typeof ENVIRONMENTS)[number];

/** The image tag of the render: the tfvars say CHANGE_ME, a release says this (scripts/build-and-push.sh; never latest). */
const SAMPLE_IMAGE_TAG = "2026.03.01-4f2c9e1";
const SAMPLE_ACCOUNT_ID = "123456789012";
const SAMPLE_CHROMA_IP = "10.0.11.23";
const sampleDbHost = (env: Environment) => `agent-platform-${env}.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com`;
const sampleCacheEndpoint = (env: Environment) => `master.agent-platform-${env}.x1y2z3.use1.cache.amazonaws.com`;
const sampleUploadsBucket = (env: Environment) => `agent-platform-${env}-uploads-20260301120000000000000001`;
/** What RDS names the secret it manages for a master password (`rds!db-<uuid>`). */
const sampleSecretArn = (env: Environment) =>
  `arn:aws:secretsmanager:us-east-1:${SAMPLE_ACCOUNT_ID}:secret:rds!db-${env === "dev" ? "3f1c9a2e" : "8b2d4f6a"}-7b4d-4e8a-9c61-2d5f0e8b7a14-Ab12Cd`;
const registry = `${SAMPLE_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com`;

/** A sample for every attribute of a resource or data source the two boot scripts read, keyed without the logical-id hash. */
const samplesFor = (env: Environment): Readonly<Record<string, string>> => ({
  "aws_ecr_repository.images_Repository-backend.repository_url": `${registry}/agent-platform-${env}/backend`,
  "aws_ecr_repository.images_Repository-frontend.repository_url": `${registry}/agent-platform-${env}/frontend`,
  "data.aws_caller_identity.account.account_id": SAMPLE_ACCOUNT_ID,
  "aws_db_instance.database.address": sampleDbHost(env),
  "aws_db_instance.database.master_user_secret[0].secret_arn": sampleSecretArn(env),
  "aws_elasticache_replication_group.cache.primary_endpoint_address": sampleCacheEndpoint(env),
  "aws_instance.chroma.private_ip": SAMPLE_CHROMA_IP,
  "aws_s3_bucket.uploads.bucket": sampleUploadsBucket(env),
  "aws_ebs_volume.chroma_DataVolume.id": env === "dev" ? "vol-0a1b2c3d4e5f60718" : "vol-0f9e8d7c6b5a49382",
});
const SAMPLES: Readonly<Record<Environment, Readonly<Record<string, string>>>> = { dev: samplesFor("dev"), prod: samplesFor("prod") };

const RENDER_CACHE = "agent-platform-boot";

/** Both boot scripts of an environment, rendered by Terraform with the environment's tfvars (and the sample image tag). */
async function renderBootScripts(env: Environment): Promise<{ app: string; chroma: string }> {
  const json = synthAgentPlatform(env);
  const { app, chroma } = await renderWithSamples({
    stack: `agent-platform-${env}`,
    json,
    samples: SAMPLES[env],
    outputs: { app: `local.${localNamed(json, /^app_user_data_[0-9A-F]{8}$/)}`, chroma: `local.${localNamed(json, /^chroma_user_data_[0-9A-F]{8}$/)}` },
    tfvars: join(REPO_ROOT, "environments", "agent-platform", `${env}.tfvars`),
    // -var after -var-file wins: the tfvars' image_tag is a placeholder.
    vars: [`-var=image_tag=${SAMPLE_IMAGE_TAG}`],
    cache: RENDER_CACHE,
  });
  return { app: app!, chroma: chroma! };
}

const APP_ENV = "/etc/agent-platform/app.env";
const DATABASE_ENV = "/etc/agent-platform/database.env";
const RDS_CA = "/etc/agent-platform/rds-ca.pem";
const CONTAINER_CA = "/etc/ssl/certs/rds-ca.pem";
const COMPOSE = "/opt/agent-platform/docker-compose.yml";
const CHROMA_COMPOSE = "/opt/vector-store/docker-compose.yml";
const DATABASE_URL = "/usr/local/sbin/agent-platform-database-url";
const FOLLOW_PASSWORD = "/usr/local/sbin/agent-platform-follow-password";
const CA_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/** KEY=VALUE lines (an env file), later keys winning. */
function assignments(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split("\n").flatMap((line) => {
      const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"|([^\s#]*))/);
      return m ? [[m[1], m[2] ?? m[3]] as const] : [];
    }),
  );
}

/** Python's urllib.parse.quote(s, safe=""): everything but letters, digits and `_.-~` as %XX of its UTF-8 bytes. */
const percentEncoded = (s: string) =>
  [...Buffer.from(s, "utf8")].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");

/** The real programs the two scripts use; the rest of their PATH is stubs. */
const REAL_TOOLS = ["bash", "cat", "mktemp", "grep", "rm", "chmod", "mv", "cmp", "python3"] as const;

const FAKE_PEM = "-----BEGIN CERTIFICATE-----\nMIIEBjCCAu6gAwIBAgIJAMc0ZzaSUK51MA0GCSqGSIb3DQEBCwUAMIGPMQswCQYD\n-----END CERTIFICATE-----\n";
/** Every character that needs care in a URL, a shell or a quoted env file. */
const AWKWARD_PASSWORD = "p@ss:w/rd?#%&'\"$ `!";
const ROTATED_PASSWORD = "n3w-R0tated:p@ss/w0rd";
const DB_USER = "agent_admin";
const rdsSecret = (password: string) => JSON.stringify({ username: DB_USER, password, engine: "postgres", host: sampleDbHost("dev"), port: 5432, dbname: "agent" });
/** A secret without a "password" key (a hand-made one, its key capitalized): its value must never be printed. */
const MISNAMED_VALUE = "Hunter2-Sample-Value";
const NO_PASSWORD_SECRET = JSON.stringify({ username: DB_USER, Password: MISNAMED_VALUE });

/** /etc/agent-platform of a sandbox: name to mode and content. */
function etcOf(s: BootSandbox): Record<string, { mode: number; content: string }> {
  const etc = join(s.dir, "etc", "agent-platform");
  return Object.fromEntries(readdirSync(etc).sort().map((f) => [f, { mode: statSync(join(etc, f)).mode & 0o777, content: readFileSync(join(etc, f), "utf8") }]));
}

/** A sandbox for agent-platform-database-url: stub aws printing secret.json, stub curl writing the CA bundle (or failing). */
function databaseUrlSandbox(dir: string, script: string, tools: Record<string, string>) {
  const s = new BootSandbox(dir, tools);
  mkdirSync(join(dir, "etc", "agent-platform"), { recursive: true, mode: 0o700 });
  s.stub("aws", `cat '${join(dir, "secret.json")}'`);
  s.stub(
    "curl",
    [
      "out=",
      'while (( $# )); do if [[ $1 == --output ]]; then out=$2; shift; fi; shift; done',
      "mode=pem",
      `if [[ -f '${join(dir, "curl.mode")}' ]]; then mode=$(<'${join(dir, "curl.mode")}'); fi`,
      "case $mode in",
      "  fails) echo 'curl: (22) The requested URL returned error: 503' >&2; exit 22 ;;",
      "  html) printf '<html><body>Service Unavailable</body></html>\\n' > \"$out\" ;;",
      `  *) printf '%s' '${FAKE_PEM}' > "$out" ;;`,
      "esac",
    ].join("\n"),
  );
  const run = s.install("agent-platform-database-url", script, [
    [`readonly ENV_FILE=${DATABASE_ENV}`, `readonly ENV_FILE=${dir}${DATABASE_ENV}`, 1],
    [`readonly CA_FILE=${RDS_CA}`, `readonly CA_FILE=${dir}${RDS_CA}`, 1],
  ]);
  return { s, run };
}

/** A sandbox for agent-platform-follow-password: stub systemctl, docker and agent-platform-database-url. */
async function followPassword(dir: string, script: string, tools: Record<string, string>, o: { active: boolean; databaseUrl: "changed" | "unchanged" | "fails" }) {
  const s = new BootSandbox(dir, { bash: tools.bash! });
  s.stub("systemctl", `exit ${o.active ? 0 : 3}`);
  s.stub("docker", "exit 0");
  s.stub(
    "agent-platform-database-url",
    o.databaseUrl === "fails" ? "echo 'agent-platform-database-url: AccessDeniedException reading the secret' >&2\nexit 1" : `echo ${o.databaseUrl}`,
  );
  const run = s.install("agent-platform-follow-password", script, [[DATABASE_URL, join(s.bin, "agent-platform-database-url"), 1]]);
  const result = await run();
  return { ...result, systemctl: s.calls("systemctl"), docker: s.calls("docker"), databaseUrl: s.calls("agent-platform-database-url") };
}

/** A container's health-check command (its CMD array) run on this machine against a local HTTP server answering `status`. */
async function healthCheck(test: readonly string[], fromPort: string, status: number, python: string) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(status, { "content-type": "text/plain" }).end("ok\n");
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  try {
    const port = String((server.address() as AddressInfo).port);
    const [cmd, program, ...args] = test;
    if (cmd !== "CMD") throw new Error(`not a CMD health check: ${JSON.stringify(test)}`);
    const redirected = args.map((a) => a.split(fromPort).join(fromPort.replace(/8000|3000/, port)));
    if (redirected.join() === args.join()) throw new Error(`the health check never reaches ${fromPort}: ${JSON.stringify(test)}`);
    const bin = program === "python" ? python : program === "node" ? process.execPath : program!;
    const run = await runTool(bin, redirected, process.env);
    return { ...run, seen };
  } finally {
    server.close();
  }
}

let json: Record<Environment, TfJson>;
let rendered: Record<Environment, { app: string; chroma: string }>;
let work: string;
let lint: ScriptLint;
let composes: Record<Environment, { app: any; chroma: any }>;
type DbRun = ToolRun & { etc: Record<string, { mode: number; content: string }>; aws: string[][] | null; curl: string[][] | null };
let db: {
  first: DbRun;
  second: DbRun;
  rotated: DbRun;
  prod: DbRun;
  noPassword: DbRun;
  caFails: DbRun;
  caNotPem: DbRun;
  unquoted: ToolRun;
};
let follow: Record<"changed" | "unchanged" | "inactive" | "fails", Awaited<ReturnType<typeof followPassword>>>;
let health: Record<"backend" | "frontend" | "chroma", { ok: Awaited<ReturnType<typeof healthCheck>>; failing: Awaited<ReturnType<typeof healthCheck>> }>;

beforeAll(async () => {
  requireTerraform();
  const realTools = Promise.all(REAL_TOOLS.map(async (t) => [t, await realTool(t)] as const));
  json = { dev: synthAgentPlatform("dev"), prod: synthAgentPlatform("prod") };
  const [dev, prod] = await Promise.all([renderBootScripts("dev"), renderBootScripts("prod")]);
  rendered = { dev, prod };
  composes = {
    dev: { app: parseYaml(heredoc(dev.app, COMPOSE)), chroma: parseYaml(heredoc(dev.chroma, CHROMA_COMPOSE)) },
    prod: { app: parseYaml(heredoc(prod.app, COMPOSE)), chroma: parseYaml(heredoc(prod.chroma, CHROMA_COMPOSE)) },
  };

  // Static checks of the four boot scripts and of every script they write (one shellcheck run, cached by content),
  // beside the runs.
  work = mkdtempSync(join(tmpdir(), "agent-platform-boot-"));
  const files: Record<string, string> = {};
  for (const env of ENVIRONMENTS) {
    for (const host of ["app", "chroma"] as const) {
      const script = rendered[env][host];
      files[`user-data-${host}-${env}.sh`] = script;
      Object.assign(files, installedScripts(script, `-${host}-${env}`));
    }
  }
  lint = lintScripts(join(work, "lint"), files);

  const tools = Object.fromEntries(await realTools);
  const dbRun = async (sandbox: ReturnType<typeof databaseUrlSandbox>): Promise<DbRun> => {
    const run = await sandbox.run();
    return { ...run, etc: etcOf(sandbox.s), aws: sandbox.s.calls("aws"), curl: sandbox.s.calls("curl") };
  };
  const databaseUrl = (name: string, env: Environment = "dev") => databaseUrlSandbox(join(work, name), heredoc(rendered[env].app, DATABASE_URL), tools);

  // The password's life on one instance: first start, a start with the same secret, a start after RDS rotated it.
  const rotation = async () => {
    const sandbox = databaseUrl("rotation");
    sandbox.s.write("secret.json", rdsSecret(AWKWARD_PASSWORD));
    const first = await dbRun(sandbox);
    const second = await dbRun(sandbox);
    sandbox.s.write("secret.json", rdsSecret(ROTATED_PASSWORD));
    const rotated = await dbRun(sandbox);
    // The encoded password back through Python's own decoder.
    const encoded = /^DATABASE_URL='postgresql:\/\/[^:]*:([^@]*)@/.exec(first.etc["database.env"]?.content ?? "")?.[1] ?? "";
    const unquoted = await runTool(tools.python3!, ["-c", "import sys; from urllib.parse import unquote; sys.stdout.write(unquote(sys.argv[1]))", encoded]);
    return { first, second, rotated, unquoted };
  };
  const once = async (name: string, env: Environment, secret: string, curlMode?: string) => {
    const sandbox = databaseUrl(name, env);
    sandbox.s.write("secret.json", secret);
    if (curlMode) sandbox.s.write("curl.mode", curlMode);
    return dbRun(sandbox);
  };
  const followScript = heredoc(dev.app, FOLLOW_PASSWORD);
  const python = tools.python3!;
  const check = async (service: "backend" | "frontend" | "chroma") => {
    const { test } = (service === "chroma" ? composes.dev.chroma : composes.dev.app).services[service].healthcheck;
    const port = service === "frontend" ? "127.0.0.1:3000" : service === "chroma" ? "127.0.0.1/8000" : "127.0.0.1:8000";
    const [ok, failing] = await Promise.all([healthCheck(test, port, 200, python), healthCheck(test, port, 503, python)]);
    return { ok, failing };
  };
  const [rotationRuns, prodRun, noPassword, caFails, caNotPem, changed, unchanged, inactive, fails, backend, frontend, chroma] = await Promise.all([
    rotation(),
    once("prod", "prod", rdsSecret("Simple-Prod-Passw0rd")),
    once("no-password", "dev", NO_PASSWORD_SECRET),
    once("ca-fails", "dev", rdsSecret(AWKWARD_PASSWORD), "fails"),
    once("ca-not-pem", "dev", rdsSecret(AWKWARD_PASSWORD), "html"),
    followPassword(join(work, "follow-changed"), followScript, tools, { active: true, databaseUrl: "changed" }),
    followPassword(join(work, "follow-unchanged"), followScript, tools, { active: true, databaseUrl: "unchanged" }),
    followPassword(join(work, "follow-inactive"), followScript, tools, { active: false, databaseUrl: "changed" }),
    followPassword(join(work, "follow-fails"), followScript, tools, { active: true, databaseUrl: "fails" }),
    check("backend"),
    check("frontend"),
    check("chroma"),
  ]);
  db = { ...rotationRuns, prod: prodRun, noPassword, caFails, caNotPem };
  follow = { changed, unchanged, inactive, fails };
  health = { backend, frontend, chroma };
}, 30_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("rendered agent-platform boot scripts (app servers and ChromaDB host, dev and prod)", () => {
  it("are the launch template's and the ChromaDB instance's user data, before base64gzip", () => {
    for (const env of ENVIRONMENTS) {
      const j = json[env];
      expect(onlyResource(j, "aws_launch_template").user_data).toBe(`\${base64gzip(local.${localNamed(j, /^app_user_data_[0-9A-F]{8}$/)})}`);
      expect(onlyResource(j, "aws_instance").user_data_base64).toBe(`\${base64gzip(local.${localNamed(j, /^chroma_user_data_[0-9A-F]{8}$/)})}`);
    }
  });

  it("are valid bash, and so is every script they write", async () => {
    const checks = await lint.bash;
    // Each boot script writes its start hook; the app servers' also the database URL and the password follower.
    expect(Object.keys(lint.files).sort()).toEqual(
      ENVIRONMENTS.flatMap((env) => [
        `user-data-app-${env}.sh`,
        `user-data-chroma-${env}.sh`,
        `agent-platform-prestart-app-${env}`,
        `agent-platform-database-url-app-${env}`,
        `agent-platform-follow-password-app-${env}`,
        `vector-store-prestart-chroma-${env}`,
      ]).sort(),
    );
    for (const [file, result] of checks) expect(result.code, `${file}: ${result.stderr}`).toBe(0);
  });

  it("are shellcheck-clean, and so is every script they write", async () => {
    const checked = await lint.shellcheck;
    expect(checked.map((r) => r.output).join(""), "shellcheck findings").toBe("");
    for (const r of checked) expect(r.status, r.file).toBe(0);
  });

  it("write only files that parse as what they are (compose YAML, JSON, env files, systemd units, scripts)", () => {
    for (const env of ENVIRONMENTS) {
      for (const host of ["app", "chroma"] as const) {
        const written = heredocs(rendered[env][host]);
        expect(Object.keys(written).length, `${host}-${env}`).toBeGreaterThan(4);
        for (const [path, text] of Object.entries(written)) {
          const where = `${host}-${env}: ${path}`;
          if (path.endsWith(".yml")) expect(() => parseYaml(text, { strict: true, uniqueKeys: true }), where).not.toThrow();
          else if (path.endsWith(".json")) expect(() => JSON.parse(text), where).not.toThrow();
          else if (path.endsWith(".env")) expect(text.split("\n").filter((l) => !/^[A-Z][A-Z0-9_]*=\S*$/.test(l)), where).toEqual([]);
          else if (/\.(service|timer)$/.test(path)) expect(text.split("\n").filter((l) => l && !/^(\[[A-Z][A-Za-z]*\]|#.*|[A-Z][A-Za-z]*=.*)$/.test(l)), where).toEqual([]);
          else if (path.startsWith("/usr/local/sbin/")) expect(text, where).toMatch(/^#!\/bin\/bash\nset -euo pipefail\n|^#!\/bin\/bash\n(#.*\n)+set -euo pipefail\n/);
          else throw new Error(`${where}: a file of a kind this test does not check yet: add a parser for it here`);
        }
      }
    }
  });

  it("are rendered with the environment's tfvars and the stack's values, and leave the shell its own ${VAR}", () => {
    for (const env of ENVIRONMENTS) {
      const { app, chroma } = rendered[env];
      for (const script of [app, chroma]) {
        expect(script).toMatch(/^#!\/bin\/bash\n/);
        expect(script).not.toContain("$${");
        expect(script).not.toContain("CHANGE_ME");
        expect(script).toContain('grep -q "${COMPOSE_VERSION#v}"');
      }
      expect(app).toContain(`# AGENT platform app server bootstrap for Amazon Linux 2023 (${env}), rendered by cdktf-aws-stacks.`);
      expect(chroma).toContain(`# AGENT platform ChromaDB bootstrap for Amazon Linux 2023 (${env}), rendered by cdktf-aws-stacks.`);
      expect(chroma).toContain(`readonly DATA_VOLUME_ID="${SAMPLES[env]["aws_ebs_volume.chroma_DataVolume.id"]}"`);
      expect(chroma).toContain(`readonly DATA_DIR="${CHROMA_DATA_DIR}"`);
      // The start hook logs in to the backend's registry, and writes DATABASE_URL before every start.
      const prestart = heredoc(app, "/usr/local/sbin/agent-platform-prestart");
      expect(prestart).toContain(`readonly ECR_REGISTRY="${registry}"`);
      expect(prestart.trimEnd().split("\n").at(-1)).toBe(`${DATABASE_URL} >/dev/null`);
      expect(app).toContain("systemctl enable --now agent-platform-follow-password.timer");
      expect(app.trimEnd().split("\n").at(-1)).toBe('log "agent-platform.service is running (backend, frontend)"');
      expect(chroma.trimEnd().split("\n").at(-1)).toBe(`log "ChromaDB ${CHROMA_VERSION} is running on port 8000"`);
    }
    // Values only the tfvars give: dev's log level.
    expect(assignments(heredoc(rendered.dev.app, APP_ENV)).LOG_LEVEL).toBe("DEBUG");
    expect(assignments(heredoc(rendered.prod.app, APP_ENV)).LOG_LEVEL).toBe("INFO");
  });

  it("hold no secret: the stack has no secret variable, and the scripts hold no password, only the secret's ARN", () => {
    for (const env of ENVIRONMENTS) {
      expect(Object.keys(json[env].variable).filter((v) => /password|secret|token|api_key/i.test(v))).toEqual([]);
      const tfvars = readFileSync(join(REPO_ROOT, "environments", "agent-platform", `${env}.tfvars`), "utf8");
      expect(tfvars.split("\n").filter((l) => !l.trimStart().startsWith("#") && /password|secret|token/i.test(l))).toEqual([]);
      for (const script of [rendered[env].app, rendered[env].chroma]) {
        const code = script.split("\n").filter((line) => !line.trimStart().startsWith("#"));
        expect(code.filter((line) => /password["']?\s*[=:]\s*["']?[^\s"'$%(]/i.test(line))).toEqual([]);
        expect(script).not.toMatch(/^\s*(export\s+)?[A-Z_]*(PASSWORD|PASSWD|TOKEN)[A-Z_]*=/m);
        expect(script).not.toMatch(/SecretString=|secret_string/);
        // The only PostgreSQL URL is the one agent-platform-database-url assembles at start, from placeholders.
        const urls = [...script.matchAll(/postgres(?:ql)?:\/\/\S*/g)].map((m) => m[0]);
        expect(urls.filter((u) => !u.startsWith("postgresql://%s:%s@%s:%s/%s?"))).toEqual([]);
        expect(urls).toHaveLength(script === rendered[env].app ? 1 : 0);
        for (const sample of [AWKWARD_PASSWORD, ROTATED_PASSWORD, MISNAMED_VALUE]) expect(script).not.toContain(sample);
      }
      expect(heredoc(rendered[env].app, DATABASE_URL)).toContain(`readonly SECRET_ARN="${sampleSecretArn(env)}"`);
    }
  });

  describe("the app servers' docker-compose.yml", () => {
    const image = (env: Environment, service: string) => `${registry}/agent-platform-${env}/${service}:${SAMPLE_IMAGE_TAG}`;

    it("runs backend and frontend from the stack's ECR repositories at the image_tag, on the host's network, publishing no port", () => {
      for (const env of ENVIRONMENTS) {
        const { services } = composes[env].app;
        expect(composes[env].app.name).toBe("agent-platform");
        expect(Object.keys(services)).toEqual(["backend", "frontend"]);
        for (const name of ["backend", "frontend"]) {
          const service = services[name];
          expect(service.image).toBe(image(env, name));
          expect(service.network_mode).toBe("host");
          expect(service.ports).toBeUndefined();
          expect(service.platform).toBe("linux/amd64"); // t3: x86_64
          expect(service.restart).toBe("always");
        }
      }
      expect(heredoc(rendered.dev.app, COMPOSE)).not.toContain("$"); // nothing for compose to interpolate
    });

    it("gives the backend app.env and database.env, and the RDS CA bundle where DATABASE_URL looks for it", () => {
      for (const env of ENVIRONMENTS) {
        const { backend, frontend } = composes[env].app.services;
        expect(backend.env_file).toEqual([APP_ENV, DATABASE_ENV]);
        expect(backend.environment).toBeUndefined();
        expect(backend.volumes).toEqual([`${RDS_CA}:${CONTAINER_CA}:ro`]);
        expect(frontend.env_file).toBeUndefined();
        expect(frontend.volumes).toBeUndefined();
      }
      // What agent-platform-database-url writes is what compose reads.
      const script = heredoc(rendered.dev.app, DATABASE_URL);
      expect(script).toContain(`readonly ENV_FILE=${DATABASE_ENV}\n`);
      expect(script).toContain(`readonly CA_FILE=${RDS_CA}\n`);
      expect(script).toContain(`readonly CA_PATH="${CONTAINER_CA}"\n`);
    });

    it("checks the backend's health with Python against 127.0.0.1:8000 and backend_health_path", () => {
      for (const env of ENVIRONMENTS) {
        const { healthcheck } = composes[env].app.services.backend;
        const path = json[env].variable.backend_health_path.default;
        expect(path).toBe("/api/health");
        expect(healthcheck).toMatchObject({ interval: "30s", timeout: "10s", retries: 5, start_period: "60s" });
        expect(healthcheck.test.slice(0, 3)).toEqual(["CMD", "python", "-c"]);
        expect(healthcheck.test).toHaveLength(4);
        expect(healthcheck.test[3]).toContain(`urllib.request.urlopen('http://127.0.0.1:8000${path}', timeout=5).status == 200`);
      }
    });

    it("runs the frontend on 0.0.0.0:3000 and checks its health with Node on frontend_health_path", () => {
      for (const env of ENVIRONMENTS) {
        const { frontend } = composes[env].app.services;
        expect(frontend.environment).toEqual({ NODE_ENV: "production", PORT: "3000", HOSTNAME: "0.0.0.0", BACKEND_URL: "http://127.0.0.1:8000" });
        const path = json[env].variable.frontend_health_path.default;
        expect(frontend.healthcheck.test.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
        expect(frontend.healthcheck.test[3]).toContain(`fetch('http://127.0.0.1:3000${path}')`);
      }
    });

    it("logs each service to its own log group of the stack (awslogs)", () => {
      for (const env of ENVIRONMENTS) {
        const { backend, frontend } = composes[env].app.services;
        const options = (group: string) => ({ "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": `agent-platform-${env}`, mode: "non-blocking" });
        expect(backend.logging).toEqual({ driver: "awslogs", options: options(`/agent-platform/${env}/backend`) });
        expect(frontend.logging).toEqual({ driver: "awslogs", options: options(`/agent-platform/${env}/frontend`) });
        expect(json[env].output.log_groups.value.slice(0, 2)).toEqual([backend.logging.options["awslogs-group"], frontend.logging.options["awslogs-group"]]);
      }
    });

    it("health checks that pass on 200 and fail otherwise (run here against a local server)", () => {
      for (const service of ["backend", "frontend"] as const) {
        const { ok, failing } = health[service];
        expect(ok.code, `${service}: ${ok.stderr}`).toBe(0);
        expect(ok.seen).toEqual([`GET ${service === "backend" ? "/api/health" : "/"}`]);
        expect(failing.code, service).not.toBe(0);
      }
    });
  });

  describe("app.env", () => {
    it("holds the document's settings with the stack's values, and no DATABASE_URL nor password", () => {
      for (const env of ENVIRONMENTS) {
        const text = heredoc(rendered[env].app, APP_ENV);
        const endpoint = sampleCacheEndpoint(env);
        expect(assignments(text)).toEqual({
          ENVIRONMENT: env === "dev" ? "development" : "production",
          LOG_LEVEL: env === "dev" ? "DEBUG" : "INFO",
          DB_POOL_SIZE: "20",
          DB_MAX_OVERFLOW: "10",
          CHROMA_SERVER_HOST: `chroma.agent-platform-${env}.internal`,
          CHROMA_SERVER_PORT: "8000",
          REDIS_HOST: endpoint,
          REDIS_PORT: "6379",
          REDIS_DB: "0",
          REDIS_SSL: "true",
          REDIS_URL: `rediss://${endpoint}:6379/0`,
          AWS_S3_BUCKET: sampleUploadsBucket(env),
          AWS_S3_REGION: "us-east-1",
          AWS_REGION: "us-east-1",
          AWS_DEFAULT_REGION: "us-east-1",
          WEB_CONCURRENCY: "4",
        });
        expect(text).not.toMatch(/DATABASE_URL|PASSWORD|SECRET|TOKEN|postgres/i);
        expect(rendered[env].app).toContain(`chmod 0600 ${APP_ENV}`);
      }
    });
  });

  describe("the ChromaDB host's docker-compose.yml", () => {
    it(`runs chromadb/chroma:${CHROMA_VERSION} on port 8000 with its data on the data volume`, () => {
      for (const env of ENVIRONMENTS) {
        const compose = composes[env].chroma;
        expect(compose.name).toBe("agent-platform-chroma");
        expect(Object.keys(compose.services)).toEqual(["chroma"]);
        const { chroma } = compose.services;
        expect(chroma.image).toBe("chromadb/chroma:1.5.9");
        expect(CHROMA_VERSION).toBe("1.5.9");
        expect(chroma.ports).toEqual(["8000:8000"]);
        expect(chroma.volumes).toEqual([`${CHROMA_DATA_DIR}:/data`]);
        expect(chroma.restart).toBe("always");
        expect(chroma.logging).toEqual({
          driver: "awslogs",
          options: { "awslogs-group": `/agent-platform/${env}/chroma`, "awslogs-region": "us-east-1", "awslogs-stream-prefix": `agent-platform-${env}-chroma`, mode: "non-blocking" },
        });
        expect(heredoc(rendered[env].chroma, CHROMA_COMPOSE)).not.toContain("$");
      }
    });

    it("checks ChromaDB's heartbeat with bash's /dev/tcp, no curl nor wget; it passes on 200 and fails otherwise", () => {
      for (const env of ENVIRONMENTS) {
        const { healthcheck } = composes[env].chroma.services.chroma;
        expect(healthcheck.test.slice(0, 3)).toEqual(["CMD", "bash", "-c"]);
        expect(healthcheck.test[3]).toContain("exec 3<>/dev/tcp/127.0.0.1/8000");
        expect(healthcheck.test[3]).toContain("GET /api/v2/heartbeat HTTP/1.1");
        expect(JSON.stringify(healthcheck)).not.toMatch(/curl|wget/);
      }
      const { ok, failing } = health.chroma;
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.seen).toEqual(["GET /api/v2/heartbeat"]);
      expect(failing.code).not.toBe(0);
    });
  });
});

describe("agent-platform-database-url (run with a stub aws and a stub curl, its /etc paths redirected to a temp dir)", () => {
  const url = (password: string, host = sampleDbHost("dev")) =>
    `DATABASE_URL='postgresql://${DB_USER}:${percentEncoded(password)}@${host}:5432/agent?sslmode=verify-full&sslrootcert=${CONTAINER_CA}'\n`;

  it("writes DATABASE_URL with the password percent-encoded, root-only, and prints changed", () => {
    const { first } = db;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("changed\n");
    expect(first.stderr).toBe("");
    expect(percentEncoded(AWKWARD_PASSWORD)).toBe("p%40ss%3Aw%2Frd%3F%23%25%26%27%22%24%20%60%21");
    expect(first.etc["database.env"]).toEqual({ mode: 0o600, content: url(AWKWARD_PASSWORD) });
    expect(first.aws).toEqual([["secretsmanager", "get-secret-value", "--region", "us-east-1", "--secret-id", sampleSecretArn("dev"), "--query", "SecretString", "--output", "text"]]);
  });

  it("encodes the password so that Python's urllib.parse.unquote gives it back", () => {
    expect(db.unquoted.code, db.unquoted.stderr).toBe(0);
    expect(db.unquoted.stdout).toBe(AWKWARD_PASSWORD);
  });

  it("fetches the RDS certificate authorities once, readable by the container", () => {
    const { first, second } = db;
    expect(first.curl).toEqual([["--fail", "--silent", "--show-error", "--retry", "5", "--max-time", "60", "--output", expect.stringMatching(/\/etc\/agent-platform\/rds-ca\.pem\.\w{6}$/), CA_URL]]);
    expect(first.etc["rds-ca.pem"]).toEqual({ mode: 0o644, content: FAKE_PEM });
    expect(second.curl).toHaveLength(1); // not again
  });

  it("prints unchanged for the same secret and changed after a rotation, and leaves no temporary file", () => {
    const { first, second, rotated } = db;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe("unchanged\n");
    expect(second.etc).toEqual(first.etc);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toBe("changed\n");
    expect(rotated.etc["database.env"]).toEqual({ mode: 0o600, content: url(ROTATED_PASSWORD) });
    expect(rotated.aws).toHaveLength(3);
    for (const run of [first, second, rotated]) expect(Object.keys(run.etc)).toEqual(["database.env", "rds-ca.pem"]);
  });

  it("points prod's URL at prod's database", () => {
    expect(db.prod.code, db.prod.stderr).toBe(0);
    expect(db.prod.etc["database.env"]?.content).toBe(url("Simple-Prod-Passw0rd", sampleDbHost("prod")));
    expect(db.prod.aws?.[0]).toContain(sampleSecretArn("prod"));
  });

  it("fails on a secret without password, naming the key and never printing a value, and writes nothing", () => {
    const { noPassword } = db;
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr).toBe("agent-platform-database-url: the database secret has no password\n");
    expect(noPassword.stdout).toBe("");
    expect(noPassword.stderr + noPassword.stdout).not.toContain(MISNAMED_VALUE);
    expect(Object.keys(noPassword.etc)).toEqual(["rds-ca.pem"]);
  });

  it.each([
    ["the download fails", "caFails"],
    ["the download is not a certificate bundle", "caNotPem"],
  ] as const)("fails with a clear message and leaves no file when %s", (_case, key) => {
    const run = db[key];
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`agent-platform-database-url: could not fetch the RDS certificate authorities from ${CA_URL}\n`);
    expect(run.stdout).toBe("");
    expect(run.etc).toEqual({});
    expect(run.aws).toBeNull(); // the secret is not even read
  });
});

describe("agent-platform-follow-password (run with stub systemctl, docker and agent-platform-database-url)", () => {
  it("recreates only the backend, with the service's compose project, when DATABASE_URL changed", () => {
    const run = follow.changed;
    expect(run.code, run.stderr).toBe(0);
    expect(run.systemctl).toEqual([["is-active", "--quiet", "agent-platform.service"]]);
    expect(run.databaseUrl).toEqual([[]]);
    expect(run.docker).toEqual([
      ["compose", "--project-directory", "/opt/agent-platform", "--file", COMPOSE, "up", "--detach", "--no-deps", "--force-recreate", "--wait", "--wait-timeout", "600", "backend"],
    ]);
    expect(run.stdout).toBe("agent-platform: the database password changed; the backend runs with the new DATABASE_URL\n");
    // The same project the service runs: its working directory and compose file.
    expect(rendered.dev.app).toContain("WorkingDirectory=/opt/agent-platform\n");
    expect(rendered.dev.app).toContain(`Environment=COMPOSE_FILE=${COMPOSE}\n`);
  });

  it("calls no docker when DATABASE_URL is unchanged", () => {
    const run = follow.unchanged;
    expect(run.code, run.stderr).toBe(0);
    expect(run.databaseUrl).toEqual([[]]);
    expect(run.docker).toBeNull();
    expect(run.stdout).toBe("");
  });

  it("does nothing while agent-platform.service is not active", () => {
    const run = follow.inactive;
    expect(run.code, run.stderr).toBe(0);
    expect(run.systemctl).toEqual([["is-active", "--quiet", "agent-platform.service"]]);
    expect(run.databaseUrl).toBeNull();
    expect(run.docker).toBeNull();
  });

  // A command substitution inside `if [[ … ]]` loses its exit status (set -e does not apply in a condition): the
  // template assigns first, so a failed read of the secret fails the timer's unit instead of passing for "unchanged".
  it("fails when agent-platform-database-url fails, so the timer's unit shows the failure", () => {
    const run = follow.fails;
    expect(run.databaseUrl).toEqual([[]]);
    expect(run.docker).toBeNull();
    expect(run.stderr).toContain("AccessDeniedException");
    expect(run.code, "agent-platform-follow-password exits 0 although agent-platform-database-url failed").not.toBe(0);
  });
});
