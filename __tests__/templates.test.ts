import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { onlyResource, synthOpenlit } from "./support/synth.js";
import { requireTerraform } from "./support/terraform.js";
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
    script = await renderWithTerraform(onlyResource(synthOpenlit("demo"), "aws_instance").user_data, SAMPLES);
    writeFileSync(join(dir, "user-data.sh"), script);
  });

  it("interpolates only plain references (complex expressions live in locals)", () => {
    const refs = interpolations(onlyResource(synthOpenlit("demo"), "aws_instance").user_data);
    for (const ref of refs) expect(ref).toMatch(/^(var|local|aws_[a-z_]+)\.[\w.]+$/);
  });

  it("is valid bash", () => {
    expect(() => execFileSync("bash", ["-n", join(dir, "user-data.sh")], { stdio: "pipe" })).not.toThrow();
  });

  it("is shellcheck-clean", () => {
    requireTool("shellcheck", "apt-get install -y shellcheck");
    const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", join(dir, "user-data.sh")], { encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
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
    expect(script).toContain("systemctl enable --now dnf-automatic.timer");
    expect(script).toContain("mkswap /swapfile");
  });

  it("writes an openlit.service unit that fetches secrets before every start", () => {
    const unit = heredoc(script, "/etc/systemd/system/openlit.service");
    expect(unit).toContain("ExecStartPre=/usr/local/sbin/openlit-prestart");
    expect(unit).toContain("RequiresMountsFor=/var/lib/openlit");
    expect(unit).toMatch(/ExecStart=\/usr\/bin\/docker compose .* up --detach/);
    expect(unit).toContain("WantedBy=multi-user.target");
    expect(script).toContain("systemctl enable openlit.service");
  });

  it("has a prestart script that is valid, shellcheck-clean bash reading both secrets from SSM", () => {
    const prestart = heredoc(script, "/usr/local/sbin/openlit-prestart");
    writeFileSync(join(dir, "prestart.sh"), prestart);
    expect(spawnSync("bash", ["-n", join(dir, "prestart.sh")]).status).toBe(0);
    expect(spawnSync("shellcheck", [join(dir, "prestart.sh")], { encoding: "utf8" }).stdout).toBe("");
    expect(prestart).toContain('readonly CLICKHOUSE_PASSWORD_PARAMETER="/openlit/demo/clickhouse-password"');
    expect(prestart).toContain('readonly DEMO_PASSWORDS_PARAMETER="/openlit/demo/demo-passwords"');
    expect(prestart).toContain("docker login --username AWS --password-stdin \"$ECR_REGISTRY\"");
  });

  it("writes non-secret settings only to the env file", () => {
    const env = heredoc(script, "/etc/openlit/openlit.env");
    expect(env.split("\n")).toEqual([
      "TELEMETRY_ENABLED=false",
      "INIT_DB_HOST=https://ch.example.com",
      "INIT_DB_PORT=8443",
      "INIT_DB_DATABASE=openlit",
      "INIT_DB_USERNAME=default",
      "DEMO_ACCOUNT_EMAIL=demo@example.com,sales@example.com",
    ]);
  });

  describe("docker-compose.yml", () => {
    let compose: any;
    beforeAll(() => (compose = parseYaml(heredoc(script, "/opt/openlit/docker-compose.yml"))));

    it("runs the RFC's two services on the instance's platform", () => {
      expect(Object.keys(compose.services).sort()).toEqual(["openlit", "otel-collector"]);
      expect(compose.services.openlit.image).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/openlit:latest");
      expect(compose.services.openlit.platform).toBe("linux/arm64");
      expect(compose.services["otel-collector"].image).toBe("otel/opentelemetry-collector-contrib:0.94.0");
    });

    it("publishes 3000, 4317 and 4318, and the collector health check on loopback only", () => {
      expect(compose.services.openlit.ports).toEqual(["3000:3000"]);
      expect(compose.services["otel-collector"].ports).toEqual(["4317:4317", "4318:4318", "127.0.0.1:13133:13133"]);
    });

    it("binds OpenLIT's SQLite directory to the data volume", () => {
      expect(compose.services.openlit.volumes).toEqual(["/var/lib/openlit/data:/app/client/data"]);
      expect(compose.services.openlit.environment.SQLITE_DATABASE_URL).toBe("file:/app/client/data/data.db");
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
        expect(service.mem_limit).toMatch(/^\$\{\w+_MIB\}m$/);
      }
      expect(compose.services.openlit.healthcheck.test[1]).toContain("http://127.0.0.1:3000/");
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
    expect(script).not.toMatch(/test-ClickHouse-s3cret|test-demo-pass/);
    expect(script).not.toMatch(/INIT_DB_PASSWORD=[^'$\n]/);
  });
});
