import { IConstruct } from "constructs";
import { Fn, IResolvable, Token } from "cdktf";
import { choose, isKnown, isNonEmpty, readTemplateFile, renderTemplate, validateAll } from "../../modules/core/index.js";
import { HostApplication, HostFacts, HostSecret } from "../../modules/compose-host/index.js";
import { HealthCheck } from "../../modules/health-gate/index.js";

/** Where the instance keeps OpenLIT's data (the mount point of the data volume). */
export const DATA_MOUNT = "/var/lib/openlit";
export const DATA_DIR = `${DATA_MOUNT}/data`;
/** Tag key marking the data volume for the daily snapshot policy (value: `openlit-<environment>-data`). */
export const SNAPSHOT_TAG_KEY = "openlit:snapshot-policy";
/** The RFC's allowance for minimal data transfer, USD per month. */
export const DATA_TRANSFER_USD_PER_MONTH = 0.5;

/** OpenLIT's images and settings, as the stack passes them from its variables. */
export interface OpenlitApplicationProps {
  /** ClickHouse Cloud as the UI reaches it (HTTPS interface). */
  readonly clickhouse: {
    /** Host name; may carry `https://` as in the RFC (OpenLIT's UI accepts a scheme there). */
    readonly host: string;
    readonly port: string;
    readonly database: string;
    readonly username: string;
  };
  /** ClickHouse as the collector reaches it (native protocol): bare host, port, TLS. */
  readonly otel: { readonly host: string; readonly port: string; readonly secure: boolean | IResolvable };
  /** Comma-separated demo e-mails; "" means none. */
  readonly demoEmails: string;
  /** DNS name for HTTPS (UI and OTLP over TLS through the proxy), "" for plain HTTP on port 3000. */
  readonly domainName: string;
  /** Whether the proxy lets anyone register on /register (a Terraform boolean). */
  readonly allowSelfRegistration: boolean | IResolvable;
  /** Where the image comes from: an ECR repository ("" for OpenLIT's public image) and a tag ("" for the default). */
  readonly image: { readonly ecrRepository: string; readonly tag: string };
  /**
   * Public OpenLIT image used when no ECR repository is given, as `repository:tag`.
   * @default "ghcr.io/openlit/openlit:1.24.2"
   */
  readonly publicImage?: string;
  /**
   * OpenTelemetry Collector image (contrib, for the ClickHouse exporter); multi-arch.
   * @default "otel/opentelemetry-collector-contrib:0.142.0" (the collector OpenLIT 1.24.2 ships, so the tables
   * are created with the schema its UI is built against; the RFC's 0.94.0 predates it by almost two years)
   */
  readonly collectorImage?: string;
  /**
   * Reverse proxy in front of the UI (Caddy, alpine: its busybox wget runs the health check).
   * @default "caddy:2.10-alpine"
   */
  readonly proxyImage?: string;
  /**
   * OpenLIT's anonymous usage telemetry.
   * @default false
   */
  readonly telemetryEnabled?: boolean;
}

export const OPENLIT_DEFAULTS = {
  publicImage: "ghcr.io/openlit/openlit:1.24.2",
  collectorImage: "otel/opentelemetry-collector-contrib:0.142.0",
  proxyImage: "caddy:2.10-alpine",
  telemetryEnabled: false,
} as const;

const IMAGE = /^[a-z0-9][a-z0-9._\/-]*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** Checks what can be checked at synth; tokens are left to the variables' validations. */
export function validateOpenlitApplication(scope: IConstruct, props: OpenlitApplicationProps): void {
  validateAll(scope, [
    {
      failed: isKnown(props.otel.host) && /^[a-z]+:\/\//i.test(props.otel.host),
      message: `otel.host "${props.otel.host}" must be a bare host name: drop the scheme (the collector speaks ClickHouse's native protocol).`,
    },
    {
      failed: isKnown(props.publicImage) && !IMAGE.test(props.publicImage),
      message: `publicImage "${props.publicImage}" is not an image reference: use repository:tag.`,
    },
    {
      failed: isKnown(props.collectorImage) && !IMAGE.test(props.collectorImage),
      message: `collectorImage "${props.collectorImage}" is not an image reference: use repository:tag.`,
    },
  ]);
}

/** OpenLIT's seeded owner account (its password is published: openlit-accounts re-keys it at first boot). */
export const OWNER_EMAIL = "user@openlit.io";

/**
 * The secrets, written to SSM under the stack's path. Only the ClickHouse password reaches the containers (as the
 * RFC's INIT_DB_PASSWORD); the account passwords stay in SSM, read by openlit-accounts on the host.
 */
export function openlitSecrets(clickhousePassword: string, ownerPassword: string, demo: { emails: string; passwords: string }): Record<string, HostSecret> {
  return {
    "clickhouse-password": {
      envVar: "INIT_DB_PASSWORD",
      value: clickhousePassword,
      description: "ClickHouse password for OpenLIT and its collector (read at service start)",
    },
    "demo-passwords": {
      value: demo.passwords,
      description: "OpenLIT demo account passwords, comma-separated in the order of the e-mails",
      enabled: isNonEmpty(demo.emails),
    },
    "owner-password": {
      value: ownerPassword,
      description: `Password of OpenLIT's owner account ${OWNER_EMAIL} (applied by openlit-accounts)`,
    },
  };
}

/**
 * Caddy lines that refuse OpenLIT's sign-up page and form. The body is quoted with backticks (Caddyfile allows
 * both): cdktf does not escape double quotes inside the branches of a Terraform conditional.
 */
const REGISTRATION_CLOSED = [
  "\t@register path /register /register/* /api/auth/callback/register /api/auth/callback/register/*",
  "\trespond @register `Self-registration is closed on this instance: ask an administrator for an account.` 403",
].join("\n");

/**
 * OpenLIT on a compose host: the UI and an OpenTelemetry Collector (the RFC's two services), the image from
 * ECR or OpenLIT's public registry, the collector's ClickHouse exporter, and the boot script that installs them.
 * Returns the application and the image reference (for the `openlit_image` output).
 */
export function openlitApplication(props: OpenlitApplicationProps): { define: (host: HostFacts) => HostApplication; image: () => string } {
  const d = OPENLIT_DEFAULTS;
  let image = "";
  const define = (host: HostFacts): HostApplication => {
    const tag = props.image.tag;
    const publicImage = props.publicImage ?? d.publicImage;
    const publicRepository = publicImage.split(/:(?=[^:/]+$)/)[0];
    image = host.local(
      "openlit_image",
      Fn.conditional(
        isNonEmpty(props.image.ecrRepository),
        // image_tag is required with ECR (a variable validation): build-and-push.sh never pushes "latest".
        `${host.ecrRegistry}/${props.image.ecrRepository}:${tag}`,
        Fn.conditional(isNonEmpty(tag), `${publicRepository}:${tag}`, publicImage),
      ),
    );
    const composeFile = renderTemplate("openlit/docker-compose.yml.hbs", {
      logging: host.logging,
      openlitImage: image,
      collectorImage: props.collectorImage ?? d.collectorImage,
      proxyImage: props.proxyImage ?? d.proxyImage,
      platform: host.platform,
      dataMount: DATA_MOUNT,
      dataDir: DATA_DIR,
    });
    const collectorConfig = renderTemplate("openlit/otel-collector-config.yaml.hbs", {
      otelHost: props.otel.host,
      otelPort: props.otel.port,
      otelSecure: Token.asString(props.otel.secure),
      database: props.clickhouse.database,
      username: props.clickhouse.username,
    });
    const caddyfile = renderTemplate("openlit/Caddyfile.hbs", {
      registrationRule: host.local("registration_rule", choose(props.allowSelfRegistration, "\t# self-registration is open (allow_self_registration)", REGISTRATION_CLOSED)),
    });
    return {
      bootTemplate: "openlit/user-data.sh.hbs",
      context: {
        telemetryEnabled: props.telemetryEnabled ?? d.telemetryEnabled,
        clickhouseHost: props.clickhouse.host,
        clickhousePort: props.clickhouse.port,
        clickhouseDatabase: props.clickhouse.database,
        clickhouseUsername: props.clickhouse.username,
        demoEmails: props.demoEmails,
        ownerEmail: OWNER_EMAIL,
        ownerPasswordParameter: host.secretParameter("owner-password"),
        demoPasswordsParameter: host.secretParameter("demo-passwords"),
        domainName: props.domainName,
      },
      composeFile,
      files: {
        "/opt/openlit/otel-collector-config.yaml": collectorConfig,
        "/opt/openlit/bundled-collector.yaml": readTemplateFile("openlit/bundled-collector.yaml"),
        "/opt/openlit/Caddyfile": caddyfile,
        "/opt/openlit/docker-compose.tls.yml": readTemplateFile("openlit/docker-compose.tls.yml"),
        "/usr/local/sbin/openlit-accounts": readTemplateFile("openlit/openlit-accounts.py"),
      },
    };
  };
  return { define, image: () => image };
}

/** A one-span OTLP/JSON trace: proves the collector accepts telemetry, not only that the port is open. */
const OTLP_TEST_TRACE = JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "ops-health-check" } }] },
      scopeSpans: [{ spans: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "health-check", kind: 1, startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000001000000" }] }],
    },
  ],
});

/** What "OpenLIT is healthy" means, for the health gate and scripts/health-check.sh: plain HTTP, or with domain_name HTTPS. */
export const OPENLIT_HEALTH_CHECKS: readonly HealthCheck[] = [
  { name: "ui", protocol: "http", port: 3000, path: "/" },
  { name: "otlp-http", protocol: "http", port: 4318, path: "/v1/traces", method: "POST", content_type: "application/json", body: OTLP_TEST_TRACE },
  { name: "otlp-grpc", protocol: "tcp", port: 4317 },
];
export const OPENLIT_TLS_HEALTH_CHECKS: readonly HealthCheck[] = [
  { name: "ui", protocol: "https", port: 443, path: "/" },
  { name: "otlp-http", protocol: "https", port: 4318, path: "/v1/traces", method: "POST", content_type: "application/json", body: OTLP_TEST_TRACE },
  { name: "otlp-grpc", protocol: "tcp", port: 4317 },
];
