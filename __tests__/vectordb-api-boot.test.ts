import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { lintScripts, runTool, ScriptLint } from "./support/rendered-boot.js";
import { requireTerraform } from "./support/terraform.js";
import { bootScriptOf, onlyResource } from "./support/synth.js";
import {
  assertVectordbSamplesCover, renderVectordbUserData, SAMPLE_ACCOUNT_ID, SAMPLE_IMAGE_TAG, sampleCacheEndpoint, sampleCsvBucket, sampleSecretArn,
  synthVectordb, VECTORDB_USER_DATA_SAMPLES, VectordbEnvironment, vectordbUserDataTemplate,
} from "./support/vectordb-user-data.js";
import { DATA_DIR, METRIC_NAMESPACE, SECRET_KEYS } from "../stacks/vectordb-api/application.js";

// The vectordb-api boot script as the instance receives it: the synthesized user_data, with the locals it reads
// inlined, rendered by the real Terraform engine with sample values (support/vectordb-user-data.ts). Checked
// statically (bash -n and shellcheck of the script and of every script it writes, the compose file through a YAML
// parser, app.env and the start hook read line by line), and the queue-depth script it writes runs for real against
// a stub docker and a stub AWS CLI. No boot sandbox run: the boot script is the host partials of templates/host/ (swap,
// Docker and compose, data volume, CloudWatch agent, secrets at every start, the service), which the Lighthouse and
// OpenLIT boot tests run as root in the sandbox (lighthouse-boot.test.ts, user-data-idempotency.test.ts); what this
// system adds is files, checked here.

const REPO_ROOT = join(import.meta.dirname, "..");
const ENVIRONMENTS = ["dev", "prod"] as const;
const COMPOSE = "/opt/vectordb-api/docker-compose.yml";
const APP_ENV = "/etc/vectordb-api/app.env";
const PRESTART = "/usr/local/sbin/vectordb-api-prestart";
const QUEUE_DEPTH = "/usr/local/sbin/vectordb-api-queue-depth";
const STOP_TIMEOUT = "/etc/systemd/system/vectordb-api.service.d/stop-timeout.conf";
const IMAGE = `${SAMPLE_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/vectordb-api:${SAMPLE_IMAGE_TAG}`;
/** The keys of the document's .env.production (vectordb-api-ec2.md), in its order; four of them are secrets. */
const DOCUMENT_ENV_KEYS = [
  "ENVIRONMENT", "API_KEY", "API_HOST", "API_PORT", "METABASE_URL", "METABASE_API_KEY", "OPENAI_API_KEY", "PINECONE_API_KEY",
  "PINECONE_INDEX_NAME", "PINECONE_NAMESPACE", "AWS_REGION", "DYNAMODB_TABLE_NAME", "S3_BUCKET_NAME", "USE_LOCAL_FILES", "REDIS_HOST",
  "REDIS_PORT", "REDIS_DB", "CHUNK_SIZE", "BATCH_SIZE", "MAX_WORKERS", "TASK_TIMEOUT", "OPENAI_RATE_LIMIT",
];
/** A larger worker than the defaults: the compose file and the stop timeout follow the variables. */
const BIG_WORKER = { "var.max_workers": "8", "var.task_timeout": "3600" };

/** The text between `cat > PATH <<'TAG'` and `TAG` in the rendered script. */
function heredoc(script: string, path: string): string {
  const match = script.match(new RegExp(`cat > ${path.replace(/[.]/g, "\\.")} <<'?(\\w+)'?\\n([\\s\\S]*?)\\n\\1\\n`));
  if (!match) throw new Error(`no heredoc writes ${path}`);
  return match[2];
}

/** KEY=VALUE lines (an env file, tfvars without quotes), later keys winning. */
function assignments(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split("\n").flatMap((line) => {
      const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"|([^\s#]*))/);
      return m ? [[m[1], m[2] ?? m[3]] as const] : [];
    }),
  );
}

/**
 * The rendered queue-depth script run in a directory of its own whose bin/ is the whole PATH: a docker stub answering
 * `answer` (and exiting `dockerExit`), an aws stub recording its arguments, and bash. Returns the run and what the
 * stubs saw (null: never called).
 */
async function queueDepth(dir: string, script: string, answer: string, dockerExit = 0) {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\nprintf '%s\\0' "$@" > ${join(dir, `${name}.args`)}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub("docker", `printf '%s\\n' ${JSON.stringify(answer)}\nexit ${dockerExit}`);
  stub("aws", "exit 0");
  symlinkSync("/bin/bash", join(bin, "bash"));
  const path = join(dir, "vectordb-api-queue-depth");
  writeFileSync(path, `${script}\n`, { mode: 0o700 });
  const run = await runTool(path, [], { PATH: bin, LANG: "C" });
  const argsOf = (name: string) => (existsSync(join(dir, `${name}.args`)) ? readFileSync(join(dir, `${name}.args`), "utf8").split("\0").slice(0, -1) : null);
  return { ...run, docker: argsOf("docker"), aws: argsOf("aws") };
}
type QueueDepthRun = Awaited<ReturnType<typeof queueDepth>>;

let rendered: Record<VectordbEnvironment, string>;
let bigWorker: string;
let work: string;
let lint: ScriptLint;
let runs: { published: Record<VectordbEnvironment, QueueDepthRun>; notANumber: QueueDepthRun; noWorker: QueueDepthRun };

beforeAll(async () => {
  requireTerraform();
  const [dev, prod, big] = await Promise.all([renderVectordbUserData("dev"), renderVectordbUserData("prod"), renderVectordbUserData("dev", BIG_WORKER)]);
  rendered = { dev, prod };
  bigWorker = big;

  // Static checks of the boot scripts and of every script they write (one shellcheck run, cached by content), beside
  // the queue-depth runs.
  work = mkdtempSync(join(tmpdir(), "vectordb-user-data-"));
  const files: Record<string, string> = {};
  for (const env of ENVIRONMENTS) {
    files[`user-data-${env}.sh`] = rendered[env];
    files[`vectordb-api-prestart-${env}`] = heredoc(rendered[env], PRESTART);
    files[`vectordb-api-queue-depth-${env}`] = heredoc(rendered[env], QUEUE_DEPTH);
  }
  lint = lintScripts(join(work, "lint"), files);
  const run = (name: string, env: VectordbEnvironment, answer: string, dockerExit?: number) =>
    queueDepth(join(work, name), files[`vectordb-api-queue-depth-${env}`], answer, dockerExit);
  const [publishedDev, publishedProd, notANumber, noWorker] = await Promise.all([
    run("dev", "dev", "42"),
    run("prod", "prod", "42"),
    run("not-a-number", "dev", "None"),
    run("no-worker", "dev", "Error response from daemon: container vectordb-worker is not running", 1),
  ]);
  runs = { published: { dev: publishedDev, prod: publishedProd }, notANumber, noWorker };
}, 30_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("rendered vectordb-api user-data (dev and prod) and the scripts it writes", () => {
  it("is valid bash, and so is every script it writes", async () => {
    const checks = await lint.bash;
    expect(checks.map(([f]) => f)).toEqual(Object.keys(lint.files));
    for (const [file, result] of checks) expect(result.code, `${file}: ${result.stderr}`).toBe(0);
  });

  it("is shellcheck-clean, and so is every script it writes", async () => {
    const checked = await lint.shellcheck;
    expect(checked.map((r) => r.output).join(""), "shellcheck findings").toBe("");
    for (const r of checked) expect(r.status, r.file).toBe(0);
  });

  it("reaches the shell with its own ${VAR} expansions intact, and the stack's values interpolated", () => {
    for (const env of ENVIRONMENTS) {
      const script = rendered[env];
      expect(script).toMatch(/^#!\/bin\/bash\n/);
      expect(script).not.toContain("$${");
      expect(script).toContain('grep -q "${COMPOSE_VERSION#v}"');
      expect(script).toContain(`# VectorDB API bootstrap for Amazon Linux 2023 (${env}), rendered by cdktf-aws-stacks.`);
      expect(script).toContain(`readonly DATA_VOLUME_ID="${VECTORDB_USER_DATA_SAMPLES[env]["aws_ebs_volume.api_DataVolume.id"]}"`);
      expect(script).toContain(`readonly DATA_DIR="${DATA_DIR}"`);
      expect(script).toContain('install -d -m 0777 "$DATA_DIR/tmp"');
      expect(heredoc(script, PRESTART)).toContain(`readonly SECRET_1_ARN="${sampleSecretArn(env)}"`);
      // The image's registry, for the login before every start: the deploying account's (aws_account_id is empty).
      expect(heredoc(script, PRESTART)).toContain(`readonly ECR_REGISTRY="${SAMPLE_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com"`);
      expect(script).toContain("systemctl enable --now vectordb-api-queue-depth.timer");
      expect(script.trimEnd().split("\n").at(-1)).toBe('log "vectordb-api.service is running (app, worker, flower)"');
    }
  });

  it("needs a sample for every reference, also inside the locals it reads, and says where to add one", () => {
    // The deploying account is read only inside local.api_ecr_registry, which the image and the prestart read.
    const { "data.aws_caller_identity.account.account_id": _account, ...withoutAccount } = VECTORDB_USER_DATA_SAMPLES.dev;
    expect(bootScriptOf(synthVectordb("dev"))).not.toContain("aws_caller_identity");
    expect(() => assertVectordbSamplesCover(vectordbUserDataTemplate("dev"), "dev", withoutAccount)).toThrow(
      "vectordb-api-dev user_data references data.aws_caller_identity.account.account_id with no sample value: add a realistic value " +
        "for it (key without the logical-id hash; a list for a [*] splat) to VECTORDB_USER_DATA_SAMPLES.dev in __tests__/support/vectordb-user-data.ts",
    );
  });

  it("is rendered with the environment's own values: its tfvars, else the stack's defaults (image_tag aside)", () => {
    for (const env of ENVIRONMENTS) {
      const tfvars = assignments(readFileSync(join(REPO_ROOT, "environments", "vectordb-api", `${env}.tfvars`), "utf8"));
      const variables = synthVectordb(env).variable;
      const vars = Object.entries(VECTORDB_USER_DATA_SAMPLES[env]).filter(([k]) => k.startsWith("var.") && k !== "var.image_tag");
      expect(vars.length).toBeGreaterThan(10);
      for (const [key, sample] of vars) {
        const name = key.slice("var.".length);
        expect(variables[name], key).toBeDefined();
        expect(sample, key).toBe(tfvars[name] ?? String(variables[name].default));
      }
    }
  });

  it("has no API key in it: only the secret's ARN, read at every start", () => {
    for (const env of ENVIRONMENTS) {
      expect(rendered[env]).not.toMatch(new RegExp(`^(export )?(${SECRET_KEYS.join("|")})=`, "m"));
      expect(rendered[env]).not.toMatch(/secret_string|SecretString=/);
    }
  });

  describe("docker-compose.yml", () => {
    const composeOf = (script: string) => parseYaml(heredoc(script, COMPOSE), { merge: true });
    let compose: Record<VectordbEnvironment, any>;
    beforeAll(() => {
      compose = { dev: composeOf(rendered.dev), prod: composeOf(rendered.prod) };
    });

    it("runs app, worker and flower from one image of the stack's ECR repository, at the image_tag (never latest)", () => {
      for (const env of ENVIRONMENTS) {
        const { services } = compose[env];
        expect(Object.keys(services)).toEqual(["app", "worker", "flower"]);
        expect(compose[env]["x-app"].image).toBe(IMAGE);
        for (const service of Object.values<any>(services)) {
          expect(service.image).toBe(IMAGE);
          expect(service.platform).toBe("linux/amd64"); // t3: x86_64
          expect(service.restart).toBe("always");
          expect(service["<<"]).toBeUndefined();
        }
        expect(IMAGE).not.toMatch(/latest/);
        expect(Object.values<any>(services).map((s) => s.container_name)).toEqual(["vectordb-api", "vectordb-worker", "vectordb-flower"]);
      }
    });

    it("runs on the host's network (the role's credentials with IMDSv2's hop limit 1), Flower listening on 127.0.0.1 only", () => {
      for (const env of ENVIRONMENTS) {
        const { app, worker, flower } = compose[env].services;
        for (const service of [app, worker, flower]) {
          expect(service.network_mode).toBe("host");
          expect(service.ports).toBeUndefined();
        }
        expect(flower.command).toEqual(["celery", "-A", "app.celery_config", "flower", "--address=127.0.0.1", "--port=5555"]);
      }
      expect(onlyResource(synthVectordb("dev"), "aws_instance").metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      // 8000 is what the load balancer's target group forwards to.
      expect(onlyResource(synthVectordb("dev"), "aws_lb_target_group").port).toBe(8000);
    });

    it("runs the document's worker: concurrency, time limit and the soft limit a minute before it, from the variables", () => {
      const celery = ["celery", "-A", "app.celery_config", "worker", "--loglevel=info"];
      for (const env of ENVIRONMENTS) {
        const { worker } = compose[env].services;
        expect(worker.command).toEqual([...celery, "--concurrency=4", "--time-limit=1800", "--soft-time-limit=1740"]);
        expect(worker.stop_grace_period).toBe("1800s");
      }
      const big = composeOf(bigWorker).services.worker;
      expect(big.command).toEqual([...celery, "--concurrency=8", "--time-limit=3600", "--soft-time-limit=3540"]);
      expect(big.stop_grace_period).toBe("3600s");
    });

    it("lets systemd wait for the worker's warm shutdown when it stops the service (its default is 90 s)", () => {
      expect(heredoc(rendered.dev, STOP_TIMEOUT)).toBe("[Service]\nTimeoutStopSec=1860");
      expect(heredoc(rendered.prod, STOP_TIMEOUT)).toBe("[Service]\nTimeoutStopSec=1860");
      expect(heredoc(bigWorker, STOP_TIMEOUT)).toBe("[Service]\nTimeoutStopSec=3660");
      // Written before the service partial reloads systemd and (re)starts the service.
      expect(rendered.dev.indexOf(STOP_TIMEOUT)).toBeLessThan(rendered.dev.indexOf("systemctl daemon-reload"));
    });

    it("gives every service the settings and the API keys as env files, and the data volume for TMPDIR and logs", () => {
      for (const env of ENVIRONMENTS) {
        for (const service of Object.values<any>(compose[env].services)) {
          expect(service.env_file).toEqual([APP_ENV, "/etc/vectordb-api/secrets.env"]);
          expect(service.environment).toBeUndefined();
          expect(service.volumes).toEqual([`${DATA_DIR}/tmp:/app/data/tmp`, `${DATA_DIR}/logs:/app/logs`]);
        }
      }
    });

    it("logs app to the API log group and worker and flower to the worker log group (awslogs), the stack's log_groups", () => {
      for (const env of ENVIRONMENTS) {
        const { app, worker, flower } = compose[env].services;
        const suffix = env === "prod" ? "" : `-${env}`;
        const awslogs = (group: string) => ({
          driver: "awslogs",
          options: { "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": `vectordb-api-${env}`, mode: "non-blocking" },
        });
        expect(app.logging).toEqual(awslogs(`/aws/ec2/vectordb-api${suffix}`));
        expect(worker.logging).toEqual(awslogs(`/aws/ec2/vectordb-worker${suffix}`));
        expect(flower.logging).toEqual(awslogs(`/aws/ec2/vectordb-worker${suffix}`));
        expect(synthVectordb(env).output.log_groups.value).toEqual([app.logging.options["awslogs-group"], worker.logging.options["awslogs-group"]]);
      }
    });

    it("is healthy when the API answers the document's /api/v1/health, the load balancer's health check", () => {
      for (const env of ENVIRONMENTS) {
        const { app, worker, flower } = compose[env].services;
        expect(app.healthcheck).toMatchObject({ interval: "30s", timeout: "10s", retries: 5, start_period: "60s" });
        expect(app.healthcheck.test.slice(0, 3)).toEqual(["CMD", "python", "-c"]);
        expect(app.healthcheck.test[3]).toContain("urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=5).status == 200");
        expect(worker.healthcheck).toBeUndefined();
        expect(flower.healthcheck).toBeUndefined();
      }
      expect(onlyResource(synthVectordb("dev"), "aws_lb_target_group").health_check).toMatchObject({ path: "/api/v1/health", matcher: "200" });
    });

    it("leaves nothing for compose to interpolate", () => {
      for (const env of ENVIRONMENTS) expect(heredoc(rendered[env], COMPOSE)).not.toContain("$");
    });
  });

  describe("app.env", () => {
    const appEnv = (env: VectordbEnvironment) => heredoc(rendered[env], APP_ENV);

    it("holds every setting of the document's .env.production except the four API keys, with the stack's values", () => {
      const endpoint = sampleCacheEndpoint("dev");
      expect(assignments(appEnv("dev"))).toEqual({
        ENVIRONMENT: "development",
        API_HOST: "0.0.0.0",
        API_PORT: "8000",
        METABASE_URL: "https://metabase.example.com",
        PINECONE_INDEX_NAME: "vectors-dev",
        PINECONE_NAMESPACE: "v2",
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        DYNAMODB_TABLE_NAME: "vectordb-tasks-dev",
        S3_BUCKET_NAME: sampleCsvBucket("dev"),
        USE_LOCAL_FILES: "false",
        REDIS_HOST: endpoint,
        REDIS_PORT: "6379",
        REDIS_DB: "0",
        REDIS_SSL: "true",
        REDIS_URL: `rediss://${endpoint}:6379/0`,
        CELERY_BROKER_URL: `rediss://${endpoint}:6379/0?ssl_cert_reqs=required`,
        CELERY_RESULT_BACKEND: `rediss://${endpoint}:6379/0?ssl_cert_reqs=required`,
        CHUNK_SIZE: "1000",
        BATCH_SIZE: "100",
        MAX_WORKERS: "4",
        TASK_TIMEOUT: "1800",
        OPENAI_RATE_LIMIT: "5",
        TMPDIR: "/app/data/tmp",
      });
      for (const env of ENVIRONMENTS) {
        const text = appEnv(env);
        expect(text.split("\n").every((l) => /^[A-Z][A-Z0-9_]*=\S*$/.test(l)), text).toBe(true);
        const keys = Object.keys(assignments(text));
        expect(DOCUMENT_ENV_KEYS.filter((k) => !keys.includes(k)).sort()).toEqual([...SECRET_KEYS].sort());
      }
      expect(assignments(appEnv("prod"))).toMatchObject({
        ENVIRONMENT: "production",
        PINECONE_INDEX_NAME: "vectors-prod",
        DYNAMODB_TABLE_NAME: "vectordb-tasks-prod",
        S3_BUCKET_NAME: sampleCsvBucket("prod"),
        REDIS_HOST: sampleCacheEndpoint("prod"),
      });
    });

    it("points Redis and Celery at the cache over TLS only (rediss://)", () => {
      for (const env of ENVIRONMENTS) {
        const values = assignments(appEnv(env));
        for (const key of ["REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"]) expect(values[key]).toMatch(/^rediss:\/\/master\.[a-z0-9.-]+:6379\/0(\?ssl_cert_reqs=required)?$/);
        expect(appEnv(env)).not.toMatch(/redis:\/\//);
      }
    });

    it("is root-only and holds no secret", () => {
      for (const env of ENVIRONMENTS) {
        expect(rendered[env]).toContain(`chmod 0600 ${APP_ENV}`);
        expect(appEnv(env)).not.toMatch(new RegExp(`^(${SECRET_KEYS.join("|")})=`, "m"));
        expect(appEnv(env)).not.toMatch(/KEY|PASSWORD|TOKEN|SECRET/);
      }
    });
  });

  describe("vectordb-api-prestart", () => {
    it("reads the one secret once and writes its four keys to secrets.env", () => {
      for (const env of ENVIRONMENTS) {
        const prestart = heredoc(rendered[env], PRESTART);
        expect(prestart.match(/^readonly SECRET_\d+_ARN=.*$/gm)).toEqual([`readonly SECRET_1_ARN="${sampleSecretArn(env)}"`]);
        expect(prestart.match(/^.*\$\(get_secrets_manager_secret .*$/gm)).toEqual(['secret_1=$(get_secrets_manager_secret "$SECRET_1_ARN")']);
        expect(prestart.match(/^value=.*$/gm)).toEqual(SECRET_KEYS.map((key) => `value=$(secret_json_key "$secret_1" "$SECRET_1_ARN" "${key}" ${key})`));
        expect(prestart.match(/^printf .*$/gm)).toEqual(SECRET_KEYS.map((key) => `printf "${key}='%s'\\n" "$value" >> "$tmp"`));
        expect(prestart).toContain("mv \"$tmp\" /etc/vectordb-api/secrets.env");
        expect(prestart).not.toContain("get_secret \"");
      }
    });
  });

  describe("vectordb-api-queue-depth (run with a stub docker and a stub aws)", () => {
    it("reads the length of Celery's queue inside the worker container, over TLS", () => {
      const { docker } = runs.published.dev;
      expect(docker?.slice(0, 4)).toEqual(["exec", "vectordb-worker", "python", "-c"]);
      expect(docker?.[4]).toBe('import os, redis; print(redis.Redis.from_url(os.environ["REDIS_URL"], ssl_cert_reqs="required").llen("celery"))');
    });

    it("publishes it as VectorDB/QueueDepth of its stack, the metric the alarm watches", () => {
      for (const env of ENVIRONMENTS) {
        const run = runs.published[env];
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toBe("");
        expect(run.aws).toEqual([
          "cloudwatch", "put-metric-data", "--region", "us-east-1", "--namespace", "VectorDB", "--metric-name", "QueueDepth",
          "--dimensions", `Stack=vectordb-api-${env}`, "--value", "42", "--unit", "Count",
        ]);
        const alarm = synthVectordb(env).resource.aws_cloudwatch_metric_alarm.queue_depth_alarm;
        expect({ namespace: alarm.namespace, metric: alarm.metric_name, dimensions: alarm.dimensions }).toEqual({
          namespace: METRIC_NAMESPACE,
          metric: "QueueDepth",
          dimensions: { Stack: `vectordb-api-${env}` },
        });
      }
    });

    it("fails without publishing when the broker's answer is not a number", () => {
      const run = runs.notANumber;
      expect(run.code).not.toBe(0);
      expect(run.stderr).toBe("queue-depth: unexpected answer from the broker: None\n");
      expect(run.docker).not.toBeNull();
      expect(run.aws).toBeNull();
    });

    it("fails without publishing when the worker container is not running", () => {
      const run = runs.noWorker;
      expect(run.code).not.toBe(0);
      expect(run.aws).toBeNull();
    });
  });
});
