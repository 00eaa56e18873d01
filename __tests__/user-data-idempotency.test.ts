import { BOOTSTRAP_LOG, BootRun, BootSandbox, BootSandboxOptions, Call, callsOf, requireMountNamespace, STOCK_FSTAB, assertStubsCover } from "./support/boot-sandbox.js";
import { requireTerraform } from "./support/terraform.js";
import { renderSampleUserData, USER_DATA_SAMPLES } from "./support/user-data-samples.js";
import { renderWithTerraform } from "./support/user-data.js";
import { bootScriptOf, synthOpenlit } from "./support/synth.js";

// The boot script as the instance receives it (synthesized user_data rendered by the real Terraform engine, as in
// templates.test.ts), run for real as root, twice or more, in a sandbox: a private mount namespace and a chroot into
// a scratch directory, with stub system commands (support/boot-sandbox.ts). "Safe to re-run", as its header says.

/** UUID the mkfs.xfs stub gives a new filesystem (boot-stubs.sh). */
const NEW_FS_UUID = "7b0c1e52-3d4a-4f6b-9c8d-2e1f0a9b8c7d";
const RESTORED_FS_UUID = "d3b07384-d9a0-4c9b-8e2f-1a2b3c4d5e6f";
const SWAP_LINE = "/swapfile none swap sw 0 0";
const COMPOSE_PLUGIN = "/usr/local/lib/docker/cli-plugins/docker-compose";

type Step = "run" | "reboot";

/** Independent scenarios (sandbox options, then steps), played concurrently. A reboot forgets mounts and active swap. */
const SCENARIOS = {
  /** A new instance with a new, empty volume; user-data run again on the same boot, then once more after a reboot. */
  fresh: [{}, ["run", "run", "reboot", "run"]],
  /**
   * A replacement instance: the volume already carries the data (re-attached or restored) and is attached only once the
   * instance runs (Terraform's order), after the script has looked for it three times; the AMI has an older compose.
   */
  replacement: [{ existingFilesystemUuid: RESTORED_FS_UUID, attachAfterSleeps: 3, composePluginVersion: "v2.20.0" }, ["run", "run"]],
  rootDisk: [{ dataDevice: "root-disk" }, ["run"]],
  unpartitionedRootDisk: [{ dataDevice: "unpartitioned-root-disk" }, ["run"]],
  neverAttached: [{ dataDevice: "never-attached" }, ["run"]],
  /** The first run dies half-way through writing the swap file (disk full, boot cut short). */
  swapCutShort: [{ ddFailsOnce: true }, ["run", "run"]],
} satisfies Record<string, [BootSandboxOptions, Step[]]>;

interface Played {
  readonly runs: BootRun[];
  /** Files after each run (BootSandbox.files). */
  readonly files: Record<string, string>[];
  readonly fstab: string;
  readonly calls: Call[];
}

let script: string;
let played: Record<keyof typeof SCENARIOS, Played>;

beforeAll(async () => {
  requireTerraform();
  requireMountNamespace();
  script = await renderSampleUserData("demo");
  const entries = Object.entries(SCENARIOS) as [keyof typeof SCENARIOS, [BootSandboxOptions, Step[]]][];
  const probe = play(CLOCK_PROBE, {}, ["run"]).then((p) => (clockProbe = p));
  played = Object.fromEntries(await Promise.all(entries.map(async ([name, [options, steps]]) => [name, await play(script, options, steps)]))) as typeof played;
  await probe;
}, 60_000);

/**
 * Not the boot script: a probe of the sandbox's virtual clock (BASH_ENV boot-clock.sh). Real time passes (a slow
 * command, a busy machine: here a real sleep of more than a second), then the same deadline loop as the script's.
 * SECONDS must move only with `sleep`, or how many sleeps fit before a deadline depends on the machine's speed.
 */
const CLOCK_PROBE = `#!/bin/bash
set -euo pipefail
readonly DATA_VOLUME_ID="vol-0123456789abcdef0"
start=$SECONDS
/usr/bin/sleep 1.1
after_real_delay=$SECONDS
deadline=$((SECONDS + 10))
sleeps=0
until (( SECONDS >= deadline )); do
  sleep 5
  sleeps=$((sleeps + 1))
done
echo "start=$start after_real_delay=$after_real_delay sleeps=$sleeps end=$SECONDS" >> ${BOOTSTRAP_LOG}
`;
let clockProbe: Played;

/** Plays a scenario in a fresh sandbox, removed afterwards. */
async function play(userData: string, options: BootSandboxOptions, steps: readonly Step[]): Promise<Played> {
  const sandbox = new BootSandbox(userData, options);
  try {
    const runs: BootRun[] = [];
    const files: Record<string, string>[] = [];
    for (const step of steps) {
      if (step === "reboot") sandbox.reboot();
      else {
        runs.push(await sandbox.run());
        files.push(sandbox.files());
      }
    }
    return { runs, files, fstab: sandbox.read("/etc/fstab"), calls: sandbox.calls() };
  } finally {
    sandbox.cleanup();
  }
}

/** Values of the script's own `readonly NAME=value` settings. */
function setting(name: string): string {
  const value = new RegExp(`^readonly ${name}="?([^"\\n]*)"?$`, "m").exec(script)?.[1];
  if (value === undefined) throw new Error(`the boot script no longer sets ${name}`);
  return value;
}

function explain(run: BootRun): string {
  return `run ${run.run} exited ${run.code}\n--- ${BOOTSTRAP_LOG} (this run) ---\n${run.log}--- sandbox stderr ---\n${run.stderr}`;
}

/** A run that succeeded, or a failure that says why (a missing stub first: the likeliest cause after a template change). */
function expectSuccess(run: BootRun): void {
  assertStubsCover(run, explain(run));
  expect(run.code, explain(run)).toBe(0);
  expect(run.log, explain(run)).toContain("openlit.service is running");
}

const args = (calls: readonly Call[]) => calls.map((c) => c.args.join(" "));
const count = (text: string, line: string) => text.split("\n").filter((l) => l === line).length;
const dataLine = (uuid: string) => `UUID=${uuid} ${setting("DATA_MOUNT")} xfs defaults,nofail,noatime 0 2`;
/** The files without the bootstrap log, which every run appends to by design (`tee -a`). */
const withoutLog = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([path]) => path !== BOOTSTRAP_LOG));

describe("user-data on a fresh instance with an empty volume, run again on the same boot", () => {
  let s: Played;
  let first: BootRun;
  let second: BootRun;
  beforeAll(() => {
    s = played.fresh;
    [first, second] = s.runs;
  });

  it("succeeds both times, calling only commands the sandbox provides", () => {
    expectSuccess(first);
    expectSuccess(second);
  });

  it("formats the empty volume on the first run and never again", () => {
    expect(args(callsOf(first.calls, "mkfs.xfs"))).toEqual(["-q -L openlit-data /dev/nvme1n1"]);
    expect(callsOf(second.calls, "blkid").length).toBeGreaterThan(0); // it looked, and found the filesystem
    expect(callsOf(second.calls, "mkfs.xfs")).toEqual([]);
  });

  it("has the swap and data lines in /etc/fstab exactly once, after the stock lines", () => {
    expect(count(s.fstab, SWAP_LINE)).toBe(1);
    expect(count(s.fstab, dataLine(NEW_FS_UUID))).toBe(1);
    expect(s.fstab).toBe(`${STOCK_FSTAB}${SWAP_LINE}\n${dataLine(NEW_FS_UUID)}\n`);
  });

  it("creates and enables the swap file once", () => {
    // 1902 MiB: MemTotal of the sandbox's t4g.small (1947660 kB).
    expect(args(callsOf(first.calls, "dd"))).toEqual([expect.stringMatching(/^if=\/dev\/zero of=\/swapfile\S* bs=1M count=1902 status=none$/)]);
    expect(callsOf(first.calls, "mkswap")).toHaveLength(1);
    expect(args(callsOf(first.calls, "swapon"))).toEqual(["--show=NAME --noheadings", "/swapfile"]);
    for (const cmd of ["dd", "mkswap"]) expect(callsOf(second.calls, cmd), cmd).toEqual([]);
    expect(args(callsOf(second.calls, "swapon"))).toEqual(["--show=NAME --noheadings"]);
    expect(s.files[1]["/swapfile"]).toMatch(/^file 0600\nzeros: 1902 MiB\nSWAPSPACE2\n$/);
  });

  it("installs the compose plugin once; the second run finds the right version and downloads nothing", () => {
    const version = setting("COMPOSE_VERSION");
    const url = `https://github.com/docker/compose/releases/download/${version}/docker-compose-linux-aarch64`;
    expect(callsOf(first.calls, "curl").map((c) => c.args.at(-1))).toEqual([url, `${url}.sha256`]);
    expect(args(callsOf(second.calls, "docker", "compose"))).toEqual(["compose version"]);
    expect(callsOf(second.calls, "curl")).toEqual([]);
    expect(s.files[1][COMPOSE_PLUGIN]).toBe(`file 0755\n#!/bin/bash\necho "Docker Compose version ${version}"\n`);
  });

  it("mounts the data volume once (the second run finds it mounted)", () => {
    expect(args(callsOf(first.calls, "mount"))).toEqual([setting("DATA_MOUNT")]);
    expect(callsOf(second.calls, "mount")).toEqual([]);
  });

  it("ends the second run with exactly the files of the first: nothing appended twice, nothing recreated", () => {
    expect(withoutLog(s.files[1])).toEqual(withoutLog(s.files[0]));
    // The snapshot does hold what the script writes.
    const written = ["/etc/fstab", "/swapfile", "/etc/docker/daemon.json", "/etc/openlit/openlit.env", "/opt/openlit/.env", "/opt/openlit/docker-compose.yml",
      "/usr/local/sbin/openlit-prestart", "/etc/systemd/system/openlit.service", "/etc/dnf/automatic.conf", `${setting("DATA_MOUNT")}/data`];
    expect(Object.keys(s.files[0])).toEqual(expect.arrayContaining(written));
    expect(s.files[0]["/etc/dnf/automatic.conf"]).toMatch(/^upgrade_type = security$/m);
    expect(s.files[0]["/etc/dnf/automatic.conf"]).toMatch(/^apply_updates = yes$/m);
  });

  it("appends each run's lines to the bootstrap log", () => {
    expect(s.files[1][BOOTSTRAP_LOG]).toBe(s.files[0][BOOTSTRAP_LOG] + second.log);
    expect(second.log).toMatch(/^\[openlit-bootstrap\] \S+ starting; region us-east-1, data volume vol-0123456789abcdef0$/m);
  });

  it("after a reboot (mounts and active swap gone, disks kept) mounts and enables swap again, and formats, downloads or appends nothing", () => {
    const third = s.runs[2];
    expectSuccess(third);
    expect(args(callsOf(third.calls, "mount"))).toEqual([setting("DATA_MOUNT")]);
    expect(args(callsOf(third.calls, "swapon"))).toEqual(["--show=NAME --noheadings", "/swapfile"]);
    for (const cmd of ["mkfs.xfs", "dd", "mkswap", "curl"]) expect(callsOf(third.calls, cmd), cmd).toEqual([]);
    expect(withoutLog(s.files[2])).toEqual(withoutLog(s.files[0]));
  });
});

describe("user-data on a replacement instance (the volume has a filesystem and is attached late, the AMI has an older compose)", () => {
  it("waits for the volume, then carries on; the second run finds it at once", () => {
    const [first, second] = played.replacement.runs;
    expectSuccess(first);
    expect(first.log.match(/waiting for data volume vol-0123456789abcdef0 to be attached/g)).toHaveLength(3);
    expect(first.log).toMatch(/data volume vol-0123456789abcdef0 is \/dev\/nvme1n1$/m);
    expect(callsOf(second.calls, "sleep")).toEqual([]);
  });

  it("never formats the volume and adds its own UUID to /etc/fstab once", () => {
    const s = played.replacement;
    for (const run of s.runs) expectSuccess(run);
    expect(args(callsOf(s.calls, "blkid"))).toContain("-o value -s TYPE /dev/nvme1n1");
    expect(callsOf(s.calls, "mkfs.xfs")).toEqual([]);
    expect(count(s.fstab, dataLine(RESTORED_FS_UUID))).toBe(1);
    expect(withoutLog(s.files[1])).toEqual(withoutLog(s.files[0]));
  });

  it("replaces the compose plugin of another version once, then leaves it", () => {
    const s = played.replacement;
    expect(callsOf(s.runs[0].calls, "curl")).toHaveLength(2);
    expect(callsOf(s.runs[1].calls, "curl")).toEqual([]);
    expect(s.files[1][COMPOSE_PLUGIN]).toContain(`Docker Compose version ${setting("COMPOSE_VERSION")}`);
  });
});

it.each([
  ["the disk holding the root partition", "rootDisk"],
  ["the device mounted as / (no partition table)", "unpartitionedRootDisk"],
] as const)("user-data refuses, non-zero with a clear log line, when the volume's link resolves to %s", (_what, scenario) => {
  const s = played[scenario];
  const [run] = s.runs;
  expect(run.code, explain(run)).toBe(1);
  expect(run.log).toMatch(/^\[openlit-bootstrap\] \S+ refusing to use \/dev\/nvme0n1: it is the root disk$/m);
  for (const cmd of ["blkid", "mkfs.xfs", "mount"]) expect(callsOf(run.calls, cmd), cmd).toEqual([]);
  expect(s.fstab).not.toContain(setting("DATA_MOUNT"));
});

it("user-data gives up, non-zero with a clear message, when the volume never appears (the stack's 600 s, on a virtual clock)", () => {
  const wait = Number(setting("VOLUME_WAIT_SECONDS"));
  expect(wait).toBe(600);
  const [run] = played.neverAttached.runs;
  expect(run.code, explain(run)).toBe(1);
  expect(run.log).toContain(`data volume vol-0123456789abcdef0 did not appear within ${wait}s; is it attached? (aws ec2 describe-volumes --volume-ids vol-0123456789abcdef0)`);
  // `sleep 5` between looks until the deadline: the script's own arithmetic on the virtual clock, whatever the machine's speed.
  expect(args(callsOf(run.calls, "sleep"))).toEqual(Array(wait / 5).fill("5"));
  expect(run.log.match(/waiting for data volume vol-0123456789abcdef0 to be attached/g)).toHaveLength(wait / 5);
  for (const cmd of ["blkid", "mkfs.xfs", "mount"]) expect(callsOf(run.calls, cmd), cmd).toEqual([]);
});

it("the sandbox's clock moves only with sleep: real time spent in the script (a slow command, a busy machine) does not count", () => {
  const [run] = clockProbe.runs;
  expect(run.code, explain(run)).toBe(0);
  expect(run.log).toBe("start=0 after_real_delay=0 sleeps=2 end=10\n");
  expect(args(callsOf(run.calls, "sleep"))).toEqual(["5", "5"]);
});

it("user-data finishes, on the next run, a swap file whose creation was cut short", () => {
  const s = played.swapCutShort;
  const [first, second] = s.runs;
  expect(first.code, explain(first)).not.toBe(0);
  expect(first.log).toMatch(/FAILED at line \d+/);
  expectSuccess(second);
  expect(callsOf(second.calls, "dd")).toHaveLength(1);
  expect(args(callsOf(second.calls, "swapon"))).toEqual(["--show=NAME --noheadings", "/swapfile"]);
  expect(s.files[1]["/swapfile"]).toMatch(/^file 0600\nzeros: \d+ MiB\nSWAPSPACE2\n$/);
  expect(count(s.fstab, SWAP_LINE)).toBe(1);
});

it("with domain_name, points the proxy at the name and lists the TLS override for openlit.service; without, neither", async () => {
  const tls = await renderWithTerraform(bootScriptOf(synthOpenlit("demo")), { ...USER_DATA_SAMPLES, "var.domain_name": "openlit.example.com" });
  const [withDomain, plain] = await Promise.all([play(tls, {}, ["run", "run"]), play(script, {}, ["run"])]);
  for (const run of withDomain.runs) expectSuccess(run);
  const files = withDomain.files[1]!;
  expect(files["/etc/openlit/proxy.env"]).toBe("file 0644\nUI_SITE=openlit.example.com\nOTLP_HTTP_SITE=openlit.example.com:4318\nOTLP_GRPC_SITE=openlit.example.com:4317\n");
  expect(files["/etc/openlit/compose.env"]).toBe("file 0644\nCOMPOSE_FILE=/opt/openlit/docker-compose.yml:/opt/openlit/docker-compose.tls.yml\n");
  expect(files["/var/lib/openlit/caddy/data"]).toBe("dir 0700");
  expect(files["/etc/openlit/openlit.env"]).toMatch(/\nNEXTAUTH_URL=https:\/\/openlit\.example\.com\n$/);
  expect(files["/etc/openlit/accounts.env"]).toMatch(/\nFORWARDED_PROTO=https\n$/);
  expect(plain.files[0]!["/etc/openlit/openlit.env"]).not.toContain("NEXTAUTH_URL");
  expect(plain.files[0]!["/etc/openlit/accounts.env"]).toMatch(/\nFORWARDED_PROTO=http\n$/);
  expect(plain.files[0]!["/etc/openlit/proxy.env"]).toBe("file 0644\n");
  expect(plain.files[0]!["/etc/openlit/compose.env"]).toBeUndefined();
});
