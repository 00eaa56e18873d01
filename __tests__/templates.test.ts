import { execFileSync, spawnSync } from "node:child_process";
import { shellcheckEach } from "./support/shellcheck.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { synthOpenlit, bootScriptOf } from "./support/synth.js";
import { applyOffline, requireTerraform } from "./support/terraform.js";
import { interpolations, renderWithTerraform } from "./support/user-data.js";
import { USER_DATA_SAMPLES as SAMPLES } from "./support/user-data-samples.js";

// The boot script as the instance receives it: the synthesized user_data, interpolated by the real
// Terraform engine with sample values for its references, then checked with bash, shellcheck and a YAML parser.

/** The text between `cat > PATH <<'TAG'` and `TAG` in the rendered script. */
function heredoc(script: string, path: string): string {
  const match = script.match(new RegExp(`cat > ${path.replace(/[.]/g, "\\.")} <<'?(\\w+)'?\\n([\\s\\S]*?)\\n\\1\\n`));
  if (!match) throw new Error(`no heredoc writes ${path}`);
  return match[2];
}

function requireTool(tool: string, install: string): void {
  if (spawnSync(tool, ["--version"]).error) throw new Error(`${tool} not found: ${install}`);
}

describe("rendered user-data", () => {
  let script: string;
  let dir: string;
  beforeAll(async () => {
    requireTerraform();
    dir = mkdtempSync(join(tmpdir(), "user-data-"));
    script = await renderWithTerraform(bootScriptOf(synthOpenlit("demo")), SAMPLES);
    writeFileSync(join(dir, "user-data.sh"), script);
  });

  it("interpolates only plain references (complex expressions live in locals)", () => {
    const refs = interpolations(bootScriptOf(synthOpenlit("demo")));
    for (const ref of refs) expect(ref).toMatch(/^(var|local|aws_[a-z_]+)\.[\w.]+$/);
  });

  it("is valid bash", () => {
    expect(() => execFileSync("bash", ["-n", join(dir, "user-data.sh")], { stdio: "pipe" })).not.toThrow();
  });

  it("is shellcheck-clean", async () => {
    requireTool("shellcheck", "apt-get install -y shellcheck");
    const [result] = await shellcheckEach(["--shell=bash", "--severity=style"], ["user-data.sh"], { cwd: dir });
    expect(result!.output).toBe("");
    expect(result!.status).toBe(0);
  });

  it("reaches the shell with its own ${VAR} expansions intact", () => {
    expect(script).toContain('nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID//-/}"');
    expect(script).toContain('readonly DATA_VOLUME_ID="vol-0123456789abcdef0"');
    expect(script).not.toContain("$${");
  });

  it("fails hard, logs, and never formats a disk that has a filesystem or is the root disk", () => {
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toContain("set -euo pipefail");
    expect(script).toContain("LOG=/var/log/openlit-bootstrap.log");
    expect(script).toMatch(/if \[\[ -z "\$\(blkid -o value -s TYPE "\$data_dev" \|\| true\)" \]\]; then\n.*\n\s+mkfs\.xfs/);
    expect(script).toContain('refusing to use $data_dev: it is the root disk');
    expect(script).toMatch(/did not appear within \$\{VOLUME_WAIT_SECONDS\}s/);
  });

  it("installs Docker, compose for the machine's architecture, swap and automatic security updates", () => {
    expect(script).toContain("dnf install -y --quiet docker dnf-automatic");
    expect(script).toContain("docker-compose-linux-${arch}");
    expect(script).toContain("sha256sum -c");
    expect(script).toContain("upgrade_type = security");
    // AL2023 locks dnf to the AMI's release: without "latest" the timer would never find an update
    expect(script).toMatch(/echo latest > \/etc\/dnf\/vars\/releasever\ndnf install/);
    expect(script).toContain("systemctl enable --now dnf-automatic.timer");
    expect(script).toContain("mkswap /swapfile");
  });

  it("writes an openlit.service unit that fetches secrets before every start", () => {
    const unit = heredoc(script, "/etc/systemd/system/openlit.service");
    expect(unit).toContain("ExecStartPre=/usr/local/sbin/openlit-prestart");
    expect(unit).toContain("RequiresMountsFor=/var/lib/openlit");
    expect(unit).toMatch(/ExecStart=\/usr\/bin\/docker compose up --detach/);
    expect(unit).toContain("WantedBy=multi-user.target");
    expect(script).toContain("systemctl enable openlit.service");
  });

  it("has a prestart script that is valid, shellcheck-clean bash giving the containers only the ClickHouse password", async () => {
    const prestart = heredoc(script, "/usr/local/sbin/openlit-prestart");
    writeFileSync(join(dir, "prestart.sh"), prestart);
    expect(spawnSync("bash", ["-n", join(dir, "prestart.sh")]).status).toBe(0);
    expect((await shellcheckEach([], ["prestart.sh"], { cwd: dir }))[0]!.output).toBe("");
    expect(prestart).toContain('readonly CLICKHOUSE_PASSWORD_PARAMETER="/openlit/demo/clickhouse-password"');
    // read into a variable first: a failed SSM read then stops the start instead of writing an empty password
    expect(prestart).toContain(`value=$(get_secret "$CLICKHOUSE_PASSWORD_PARAMETER")\nprintf "INIT_DB_PASSWORD='%s'\\n" "$value" > "$tmp"`);
    // account passwords never reach a container: OpenLIT would serve DEMO_ACCOUNT_PASSWORD in its login page
    expect(prestart).not.toMatch(/DEMO_ACCOUNT|OWNER|demo-passwords|owner-password/);
    expect(prestart).toContain("docker login --username AWS --password-stdin \"$ECR_REGISTRY\"");
  });

  it("makes the accounts with openlit-accounts after every start, from SSM, never through the containers", () => {
    const env = heredoc(script, "/etc/openlit/accounts.env");
    expect(env.split("\n")).toEqual([
      "OPENLIT_URL=http://127.0.0.1:3001",
      "AWS_REGION=us-east-1",
      "OWNER_EMAIL=user@openlit.io",
      "OWNER_PASSWORD_PARAMETER=/openlit/demo/owner-password",
      "DEMO_EMAILS=demo@example.com,sales@example.com",
      "DEMO_PASSWORDS_PARAMETER=/openlit/demo/demo-passwords",
      "STATE_DIR=/var/lib/openlit/accounts",
    ]);
    expect(script).toContain('echo "FORWARDED_PROTO=$forwarded_proto" >> /etc/openlit/accounts.env');
    const unit = heredoc(script, "/etc/systemd/system/openlit-accounts.service");
    expect(unit).toContain("After=openlit.service");
    expect(unit).toContain("ExecStart=/usr/local/sbin/openlit-accounts");
    expect(heredoc(script, "/etc/systemd/system/openlit.service.d/accounts.conf")).toContain("Wants=openlit-accounts.service");
    expect(heredoc(script, "/usr/local/sbin/openlit-accounts")).toMatch(/^#!\/usr\/bin\/env python3\n/);
  });

  it("writes non-secret settings only to the env file", () => {
    const env = heredoc(script, "/etc/openlit/openlit.env");
    expect(env.split("\n")).toEqual([
      "TELEMETRY_ENABLED=false",
      "INIT_DB_HOST=https://ch.example.com",
      "INIT_DB_PORT=8443",
      "INIT_DB_DATABASE=openlit",
      "INIT_DB_USERNAME=default",
    ]);
  });

  describe("docker-compose.yml", () => {
    let compose: any;
    beforeAll(() => (compose = parseYaml(heredoc(script, "/opt/openlit/docker-compose.yml"))));

    it("runs the RFC's two services and the proxy in front of the UI, on the instance's platform", () => {
      expect(Object.keys(compose.services).sort()).toEqual(["openlit", "otel-collector", "proxy"]);
      expect(compose.services.openlit.image).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/openlit:v1.2.3");
      expect(compose.services.openlit.platform).toBe("linux/arm64");
      expect(compose.services["otel-collector"].image).toBe("otel/opentelemetry-collector-contrib:0.142.0");
      expect(compose.services.proxy.image).toBe("caddy:2.10-alpine");
      expect(compose.services.proxy.depends_on).toEqual({ openlit: { condition: "service_healthy" } });
    });

    it("publishes the UI through the proxy, OTLP 4317/4318, and OpenLIT itself and the collector health on loopback only", () => {
      expect(compose.services.proxy.ports).toEqual(["3000:3000"]);
      expect(compose.services.openlit.ports).toEqual(["127.0.0.1:3001:3000"]);
      expect(compose.services["otel-collector"].ports).toEqual(["4317:4317", "4318:4318", "127.0.0.1:13133:13133"]);
    });

    it("binds OpenLIT's SQLite directory to the data volume and gives its own collector a config that does nothing", () => {
      expect(compose.services.openlit.volumes).toEqual([
        "/var/lib/openlit/data:/app/client/data",
        "/opt/openlit/bundled-collector.yaml:/etc/otel/otel-collector-config.yaml:ro",
      ]);
      expect(compose.services.openlit.environment.SQLITE_DATABASE_URL).toBe("file:/app/client/data/data.db");
      const bundled = parseYaml(heredoc(script, "/opt/openlit/bundled-collector.yaml"));
      expect(bundled).toEqual({ receivers: { nop: null }, exporters: { nop: null }, service: { pipelines: { traces: { receivers: ["nop"], exporters: ["nop"] } } } });
    });

    it("health-checks each container only with a program its image has", () => {
      // ghcr.io/openlit/openlit:1.24.2 is node:18-bullseye-slim without wget or curl: node's fetch
      expect(compose.services.openlit.healthcheck.test.slice(0, 2)).toEqual(["CMD", "node"]);
      expect(compose.services.openlit.healthcheck.test[3]).toContain("fetch('http://127.0.0.1:3000/')");
      // caddy:*-alpine has busybox wget
      expect(compose.services.proxy.healthcheck.test.slice(0, 2)).toEqual(["CMD", "wget"]);
      // the contrib collector is FROM scratch: nothing to run, its health_check extension is probed from the host
      expect(compose.services["otel-collector"].healthcheck).toBeUndefined();
      const shells = Object.values<any>(compose.services).filter((s) => s.healthcheck?.test?.[0] === "CMD-SHELL");
      expect(shells).toEqual([]);
    });

    it("with domain_name, moves the published ports to the proxy (TLS for the UI and OTLP) and keeps certificates on the data volume", () => {
      const override = parseYaml(heredoc(script, "/opt/openlit/docker-compose.tls.yml"), {
        customTags: [{ tag: "!override", collection: "seq", resolve: (seq: unknown) => seq }],
      });
      expect(JSON.parse(JSON.stringify(override.services.proxy.ports))).toEqual(["80:80", "443:443", "4317:4317", "4318:4318"]);
      expect(JSON.parse(JSON.stringify(override.services["otel-collector"].ports))).toEqual(["127.0.0.1:13133:13133"]);
      expect(heredoc(script, "/opt/openlit/docker-compose.tls.yml")).toMatch(/ports: !override\n/);
      expect(compose.services.proxy.env_file).toEqual(["/etc/openlit/proxy.env"]);
      expect(compose.services.proxy.volumes).toEqual(expect.arrayContaining(["/var/lib/openlit/caddy/data:/data", "/var/lib/openlit/caddy/config:/config"]));
      const caddyfile = heredoc(script, "/opt/openlit/Caddyfile");
      expect(caddyfile).toMatch(/^\{\$UI_SITE::3000\} \{$/m);
      expect(caddyfile).toMatch(/^\{\$OTLP_HTTP_SITE::14318\} \{\n\treverse_proxy otel-collector:4318\n\}$/m);
      expect(caddyfile).toMatch(/^\{\$OTLP_GRPC_SITE::14317\} \{\n\treverse_proxy h2c:\/\/otel-collector:4317\n\}$/m);
      const unit = heredoc(script, "/etc/systemd/system/openlit.service");
      expect(unit).toContain("Environment=COMPOSE_FILE=/opt/openlit/docker-compose.yml\nEnvironmentFile=-/etc/openlit/compose.env\n");
      expect(unit).toMatch(/ExecStart=\/usr\/bin\/docker compose up --detach/);
    });

    it("has a Caddyfile that Caddy itself accepts: :3000 and internal OTLP sites by default, HTTPS on the name with domain_name", () => {
      requireTool("caddy", "apt-get install -y caddy");
      writeFileSync(join(dir, "Caddyfile"), heredoc(script, "/opt/openlit/Caddyfile"));
      const adapt = (env: Record<string, string>) => {
        const r = spawnSync("caddy", ["adapt", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], { encoding: "utf8", env: { ...process.env, ...env } });
        expect(r.status, r.stderr).toBe(0);
        const servers = JSON.parse(r.stdout).apps.http.servers as Record<string, { listen: string[] }>;
        return Object.values(servers).flatMap((s) => s.listen).sort();
      };
      expect(adapt({})).toEqual([":14317", ":14318", ":3000"]);
      expect(adapt({ UI_SITE: "openlit.example.com", OTLP_HTTP_SITE: "openlit.example.com:4318", OTLP_GRPC_SITE: "openlit.example.com:4317" })).toEqual([":4317", ":4318", ":443"]);
    });

    it("refuses self-registration at the proxy unless allowed (the rule Terraform computes is the sample's)", async () => {
      const json = synthOpenlit("demo");
      const [name, expression] = Object.entries(json.locals).find(([n]) => n.startsWith("openlit_registration_rule"))!;
      const rule = async (allow: boolean) =>
        (await applyOffline({ variable: { allow_self_registration: json.variable.allow_self_registration }, locals: { [name]: expression }, output: { rule: { value: `\${local.${name}}` } } }, [`-var=allow_self_registration=${allow}`])).outputs.rule;
      expect(await rule(false)).toBe(SAMPLES["local.openlit_registration_rule"]);
      expect(await rule(true)).toBe("\t# self-registration is open (allow_self_registration)");
      const caddyfile = heredoc(script, "/opt/openlit/Caddyfile");
      expect(caddyfile).toContain("\t@register path /register /register/* /api/auth/callback/register /api/auth/callback/register/*\n\trespond @register");
      expect(caddyfile).toContain("reverse_proxy openlit:3000");
      expect(compose.services.proxy.volumes).toContain("/opt/openlit/Caddyfile:/etc/caddy/Caddyfile:ro");
    });

    it("takes secrets from the root-only env file, never inline", () => {
      expect(compose.services.openlit.env_file).toContain("/etc/openlit/secrets.env");
      expect(compose.services["otel-collector"].env_file).toContain("/etc/openlit/secrets.env");
      expect(JSON.stringify(compose)).not.toMatch(/PASSWORD/);
    });

    it("restarts, health-checks, ships logs and limits memory", () => {
      for (const service of Object.values<any>(compose.services)) {
        expect(service.restart).toBe("always");
        expect(service.logging).toEqual({
          driver: "awslogs",
          options: { "awslogs-group": "/openlit/demo/containers", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "openlit-demo", mode: "non-blocking" },
        });
        expect(String(service.mem_limit)).toMatch(/^(\$\{\w+_MIB\}m|\d+m)$/);
      }
    });
  });

  describe("otel-collector-config.yaml", () => {
    let config: any;
    beforeAll(() => (config = parseYaml(heredoc(script, "/opt/openlit/otel-collector-config.yaml"))));

    it("receives OTLP over gRPC 4317 and HTTP 4318", () => {
      expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
    });

    it("exports to ClickHouse over TLS on the native secure port, password from the environment", () => {
      expect(config.exporters.clickhouse.endpoint).toBe("tcp://ch.example.com:9440?secure=true&dial_timeout=10s");
      expect(config.exporters.clickhouse.password).toBe("${env:INIT_DB_PASSWORD}");
      expect(config.exporters.clickhouse.database).toBe("openlit");
      // the tables OpenLIT 1.24.2's UI reads, by the exporter's default names (no deprecated metrics_table_name)
      expect(config.exporters.clickhouse).toMatchObject({ create_schema: true, logs_table_name: "otel_logs", traces_table_name: "otel_traces" });
      expect(config.exporters.clickhouse.metrics_table_name).toBeUndefined();
    });

    it("limits memory first in every pipeline, then batches", () => {
      expect(config.processors.memory_limiter).toMatchObject({ limit_percentage: 80, spike_limit_percentage: 25 });
      for (const pipeline of Object.values<any>(config.service.pipelines)) {
        expect(pipeline.processors).toEqual(["memory_limiter", "batch"]);
        expect(pipeline.exporters).toEqual(["clickhouse"]);
      }
    });

    it("enables the health_check extension", () => {
      expect(config.service.extensions).toEqual(["health_check"]);
      expect(config.extensions.health_check.endpoint).toBe("0.0.0.0:13133");
    });
  });

  it("writes a CloudWatch agent config that parses as JSON and watches both filesystems", () => {
    const agent = JSON.parse(heredoc(script, "/opt/aws/amazon-cloudwatch-agent/etc/openlit.json"));
    expect(agent.metrics.append_dimensions).toEqual({ InstanceId: "${aws:InstanceId}" });
    expect(agent.metrics.metrics_collected.disk.resources).toEqual(["/", "/var/lib/openlit"]);
    expect(agent.metrics.metrics_collected.mem.measurement).toEqual(["mem_used_percent"]);
  });

  it("holds no secret value", () => {
    expect(script).not.toMatch(/test-ClickHouse-s3cret|test-Demo-pass|test-Owner-s3cret/);
    expect(script).not.toMatch(/INIT_DB_PASSWORD=[^'$\n]/);
  });
});
