/**
 * Runs the rendered boot script (user-data) for real, as root, without touching the machine it runs on.
 *
 * How: each run happens in a private mount namespace (`unshare --mount --propagation private --fork`), chrooted
 * into `<sandbox>/root`, a plain directory of the test (see boot-sandbox-enter.sh for what is mounted where).
 * The script writes its absolute paths (/etc/fstab, /swapfile, /etc/docker, /opt/openlit, /var/lib/openlit, …)
 * unchanged, and they all land in that directory; /usr is the host's, read-only, with a writable /usr/local of
 * the sandbox. Why a chroot rather than tmpfs mounts over exactly the script's directories: most of them
 * (/etc/docker, /etc/openlit, /var/lib/openlit, /dev/disk/by-id, /swapfile) do not exist on a build machine, and
 * creating their mount points would itself change the host; a chroot also covers every path a later version
 * of the script adds. The script text is not rewritten.
 *
 * PATH is only `/.sandbox/bin`: stubs (boot-stubs.sh) for the system commands, links to a short list of real
 * tools that only read or write files (all inside the chroot). Anything else is "command not found", which
 * fails the run: a new command in the script needs a stub here before the test passes again.
 *
 * After the boot script, `exec` runs what it installed (a start hook, a backup script) on the machine it left, in the
 * same environment; `write` puts files on that machine (a volume's existing data) or state the stubs answer from.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync,
  rmSync, symlinkSync, utimesSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";

const SUPPORT = import.meta.dirname;

/** Commands replaced by stub_<name> in boot-stubs.sh. */
export const STUBBED_COMMANDS = [
  "dnf", "systemctl", "docker", "curl", "sha256sum", "uname", "aws", "amazon-cloudwatch-agent-ctl", "logger", "sleep",
  "blkid", "mkfs.xfs", "lsblk", "findmnt", "mount", "mountpoint", "dd", "mkswap", "swapon",
  "openssl", "chown", "xfs_growfs",
] as const;

/** Real tools the script (and the stubs) may run: they only touch files, and every file is inside the chroot. */
const REAL_TOOLS = [
  "bash", "env", "cat", "sed", "grep", "awk", "date", "mkdir", "install", "chmod", "mktemp", "rm", "mv", "cp", "ln", "touch",
  "readlink", "basename", "dirname", "tee", "head",
  "cut", "du", "find", "sort", "tail",
];

/** Top-level entries of the root that are the host's (bound read-only) or the sandbox's machinery, not the script's files. */
const NOT_SCRIPT_FILES = new Set([".sandbox", "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "proc", "dev"]);

/** OpenLIT's boot log, the default of {@link BootSandboxOptions.bootstrapLog}. */
export const BOOTSTRAP_LOG = "/var/log/openlit-bootstrap.log";

const ROOT_DISK = "nvme0n1";
const DATA_DISK = "nvme1n1";

export interface BootSandboxOptions {
  /**
   * What the volume's /dev/disk/by-id link points at: the data disk (default), the root disk (whose partition
   * holds /), the root disk when / is on the whole disk without partitions, or nothing (never attached).
   */
  readonly dataDevice?: "data-disk" | "root-disk" | "unpartitioned-root-disk" | "never-attached";
  /** The data disk's link appears only after this many `sleep`s of the script (attached late). */
  readonly attachAfterSleeps?: number;
  /** The data volume already carries an XFS filesystem with this UUID (a re-attached or restored volume). */
  readonly existingFilesystemUuid?: string;
  /** A compose plugin of this version is installed before the first run. */
  readonly composePluginVersion?: string;
  /** MemTotal of /proc/meminfo in KiB. @default 1947660 (t4g.small, 2 GiB) */
  readonly memTotalKiB?: number;
  /** The first `dd` fails half-way, like a full disk or a boot cut short. */
  readonly ddFailsOnce?: boolean;
  /** The log the boot script appends to (its `LOG=`), whose new lines each run returns. @default BOOTSTRAP_LOG (OpenLIT's) */
  readonly bootstrapLog?: string;
}

/** One stub call. */
export interface Call {
  readonly run: number;
  readonly cmd: string;
  readonly args: readonly string[];
}

export interface BootRun {
  readonly run: number;
  readonly code: number | null;
  /** Output of the sandbox machinery itself (the script's own output goes to its log). */
  readonly stderr: string;
  /** What this run added to the bootstrap log (BootSandboxOptions.bootstrapLog). */
  readonly log: string;
  /** Stub calls of this run. */
  readonly calls: readonly Call[];
  readonly ms: number;
}

/** One command run in the sandbox by {@link BootSandbox.exec} (a script the boot script wrote, say). */
export interface ExecRun {
  readonly run: number;
  readonly code: number | null;
  readonly stdout: string;
  /** The command's stderr (and the sandbox machinery's). */
  readonly stderr: string;
  /** Stub calls of this run. */
  readonly calls: readonly Call[];
  readonly ms: number;
}

/** Fails loudly (never skips) when this machine cannot run the sandbox. */
export function requireMountNamespace(): void {
  const why = "the boot-script sandbox runs the user-data as root in a private mount namespace (CI runs as root)";
  if (process.getuid?.() !== 0) throw new Error(`${why}: run the tests as root (uid is ${process.getuid?.()})`);
  for (const tool of ["unshare", "chroot", "mount", "mknod"]) {
    if (!which(tool)) throw new Error(`${why}: ${tool} not found on PATH (util-linux / coreutils)`);
  }
  const probe = spawnSync("unshare", ["--mount", "--propagation", "private", "--fork", "true"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${why}, and \`unshare --mount\` does not work here: ${probe.error?.message ?? probe.stderr.trim()} (a container needs CAP_SYS_ADMIN)`);
  }
}

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  }
  return undefined;
}

/** Amazon Linux 2023's /etc/fstab on a fresh instance. */
export const STOCK_FSTAB = [
  "#",
  "UUID=2a7c9e4f-0b1d-4e3a-8f6c-5d9e1a2b3c4d     /           xfs    defaults,noatime  1   1",
  "UUID=A1B2-C3D4        /boot/efi       vfat    defaults,noatime,uid=0,gid=0,umask=0077,shortname=winnt,x-systemd.automount 0 2",
  "",
].join("\n");

export class BootSandbox {
  /** The sandbox directory (the chroot is `root/` inside it). */
  readonly dir: string;
  /** The log the boot script appends to (BootSandboxOptions.bootstrapLog). */
  readonly bootstrapLog: string;
  private readonly root: string;
  private readonly usrLocal: string;
  private runs = 0;

  constructor(script: string, options: BootSandboxOptions = {}) {
    const volumeId = /^readonly DATA_VOLUME_ID="(vol-[0-9a-f]+)"$/m.exec(script)?.[1];
    if (!volumeId) throw new Error('boot script has no `readonly DATA_VOLUME_ID="vol-…"` line: the sandbox cannot name the volume\'s NVMe link');
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), "boot-sandbox-")));
    this.bootstrapLog = options.bootstrapLog ?? BOOTSTRAP_LOG;
    this.root = join(this.dir, "root");
    this.usrLocal = join(this.dir, "usr-local");
    const r = (path: string) => join(this.root, path);

    for (const d of ["usr", "etc/systemd/system", "dev", "proc", "run", "root", "opt", "var/log", "var/lib", "var/tmp", ".sandbox/bin", ".sandbox/state"]) mkdirSync(r(d), { recursive: true });
    mkdirSync(r("tmp"), { mode: 0o1777 });
    chmodSync(r("tmp"), 0o1777);
    // Merged-/usr hosts have /bin -> usr/bin etc.: the same links here; real directories are bound by the enter script.
    for (const d of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
      const host = `/${d}`;
      if (!existsSync(host)) continue;
      if (lstatSync(host).isSymbolicLink()) symlinkSync(readlinkSync(host), r(d));
      else mkdirSync(r(d));
    }
    for (const d of ["bin", "sbin", "lib", "share"]) mkdirSync(join(this.usrLocal, d), { recursive: true });
    writeFileSync(r("etc/fstab"), STOCK_FSTAB);
    this.setMemTotalKiB(options.memTotalKiB ?? 1947660);

    // Machinery: the script, stubs, allowed real tools, the virtual clock, fake devices, kernel state.
    writeFileSync(r(".sandbox/user-data.sh"), script, { mode: 0o700 });
    writeFileSync(r(".sandbox/calls"), "");
    copyFileSync(join(SUPPORT, "boot-stubs.sh"), r(".sandbox/stubs.sh"));
    copyFileSync(join(SUPPORT, "boot-clock.sh"), r(".sandbox/clock.sh"));
    for (const cmd of STUBBED_COMMANDS) {
      const fn = `stub_${cmd.replace(/[.-]/g, "_")}`;
      writeFileSync(r(`.sandbox/bin/${cmd}`), `#!/bin/bash\n. /.sandbox/stubs.sh\n__record ${cmd} "$@"\n${fn} "$@"\n`, { mode: 0o755 });
    }
    for (const tool of REAL_TOOLS) {
      const host = which(tool);
      const real = host && realpathSync(host);
      if (!real?.startsWith("/usr/")) throw new Error(`boot sandbox: ${tool} must resolve to a program under /usr on this machine (found ${real ?? "nothing"})`);
      symlinkSync(real, r(`.sandbox/bin/${tool}`));
    }

    const nvmeLink = `nvme-Amazon_Elastic_Block_Store_${volumeId.replace(/-/g, "")}`;
    const dataDevice = options.dataDevice ?? "data-disk";
    const devices = [`block ${ROOT_DISK} 259 0`, `block ${ROOT_DISK}p1 259 1`, `block ${DATA_DISK} 259 2`];
    const linkTarget = dataDevice === "data-disk" ? DATA_DISK : ROOT_DISK;
    if (dataDevice !== "never-attached") {
      if (options.attachAfterSleeps) {
        writeFileSync(r(".sandbox/state/attach-after"), `${options.attachAfterSleeps}\n`);
        writeFileSync(r(".sandbox/state/attach-link"), `${nvmeLink} ../../${linkTarget}\n`);
      } else {
        devices.push(`link ${nvmeLink} ../../${linkTarget}`);
      }
    }
    writeFileSync(r(".sandbox/devices"), `${devices.join("\n")}\n`);
    writeFileSync(r(".sandbox/state/root-source"), dataDevice === "unpartitioned-root-disk" ? `/dev/${ROOT_DISK}\n` : `/dev/${ROOT_DISK}p1\n`);
    if (options.existingFilesystemUuid) {
      mkdirSync(r(".sandbox/state/fs"));
      writeFileSync(r(`.sandbox/state/fs/${DATA_DISK}`), `${options.existingFilesystemUuid}\n`);
    }
    if (options.ddFailsOnce) writeFileSync(r(".sandbox/state/dd-fails-once"), "");
    if (options.composePluginVersion) {
      mkdirSync(join(this.usrLocal, "lib/docker/cli-plugins"), { recursive: true });
      writeFileSync(join(this.usrLocal, "lib/docker/cli-plugins/docker-compose"), `#!/bin/bash\necho "Docker Compose version ${options.composePluginVersion}"\n`, { mode: 0o755 });
    }
  }

  /** Runs the boot script once more (state carries over, as on the same instance). */
  async run(): Promise<BootRun> {
    const run = ++this.runs;
    const logBefore = this.readOrEmpty(this.bootstrapLog);
    const callsBefore = this.calls().length;
    const started = Date.now();
    const { code, stderr } = await this.enter(run, []);
    const log = this.readOrEmpty(this.bootstrapLog);
    if (!log.startsWith(logBefore)) throw new Error(`run ${run} rewrote ${this.bootstrapLog} instead of appending to it`);
    return { run, code, stderr, log: log.slice(logBefore.length), calls: this.calls().slice(callsBefore), ms: Date.now() - started };
  }

  /**
   * Runs a command in the sandbox instead of the boot script, as root with the same chroot, stubs, PATH and clock:
   * a script the boot script wrote (`/usr/local/sbin/<app>-prestart`), on the machine it left behind.
   */
  async exec(argv: readonly string[]): Promise<ExecRun> {
    if (!argv.length) throw new Error("exec: no command");
    const run = ++this.runs;
    const callsBefore = this.calls().length;
    const started = Date.now();
    const { code, stdout, stderr } = await this.enter(run, argv);
    return { run, code, stdout, stderr, calls: this.calls().slice(callsBefore), ms: Date.now() - started };
  }

  private enter(run: number, argv: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const hostNamespace = readlinkSync("/proc/self/ns/mnt");
    return new Promise((done, fail) => {
      const child = spawn("unshare", ["--mount", "--propagation", "private", "--fork", "bash", join(SUPPORT, "boot-sandbox-enter.sh"), this.dir, String(run), hostNamespace, ...argv], {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true, // own process group, so a hung run is killed whole
        env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.stderr.on("data", (chunk) => (err += chunk));
      const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 20_000);
      child.on("error", fail);
      // "close", not "exit": the script's `tee | logger` outlives it and holds stdout until the log is complete.
      child.on("close", (status) => {
        clearTimeout(timer);
        done({ code: status, stdout: out, stderr: err });
      });
    });
  }

  /**
   * Puts a file on the machine (absolute path as the script sees it; directories made as needed): data a volume
   * already holds, or state a stub answers from (`/.sandbox/state/…`, see boot-stubs.sh).
   */
  write(path: string, content: string, options: { mode?: number; mtime?: Date } = {}): void {
    const host = this.hostPath(path);
    mkdirSync(dirname(host), { recursive: true });
    writeFileSync(host, content, { mode: options.mode ?? 0o644 });
    chmodSync(host, options.mode ?? 0o644);
    if (options.mtime) utimesSync(host, options.mtime, options.mtime);
  }

  /** Removes a file of the machine (absolute path as the script sees it), if there is one. */
  remove(path: string): void {
    rmSync(this.hostPath(path), { force: true });
  }

  /** MemTotal of the sandbox's /proc/meminfo, in KiB (a different instance type from the next run on). */
  setMemTotalKiB(kib: number): void {
    writeFileSync(join(this.dir, "meminfo"), `MemTotal:        ${kib} kB\nMemFree:          812344 kB\nMemAvailable:    1402112 kB\n`);
  }

  /** What a reboot forgets: mounts and active swap (filesystems on the disks stay). */
  reboot(): void {
    rmSync(join(this.root, ".sandbox/state/mounted"), { recursive: true, force: true });
    rmSync(join(this.root, ".sandbox/state/swaps"), { force: true });
  }

  /** Every stub call so far. */
  calls(): Call[] {
    return readFileSync(join(this.root, ".sandbox/calls"), "utf8")
      .split("\x1e")
      .filter(Boolean)
      .map((record) => {
        const [run, cmd, ...args] = record.split("\x1f");
        return { run: Number(run), cmd, args };
      });
  }

  /**
   * The files the script can have made or changed, as the machine would show them: path → "file 0644\n<content>",
   * "dir 0755" or "link -> target". Paths are absolute as seen by the script; the host's read-only /usr, /proc,
   * /dev and the sandbox machinery are left out.
   */
  files(): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (dir: string, shown: string) => {
      for (const name of readdirSync(dir).sort()) {
        if (shown === "" && NOT_SCRIPT_FILES.has(name)) continue;
        const path = join(dir, name);
        const key = `${shown}/${name}`;
        const stat = lstatSync(path);
        const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0");
        if (stat.isSymbolicLink()) out[key] = `link -> ${readlinkSync(path)}`;
        else if (stat.isDirectory()) {
          out[key] = `dir ${mode}`;
          walk(path, key);
        } else out[key] = `file ${mode}\n${readFileSync(path, "utf8")}`;
      }
    };
    walk(this.root, "");
    out["/usr/local"] = "dir 0755";
    walk(this.usrLocal, "/usr/local");
    return out;
  }

  /** A file as the script sees it (absolute path). */
  read(path: string): string {
    return readFileSync(this.hostPath(path), "utf8");
  }

  exists(path: string): boolean {
    return existsSync(this.hostPath(path));
  }

  cleanup(): void {
    // Mounts exist only inside each run's namespace, gone with it: this deletes plain files of the test.
    rmSync(this.dir, { recursive: true, force: true });
  }

  private hostPath(path: string): string {
    if (!path.startsWith("/")) throw new Error(`absolute path expected: ${path}`);
    return path === "/usr/local" || path.startsWith("/usr/local/") ? join(this.usrLocal, path.slice("/usr/local".length)) : join(this.root, path);
  }

  private readOrEmpty(path: string): string {
    return this.exists(path) ? this.read(path) : "";
  }
}

/** Calls of one command (and optionally a first argument) in a list of calls. */
export function callsOf(calls: readonly Call[], cmd: string, firstArg?: string): Call[] {
  return calls.filter((c) => c.cmd === cmd && (firstArg === undefined || c.args[0] === firstArg));
}

/**
 * Fails with what to do when the boot script called a command the sandbox does not provide: the likeliest cause of a
 * failed run after a template change, named before the run's own error. `explanation` is the run's log for the reader.
 */
export function assertStubsCover(run: BootRun, explanation: string): void {
  const unknown = run.log.match(/^.*command not found$/m);
  if (unknown) {
    throw new Error(
      `the boot script calls a command the sandbox does not provide (${unknown[0]}): add a stub_<name> to __tests__/support/boot-stubs.sh ` +
        `and the name to STUBBED_COMMANDS (${STUBBED_COMMANDS.length} today) in __tests__/support/boot-sandbox.ts\n${explanation}`,
    );
  }
}
