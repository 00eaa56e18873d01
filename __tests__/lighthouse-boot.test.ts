import { lintScripts, ScriptLint } from "./support/rendered-boot.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { BootRun, BootSandbox, BootSandboxOptions, Call, callsOf, ExecRun, requireMountNamespace, STOCK_FSTAB, assertStubsCover } from "./support/boot-sandbox.js";
import { requireTerraform } from "./support/terraform.js";
import {
  assertLighthouseSamplesCover, LIGHTHOUSE_USER_DATA_SAMPLES, renderLighthouseUserData, sampleBackupBucket, synthLighthouse,
} from "./support/lighthouse-user-data.js";
import { bootScriptOf } from "./support/synth.js";
import { DATA_DIR, DATA_MOUNT, KEEP_LOCAL_DUMPS, MAX_CONNECTIONS, POSTGRES_UID, TIMESCALEDB_IMAGE } from "../stacks/lighthouse/database.js";
import { TEMPLATES_DIR } from "../modules/core/index.js";

// The lighthouse boot script as the instance receives it (the synthesized user_data rendered by the real Terraform
// engine with sample values), checked with bash, shellcheck and a YAML parser, then run for real as root in the boot
// sandbox (support/boot-sandbox.ts: a mount namespace, a chroot, stub system commands): twice on a new volume, twice
// on a volume that already holds a cluster. Then the scripts it wrote run on the machine it left:
// the start hooks against a fake AWS, the backup and restore against a fake AWS and a fake container.

const LOG = "/var/log/lighthouse-bootstrap.log";
const TLS_DIR = `${DATA_MOUNT}/tls`;
const DUMPS = "/var/backups/timescaledb";
const NEW_FS_UUID = "7b0c1e52-3d4a-4f6b-9c8d-2e1f0a9b8c7d"; // what the mkfs.xfs stub gives a new filesystem
const RESTORED_FS_UUID = "5e7a0c3d-1b2f-4d6e-8a9b-0c1d2e3f4a5b";
const DEV_PASSWORD = "Sample-Dev-Passw0rd-7c1e";
const PROD_PASSWORD = "Sample-Prod-Passw0rd-2b9d";
const DEV_PARAMETER = LIGHTHOUSE_USER_DATA_SAMPLES.dev["aws_ssm_parameter.timescaledb_Secrets_Password.name"] as string;
const PROD_SECRET_ARN = (LIGHTHOUSE_USER_DATA_SAMPLES.prod["aws_secretsmanager_secret.database_password[*].arn"] as string[])[0]!;
const DEV_BUCKET = sampleBackupBucket("dev");
const TIMESCALEDB_VERSION = "2.24.0";
/** MemTotal of a t4g.micro (1 GiB) and a t4g.small (2 GiB), in KiB. */
const MEM_1_GIB = 1024 * 1024;
const MEM_2_GIB = 2 * 1024 * 1024;
/** The virtual wall clock of the backups (boot-clock.sh): 2026-10-01 03:05:12 UTC, then a day later. */
const BACKUP_TIME = Date.UTC(2026, 9, 1, 3, 5, 12) / 1000;
const FAKE_CONTAINER = readFileSync(join(import.meta.dirname, "support/fake-timescaledb.sh"), "utf8");

/** The text between `cat > PATH <<'TAG'` and `TAG` in the rendered script. */
function heredoc(script: string, path: string): string {
  const match = script.match(new RegExp(`cat > ${path.replace(/[.]/g, "\\.")} <<'?(\\w+)'?\\n([\\s\\S]*?)\\n\\1\\n`));
  if (!match) throw new Error(`no heredoc writes ${path}`);
  return match[2];
}

const template = (name: string) => readFileSync(join(TEMPLATES_DIR, "lighthouse", name), "utf8");
const args = (calls: readonly Call[]) => calls.map((c) => c.args.join(" "));
/** The files without the bootstrap log, which every run appends to by design (`tee -a`). */
const withoutLog = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([path]) => path !== LOG));
const count = (text: string, line: string) => text.split("\n").filter((l) => l === line).length;
const dataLine = (uuid: string) => `UUID=${uuid} ${DATA_MOUNT} xfs defaults,nofail,noatime 0 2`;

function explain(run: BootRun | ExecRun): string {
  const out = "log" in run ? `--- ${LOG} (this run) ---\n${run.log}` : `--- stdout ---\n${run.stdout}`;
  return `run ${run.run} exited ${run.code}\n${out}--- stderr ---\n${run.stderr}`;
}

/** A boot run that succeeded, or a failure that says why (a missing stub first: the likeliest cause after a template change). */
function expectBooted(run: BootRun): void {
  assertStubsCover(run, explain(run));
  expect(run.code, explain(run)).toBe(0);
  expect(run.log, explain(run)).toContain("TimescaleDB is running (lighthouse.service)");
}

function expectOk(run: ExecRun): void {
  expect(run.code, explain(run)).toBe(0);
}

interface Played<T> {
  readonly runs: BootRun[];
  /** Files after each run (BootSandbox.files). */
  readonly files: Record<string, string>[];
  readonly fstab: string;
  /** What `then` found. */
  readonly after: T;
}

/**
 * Boots a new sandbox (its machine holding `existing` files first) with a script, `times` times; `then` runs the
 * instance's own scripts on the machine the boot script left.
 */
async function boot<T>(
  script: string,
  options: BootSandboxOptions,
  times: number,
  then: (s: BootSandbox) => Promise<T>,
  existing: Readonly<Record<string, string>> = {},
): Promise<Played<T>> {
  const sandbox = new BootSandbox(script, { bootstrapLog: LOG, memTotalKiB: MEM_1_GIB, ...options });
  try {
    for (const [path, content] of Object.entries(existing)) sandbox.write(path, content, { mode: path.endsWith(".key") ? 0o600 : 0o644 });
    const runs: BootRun[] = [];
    const files: Record<string, string>[] = [];
    while (runs.length < times) {
      runs.push(await sandbox.run());
      files.push(sandbox.files());
    }
    const fstab = sandbox.read("/etc/fstab");
    return { runs, files, fstab, after: await then(sandbox) };
  } finally {
    sandbox.cleanup();
  }
}

/** The start hooks on the dev machine: the password from SSM, memory settings for 1 and 2 GiB, the password sync. */
async function startHooks(s: BootSandbox) {
  s.write(`/.sandbox/state/aws/ssm${DEV_PARAMETER}`, DEV_PASSWORD, { mode: 0o600 });
  s.write("/.sandbox/state/docker-exec", FAKE_CONTAINER, { mode: 0o755 });
  s.write("/.sandbox/state/timescaledb/version", `${TIMESCALEDB_VERSION}\n`);
  s.setMemTotalKiB(MEM_1_GIB);
  const micro = await s.exec(["/usr/local/sbin/lighthouse-prestart"]);
  const microFiles = s.files();
  s.setMemTotalKiB(MEM_2_GIB);
  const small = await s.exec(["/usr/local/sbin/lighthouse-prestart"]);
  const smallFiles = s.files();
  const poststart = await s.exec(["/usr/local/sbin/lighthouse-poststart"]);
  return { micro, microFiles, small, smallFiles, poststart, sql: s.read("/.sandbox/state/timescaledb/sql") };
}

/** Backups and restores on the dev machine, against the fake container and the fake S3. */
async function backupsAndRestores(s: BootSandbox) {
  s.write("/.sandbox/state/docker-exec", FAKE_CONTAINER, { mode: 0o755 });
  s.write("/.sandbox/state/timescaledb/version", `${TIMESCALEDB_VERSION}\n`);
  s.write("/.sandbox/state/aws/.fake", ""); // a fake AWS account (boot-stubs.sh), its bucket empty
  // Three dumps of earlier nights already on the instance (older files: the script keeps the newest by time).
  const day = 86_400_000;
  const earlier = [3, 2, 1].map((n) => ({ path: `${DUMPS}/lighthouse_dev_202609${31 - n}_030000.dump`, mtime: new Date(Date.now() - n * day) }));
  for (const e of earlier) s.write(e.path, "PGDMP old\n", { mode: 0o600, mtime: e.mtime });
  s.write(`${DUMPS}/README`, "not a dump\n", { mtime: new Date(Date.now() - 10 * day) });
  s.write("/.sandbox/state/now", `${BACKUP_TIME}\n`);
  const backup = await s.exec(["/usr/local/bin/backup-timescaledb.sh"]);
  const afterBackup = s.files();
  s.write("/.sandbox/state/now", `${BACKUP_TIME + 86_400}\n`);
  s.write("/.sandbox/state/timescaledb/pg_dump-fails", "");
  const failed = await s.exec(["/usr/local/bin/backup-timescaledb.sh"]);
  const afterFailed = s.files();
  s.remove("/.sandbox/state/timescaledb/pg_dump-fails");

  const object = `s3://${DEV_BUCKET}/lighthouse-dev/lighthouse_dev_20261001_030512.dump`;
  const unconfirmed = await s.exec(["/usr/local/bin/restore-timescaledb.sh", object]);
  // The image moved on to another release since the dump was made.
  s.write("/.sandbox/state/timescaledb/version", "2.25.1\n");
  const mismatch = await s.exec(["/usr/local/bin/restore-timescaledb.sh", object, "--yes"]);
  s.write("/.sandbox/state/timescaledb/version", `${TIMESCALEDB_VERSION}\n`);
  const restore = await s.exec(["/usr/local/bin/restore-timescaledb.sh", object, "--yes"]);
  return {
    earlier,
    backup,
    afterBackup,
    failed,
    afterFailed,
    unconfirmed,
    mismatch,
    restore,
    afterRestore: s.files(),
    s3: s.read(`/.sandbox/state/aws/s3/${DEV_BUCKET}/lighthouse-dev/lighthouse_dev_20261001_030512.dump`),
    s3Metadata: s.read(`/.sandbox/state/aws/s3/${DEV_BUCKET}/lighthouse-dev/lighthouse_dev_20261001_030512.dump.metadata`),
    restored: s.read("/.sandbox/state/timescaledb/restored"),
    sql: s.read("/.sandbox/state/timescaledb/sql"),
  };
}

/** The prod start hook: the password from Secrets Manager, and nothing written while the secret cannot be read. */
async function prodStart(s: BootSandbox) {
  s.write("/.sandbox/state/aws/.fake", ""); // a fake AWS account (boot-stubs.sh) without the secret, at first
  const unreadable = await s.exec(["/usr/local/sbin/lighthouse-prestart"]);
  const afterUnreadable = s.files();
  s.write(`/.sandbox/state/aws/secretsmanager/${PROD_SECRET_ARN.replace(/[:/]/g, "_")}`, PROD_PASSWORD, { mode: 0o600 });
  const prestart = await s.exec(["/usr/local/sbin/lighthouse-prestart"]);
  return { unreadable, afterUnreadable, prestart, files: s.files() };
}

/** A volume that already holds the cluster and the certificate (a replaced instance, or a restored volume). */
const EXISTING: Record<string, string> = {
  [`${DATA_DIR}/PG_VERSION`]: "16\n",
  [`${DATA_DIR}/base/16384/2619`]: "heap pages of the existing cluster\n",
  [`${TLS_DIR}/server.key`]: "-----BEGIN PRIVATE KEY-----\nthe key clients pinned\n-----END PRIVATE KEY-----\n",
  [`${TLS_DIR}/server.crt`]: "-----BEGIN CERTIFICATE-----\nthe certificate clients pinned\n-----END CERTIFICATE-----\n",
};

let dev: string;
let prod: string;
let played: {
  fresh: Played<Awaited<ReturnType<typeof startHooks>>>;
  backups: Played<Awaited<ReturnType<typeof backupsAndRestores>>>;
  replacement: Played<undefined>;
  prod: Played<Awaited<ReturnType<typeof prodStart>>>;
};
let lint: ScriptLint;

beforeAll(async () => {
  requireTerraform();
  requireMountNamespace();
  [dev, prod] = await Promise.all([renderLighthouseUserData("dev"), renderLighthouseUserData("prod")]);

  // Static checks of the boot scripts and of every script they write, in one shellcheck run, beside the sandboxes.
  const dir = mkdtempSync(join(tmpdir(), "lighthouse-user-data-"));
  const files: Record<string, string> = {
    "user-data-dev.sh": dev,
    "user-data-prod.sh": prod,
    "backup-timescaledb.sh": heredoc(dev, "/usr/local/bin/backup-timescaledb.sh"),
    "restore-timescaledb.sh": heredoc(dev, "/usr/local/bin/restore-timescaledb.sh"),
    "lighthouse-prestart-dev": heredoc(dev, "/usr/local/sbin/lighthouse-prestart"),
    "lighthouse-prestart-prod": heredoc(prod, "/usr/local/sbin/lighthouse-prestart"),
    "lighthouse-poststart": heredoc(dev, "/usr/local/sbin/lighthouse-poststart"),
  };
  lint = lintScripts(dir, files);

  const [fresh, backups, replacement, prodPlayed] = await Promise.all([
    boot(dev, {}, 2, startHooks),
    boot(dev, {}, 1, backupsAndRestores),
    boot(dev, { existingFilesystemUuid: RESTORED_FS_UUID }, 2, async () => undefined, EXISTING),
    boot(prod, { memTotalKiB: MEM_2_GIB }, 1, prodStart),
  ]);
  played = { fresh, backups, replacement, prod: prodPlayed };
}, 60_000);

afterAll(() => {
  if (lint) rmSync(lint.dir, { recursive: true, force: true });
});

describe("rendered lighthouse user-data (dev and prod) and the scripts it writes", () => {
  it("is valid bash, and so is every script it writes", async () => {
    const checks = await lint.bash;
    for (const [file, result] of checks) expect(result.code, `${file}: ${result.stderr}`).toBe(0);
  });

  it("is shellcheck-clean, and so is every script it writes", async () => {
    const runs = await lint.shellcheck;
    expect(runs.map((r) => r.output).join(""), "shellcheck findings").toBe("");
    for (const r of runs) expect(r.status, r.file).toBe(0);
  });

  it("writes the backup and restore scripts and pg_hba.conf exactly as templates/lighthouse has them", () => {
    expect(`${lint.files["backup-timescaledb.sh"]}\n`).toBe(template("backup-timescaledb.sh"));
    expect(`${lint.files["restore-timescaledb.sh"]}\n`).toBe(template("restore-timescaledb.sh"));
    expect(`${heredoc(dev, "/opt/lighthouse/pg_hba.conf")}\n`).toBe(template("pg_hba.conf"));
  });

  it("reaches the shell with its own ${VAR} expansions intact, and interpolates the stack's expressions", () => {
    for (const script of [dev, prod]) {
      expect(script).not.toContain("$${");
      expect(script).toContain('${KEEP_LOCAL:-3}');
      expect(script).toContain("PG_SHARED_BUFFERS=${shared_mib}MB");
      expect(script).toMatch(/^#!\/bin\/bash\n/);
      expect(script).toContain("LOG=/var/log/lighthouse-bootstrap.log");
    }
    expect(dev).toContain('-subj "/CN=lighthouse-dev-timescaledb"');
    expect(dev).toContain(`BACKUP_BUCKET=${DEV_BUCKET}\n`);
    expect(prod).toContain(`readonly POSTGRES_PASSWORD_SECRET_ARN="${PROD_SECRET_ARN}"`);
  });

  it("needs a sample for every reference, also inside an expression, and says where to add one", () => {
    const { "var.backup_s3_bucket": _bucket, ...withoutBucket } = LIGHTHOUSE_USER_DATA_SAMPLES.dev;
    expect(() => assertLighthouseSamplesCover(bootScriptOf(synthLighthouse("dev")), "dev", withoutBucket)).toThrow(
      "lighthouse-dev user_data references var.backup_s3_bucket with no sample value: add a realistic value for it (key without the " +
        "logical-id hash; a list for a [*] splat) to LIGHTHOUSE_USER_DATA_SAMPLES.dev in __tests__/support/lighthouse-user-data.ts",
    );
  });

  it("holds no password", () => {
    for (const script of [dev, prod]) expect(script).not.toMatch(/POSTGRES_PASSWORD=[^'$\n]|Sample-\w+-Passw0rd/);
  });

  describe("docker-compose.yml", () => {
    let text: string;
    let db: any;
    beforeAll(() => {
      text = heredoc(dev, "/opt/lighthouse/docker-compose.yml");
      db = parseYaml(text).services.timescaledb;
    });

    it("runs the pinned TimescaleDB image (never latest) as container timescaledb", () => {
      expect(Object.keys(parseYaml(text).services)).toEqual(["timescaledb"]);
      expect(db.image).toBe(TIMESCALEDB_IMAGE);
      expect(db.image).toMatch(/^timescale\/timescaledb:\d+\.\d+\.\d+-pg\d+$/);
      expect(db.image).not.toMatch(/latest/);
      expect(db.container_name).toBe("timescaledb");
      expect(db.platform).toBe("linux/arm64");
      expect(db.restart).toBe("always");
      expect(db.environment).toEqual({ POSTGRES_USER: "postgres", POSTGRES_DB: "lighthouse_dev", TIMESCALEDB_TELEMETRY: "off" });
    });

    it("is healthy only when the server accepts TCP connections (pg_isready -h 127.0.0.1)", () => {
      expect(db.healthcheck.test).toEqual(["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "lighthouse_dev"]);
    });

    it("keeps the cluster on the data volume and the TLS pair read-only beside it", () => {
      expect(db.volumes).toEqual([
        `${DATA_DIR}:/var/lib/postgresql/data`,
        `${TLS_DIR}:/etc/postgresql/tls:ro`,
        "/opt/lighthouse/pg_hba.conf:/etc/postgresql/pg_hba.conf:ro",
      ]);
      expect(DATA_DIR).toBe("/mnt/timescaledb-data/pgdata");
    });

    it("turns TLS on with the boot script's pair and its pg_hba.conf", () => {
      const settings = db.command.filter((_: string, i: number) => i % 2 === 0 && i > 0);
      expect(db.command[0]).toBe("postgres");
      expect(db.command.filter((_: string, i: number) => i % 2 === 1)).toEqual(Array(settings.length).fill("-c"));
      expect(settings).toEqual(
        expect.arrayContaining([
          "ssl=on",
          "ssl_cert_file=/etc/postgresql/tls/server.crt",
          "ssl_key_file=/etc/postgresql/tls/server.key",
          "ssl_min_protocol_version=TLSv1.2",
          "hba_file=/etc/postgresql/pg_hba.conf",
          "timescaledb.telemetry_level=off",
        ]),
      );
    });

    it("leaves the memory settings to compose's own ${…} interpolation from /opt/lighthouse/.env", () => {
      expect(db.command).toEqual(
        expect.arrayContaining([
          "shared_buffers=${PG_SHARED_BUFFERS}",
          "effective_cache_size=${PG_EFFECTIVE_CACHE_SIZE}",
          "maintenance_work_mem=${PG_MAINTENANCE_WORK_MEM}",
          "work_mem=${PG_WORK_MEM}",
          `max_connections=\${PG_MAX_CONNECTIONS}`,
        ]),
      );
      // Every ${…} left in the file is one of those: nothing of Terraform's or the shell's.
      expect([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).sort()).toEqual(
        ["PG_EFFECTIVE_CACHE_SIZE", "PG_MAINTENANCE_WORK_MEM", "PG_MAX_CONNECTIONS", "PG_SHARED_BUFFERS", "PG_WORK_MEM"],
      );
      expect(text).not.toMatch(/\$\$/);
    });

    it("takes the password from the root-only env file, never inline, and ships logs to CloudWatch", () => {
      expect(db.env_file).toEqual(["/etc/lighthouse/secrets.env"]);
      expect(JSON.stringify(db)).not.toMatch(/PASSWORD/);
      expect(db.logging).toEqual(JSON.parse(LIGHTHOUSE_USER_DATA_SAMPLES.dev["local.timescaledb_container_logging"] as string));
    });
  });
});

// OpenLIT's user-data-idempotency.test.ts runs the host partials (swap, compose plugin, volume wait, reboot) through
// every case; here, what lighthouse adds to them.
describe("lighthouse user-data on a new instance with an empty volume, run again", () => {
  let first: BootRun;
  let second: BootRun;
  let files: Record<string, string>[];
  beforeAll(() => {
    [first, second] = played.fresh.runs;
    files = played.fresh.files;
  });

  it("succeeds every time, calling only commands the sandbox provides", () => {
    for (const run of played.fresh.runs) expectBooted(run);
  });

  it("formats the empty volume on the first run only, and mounts it by UUID once in /etc/fstab", () => {
    expect(args(callsOf(first.calls, "mkfs.xfs"))).toEqual(["-q -L timescaledb /dev/nvme1n1"]);
    expect(callsOf(second.calls, "blkid").length).toBeGreaterThan(0); // it looked, and found the filesystem
    expect(callsOf(second.calls, "mkfs.xfs")).toEqual([]);
    expect(played.fresh.fstab).toBe(`${STOCK_FSTAB}/swapfile none swap sw 0 0\n${dataLine(NEW_FS_UUID)}\n`);
    expect(args(callsOf(first.calls, "mount"))).toEqual([DATA_MOUNT]);
    expect(callsOf(second.calls, "mount")).toEqual([]);
    expect(files[0][DATA_DIR]).toMatch(/^dir /);
  });

  it("makes the TLS certificate once, on the data volume, its key owned by the image's postgres user and private", () => {
    expect(callsOf(first.calls, "openssl")).toHaveLength(1);
    const [openssl] = callsOf(first.calls, "openssl");
    expect(openssl.args.join(" ")).toBe(
      `req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj /CN=lighthouse-dev-timescaledb ` +
        `-keyout ${TLS_DIR}/server.key.new -out ${TLS_DIR}/server.crt.new`,
    );
    expect(files[0][`${TLS_DIR}/server.key`]).toMatch(/^file 0600\n-----BEGIN PRIVATE KEY-----\nstub key of run 1\n/);
    expect(files[0][`${TLS_DIR}/server.crt`]).toMatch(/^file 0644\n-----BEGIN CERTIFICATE-----\nstub certificate for \/CN=lighthouse-dev-timescaledb, run 1\n/);
    expect(files[0][TLS_DIR]).toBe("dir 0755");
    expect(Object.keys(files[0]).filter((p) => p.endsWith(".new"))).toEqual([]);
    expect(args(callsOf(first.calls, "chown"))).toEqual([`${POSTGRES_UID}:${POSTGRES_UID} ${TLS_DIR}/server.key ${TLS_DIR}/server.crt`]);
    expect(callsOf(second.calls, "openssl")).toEqual([]);
    expect(files[1][`${TLS_DIR}/server.key`]).toBe(files[0][`${TLS_DIR}/server.key`]);
    expect(files[1][`${TLS_DIR}/server.crt`]).toBe(files[0][`${TLS_DIR}/server.crt`]);
  });

  it("writes pg_hba.conf, the backup tools and their settings, the start hooks and the units", () => {
    const f = files[0];
    expect(f["/opt/lighthouse/pg_hba.conf"]).toBe(`file 0644\n${template("pg_hba.conf")}`);
    expect(f["/usr/local/bin/backup-timescaledb.sh"]).toBe(`file 0700\n${template("backup-timescaledb.sh")}`);
    expect(f["/usr/local/bin/restore-timescaledb.sh"]).toBe(`file 0700\n${template("restore-timescaledb.sh")}`);
    expect(f["/etc/lighthouse/backup.env"]).toBe(
      `file 0600\nDATABASE=lighthouse_dev\nREGION=us-east-1\nBACKUP_BUCKET=${DEV_BUCKET}\nBACKUP_PREFIX=lighthouse-dev\nKEEP_LOCAL=${KEEP_LOCAL_DUMPS}\n`,
    );
    expect(f[DUMPS]).toBe("dir 0700");
    expect(f["/etc/lighthouse"]).toBe("dir 0700");
    expect(f["/usr/local/sbin/lighthouse-prestart"]).toMatch(/^file 0700\n#!\/bin\/bash\n/);
    expect(f["/usr/local/sbin/lighthouse-poststart"]).toMatch(/^file 0700\n#!\/bin\/bash\n/);
    expect(f["/opt/lighthouse/docker-compose.yml"]).toBe(`file 0644\n${heredoc(dev, "/opt/lighthouse/docker-compose.yml")}\n`);
    const unit = f["/etc/systemd/system/lighthouse.service"];
    expect(unit).toContain("ExecStartPre=/usr/local/sbin/lighthouse-prestart\n");
    expect(unit).toContain("ExecStartPost=/usr/local/sbin/lighthouse-poststart\n");
    expect(unit).toContain(`RequiresMountsFor=${DATA_MOUNT}\n`);
    expect(f["/etc/systemd/system/backup-timescaledb.service"]).toContain("ExecStart=/usr/local/bin/backup-timescaledb.sh\n");
    expect(f["/etc/systemd/system/backup-timescaledb.service"]).toContain("Requisite=lighthouse.service\n");
    expect(f["/etc/systemd/system/backup-timescaledb.timer"]).toContain("OnCalendar=*-*-* 03:00:00 UTC\n");
    expect(f["/etc/systemd/system/backup-timescaledb.timer"]).toContain("Persistent=true\n");
    // What the compose file mounts from the host is there.
    for (const path of ["/opt/lighthouse/pg_hba.conf", `${TLS_DIR}/server.crt`, `${TLS_DIR}/server.key`, DATA_DIR]) expect(f[path], path).toBeDefined();
  });

  it("loads the units, restarts lighthouse.service and enables the backup timer, on every run", () => {
    for (const run of played.fresh.runs) {
      const systemctl = args(callsOf(run.calls, "systemctl"));
      const reload = systemctl.indexOf("daemon-reload");
      expect(reload, `run ${run.run}`).toBeGreaterThanOrEqual(0);
      expect(systemctl.slice(reload)).toEqual(["daemon-reload", "enable lighthouse.service", "restart lighthouse.service", "enable --now backup-timescaledb.timer"]);
    }
  });

  it("ends the second run with exactly the files of the first: nothing appended twice, nothing made again", () => {
    expect(withoutLog(files[1])).toEqual(withoutLog(files[0]));
    expect(files[1][LOG]).toBe(files[0][LOG] + second.log);
    expect(count(played.fresh.fstab, dataLine(NEW_FS_UUID))).toBe(1);
  });
});

describe("lighthouse user-data on a replacement instance: the volume already holds a cluster and the certificate", () => {
  it("never formats the volume nor makes a new certificate, and keeps the cluster as it was", () => {
    const s = played.replacement;
    for (const run of s.runs) expectBooted(run);
    expect(args(callsOf(s.runs[0].calls, "blkid"))).toContain("-o value -s TYPE /dev/nvme1n1");
    for (const run of s.runs) {
      expect(callsOf(run.calls, "mkfs.xfs"), `run ${run.run}`).toEqual([]);
      expect(callsOf(run.calls, "openssl"), `run ${run.run}`).toEqual([]);
      // The existing pair still gets the image's owner (a volume restored elsewhere may have lost it).
      expect(args(callsOf(run.calls, "chown"))).toEqual([`${POSTGRES_UID}:${POSTGRES_UID} ${TLS_DIR}/server.key ${TLS_DIR}/server.crt`]);
    }
    for (const files of s.files) {
      for (const [path, content] of Object.entries(EXISTING)) expect(files[path]?.replace(/^file \d+\n/, ""), path).toBe(content);
      expect(files[`${TLS_DIR}/server.key`]).toMatch(/^file 0600\n/);
    }
    expect(s.fstab).toBe(`${STOCK_FSTAB}/swapfile none swap sw 0 0\n${dataLine(RESTORED_FS_UUID)}\n`);
    expect(withoutLog(s.files[1])).toEqual(withoutLog(s.files[0]));
  });
});

describe("lighthouse-prestart, before every start", () => {
  it("dev: writes the SSM password root-only for the container", () => {
    const { micro, microFiles } = played.fresh.after;
    expectOk(micro);
    expect(args(callsOf(micro.calls, "aws"))).toEqual([`ssm get-parameter --region us-east-1 --name ${DEV_PARAMETER} --with-decryption --query Parameter.Value --output text`]);
    expect(microFiles["/etc/lighthouse/secrets.env"]).toBe(`file 0600\nPOSTGRES_PASSWORD='${DEV_PASSWORD}'\n`);
    expect(Object.keys(microFiles).filter((p) => p.startsWith("/etc/lighthouse/secrets.env."))).toEqual([]);
  });

  it.each([
    // [instance, MemTotal KiB, shared_buffers 25 %, effective_cache_size 75 %, maintenance_work_mem 1/16 (>= 64 MB), work_mem]
    ["t4g.micro (1 GiB)", "micro", "256MB", "768MB", "64MB", "4096kB"],
    ["t4g.small (2 GiB)", "small", "512MB", "1536MB", "128MB", "5242kB"],
  ] as const)("sizes PostgreSQL's memory to a %s", (_name, key, shared, cache, maintenance, work) => {
    const { [key]: run, [`${key}Files` as "microFiles"]: files } = played.fresh.after;
    expectOk(run);
    const env = files["/opt/lighthouse/.env"];
    expect(env).toBe(
      `file 0600\nPG_SHARED_BUFFERS=${shared}\nPG_EFFECTIVE_CACHE_SIZE=${cache}\nPG_MAINTENANCE_WORK_MEM=${maintenance}\nPG_WORK_MEM=${work}\nPG_MAX_CONNECTIONS=${MAX_CONNECTIONS}\n`,
    );
    expect(Number(/PG_WORK_MEM=(\d+)kB/.exec(env)![1])).toBeGreaterThanOrEqual(4096);
    expect(files["/opt/lighthouse/.env.new"]).toBeUndefined();
    // The compose file's ${…} and the .env's names are the same set.
    const names = [...env.matchAll(/^(\w+)=/gm)].map((m) => m[1]).sort();
    expect(names).toEqual([...heredoc(dev, "/opt/lighthouse/docker-compose.yml").matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).sort());
  });

  it("grows the data volume's filesystem when it is mounted", () => {
    const { micro } = played.fresh.after;
    expect(args(callsOf(micro.calls, "mountpoint"))).toEqual([`-q ${DATA_MOUNT}`]);
    expect(args(callsOf(micro.calls, "xfs_growfs"))).toEqual([`-d ${DATA_MOUNT}`]);
  });

  it("prod: reads the password from Secrets Manager, and writes nothing while the secret cannot be read", () => {
    const { unreadable, afterUnreadable, prestart, files } = played.prod.after;
    for (const run of played.prod.runs) expectBooted(run);
    expect(unreadable.code).not.toBe(0);
    expect(unreadable.stderr).toContain("ResourceNotFoundException");
    expect(afterUnreadable["/etc/lighthouse/secrets.env"]).toBeUndefined();
    expect(afterUnreadable["/opt/lighthouse/.env"]).toBeUndefined();
    expect(Object.keys(afterUnreadable).filter((p) => p.startsWith("/etc/lighthouse/secrets.env."))).toEqual([]);
    expectOk(prestart);
    expect(args(callsOf(prestart.calls, "aws"))).toEqual([`secretsmanager get-secret-value --region us-east-1 --secret-id ${PROD_SECRET_ARN} --query SecretString --output text`]);
    expect(files["/etc/lighthouse/secrets.env"]).toBe(`file 0600\nPOSTGRES_PASSWORD='${PROD_PASSWORD}'\n`);
    expect(files["/opt/lighthouse/.env"]).toMatch(/^file 0600\nPG_SHARED_BUFFERS=512MB\n/);
    expect(files["/etc/lighthouse/backup.env"]).toMatch(/\nDATABASE=lighthouse_prod\n/);
  });
});

it("lighthouse-poststart gives the postgres role the container's password without ever seeing it, and makes sure of the extension", () => {
  const { poststart, sql } = played.fresh.after;
  expectOk(poststart);
  expect(args(callsOf(poststart.calls, "docker"))).toEqual([
    "exec -i timescaledb psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -U postgres -d postgres",
    "exec -i timescaledb psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -U postgres -d lighthouse_dev",
  ]);
  expect(sql).toContain("\\getenv password POSTGRES_PASSWORD\n\\if :{?password}\nALTER ROLE postgres PASSWORD :'password';\n");
  expect(sql).toMatch(/CREATE EXTENSION IF NOT EXISTS timescaledb;\n$/);
  expect(JSON.stringify(poststart.calls) + sql).not.toContain(DEV_PASSWORD);
});

describe("backup-timescaledb.sh", () => {
  const dump = `${DUMPS}/lighthouse_dev_20261001_030512.dump`;

  it("dumps into /var/backups/timescaledb under a dated name, root-only", () => {
    const { backup, afterBackup } = played.backups.after;
    expectOk(backup);
    expect(afterBackup[dump]).toBe("file 0600\nPGDMP fake custom-format dump of lighthouse_dev\n");
    expect(backup.stdout).toContain(`backup-timescaledb: wrote ${dump} (`);
    const docker = args(callsOf(backup.calls, "docker"));
    expect(docker).toEqual([
      "exec timescaledb psql --no-psqlrc -U postgres -d lighthouse_dev -tAc SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'",
      "exec timescaledb pg_dump --username=postgres --dbname=lighthouse_dev --format=custom --compress=6",
    ]);
  });

  it("copies it to s3://<bucket>/lighthouse-dev/ with the TimescaleDB version in its metadata", () => {
    const { backup, s3, s3Metadata } = played.backups.after;
    expect(args(callsOf(backup.calls, "aws"))).toEqual([
      `s3 cp ${dump} s3://${DEV_BUCKET}/lighthouse-dev/lighthouse_dev_20261001_030512.dump --region us-east-1 --only-show-errors --metadata timescaledb-version=${TIMESCALEDB_VERSION}`,
    ]);
    expect(s3).toBe("PGDMP fake custom-format dump of lighthouse_dev\n");
    expect(s3Metadata).toBe(`timescaledb-version=${TIMESCALEDB_VERSION}\n`);
  });

  it(`keeps only the newest ${KEEP_LOCAL_DUMPS} dumps on the instance (and leaves other files alone)`, () => {
    const { afterBackup, earlier } = played.backups.after;
    const dumps = Object.keys(afterBackup).filter((p) => p.startsWith(`${DUMPS}/`)).sort();
    expect(dumps).toEqual([...earlier.slice(1).map((e) => e.path), dump, `${DUMPS}/README`].sort());
  });

  it("leaves no dump, partial or copy when pg_dump fails, and fails", () => {
    const { failed, afterBackup, afterFailed } = played.backups.after;
    expect(failed.code, explain(failed)).not.toBe(0);
    expect(failed.stderr).toContain("pg_dump: error");
    expect(callsOf(failed.calls, "aws")).toEqual([]);
    expect(Object.keys(afterFailed).filter((p) => p.endsWith(".partial") || p.includes("_20261002_"))).toEqual([]);
    // Nothing of the earlier dumps is removed either.
    const inDumps = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith(`${DUMPS}/`)));
    expect(inDumps(afterFailed)).toEqual(inDumps(afterBackup));
  });
});

describe("restore-timescaledb.sh", () => {
  it("refuses without --yes (exit 2), before touching S3 or the database", () => {
    const { unconfirmed } = played.backups.after;
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("add --yes to confirm");
    expect(unconfirmed.calls.filter((c) => c.cmd === "docker" || c.cmd === "aws")).toEqual([]);
  });

  it("refuses a dump whose TimescaleDB version (its S3 metadata) is not the image's, and drops nothing", () => {
    const { mismatch } = played.backups.after;
    expect(mismatch.code, explain(mismatch)).toBe(1);
    expect(mismatch.stderr).toContain(`the dump was made with timescaledb ${TIMESCALEDB_VERSION}, this image has 2.25.1`);
    expect(args(callsOf(mismatch.calls, "docker"))).toEqual([
      "exec timescaledb psql --no-psqlrc -U postgres -d postgres -tAc SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'",
    ]);
  });

  it("replaces the database by TimescaleDB's procedure, in order: DROP/CREATE, pre_restore, pg_restore, post_restore", () => {
    const { restore, restored, sql, afterRestore } = played.backups.after;
    expectOk(restore);
    const psql = "exec -i timescaledb psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -U postgres";
    expect(args(callsOf(restore.calls, "docker"))).toEqual([
      "exec timescaledb psql --no-psqlrc -U postgres -d postgres -tAc SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'",
      `${psql} -d postgres -c DROP DATABASE IF EXISTS "lighthouse_dev" WITH (FORCE) -c CREATE DATABASE "lighthouse_dev"`,
      `${psql} -d lighthouse_dev -c CREATE EXTENSION IF NOT EXISTS timescaledb -c SELECT timescaledb_pre_restore()`,
      "exec -i timescaledb pg_restore --username=postgres --dbname=lighthouse_dev --no-owner",
      `${psql} -d lighthouse_dev -c SELECT timescaledb_post_restore() -c ANALYZE`,
    ]);
    expect(args(callsOf(restore.calls, "aws"))).toEqual([
      `s3api head-object --region us-east-1 --bucket ${DEV_BUCKET} --key lighthouse-dev/lighthouse_dev_20261001_030512.dump --query Metadata."timescaledb-version" --output text`,
      expect.stringMatching(new RegExp(`^s3 cp s3://${DEV_BUCKET}/lighthouse-dev/lighthouse_dev_20261001_030512\\.dump /var/tmp/restore-\\w+\\.dump --region us-east-1 --only-show-errors$`)),
    ]);
    expect(restored).toBe("PGDMP fake custom-format dump of lighthouse_dev\n");
    expect(sql).toContain("SELECT timescaledb_pre_restore()\n");
    expect(restore.stdout).toContain("restore-timescaledb: lighthouse_dev restored");
    // The downloaded copy is gone, whatever the outcome.
    expect(Object.keys(afterRestore).filter((p) => p.startsWith("/var/tmp/restore-"))).toEqual([]);
  });
});
