/**
 * The generated plans of the real stacks, one per system and environment: every stack of
 * `stacks/systems.ts` is synthesized into a temp directory (no prior `npm run synth`), then planned by the
 * real Terraform CLI offline with its `environments/<system>/<env>.tfvars` and sample secrets. The
 * normalized plan (addresses, actions, known values; no timestamps, paths or secrets) is a snapshot,
 * reviewed like code: `npm run test:update-snapshots` only after reading the diff.
 *
 * The plans start together in beforeAll and run concurrently; every test of a stack reads the same plan.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizePlan, type PlanStackResult } from "../../scripts/offline-terraform/index.js";
import { cachedPlanStack } from "../support/plan-cache.js";
import { buildApp, synthAll } from "../../stacks/app.js";
import { allStacks } from "../../stacks/systems.js";
import { REPO, sampleSecretsFor } from "../support/variables.js";
import { flat, requireTerraform } from "./fixtures.js";

interface ResourceChange {
  address: string;
  mode: string;
  type: string;
  change: { actions: string[]; before: unknown; after: unknown };
}
interface ShowJson {
  variables?: Record<string, { value: unknown }>;
  resource_changes: ResourceChange[];
  output_changes?: Record<string, { after: unknown }>;
  planned_values?: { root_module?: { resources?: Array<{ address: string; values: unknown }> } };
  /** The data sources, as read at plan time. */
  prior_state?: { values?: { root_module?: { resources?: Array<{ address: string; values: Record<string, unknown> }> } } };
  configuration?: { root_module?: { resources?: Array<{ address: string; expressions?: Record<string, { references?: string[] }> }> } };
}

interface PlannedStack {
  readonly system: string;
  readonly environment: string;
  /** `<system>-<env>`. */
  readonly name: string;
  /** The describe title, which keys the stack's snapshot. */
  readonly title: string;
}

// OpenLIT's reviewed snapshots are keyed by the bare environment name (from when it was the only system);
// every other system's by the stack name.
const STACKS: PlannedStack[] = allStacks().map(({ system, environment, name }) => ({
  system: system.name,
  environment,
  name,
  title: system.name === "openlit" ? environment : name,
}));
const stacksOf = (system: string) => STACKS.filter((s) => s.system === system).map((s) => [s.title, s] as const);

/** What a stack is planned with besides its tfvars: var files, and TF_VAR_ environment variables. */
interface SampleSecrets {
  readonly varFiles: string[];
  readonly env: Record<string, string>;
  /** Inputs given the same way that are not secret (they may show in the plan), e.g. a CA's certificate. */
  readonly publicEnv?: Record<string, string>;
}
/**
 * The sample secrets of each system's plans. OpenLIT: the shared fixture files (its passwords are required).
 * Lighthouse: none is required (db_password defaults to "", and a password is then generated); a sample db_password
 * is given anyway in dev, the way an operator would (TF_VAR_db_password), so the leak checks look for a real value. It
 * reaches only write-only arguments: the plan is the same as without it. Prod's tfvars name an existing secret,
 * which holds the password: a db_password there is refused.
 */
const SAMPLE_SECRETS: Record<string, (environment: string) => SampleSecrets> = {
  openlit: (environment) => ({ varFiles: [sampleSecretsFor(environment)], env: {} }),
  lighthouse: (environment) => ({ varFiles: [], env: environment === "prod" ? ({} as Record<string, string>) : { TF_VAR_db_password: "test-Lighthouse-db-s3cret" } }),
  // VectorDB API: the four API keys are optional (the secret can be filled later); given here as an operator would.
  "vectordb-api": () => ({
    varFiles: [],
    env: { TF_VAR_api_key: "test-api-key-s3cret", TF_VAR_openai_api_key: "sk-test-openai-s3cret", TF_VAR_pinecone_api_key: "pc-test-pinecone-s3cret", TF_VAR_metabase_api_key: "mb-test-metabase-s3cret" },
  }),
  // h3-pipeline-prod runs its own ClickHouse nodes: the cluster CA's certificate (public) and key (secret) too. Shaped
  // like PEM for the variables' checks, nothing a node could use.
  "h3-pipeline": (environment) => ({
    varFiles: [],
    env: {
      TF_VAR_clickhouse_password: "test-Clickhouse-s3cret",
      ...(environment === "prod" ? { TF_VAR_clickhouse_ca_key: "-----BEGIN PRIVATE KEY-----\ntest-Clickhouse-CA-key-s3cret\n-----END PRIVATE KEY-----\n" } : {}),
    },
    publicEnv: environment === "prod" ? { TF_VAR_clickhouse_ca_cert: "-----BEGIN CERTIFICATE-----\nTEST-CA-CERTIFICATE\n-----END CERTIFICATE-----\n" } : ({} as Record<string, string>),
  }),
};
const secretsOf = (stack: PlannedStack): SampleSecrets => SAMPLE_SECRETS[stack.system]?.(stack.environment) ?? { varFiles: [], env: {} };
/** The secret variables each system declares: sensitive, and ephemeral so no plan or state keeps them. */
const SECRET_VARIABLES: Record<string, string[]> = {
  openlit: ["clickhouse_password", "demo_passwords"],
  lighthouse: ["db_password"],
  "vectordb-api": ["api_key", "openai_api_key", "pinecone_api_key", "metabase_api_key"],
  "agent-platform": [],
  "h3-pipeline": ["clickhouse_password", "clickhouse_ca_key"],
};

const plans = new Map<string, Promise<PlanStackResult>>();
let outdir: string;

const tfvarsOf = (stack: PlannedStack) => join(REPO, "environments", stack.system, `${stack.environment}.tfvars`);
const stackDirOf = (stack: PlannedStack) => join(outdir, "stacks", stack.name);
const configOf = (stack: PlannedStack) => JSON.parse(readFileSync(join(stackDirOf(stack), "cdk.tf.json"), "utf8"));

/** `name = "value"` assignments of a tfvars file (strings only: all the secrets are strings). */
function tfvarsStrings(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of readFileSync(path, "utf8").matchAll(/^\s*(\w+)\s*=\s*("(?:[^"\\\n]|\\.)*")/gm)) out[m[1]!] = JSON.parse(m[2]!) as string;
  return out;
}

/** Every value that must never appear: each sample secret, and each comma-separated part of it. */
function secretValues(stack: PlannedStack): string[] {
  const secrets = secretsOf(stack);
  const values = [...secrets.varFiles.flatMap((f) => Object.values(tfvarsStrings(f))), ...Object.values(secrets.env)];
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
  for (const stack of STACKS) {
    const secrets = secretsOf(stack);
    // Unchanged inputs (configuration, var files, stand-in, Terraform) reuse their last successful plan.
    const plan = cachedPlanStack({ stackDir: stackDirOf(stack), varFiles: [tfvarsOf(stack), ...secrets.varFiles], env: { ...secrets.publicEnv, ...secrets.env } });
    plan.catch(() => undefined); // awaited (and reported) by the tests
    plans.set(stack.name, plan);
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(plans.values());
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** A stack's plan; fails the test when Terraform did not plan it. */
async function planOf(stack: PlannedStack) {
  const r = await plans.get(stack.name)!;
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return { r, show: r.showJson as ShowJson };
}

/** Planned values by address without the logical ids' hashes. */
const afterByAddress = (show: ShowJson) => new Map(show.resource_changes.map((c) => [withoutHash(c.address), c.change.after as Record<string, unknown>]));
const addressesOfType = (show: ShowJson, type: string) => show.resource_changes.filter((c) => c.type === type).map((c) => withoutHash(c.address));

it("plans every stack of stacks/systems.ts", () => {
  expect(STACKS.map((s) => s.name)).toEqual(expect.arrayContaining(["openlit-demo", "openlit-staging", "lighthouse-dev", "lighthouse-prod"]));
  // titles key the snapshots: one per stack
  expect(new Set(STACKS.map((s) => s.title)).size).toBe(STACKS.length);
});

describe.each(STACKS.map((s) => [s.title, s] as const))("%s", (_title, stack) => {
  const plan = () => planOf(stack);

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

    const declared = Object.entries(configOf(stack).resource as Record<string, Record<string, { count?: unknown; for_each?: unknown }>>).flatMap(
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

  it("never shows a sample secret, in the plan JSON or in Terraform's output", async () => {
    const { r, show } = await plan();
    const secrets = secretValues(stack);
    // lighthouse-prod's tfvars name an existing secret, which holds the password, and the AGENT platform's database
    // password is RDS's own: no secret goes through Terraform.
    const noSecretInput = (stack.system === "lighthouse" && stack.environment === "prod") || stack.system === "agent-platform";
    if (noSecretInput) expect(secrets).toEqual([]);
    else expect(secrets.length, "no sample secret to look for: give the system's in SAMPLE_SECRETS").toBeGreaterThanOrEqual(1);
    if (stack.system === "openlit") {
      expect(secrets).toContain(tfvarsStrings(sampleSecretsFor(stack.environment)).clickhouse_password);
      if (stack.environment === "demo") expect(secrets.length).toBeGreaterThanOrEqual(3); // the password and both demo passwords
    }
    const texts = {
      showJson: JSON.stringify(show),
      normalized: JSON.stringify(normalizePlan(show)),
      ...Object.fromEntries(r.runs.flatMap((run) => [[`${run.args[0]} stdout`, run.stdout], [`${run.args[0]} stderr`, run.stderr]])),
    };
    for (const secret of secrets) {
      for (const [where, text] of Object.entries(texts)) expect(text.includes(secret), `${where} contains a sample secret`).toBe(false);
    }
  });

  it("keeps every write-only (*_wo) attribute null in the plan", async () => {
    const { r, show } = await plan();
    const found = new Map<string, unknown>();
    for (const c of show.resource_changes) {
      writeOnlyValues(c.change.after, `${c.address} after`, found);
      writeOnlyValues(c.change.before, `${c.address} before`, found);
    }
    for (const res of show.planned_values?.root_module?.resources ?? []) writeOnlyValues(res.values, `${res.address} planned`, found);
    // not vacuous: every write-only argument the configuration gives a planned resource was looked at
    const planned = new Set(show.resource_changes.map((c) => c.address.replace(/\[.*\]$/, "")));
    const given = (show.configuration?.root_module?.resources ?? [])
      .filter((res) => planned.has(res.address))
      .flatMap((res) => Object.keys(res.expressions ?? {}).filter((k) => k.endsWith("_wo")).map((k) => ({ address: res.address, attribute: k })));
    for (const { address, attribute } of given) {
      const after = [...found.keys()].filter((k) => (k.startsWith(`${address} `) || k.startsWith(`${address}[`)) && k.endsWith(` after.${attribute}`));
      expect(after, `${address}.${attribute}`).not.toEqual([]);
      expect(flat(r.stdout)).toContain(`${attribute} = (write-only attribute)`);
    }
    if (stack.system === "openlit") {
      const ssm = [...found.keys()].filter((k) => k.startsWith("aws_ssm_parameter.") && k.endsWith(" after.value_wo"));
      expect(ssm.length).toBeGreaterThanOrEqual(stack.environment === "demo" ? 2 : 1);
    }
    expect([...found].filter(([, v]) => v !== null && v !== undefined)).toEqual([]);
  });

  it("does not store the ephemeral secret variables in the plan", async () => {
    const { show } = await plan();
    const variables = configOf(stack).variable as Record<string, { ephemeral?: boolean; sensitive?: boolean; default?: unknown }>;
    const ephemeral = Object.keys(variables).filter((n) => variables[n]!.ephemeral);
    expect(ephemeral).toEqual(expect.arrayContaining(SECRET_VARIABLES[stack.system] ?? []));
    expect(Object.keys(variables).filter((n) => variables[n]!.sensitive && !variables[n]!.ephemeral)).toEqual([]);
    // values given by tfvars are recorded...
    expect(show.variables?.environment).toEqual({ value: stack.environment });
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

describe.each(stacksOf("openlit"))("%s: OpenLIT", (_title, stack) => {
  it("plans the resources the environment's tfvars ask for", async () => {
    const { show } = await planOf(stack);
    const env = stack.environment;
    const tfvars = tfvarsStrings(tfvarsOf(stack));
    const byAddress = afterByAddress(show);
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
});

/** What the document's two terraform.tfvars ask for, and the cost its calculator gives for each. */
const LIGHTHOUSE_DOCUMENT: Record<string, { instanceType: string; volumeSizeGb: number; keyName: string; cost: string }> = {
  dev: { instanceType: "t4g.micro", volumeSizeGb: 20, keyName: "lighthouse-dev", cost: "$3.54" },
  prod: { instanceType: "t4g.small", volumeSizeGb: 100, keyName: "lighthouse-prod", cost: "$23.36" },
};

describe.each(stacksOf("lighthouse"))("%s: Lighthouse", (_title, stack) => {
  const document = LIGHTHOUSE_DOCUMENT[stack.environment]!;

  it("plans the instance, data volume and key pair the environment's tfvars ask for", async () => {
    const { show } = await planOf(stack);
    const byAddress = afterByAddress(show);
    expect(byAddress.get("aws_instance.timescaledb")).toMatchObject({ instance_type: document.instanceType, key_name: document.keyName });
    expect(byAddress.get("aws_ebs_volume.timescaledb_DataVolume")).toMatchObject({ size: document.volumeSizeGb, type: "gp3", encrypted: true });
  });

  it("gives the document's cost for its example (estimated_monthly_cost)", async () => {
    const { show } = await planOf(stack);
    expect(show.output_changes?.estimated_monthly_cost?.after).toBe(document.cost);
  });
});

describe("lighthouse-dev: the document's development environment", () => {
  const stack = STACKS.find((s) => s.name === "lighthouse-dev")!;

  it("runs on a persistent spot request, with the cleanup that cancels it before the instance goes", async () => {
    const { show } = await planOf(stack);
    expect(afterByAddress(show).get("aws_instance.timescaledb")).toMatchObject({
      instance_market_options: [{ market_type: "spot", spot_options: [{ spot_instance_type: "persistent", instance_interruption_behavior: "stop" }] }],
    });
    expect(addressesOfType(show, "null_resource")).toEqual(["null_resource.spot_request_cleanup[0]"]);
  });

  it("has no dashboard and only the status-check alarms (monitoring off)", async () => {
    const { show } = await planOf(stack);
    expect(addressesOfType(show, "aws_cloudwatch_dashboard")).toEqual([]);
    expect(addressesOfType(show, "aws_cloudwatch_metric_alarm").sort()).toEqual(["aws_cloudwatch_metric_alarm.alarms_InstanceCheck", "aws_cloudwatch_metric_alarm.alarms_SystemCheck"]);
  });

  it("keeps the password as an SSM SecureString and opens no port", async () => {
    const { show } = await planOf(stack);
    expect(afterByAddress(show).get("aws_ssm_parameter.timescaledb_Secrets_Password")).toEqual(
      expect.objectContaining({ name: "/lighthouse/dev/db/password", type: "SecureString", value_wo: null }),
    );
    expect(addressesOfType(show, "aws_vpc_security_group_ingress_rule")).toEqual([]);
  });
});

describe("lighthouse-prod: the document's production environment", () => {
  const stack = STACKS.find((s) => s.name === "lighthouse-prod")!;
  const ingress = (show: ShowJson) => show.resource_changes.filter((c) => c.type === "aws_vpc_security_group_ingress_rule");

  it("has the dashboard and six alarms", async () => {
    const { show } = await planOf(stack);
    expect(addressesOfType(show, "aws_cloudwatch_dashboard")).toEqual(["aws_cloudwatch_dashboard.dashboard[0]"]);
    const alarms = show.resource_changes.filter((c) => c.type === "aws_cloudwatch_metric_alarm").map((c) => (c.change.after as { alarm_name: string }).alarm_name);
    expect(alarms.sort()).toEqual(["cpu", "disk-data", "disk-root", "instance-check", "memory", "system-check"].map((a) => `lighthouse-prod-timescaledb-${a}`));
    expect(addressesOfType(show, "null_resource")).toEqual([]);
  });

  it("opens 5432 only to the backend security group, with no CIDR", async () => {
    const { show } = await planOf(stack);
    const postgres = ingress(show).filter((c) => {
      const after = c.change.after as { from_port: number; to_port: number };
      return after.from_port <= 5432 && 5432 <= after.to_port;
    });
    expect(postgres.map((c) => withoutHash(c.address))).toEqual(["aws_vpc_security_group_ingress_rule.security_group_ingress-postgres-backend[0]"]);
    const after = postgres[0]!.change.after as Record<string, unknown>;
    // the group Terraform looked up by backend_security_group_name
    const backend = show.prior_state?.values?.root_module?.resources?.find((d) => d.address === "data.aws_security_group.backend_security_group[0]");
    expect(backend?.values).toMatchObject({ name: "lighthouse-prod-backend-sg" });
    expect(after.referenced_security_group_id).toBe(backend!.values.id);
    const config = show.configuration?.root_module?.resources?.find((res) => res.address === postgres[0]!.address.replace(/\[.*\]$/, ""));
    expect(config?.expressions?.referenced_security_group_id?.references).toEqual(["data.aws_security_group.backend_security_group"]);
    for (const source of ["cidr_ipv4", "cidr_ipv6", "prefix_list_id"]) {
      expect(after[source] ?? null, source).toBeNull();
      expect(config?.expressions ?? {}, source).not.toHaveProperty(source);
    }
  });

  it("opens SSH only to the tfvars' internal range", async () => {
    const { show } = await planOf(stack);
    const ssh = ingress(show).filter((c) => (c.change.after as { from_port: number }).from_port === 22);
    expect(ssh.map((c) => (c.change.after as { cidr_ipv4: string }).cidr_ipv4)).toEqual(["10.0.0.0/16"]);
  });

  it("uses the existing secret, bucket and topic the tfvars name, and creates none of them", async () => {
    const { show } = await planOf(stack);
    for (const type of ["aws_secretsmanager_secret", "aws_secretsmanager_secret_version", "aws_s3_bucket", "aws_sns_topic"]) {
      expect(addressesOfType(show, type), type).toEqual([]);
    }
    expect(show.output_changes?.backup_s3_bucket?.after).toBe("lighthouse-backups-prod");
  });
});
