/**
 * The generated plans of the real stacks, one per environment: every stack of
 * `stacks/environments.ts` is synthesized into a temp directory (no prior
 * `npm run synth`), then planned by the real Terraform CLI offline with its
 * `environments/<env>.tfvars` and the sample secrets. The normalized plan
 * (addresses, actions, known values; no timestamps, paths or secrets) is a
 * snapshot, reviewed like code: `npm run test:update-snapshots` only after
 * reading the diff.
 *
 * The plans start together in beforeAll and run concurrently; every test of
 * an environment reads the same plan.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizePlan, planStack, type PlanStackResult } from "../../scripts/offline-terraform/index.js";
import { buildApp, synthAll } from "../../stacks/app.js";
import { SYSTEMS } from "../../stacks/systems.js";
import { REPO, sampleSecretsFor } from "../support/variables.js";
import { flat, requireTerraform } from "./fixtures.js";

interface ShowJson {
  variables?: Record<string, { value: unknown }>;
  resource_changes: Array<{ address: string; mode: string; type: string; change: { actions: string[]; before: unknown; after: unknown } }>;
  planned_values?: { root_module?: { resources?: Array<{ address: string; values: unknown }> } };
}

const environments = [...SYSTEMS.find((s) => s.name === "openlit")!.environments];
const stackName = (env: string) => `openlit-${env}`;
const plans = new Map<string, Promise<PlanStackResult>>();
let outdir: string;

const tfvarsOf = (env: string) => join(REPO, "environments", "openlit", `${env}.tfvars`);
const stackDirOf = (env: string) => join(outdir, "stacks", stackName(env));
const configOf = (env: string) => JSON.parse(readFileSync(join(stackDirOf(env), "cdk.tf.json"), "utf8"));

/** `name = "value"` assignments of a tfvars file (strings only: all the secrets are strings). */
function tfvarsStrings(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of readFileSync(path, "utf8").matchAll(/^\s*(\w+)\s*=\s*("(?:[^"\\\n]|\\.)*")/gm)) out[m[1]!] = JSON.parse(m[2]!) as string;
  return out;
}

/** Every value that must never appear: each secret, and each comma-separated part of it. */
function secretValues(env: string): string[] {
  const values = Object.values(tfvarsStrings(sampleSecretsFor(env)));
  return [...new Set(values.flatMap((v) => [v, ...v.split(",")]).filter((v) => v.length >= 6))];
}

/** Logical ids end in an 8-hex-digit hash; drop it so expectations read like the constructs. */
const withoutHash = (address: string) => address.replace(/_[0-9A-F]{8}(?=\[|$)/, "");

/** Every `*_wo` attribute anywhere in a value, as path => value. */
function writeOnlyValues(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value)) value.forEach((v, i) => writeOnlyValues(v, `${path}[${i}]`, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith("_wo")) out.set(`${path}.${k}`, v);
      writeOnlyValues(v, `${path}.${k}`, out);
    }
  }
  return out;
}

beforeAll(() => {
  requireTerraform();
  outdir = mkdtempSync(join(tmpdir(), "offline-tf-stacks-"));
  // env: {} so that a TF_STATE_BUCKET in the caller's environment cannot change what is planned
  synthAll(buildApp({ outdir, env: {} }));
  for (const env of environments) {
    const plan = planStack({ stackDir: stackDirOf(env), varFiles: [tfvarsOf(env), sampleSecretsFor(env)] });
    plan.catch(() => undefined); // awaited (and reported) by the tests
    plans.set(env, plan);
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(plans.values());
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

it("plans every environment of stacks/environments.ts", () => {
  expect(environments.length).toBeGreaterThan(0);
  expect(environments).toContain("demo");
});

describe.each(environments)("%s", (env) => {
  const plan = async () => {
    const r = await plans.get(env)!;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    return { r, show: r.showJson as ShowJson };
  };

  it("plans successfully, through the pruned schema", async () => {
    const { r, show } = await plan();
    expect(normalizePlan(show).errored).toBe(false);
    expect(r.runs.map((x) => x.args[0])).toEqual(["init", "plan", "show"]);
    // OFFLINE_TF_FULL_SCHEMA=1 runs this file against the full schema: the snapshots must not change
    if (process.env.OFFLINE_TF_FULL_SCHEMA === "1") return expect(r.schema.fullSchemaReason).toBe("full schema requested");
    expect(r.schema.fullSchemaReason).toBeUndefined();
    expect(r.schema.served.aws!.resources).toBeGreaterThan(5);
  });

  it("creates every resource the synthesized stack declares, and nothing else", async () => {
    const { r, show } = await plan();
    const changes = show.resource_changes;
    // all create: a fresh environment, and data sources are read at plan time (no deferred reads)
    expect(changes.filter((c) => c.change.actions.join() !== "create").map((c) => [c.address, c.change.actions])).toEqual([]);
    expect(changes.every((c) => c.mode === "managed")).toBe(true);
    expect(r.stdout).toContain(`Plan: ${changes.length} to add, 0 to change, 0 to destroy.`);

    const declared = Object.entries(configOf(env).resource as Record<string, Record<string, { count?: unknown; for_each?: unknown }>>).flatMap(
      ([type, byName]) => Object.entries(byName).map(([name, body]) => ({ address: `${type}.${name}`, repeated: body.count !== undefined || body.for_each !== undefined })),
    );
    const addresses = changes.map((c) => c.address);
    for (const { address, repeated } of declared) {
      const instances = addresses.filter((a) => a === address || a.startsWith(`${address}[`));
      if (repeated) expect(instances.every((a) => /\[(\d+|".*")\]$/.test(a)), address).toBe(true);
      else expect(instances, address).toEqual([address]);
    }
    const declaredAddresses = new Set(declared.map((d) => d.address));
    expect(addresses.filter((a) => !declaredAddresses.has(a.replace(/\[.*\]$/, "")))).toEqual([]);
  });

  it("plans the resources the environment's tfvars ask for", async () => {
    const { show } = await plan();
    const tfvars = tfvarsStrings(tfvarsOf(env));
    const byAddress = new Map(show.resource_changes.map((c) => [withoutHash(c.address), c.change.after as Record<string, unknown>]));
    expect(byAddress.get("aws_instance.openlit")).toMatchObject({ instance_type: tfvars.instance_type });
    expect(byAddress.get("aws_ssm_parameter.openlit_Secrets_ClickhousePassword")).toMatchObject({
      name: `/openlit/${env}/clickhouse-password`,
      type: "SecureString",
    });
    // demo accounts only where there are demo e-mails
    expect(byAddress.has("aws_ssm_parameter.openlit_Secrets_DemoPasswords[0]")).toBe((tfvars.demo_emails ?? "") !== "");
    // no SSH port without a key pair
    expect(tfvars.key_pair_name).toBe("");
    expect([...byAddress.keys()].filter((a) => a.includes("ingress-ssh"))).toEqual([]);
  });

  it("never shows a sample secret, in the plan JSON or in Terraform's output", async () => {
    const { r, show } = await plan();
    const secrets = secretValues(env);
    expect(secrets).toContain(tfvarsStrings(sampleSecretsFor(env)).clickhouse_password);
    if (env === "demo") expect(secrets.length).toBeGreaterThanOrEqual(3); // the password and both demo passwords
    const texts = {
      showJson: JSON.stringify(show),
      normalized: JSON.stringify(normalizePlan(show)),
      ...Object.fromEntries(r.runs.flatMap((run) => [[`${run.args[0]} stdout`, run.stdout], [`${run.args[0]} stderr`, run.stderr]])),
    };
    for (const secret of secrets) {
      for (const [where, text] of Object.entries(texts)) expect(text.includes(secret), `${where} contains a sample secret`).toBe(false);
    }
  });

  it("keeps write-only value_wo attributes null in the plan", async () => {
    const { r, show } = await plan();
    const found = new Map<string, unknown>();
    for (const c of show.resource_changes) {
      writeOnlyValues(c.change.after, `${c.address} after`, found);
      writeOnlyValues(c.change.before, `${c.address} before`, found);
    }
    for (const res of show.planned_values?.root_module?.resources ?? []) writeOnlyValues(res.values, `${res.address} planned`, found);
    const ssm = [...found.keys()].filter((k) => k.startsWith("aws_ssm_parameter.") && k.endsWith(" after.value_wo"));
    expect(ssm.length).toBeGreaterThanOrEqual(env === "demo" ? 2 : 1); // the check is not vacuous
    expect([...found].filter(([, v]) => v !== null && v !== undefined)).toEqual([]);
    expect(flat(r.stdout)).toContain("value_wo = (write-only attribute)");
  });

  it("does not store the ephemeral secret variables in the plan", async () => {
    const { show } = await plan();
    const variables = configOf(env).variable as Record<string, { ephemeral?: boolean; default?: unknown }>;
    const ephemeral = Object.keys(variables).filter((n) => variables[n]!.ephemeral);
    expect(ephemeral).toEqual(expect.arrayContaining(["clickhouse_password", "demo_passwords"]));
    // values given by tfvars are recorded...
    expect(show.variables?.environment).toEqual({ value: env });
    // ...ephemeral ones are not: show -json only fills in the declared default for variables the plan does not record
    for (const name of ephemeral) {
      const d = variables[name]!.default;
      expect(show.variables?.[name], name).toEqual(d === undefined ? undefined : { value: d });
    }
  });

  it("matches the reviewed plan snapshot", async () => {
    const { show } = await plan();
    expect(normalizePlan(show)).toMatchSnapshot();
  });
});
