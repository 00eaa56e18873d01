import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { requireTerraform } from "./support/terraform.js";
import { BootSandbox, heredoc, heredocs, installedScripts, lintScripts, realTool, renderWithSamples, runTool, ScriptLint } from "./support/rendered-boot.js";
import { onlyResource, synthH3Pipeline, TfJson } from "./support/synth.js";
import { CLICKHOUSE_DATA_DIR, CLICKHOUSE_VERSION } from "../stacks/h3-pipeline/clickhouse.js";

// The boot script of h3-pipeline-prod's self-hosted ClickHouse nodes (a HostGroup: one script in a local, each
// instance's user_data = base64gzip(replace(replace(local, "@@NODE_NUMBER@@", …), "@@DATA_VOLUME_ID@@", …))) as nodes
// 1 and 2 receive it: rendered by the real Terraform engine, offline, in a provider-free configuration holding the
// stack's own variables (given environments/h3-pipeline/prod.tfvars, as `terraform apply -var-file` would), the
// stack's own locals, and the instance's own user_data expression (without base64gzip) with count.index set and a
// sample volume id; only the resource and data-source attributes Terraform cannot know offline become sample values.
// One render serves every test. Checked statically (bash -n and shellcheck of the script and of every script it
// writes, every file it writes parsed as what it is), then the node's start hook (clickhouse-node-prestart) runs for
// real with openssl against a stub `aws` and a real CA made by scripts/make-private-ca.sh, and the backup job against
// a stub `docker`.

const REPO_ROOT = join(import.meta.dirname, "..");
const TFVARS = join(REPO_ROOT, "environments", "h3-pipeline", "prod.tfvars");
const NAME = "h3-pipeline-prod";
const DOMAIN = `${NAME}.internal`;
const REGION = "us-east-1";
const SAMPLE_ACCOUNT_ID = "123456789012";
const SAMPLE_BUCKET = "h3-pipeline-prod-data-20260301120000000000000001";
const SAMPLE_VPC_CIDR = "10.40.0.0/16";
const CA_KEY_SECRET = `arn:aws:secretsmanager:${REGION}:${SAMPLE_ACCOUNT_ID}:secret:${NAME}/clickhouse-ca-key-Ab12Cd`;
const PASSWORD_SECRET = `arn:aws:secretsmanager:${REGION}:${SAMPLE_ACCOUNT_ID}:secret:${NAME}/clickhouse-password-Ef34Gh`;
/** What the variables' checks accept as a CA (PEM-shaped): the render's; the start hook's runs get a real CA instead. */
const SAMPLE_CA_CERT = "-----BEGIN CERTIFICATE-----\nTEST-CA-CERTIFICATE\n-----END CERTIFICATE-----\n";
const SAMPLE_CA_KEY = "-----BEGIN PRIVATE KEY-----\ntest-Clickhouse-CA-key-s3cret\n-----END PRIVATE KEY-----\n";
const SAMPLE_IMAGE_TAG = "2026.03.01-4f2c9e1";
const NODES = [1, 2] as const;
type Node = (typeof NODES)[number];
const VOLUME_IDS: Record<Node, string> = { 1: "vol-0a1b2c3d4e5f60718", 2: "vol-0f9e8d7c6b5a49382" };
const nodeName = (n: number) => `clickhouse-${n}.${DOMAIN}`;
const GROUP_NAME = `clickhouse.${DOMAIN}`;

/** A sample for every attribute the boot script reads, keyed without the logical-id hash; `[*]` ones are lists. */
const SAMPLES: Readonly<Record<string, string | string[]>> = {
  "data.aws_caller_identity.account.account_id": SAMPLE_ACCOUNT_ID,
  "aws_s3_bucket.data_bucket.bucket": SAMPLE_BUCKET,
  "aws_secretsmanager_secret.clickhouse_ca_key_secret[*].arn": [CA_KEY_SECRET],
  "aws_secretsmanager_secret.clickhouse_password_secret[*].arn": [PASSWORD_SECRET],
  "aws_vpc.network[*].cidr_block": [SAMPLE_VPC_CIDR],
  "data.aws_vpc.network_ExistingVpc[*].cidr_block": [],
};

const RENDER_CACHE = "h3-pipeline-boot";

/** The ClickHouse instances' user_data expression: base64gzip of the per-node replace() of the shared local. */
function userDataExpression(json: TfJson): { local: string; perNode: string } {
  const expression: string = onlyResource(json, "aws_instance").user_data_base64;
  const m = /^\$\{base64gzip\((replace\(replace\(local\.(clickhouse_user_data_[0-9A-F]{8}), .*\))\)\}$/.exec(expression);
  if (!m) throw new Error(`unexpected user_data of the ClickHouse instances: ${expression}`);
  return { local: m[2]!, perNode: m[1]! };
}

/** The boot script of nodes 1 and 2 as Terraform renders it, with prod's tfvars. */
async function renderBootScripts(json: TfJson): Promise<Record<Node, string>> {
  // The instance's own expression, count.index and the volume's id given: what each node receives, before base64gzip.
  const { perNode } = userDataExpression(json);
  const volumeRef = /aws_ebs_volume\.clickhouse_DataVolume_[0-9A-F]{8}\[count\.index\]\.id/g;
  const outputs = Object.fromEntries(
    NODES.map((n) => {
      const expression = perNode.replace(volumeRef, JSON.stringify(VOLUME_IDS[n])).replace(/count\.index/g, String(n - 1));
      if (/count\.|aws_ebs_volume/.test(expression)) throw new Error(`user_data still reads ${expression}`);
      return [`node${n}`, expression];
    }),
  );
  const rendered = await renderWithSamples({
    stack: "h3-pipeline-prod",
    json,
    samples: SAMPLES,
    outputs,
    tfvars: TFVARS,
    // -var after -var-file wins: the tfvars' image_tag is a placeholder; prod's CA and its key come from the
    // environment (TF_VAR_…) in real use, PEM-shaped samples here (as __tests__/offline-terraform/stack-plans.test.ts).
    vars: [`-var=image_tag=${SAMPLE_IMAGE_TAG}`, `-var=clickhouse_ca_cert=${SAMPLE_CA_CERT}`, `-var=clickhouse_ca_key=${SAMPLE_CA_KEY}`, "-var=clickhouse_password=sample-render-password"],
    cache: RENDER_CACHE,
  });
  return { 1: rendered.node1!, 2: rendered.node2! };
}

const PRESTART = "/usr/local/sbin/clickhouse-node-prestart";
const BACKUP = "/usr/local/sbin/clickhouse-backup";
const COMPOSE = "/opt/clickhouse/docker-compose.yml";
const CLUSTER_XML = "/etc/clickhouse/config.d/cluster.xml";
const CA_CRT = "/etc/clickhouse/ca.crt";

/** The real programs the start hook uses (openssl for real); aws is a stub. */
const PRESTART_TOOLS = ["bash", "openssl", "install", "chown", "chmod", "mktemp", "mv", "rm", "grep", "sha256sum", "cut", "cat"] as const;

/** An XML element as python3's xml.etree sees it. */
interface XmlElement {
  tag: string;
  attrib: Record<string, string>;
  text: string;
  children: XmlElement[];
}
const child = (e: XmlElement | undefined, tag: string) => e?.children.find((c) => c.tag === tag);
const children = (e: XmlElement | undefined, tag: string) => e?.children.filter((c) => c.tag === tag) ?? [];
const textOf = (e: XmlElement | undefined, path: string) => path.split("/").reduce<XmlElement | undefined>((at, tag) => child(at, tag), e)?.text;

const XML_PARSER = `
import json, sys, xml.etree.ElementTree as ET
def tree(e):
    return {"tag": e.tag, "attrib": dict(e.attrib), "text": (e.text or "").strip(), "children": [tree(c) for c in e]}
out = []
for text in json.load(sys.stdin):
    try:
        out.append(tree(ET.fromstring(text)))
    except ET.ParseError as err:
        out.append({"error": str(err)})
json.dump(out, sys.stdout)
`;
/** Parses XML documents with python3's xml.etree (one process for all): each a tree, or `{ error }`. */
async function parseXml(python: string, texts: readonly string[]): Promise<Array<XmlElement | { error: string }>> {
  const run = await runTool(python, ["-c", XML_PARSER], process.env, JSON.stringify(texts));
  if (run.code !== 0) throw new Error(`python3 xml.etree: ${run.stderr}`);
  return JSON.parse(run.stdout);
}
function xmlOk(parsed: XmlElement | { error: string } | undefined, what: string): XmlElement {
  if (!parsed || "error" in parsed) throw new Error(`${what} is not XML: ${parsed && "error" in parsed ? parsed.error : "missing"}`);
  return parsed;
}

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

const mode = (path: string) => statSync(path).mode & 0o777;


/** The lines of the boot script that enable the backup timer (its `if … fi`, with the node's number), run with a stub systemctl. */
async function backupTimer(dir: string, script: string, bash: string) {
  const block = /^if [^\n]*\n(?:  [^\n]*\n)*?fi$/m;
  const found = [...script.matchAll(new RegExp(block.source, "gm"))].map((m) => m[0]).filter((b) => b.includes("clickhouse-backup.timer"));
  if (found.length !== 1) throw new Error(`expected one if … fi enabling clickhouse-backup.timer, found ${found.length}`);
  const number = /^readonly NODE_NUMBER="[0-9]+"$/m.exec(script);
  if (!number) throw new Error("the boot script sets no NODE_NUMBER");
  const s = new BootSandbox(dir, { bash });
  s.stub("systemctl", "exit 0");
  const run = await s.install("enable-backup-timer", `#!/bin/bash\nset -euo pipefail\n${number[0]}\n${found[0]}`, [])();
  return { code: run.code, systemctl: s.calls("systemctl") };
}

/** The image's own default user (programs/server/users.xml of ClickHouse): what users.d/users.xml is merged over. */
const IMAGE_DEFAULT_USER = ["password", "networks", "profile", "quota", "access_management", "named_collection_control"];
const PASSWORD_FIELDS = ["password", "password_sha256_hex", "password_double_sha1_hex", "no_password", "ldap", "kerberos", "ssl_certificates", "ssh_keys", "http_authentication"];
/** The child elements a user of users.d ends up with once ClickHouse merges it over the image's users.xml. */
function mergedUserFields(user: XmlElement): string[] {
  const own = user.children.filter((c) => c.attrib.remove === undefined).map((c) => c.tag);
  const removed = user.children.filter((c) => c.attrib.remove !== undefined).map((c) => c.tag);
  if (user.tag !== "default" || user.attrib.replace !== undefined) return own;
  return [...new Set([...IMAGE_DEFAULT_USER.filter((t) => !removed.includes(t)), ...own])];
}

const SAMPLE_PASSWORD = "p@ss:w/rd?#%&'\"$ `!<x>";
const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const APP_USER = "h3_app";
const NOT_A_KEY = "not-a-key: Hunter2-Sample-Value";

/** A sandbox for clickhouse-node-prestart of a node: its /etc/clickhouse and data dir redirected, a stub aws. */
function prestartSandbox(name: string, n: Node, tools: Record<string, string>, secrets: { caKey: string; password: string }, o: { appUser?: string } = {}) {
  const dir = join(work, "runs", name);
  const secretDir = join(work, "secrets", name);
  mkdirSync(secretDir, { recursive: true });
  writeFileSync(join(secretDir, "ca-key"), secrets.caKey);
  writeFileSync(join(secretDir, "password"), secrets.password);
  const s = new BootSandbox(dir, tools);
  // What user-data leaves before the first start: /etc/clickhouse with the CA's certificate (here a real CA's).
  mkdirSync(join(dir, "etc", "clickhouse", "users.d"), { recursive: true });
  mkdirSync(join(dir, "etc", "clickhouse", "config.d"), { recursive: true });
  writeFileSync(join(dir, "etc", "clickhouse", "ca.crt"), readFileSync(ca.cert));
  s.stub(
    "aws",
    [
      'id=""',
      'while (( $# )); do if [[ $1 == --secret-id ]]; then id=$2; shift; fi; shift; done',
      'case $id in',
      `  '${CA_KEY_SECRET}') file=ca-key ;;`,
      `  '${PASSWORD_SECRET}') file=password ;;`,
      '  *) echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: $id" >&2; exit 254 ;;',
      "esac",
      // As the CLI prints a SecretString with --output text: the value and a newline.
      `printf '%s\\n' "$(cat '${secretDir}'/"$file")"`,
    ].join("\n"),
  );
  const uid = process.getuid!();
  if (process.getgid!() !== uid) throw new Error("these runs give the files to the current uid as its group too (CLICKHOUSE_UID): run them as a user whose gid is its uid");
  const redirects: Array<[string, string, number]> = [
    ["/etc/clickhouse", join(dir, "etc", "clickhouse"), 6],
    [CLICKHOUSE_DATA_DIR, join(dir, "data"), 2],
    // The files belong to ClickHouse's uid 101 in the container; here to the current user, who may give them away.
    ["readonly CLICKHOUSE_UID=101", `readonly CLICKHOUSE_UID=${uid}`, 1],
  ];
  if (o.appUser) redirects.push(['readonly APP_USER="default"', `readonly APP_USER="${o.appUser}"`, 1]);
  const run = s.install("clickhouse-node-prestart", heredoc(rendered[n], PRESTART), redirects);
  return { s, dir, run, secretDir };
}

/** The state a prestart run leaves: exit, output, the TLS files and /etc/clickhouse's written files. */
async function prestartState(sb: ReturnType<typeof prestartSandbox>) {
  const run = await sb.run();
  const tls = join(sb.dir, "data", "tls");
  const etc = join(sb.dir, "etc", "clickhouse");
  const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : null);
  return {
    ...run,
    crt: read(join(tls, "server.crt")),
    keyMode: existsSync(join(tls, "server.key")) ? mode(join(tls, "server.key")) : null,
    crtMode: existsSync(join(tls, "server.crt")) ? mode(join(tls, "server.crt")) : null,
    clusterEnv: read(join(etc, "cluster.env")),
    clusterEnvMode: existsSync(join(etc, "cluster.env")) ? mode(join(etc, "cluster.env")) : null,
    usersXml: read(join(etc, "users.d", "users.xml")),
    etcFiles: readdirSync(etc).sort(),
    aws: sb.s.calls("aws"),
  };
}

/** A certificate for the node's names, valid but expired (issued by `caDir`'s CA in January 2025), by `openssl ca`. */
const FORGE_EXPIRED = `set -euo pipefail
dir=$1 ca_crt=$2 ca_key=$3 name=$4 group=$5 out=$6
cd "$dir"
printf '[ca]\\ndefault_ca = d\\n[d]\\ndatabase = ./index.txt\\nserial = ./serial\\nnew_certs_dir = .\\ndefault_md = sha256\\npolicy = p\\n[p]\\ncommonName = supplied\\n' > ca.cnf
: > index.txt
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName = DNS:%s, DNS:%s\\n' "$name" "$group" > ext
openssl ca -batch -config ca.cnf -cert "$ca_crt" -keyfile "$ca_key" -startdate 20250101000000Z -enddate 20250201000000Z -create_serial -in server.csr -out "$out" -extfile ext -notext 2>/dev/null
`;
/** A current certificate for the node's names, issued by a CA of its own (not the cluster's). */
const FORGE_FOREIGN = `set -euo pipefail
dir=$1 name=$2 group=$3 out=$4
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=someone else's CA" -addext "basicConstraints=critical,CA:TRUE" -keyout foreign-ca.key -out foreign-ca.crt 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName = DNS:%s, DNS:%s\\n' "$name" "$group" > ext
openssl x509 -req -in server.csr -CA foreign-ca.crt -CAkey foreign-ca.key -set_serial 7 -days 397 -extfile ext -out "$out" 2>/dev/null
`;

async function prestartRuns(tools: Record<string, string>, python: string) {
  const caKey = readFileSync(join(ca.dir, "ca.key"), "utf8");
  const good = { caKey, password: SAMPLE_PASSWORD };
  // Node 1's life: first start, a restart, a restart with an expired certificate, one with a foreign CA's.
  const lifecycle = async () => {
    const sb = prestartSandbox("node1", 1, tools, good);
    const first = await prestartState(sb);
    const second = await prestartState(sb);
    const crt = join(sb.dir, "data", "tls", "server.crt");
    const forge = async (name: string, script: string, args: string[]) => {
      const d = join(work, name);
      mkdirSync(d);
      const r = await runTool(tools.bash!, ["-c", script, "forge", d, ...args], process.env);
      if (r.code !== 0) throw new Error(`${name}: ${r.stderr}`);
      rmSync(crt, { force: true });
      writeFileSync(crt, readFileSync(join(d, "server.crt")));
      return readFileSync(crt, "utf8");
    };
    const expiredCrt = await forge("forge-expired", FORGE_EXPIRED, [ca.cert, join(ca.dir, "ca.key"), nodeName(1), GROUP_NAME, join(work, "forge-expired", "server.crt")]);
    const expiredVerify = await runTool("openssl", ["verify", "-CAfile", ca.cert, crt], process.env);
    const expired = await prestartState(sb);
    const foreignCrt = await forge("forge-foreign", FORGE_FOREIGN, [nodeName(1), GROUP_NAME, join(work, "forge-foreign", "server.crt")]);
    const foreign = await prestartState(sb);
    return { sb, first, second, expiredCrt, expiredVerify, expired, foreignCrt, foreign, firstCert: await certificateFacts(first.crt!, sb.dir) };
  };
  const node2 = async () => {
    const sb = prestartSandbox("node2", 2, tools, good);
    const state = await prestartState(sb);
    return { ...state, cert: await certificateFacts(state.crt!, sb.dir) };
  };
  const once = async (name: string, secrets: { caKey: string; password: string }, o: { appUser?: string } = {}) => prestartState(prestartSandbox(name, 1, tools, secrets, o));
  const [life, two, appUser, emptyPassword, badKey] = await Promise.all([
    lifecycle(),
    node2(),
    once("app-user", good, { appUser: APP_USER }),
    once("empty-password", { caKey, password: "" }),
    once("bad-ca-key", { caKey: NOT_A_KEY, password: SAMPLE_PASSWORD }),
  ]);
  const [usersDefault, usersApp] = await parseXml(python, [life.first.usersXml ?? "", appUser.usersXml ?? ""]);
  // Everything the runs left on disk (their TMPDIR included), but not the stub's secret store nor the CA's own directory.
  const onDisk = filesUnder(join(work, "runs")).map((f) => ({ f, text: readFileSync(f, "latin1") }));
  const holdsKey = (text: string) => ca.keyBody.some((line) => text.includes(line));
  const keyFound = onDisk.filter(({ text }) => holdsKey(text)).map(({ f }) => f);
  // The search finds the key where it is: the stub's secret store.
  const searchWorks = holdsKey(readFileSync(join(work, "secrets", "node1", "ca-key"), "latin1"));
  const leftInTmp = NODES.flatMap((n) => readdirSync(join(work, "runs", `node${n}`, "tmp")));
  return { ...life, node2: two, appUser, emptyPassword, badKey, usersDefault: usersDefault!, usersApp: usersApp!, keyFound, searchWorks, leftInTmp, onDisk: onDisk.length };
}

async function certificateFacts(pem: string, dir: string) {
  const file = join(dir, "inspected.crt");
  writeFileSync(file, pem);
  const [subject, san, verify, eku] = await Promise.all([
    runTool("openssl", ["x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", file], process.env),
    runTool("openssl", ["x509", "-noout", "-ext", "subjectAltName", "-in", file], process.env),
    runTool("openssl", ["verify", "-CAfile", ca.cert, file], process.env),
    runTool("openssl", ["x509", "-noout", "-ext", "extendedKeyUsage", "-in", file], process.env),
  ]);
  rmSync(file);
  return { subject: subject.stdout.trim(), san: san.stdout.split("\n")[1]?.trim() ?? "", verify, eku: eku.stdout.split("\n")[1]?.trim() ?? "" };
}

const BACKUP_STAMP = "20260301T020000Z";
const DATABASES = ["default", "events", "h3-cells"];
const BACKUP_URL = `https://${SAMPLE_BUCKET}.s3.${REGION}.amazonaws.com/backups`;

/** clickhouse-backup of node 1 against a stub docker (answering the databases query) and a stub date. */
async function backupRun(name: string, bash: string, failOn?: string) {
  const s = new BootSandbox(join(work, name), { bash });
  s.stub("date", `[[ "$*" == "-u +%Y%m%dT%H%M%SZ" ]] || { echo "unexpected date $*" >&2; exit 1; }\necho ${BACKUP_STAMP}`);
  s.stub(
    "docker",
    [
      'query=""',
      'for a in "$@"; do if [[ $prev == --query ]]; then query=$a; fi; prev=$a; done',
      'case $query in',
      `  "SELECT name FROM system.databases"*) printf '%s\\n' ${DATABASES.map((d) => `'${d}'`).join(" ")} ;;`,
      ...(failOn ? [`  *'\`${failOn}\`'*) echo "Code: 499. DB::Exception: Access Denied. (S3_ERROR)" >&2; exit 49 ;;`] : []),
      "  BACKUP*) printf '6f1c0a2e-7b4d-4e8a-9c61-2d5f0e8b7a14\\tBACKUP_CREATED\\n' ;;",
      '  *) echo "unexpected query: $query" >&2; exit 1 ;;',
      "esac",
    ].join("\n").replace("$prev ==", "${prev:-} =="),
  );
  const run = await s.install("clickhouse-backup", heredoc(rendered[1], BACKUP), [])();
  return { ...run, docker: s.calls("docker") };
}
const backupRuns = async (bash: string) => {
  const [ok, fails] = await Promise.all([backupRun("backup-ok", bash), backupRun("backup-fails", bash, "events")]);
  return { ok, fails };
};

let json: TfJson;
let rendered: Record<Node, string>;
let work: string;
let lint: ScriptLint;
let compose: Record<Node, any>;
let clusterXml: Record<Node, XmlElement | { error: string }>;
let writtenXml: Record<string, XmlElement | { error: string }>;
let timer: Record<Node, { code: number; systemctl: string[][] | null }>;
let ca: { dir: string; cert: string; keyBody: string[] };
let prestart: Awaited<ReturnType<typeof prestartRuns>>;
let backup: Awaited<ReturnType<typeof backupRuns>>;

beforeAll(async () => {
  requireTerraform();
  json = synthH3Pipeline("prod");
  rendered = await renderBootScripts(json);
  compose = { 1: parseYaml(heredoc(rendered[1], COMPOSE)), 2: parseYaml(heredoc(rendered[2], COMPOSE)) };
  work = mkdtempSync(join(tmpdir(), "h3-pipeline-boot-"));
  const files: Record<string, string> = {};
  for (const n of NODES) {
    files[`user-data-node${n}.sh`] = rendered[n];
    Object.assign(files, installedScripts(rendered[n], `-node${n}`));
  }
  lint = lintScripts(join(work, "lint"), files);
  const python = await realTool("python3");
  const [x1, x2] = await parseXml(python, [heredoc(rendered[1], CLUSTER_XML), heredoc(rendered[2], CLUSTER_XML)]);
  clusterXml = { 1: x1!, 2: x2! };
  const xmlFiles = NODES.flatMap((n) => Object.entries(heredocs(rendered[n])).filter(([p]) => p.endsWith(".xml")).map(([p, t]) => [`node${n}:${p}`, t] as const));
  const parsedXml = await parseXml(python, xmlFiles.map(([, t]) => t));
  writtenXml = Object.fromEntries(xmlFiles.map(([k], i) => [k, parsedXml[i]!]));

  const tools = Object.fromEntries(await Promise.all([...PRESTART_TOOLS].map(async (t) => [t, await realTool(t)] as const)));
  const [timers, madeCa] = await Promise.all([
    Promise.all(NODES.map((n) => backupTimer(join(work, `timer-${n}`), rendered[n], tools.bash!))),
    runTool(tools.bash!, [join(REPO_ROOT, "scripts", "make-private-ca.sh"), "--name", `${NAME} ClickHouse CA`, "--out", join(work, "ca")], process.env),
  ]);
  timer = { 1: timers[0]!, 2: timers[1]! };
  if (madeCa.code !== 0) throw new Error(`scripts/make-private-ca.sh failed: ${madeCa.stderr}`);
  const keyPem = readFileSync(join(work, "ca", "ca.key"), "utf8");
  ca = { dir: join(work, "ca"), cert: join(work, "ca", "ca.crt"), keyBody: keyPem.split("\n").filter((l) => l && !l.startsWith("-----")) };
  [prestart, backup] = await Promise.all([prestartRuns(tools, python), backupRuns(tools.bash!)]);
}, 30_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the rendered boot script of h3-pipeline-prod's ClickHouse nodes (nodes 1 and 2)", () => {
  it("is the instances' user data: the shared local with the node's number and data volume put in, before base64gzip", () => {
    const { local } = userDataExpression(json);
    expect(onlyResource(json, "aws_instance").user_data_base64).toBe(
      `\${base64gzip(replace(replace(local.${local}, "@@NODE_NUMBER@@", tostring((count.index + 1))), "@@DATA_VOLUME_ID@@", aws_ebs_volume.${Object.keys(json.resource.aws_ebs_volume)[0]}[count.index].id))}`,
    );
    for (const n of NODES) {
      expect(rendered[n]).toMatch(/^#!\/bin\/bash\n/);
      expect(rendered[n]).toContain(`readonly DATA_VOLUME_ID="${VOLUME_IDS[n]}"`);
    }
  });

  it("leaves no placeholder: no @@, no CHANGE_ME, no $${", () => {
    for (const n of NODES) {
      expect(rendered[n].split("\n").filter((l) => l.includes("@@")), `node ${n}`).toEqual([]);
      expect(rendered[n]).not.toContain("CHANGE_ME");
      expect(rendered[n]).not.toContain("$${");
    }
  });

  it("is valid bash, and so is every script it writes", async () => {
    const checks = await lint.bash;
    expect(Object.keys(lint.files).sort()).toEqual(
      NODES.flatMap((n) => [`user-data-node${n}.sh`, `clickhouse-node-prestart-node${n}`, `clickhouse-backup-node${n}`, `clickhouse-prestart-node${n}`]).sort(),
    );
    for (const [file, result] of checks) expect(result.code, `${file}: ${result.stderr}`).toBe(0);
  });

  it("is shellcheck-clean, and so is every script it writes", async () => {
    const checked = await lint.shellcheck;
    expect(checked.map((r) => r.output).join(""), "shellcheck findings").toBe("");
    for (const r of checked) expect(r.status, r.file).toBe(0);
  });
});

describe("the files the ClickHouse boot script writes", () => {
  it("parse as what they are (compose YAML, XML, JSON, PEM, systemd units, scripts)", () => {
    for (const n of NODES) {
      const written = heredocs(rendered[n]);
      expect(Object.keys(written).sort()).toEqual(
        [
          "/etc/docker/daemon.json",
          "/opt/aws/amazon-cloudwatch-agent/etc/clickhouse.json",
          CA_CRT,
          CLUSTER_XML,
          PRESTART,
          BACKUP,
          "/etc/systemd/system/clickhouse-backup.service",
          "/etc/systemd/system/clickhouse-backup.timer",
          COMPOSE,
          "/usr/local/sbin/clickhouse-prestart",
          "/etc/systemd/system/clickhouse.service",
        ].sort(),
      );
      for (const [path, text] of Object.entries(written)) {
        const where = `node ${n}: ${path}`;
        if (path.endsWith(".yml")) expect(() => parseYaml(text, { strict: true, uniqueKeys: true }), where).not.toThrow();
        else if (path.endsWith(".json")) expect(() => JSON.parse(text), where).not.toThrow();
        else if (path.endsWith(".xml")) expect(writtenXml[`node${n}:${path}`], where).not.toHaveProperty("error");
        else if (path.endsWith(".crt")) expect(text.trim(), where).toBe(SAMPLE_CA_CERT.trim());
        else if (/\.(service|timer)$/.test(path)) expect(text.split("\n").filter((l) => l && !/^(\[[A-Z][A-Za-z]*\]|#.*|[A-Z][A-Za-z]*=.*)$/.test(l)), where).toEqual([]);
        else if (path.startsWith("/usr/local/sbin/")) expect(text, where).toMatch(/^#!\/bin\/bash\nset -euo pipefail\n|^#!\/bin\/bash\n(#.*\n)+set -euo pipefail\n/);
        else throw new Error(`${where}: a file of a kind this test does not check yet: add a parser for it here`);
      }
    }
  });

  it(`docker-compose.yml runs clickhouse/clickhouse-server:${CLICKHOUSE_VERSION} on the host's network with the node's files`, () => {
    expect(CLICKHOUSE_VERSION).toBe("26.3.17.110");
    for (const n of NODES) {
      expect(Object.keys(compose[n].services)).toEqual(["clickhouse"]);
      const { clickhouse } = compose[n].services;
      expect(clickhouse.image).toBe("clickhouse/clickhouse-server:26.3.17.110");
      expect(clickhouse.network_mode).toBe("host");
      expect(clickhouse.ports).toBeUndefined();
      expect(clickhouse.platform).toBe("linux/amd64"); // r6i: x86_64
      expect(clickhouse.environment).toEqual({ CLICKHOUSE_SKIP_USER_SETUP: "1" });
      expect(clickhouse.env_file).toEqual(["/etc/clickhouse/cluster.env"]);
      expect(clickhouse.volumes).toEqual([
        `${CLICKHOUSE_DATA_DIR}/data:/var/lib/clickhouse`,
        `${CLICKHOUSE_DATA_DIR}/tls:/etc/clickhouse-server/tls:ro`,
        "/etc/clickhouse/config.d/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro",
        "/etc/clickhouse/users.d/users.xml:/etc/clickhouse-server/users.d/users.xml:ro",
      ]);
      expect(clickhouse.restart).toBe("always");
      expect(clickhouse.logging).toEqual({ driver: "awslogs", options: { "awslogs-group": "/clickhouse/server", "awslogs-region": REGION, "awslogs-stream-prefix": `${NAME}-clickhouse`, mode: "non-blocking" } });
    }
    // What the start hook and the config write is what compose mounts.
    const prestartText = heredoc(rendered[1], PRESTART);
    expect(prestartText).toContain(`readonly TLS_DIR="${CLICKHOUSE_DATA_DIR}/tls"`);
    expect(prestartText).toContain("mv \"$tmp\" /etc/clickhouse/cluster.env");
    expect(prestartText).toContain("mv \"$tmp\" /etc/clickhouse/users.d/users.xml");
    expect(textOf(xmlOk(clusterXml[1], "cluster.xml"), "openSSL/server/certificateFile")).toBe("/etc/clickhouse-server/tls/server.crt");
    expect(textOf(xmlOk(clusterXml[1], "cluster.xml"), "openSSL/server/privateKeyFile")).toBe("/etc/clickhouse-server/tls/server.key");
  });

  it("docker-compose.yml checks health with the image's wget on 127.0.0.1:8123/ping, no curl", () => {
    for (const n of NODES) {
      const { healthcheck } = compose[n].services.clickhouse;
      expect(healthcheck.test).toEqual(["CMD", "wget", "--spider", "-q", "http://127.0.0.1:8123/ping"]);
      expect(healthcheck).toMatchObject({ interval: "30s", timeout: "10s", retries: 5, start_period: "60s" });
      expect(JSON.stringify(compose[n])).not.toContain("curl");
    }
  });

  describe.each(NODES)("cluster.xml of node %i", (n) => {
    const xml = () => xmlOk(clusterXml[n], `cluster.xml of node ${n}`);
    const ALL = [1, 2, 3].map(nodeName);

    it("is ClickHouse XML (<clickhouse>) with the node's own Keeper id and replica macro", () => {
      expect(xml().tag).toBe("clickhouse");
      expect(textOf(xml(), "keeper_server/server_id")).toBe(String(n));
      expect(textOf(xml(), "macros/replica")).toBe(`clickhouse-${n}`);
      expect(textOf(xml(), "macros/shard")).toBe("01");
      expect(textOf(xml(), "macros/cluster")).toBe("h3");
      expect(textOf(xml(), "interserver_http_host")).toBe(nodeName(n));
      expect(textOf(xml(), "interserver_http_port")).toBe("9009");
    });

    it("names the three nodes as Keeper's raft servers and ZooKeeper nodes, and as the shard's replicas", () => {
      const raft = children(child(child(xml(), "keeper_server"), "raft_configuration"), "server");
      expect(raft.map((s) => [textOf(s, "id"), textOf(s, "hostname"), textOf(s, "port")])).toEqual(ALL.map((h, i) => [String(i + 1), h, "9234"]));
      expect(textOf(xml(), "keeper_server/tcp_port")).toBe("9181");
      expect(children(child(xml(), "zookeeper"), "node").map((z) => [textOf(z, "host"), textOf(z, "port")])).toEqual(ALL.map((h) => [h, "9181"]));
      const cluster = child(child(xml(), "remote_servers"), "h3");
      expect(child(xml(), "remote_servers")?.attrib).toEqual({ replace: "true" });
      const shards = children(cluster, "shard");
      expect(shards).toHaveLength(1);
      expect(textOf(shards[0], "internal_replication")).toBe("true");
      expect(children(shards[0], "replica").map((r) => [textOf(r, "host"), textOf(r, "port")])).toEqual(ALL.map((h) => [h, "9000"]));
    });

    it("serves clients over TLS only on 9440 and 8443, with the node's certificate", () => {
      expect(textOf(xml(), "tcp_port_secure")).toBe("9440");
      expect(textOf(xml(), "https_port")).toBe("8443");
      expect(textOf(xml(), "openSSL/server/disableProtocols")).toBe("sslv2,sslv3,tlsv1,tlsv1_1");
    });

    it("shares the inter-node secret from CLICKHOUSE_CLUSTER_SECRET and signs S3 backups with the instance role", () => {
      const secret = child(child(child(xml(), "remote_servers"), "h3"), "secret");
      expect(secret).toEqual({ tag: "secret", attrib: { from_env: "CLICKHOUSE_CLUSTER_SECRET" }, text: "", children: [] });
      expect(textOf(xml(), "s3/backups/endpoint")).toBe(`${BACKUP_URL}/`);
      expect(textOf(xml(), "s3/backups/use_environment_credentials")).toBe("true");
    });
  });

  it("the backup timer is enabled on node 1 only", () => {
    expect(timer[1].code).toBe(0);
    expect(timer[1].systemctl).toEqual([["enable", "--now", "clickhouse-backup.timer"]]);
    expect(timer[2].code).toBe(0);
    expect(timer[2].systemctl).toBeNull();
    for (const n of NODES) {
      expect(heredoc(rendered[n], "/etc/systemd/system/clickhouse-backup.timer")).toContain("OnCalendar=*-*-* 02:00:00 UTC");
      expect(heredoc(rendered[n], "/etc/systemd/system/clickhouse-backup.service")).toContain(`ExecStart=${BACKUP}`);
    }
  });
});

describe("clickhouse-node-prestart (run with openssl, a stub aws and a real CA; /etc/clickhouse and the data dir redirected to a temp dir)", () => {
  it("issues node 1's certificate for its own name and the group's, from the cluster's CA, its key mode 0400", () => {
    const { first, firstCert } = prestart;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`clickhouse-node-prestart: issuing the certificate of ${nodeName(1)}\n`);
    expect(first.stderr).toBe("");
    expect(firstCert.subject).toBe(`subject=CN=${nodeName(1)}`);
    expect(firstCert.san).toBe(`DNS:${nodeName(1)}, DNS:${GROUP_NAME}`);
    expect(firstCert.eku).toBe("TLS Web Server Authentication");
    expect(firstCert.verify.code, firstCert.verify.stdout + firstCert.verify.stderr).toBe(0);
    expect(first.keyMode).toBe(0o400);
    expect(first.crtMode).toBe(0o444);
    expect(first.aws).toEqual([
      ["secretsmanager", "get-secret-value", "--region", REGION, "--secret-id", CA_KEY_SECRET, "--query", "SecretString", "--output", "text"],
      ["secretsmanager", "get-secret-value", "--region", REGION, "--secret-id", PASSWORD_SECRET, "--query", "SecretString", "--output", "text"],
    ]);
  });

  it("issues node 2's certificate for node 2's name", () => {
    const { node2 } = prestart;
    expect(node2.code, node2.stderr).toBe(0);
    expect(node2.cert.subject).toBe(`subject=CN=${nodeName(2)}`);
    expect(node2.cert.san).toBe(`DNS:${nodeName(2)}, DNS:${GROUP_NAME}`);
    expect(node2.cert.verify.code).toBe(0);
    expect(node2.keyMode).toBe(0o400);
  });

  it("keeps a current certificate on the next start (same bytes)", () => {
    const { first, second } = prestart;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe("");
    expect(second.crt).toBe(first.crt);
  });

  it("reissues an expired certificate", () => {
    const { expiredCrt, expiredVerify, expired } = prestart;
    expect(expiredVerify.code, "the forged certificate should be expired").not.toBe(0);
    expect(expiredVerify.stdout + expiredVerify.stderr).toContain("certificate has expired");
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stdout).toBe(`clickhouse-node-prestart: issuing the certificate of ${nodeName(1)}\n`);
    expect(expired.crt).not.toBe(expiredCrt);
    expect(expired.keyMode).toBe(0o400);
  });

  it("reissues a certificate of another CA", () => {
    const { foreignCrt, foreign, expired } = prestart;
    expect(foreign.code, foreign.stderr).toBe(0);
    expect(foreign.stdout).toBe(`clickhouse-node-prestart: issuing the certificate of ${nodeName(1)}\n`);
    expect(foreign.crt).not.toBe(foreignCrt);
    expect(foreign.crt).not.toBe(expired.crt);
  });

  it("never writes the CA key to disk (its PEM body is in no file the runs left), and leaves no temporary file", () => {
    expect(prestart.onDisk).toBeGreaterThan(10);
    expect(ca.keyBody.length).toBeGreaterThan(1);
    expect(prestart.searchWorks).toBe(true);
    expect(prestart.keyFound).toEqual([]);
    expect(prestart.leftInTmp).toEqual([]);
    for (const run of [prestart.first, prestart.second, prestart.foreign, prestart.node2]) expect(run.etcFiles).toEqual(["ca.crt", "cluster.env", "config.d", "users.d"]);
  });

  it("writes CLICKHOUSE_CLUSTER_SECRET (64 hex characters, root-only), the same on every node", () => {
    const m = /^CLICKHOUSE_CLUSTER_SECRET=([0-9a-f]{64})\n$/.exec(prestart.first.clusterEnv ?? "");
    expect(m, prestart.first.clusterEnv ?? "no cluster.env").not.toBeNull();
    expect(prestart.node2.clusterEnv).toBe(prestart.first.clusterEnv);
    expect(prestart.second.clusterEnv).toBe(prestart.first.clusterEnv);
    expect(prestart.first.clusterEnvMode).toBe(0o600);
  });

  it("users.xml (app user default, as prod's tfvars): the password only as its SHA-256, from the VPC and localhost", () => {
    const users = xmlOk(prestart.usersDefault, "users.xml");
    expect(prestart.first.usersXml).not.toContain(SAMPLE_PASSWORD);
    expect(users.tag).toBe("clickhouse");
    const all = child(users, "users")!.children;
    expect(all.map((u) => u.tag)).toEqual(["default", "local_backup"]); // no separate default block
    const user = all[0]!;
    // The whole user replaced: the image's default has a password field and access management.
    expect(user.attrib).toEqual({ replace: "replace" });
    expect(textOf(user, "password_sha256_hex")).toBe(sha256Hex(SAMPLE_PASSWORD));
    expect(child(user, "networks")?.attrib).toEqual({ replace: "replace" });
    expect(children(child(user, "networks"), "ip").map((i) => i.text)).toEqual([SAMPLE_VPC_CIDR, "::1", "127.0.0.1"]);
    expect(textOf(user, "profile")).toBe("default");
  });

  it("users.xml (another app user): default restricted to localhost, without a password; the app user with its hash", () => {
    const { appUser } = prestart;
    expect(appUser.code, appUser.stderr).toBe(0);
    expect(appUser.usersXml).not.toContain(SAMPLE_PASSWORD);
    const all = child(xmlOk(prestart.usersApp, "users.xml"), "users")!.children;
    expect(all.map((u) => u.tag)).toEqual(["default", APP_USER, "local_backup"]);
    const [byDefault, app, backupUser] = all as [XmlElement, XmlElement, XmlElement];
    expect(backupUser.attrib).toEqual({ replace: "replace" });
    expect(backupUser.children.map((c) => c.tag)).toEqual(["no_password", "networks", "profile", "quota", "grants"]);
    expect(children(child(backupUser, "networks"), "ip").map((i) => i.text)).toEqual(["::1", "127.0.0.1"]);
    expect(byDefault.children.map((c) => c.tag)).toEqual(["networks"]);
    expect(children(child(byDefault, "networks"), "ip").map((i) => i.text)).toEqual(["::1", "127.0.0.1"]);
    expect(child(byDefault, "networks")?.attrib).toEqual({ replace: "replace" });
    expect(textOf(app, "password_sha256_hex")).toBe(sha256Hex(SAMPLE_PASSWORD));
    expect(children(child(app, "networks"), "ip").map((i) => i.text)).toEqual([SAMPLE_VPC_CIDR, "::1", "127.0.0.1"]);
    expect(children(child(app, "grants"), "query").map((q) => q.text)).toEqual(["GRANT ALL ON *.*"]);
  });

  // ClickHouse merges users.d/users.xml over the image's users.xml, whose default user has <password></password>,
  // <access_management>1 and <named_collection_control>1. A user with two password fields, or <grants> beside
  // access_management, is refused ("More than one field of 'password', 'password_sha256_hex' …", "Any other access
  // control settings can't be specified with `grants`"): the app user must replace the image's default user.
  it.each([
    ["app user default (prod's tfvars)", "usersDefault"],
    ["another app user", "usersApp"],
  ] as const)("users.xml merged over the image's users.xml gives each user one password field and no access settings beside grants (%s)", (_case, key) => {
    const problems = child(xmlOk(prestart[key], "users.xml"), "users")!.children.flatMap((user) => {
      const fields = mergedUserFields(user);
      const passwords = fields.filter((f) => PASSWORD_FIELDS.includes(f));
      return [
        ...(passwords.length > 1 ? [`${user.tag}: ${passwords.join(" and ")}`] : []),
        ...(fields.includes("grants") ? fields.filter((f) => ["access_management", "named_collection_control", "show_named_collections_secrets", "allow_databases", "allow_dictionaries"].includes(f)).map((f) => `${user.tag}: grants beside ${f}`) : []),
      ];
    });
    expect(problems, "ClickHouse would refuse these users").toEqual([]);
  });

  it("fails on an empty password secret, naming the secret and printing no value", () => {
    const run = prestart.emptyPassword;
    expect(run.code).not.toBe(0);
    expect(run.stderr).toBe(`clickhouse-node-prestart: the password secret ${PASSWORD_SECRET} is empty: put the password in it (aws secretsmanager put-secret-value)\n`);
    expect(run.usersXml).toBeNull();
    for (const line of ca.keyBody) expect(run.stdout + run.stderr).not.toContain(line);
  });

  it("fails clearly on a CA key secret that is not a PEM key, and issues nothing", () => {
    const run = prestart.badKey;
    expect(run.code).not.toBe(0);
    expect(run.stderr).toBe(`clickhouse-node-prestart: the CA key in ${CA_KEY_SECRET} is not a private key (PEM); see scripts/make-private-ca.sh\n`);
    expect(run.stderr + run.stdout).not.toContain("Hunter2");
    expect(run.crt).toBeNull();
    expect(run.clusterEnv).toBeNull();
    expect(run.aws).toHaveLength(1); // the password is not even read
  });
});

describe("clickhouse-backup (node 1; run with a stub docker answering the databases query)", () => {
  it("backs up every user database with BACKUP DATABASE `<db>` TO S3(…/backups/<UTC stamp>/<db>)", () => {
    const { ok } = backup;
    expect(ok.code, ok.stderr).toBe(0);
    const queries = ok.docker!.map((args) => {
      expect(args.slice(0, 6)).toEqual(["exec", "clickhouse", "clickhouse-client", "--user", "local_backup", "--query"]);
      return args[6];
    });
    expect(queries).toEqual([
      "SELECT name FROM system.databases WHERE name NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') ORDER BY name",
      ...DATABASES.map((db) => `BACKUP DATABASE \`${db}\` TO S3('${BACKUP_URL}/${BACKUP_STAMP}/${db}')`),
    ]);
    expect(ok.stdout.trimEnd().split("\n").at(-1)).toBe(`backed up 3 databases to ${BACKUP_URL}/${BACKUP_STAMP}/`);
    // Under the endpoint cluster.xml gives the instance role's credentials.
    expect(`${BACKUP_URL}/${BACKUP_STAMP}/events`.startsWith(textOf(xmlOk(clusterXml[1], "cluster.xml"), "s3/backups/endpoint")!)).toBe(true);
  });

  it("fails when a BACKUP fails, and backs up nothing after it", () => {
    const { fails } = backup;
    expect(fails.code).not.toBe(0);
    expect(fails.stderr).toContain("S3_ERROR");
    expect(fails.stdout).not.toContain("backed up 3 databases");
    expect(fails.docker).toHaveLength(3); // the list, default, events
  });

  // prod's clickhouse_user is "default": the start hook gives default the application's password, and the backup
  // job's clickhouse-client gives no user nor password, so the nightly backup cannot log in.
  it("logs in as a user that users.xml lets in from localhost without a password, or passes credentials (prod: app user default)", () => {
    const args = backup.ok.docker![0]!;
    const userArg = args.indexOf("--user");
    const user = userArg >= 0 ? args[userArg + 1]! : "default";
    const passesPassword = args.some((a) => a === "--password" || a.startsWith("--password=")) || /CLICKHOUSE_PASSWORD/.test(heredoc(rendered[1], BACKUP));
    const entry = child(child(xmlOk(prestart.usersDefault, "users.xml"), "users"), user);
    const needsPassword = entry ? entry.children.some((c) => PASSWORD_FIELDS.includes(c.tag) && c.tag !== "no_password" && !(c.tag === "password" && c.text === "")) : false;
    expect(needsPassword && !passesPassword, `the backup logs in as ${user} without a password, but users.xml gives ${user} a password`).toBe(false);
  });
});
