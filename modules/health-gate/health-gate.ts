import { IResolvable, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { Resource } from "@cdktf/provider-null/lib/resource";
import { countWhen, isKnown, validateAll } from "../core/index.js";

/**
 * Default `scriptPath`: `scripts/health-check.sh` of this repository, reached from the synthesized stack
 * directory `cdktf.out/stacks/<stack>/` (Terraform's `path.module` there; `local-exec` runs in that
 * directory when Terraform is run with `-chdir=cdktf.out/stacks/<stack>`).
 */
export const DEFAULT_HEALTH_CHECK_SCRIPT = "${path.module}/../../../scripts/health-check.sh";

/** Props of {@link HealthGate}. */
export interface HealthGateProps {
  /**
   * Host to check: IP address or DNS name, usually a token such as the Elastic IP's `public_ip`.
   * It is also a trigger, so the gate re-runs when the address changes.
   * @default - required
   */
  readonly host: string;
  /**
   * Values that re-run the gate when they change (the resource is replaced), e.g.
   * `{ instance_id: instance.id, image_tag: imageTag.stringValue }`. Merged after `host`.
   * @default {} (only `host`)
   */
  readonly triggers?: Readonly<Record<string, string>>;
  /**
   * Whether the gate exists. `false`/`true` give `count = 0/1`; a Terraform boolean token (e.g. a
   * variable's `booleanValue`) gives `count = <token> ? 1 : 0`, so one variable switches it per environment.
   * @default true
   */
  readonly enabled?: boolean | IResolvable;
  /**
   * Resources that must exist before the check runs, e.g. the Elastic IP *association*: an EIP's
   * `public_ip` is known as soon as the address is allocated, before it points at the instance.
   * @default [] (only the implicit dependencies of `host` and `triggers`)
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * How long the health check retries before `terraform apply` fails (seconds, whole, >= 1).
   * @default 600
   */
  readonly timeoutSeconds?: number;
  /**
   * First retry delay of the health check, doubled after each failed attempt (capped at 30 s).
   * @default 5
   */
  readonly intervalSeconds?: number;
  /**
   * Path of the health check script, as seen from Terraform's working directory (the synthesized stack
   * directory). May use Terraform expressions such as `${path.module}`.
   * @default DEFAULT_HEALTH_CHECK_SCRIPT ("${path.module}/../../../scripts/health-check.sh")
   */
  readonly scriptPath?: string;
  /**
   * OpenLIT UI port.
   * @default 3000
   */
  readonly uiPort?: number;
  /**
   * OTLP/HTTP port (a test trace is POSTed to /v1/traces).
   * @default 4318
   */
  readonly otlpHttpPort?: number;
  /**
   * OTLP/gRPC port (must accept TCP connections).
   * @default 4317
   */
  readonly otlpGrpcPort?: number;
}

/**
 * Fails `terraform apply` loudly when the instance never becomes healthy.
 *
 * A `null_resource` whose `local-exec` provisioner runs `scripts/health-check.sh --host <host>` on the machine
 * running Terraform (needs bash and curl there, and network access to the host's ports). When the check fails
 * the resource is marked tainted, so the next apply runs the check again. It re-runs whenever `host` or a
 * trigger changes. The stack must configure the `null` provider (`new NullProvider(...)`); this construct
 * does not create it.
 */
export class HealthGate extends Construct {
  /** The `null_resource` carrying the provisioner (count 0 or 1). */
  public readonly resource: Resource;

  constructor(scope: Construct, id: string, props: HealthGateProps) {
    super(scope, id);

    const timeoutSeconds = props.timeoutSeconds ?? 600;
    const intervalSeconds = props.intervalSeconds ?? 5;
    const scriptPath = props.scriptPath ?? DEFAULT_HEALTH_CHECK_SCRIPT;
    const ports = {
      uiPort: props.uiPort ?? 3000,
      otlpHttpPort: props.otlpHttpPort ?? 4318,
      otlpGrpcPort: props.otlpGrpcPort ?? 4317,
    };
    const badPort = (p: number) => !Number.isInteger(p) || p < 1 || p > 65535;
    validateAll(this, [
      { failed: !props.host, message: "host must be the address to check (e.g. the Elastic IP's publicIp)." },
      {
        failed: isKnown(props.host) && !/^[A-Za-z0-9._:-]+$/.test(props.host),
        message: `host "${props.host}" must be an IP address or DNS name.`,
      },
      {
        failed: !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1,
        message: `timeoutSeconds must be a whole number of seconds >= 1, got ${timeoutSeconds}.`,
      },
      {
        failed: !(intervalSeconds > 0) || intervalSeconds > 3600,
        message: `intervalSeconds must be > 0 and <= 3600, got ${intervalSeconds}.`,
      },
      { failed: !scriptPath, message: "scriptPath must not be empty." },
      ...Object.entries(ports).map(([name, port]) => ({
        failed: badPort(port),
        message: `${name} must be a port number between 1 and 65535, got ${port}.`,
      })),
      ...Object.keys(props.triggers ?? {}).map((key) => ({
        failed: key === "host",
        message: 'triggers must not contain "host": the host is always a trigger.',
      })),
    ]);

    const enabled = props.enabled ?? true;
    const count = countWhen(enabled);

    this.resource = new Resource(this, "gate", {
      count,
      dependsOn: props.dependsOn?.length ? props.dependsOn : undefined,
      triggers: { host: props.host, ...props.triggers },
      provisioners: [
        {
          type: "local-exec",
          // Values travel as environment variables, never spliced into the shell command. `$NAME` (no braces)
          // keeps Terraform from reading them as its own `${...}` interpolations.
          command:
            'bash "$HEALTH_GATE_SCRIPT" --host "$HEALTH_GATE_HOST" --timeout "$HEALTH_GATE_TIMEOUT" ' +
            '--interval "$HEALTH_GATE_INTERVAL" --ui-port "$HEALTH_GATE_UI_PORT" ' +
            '--otlp-http-port "$HEALTH_GATE_OTLP_HTTP_PORT" --otlp-grpc-port "$HEALTH_GATE_OTLP_GRPC_PORT"',
          environment: {
            HEALTH_GATE_SCRIPT: scriptPath,
            HEALTH_GATE_HOST: props.host,
            HEALTH_GATE_TIMEOUT: String(timeoutSeconds),
            HEALTH_GATE_INTERVAL: String(intervalSeconds),
            HEALTH_GATE_UI_PORT: String(ports.uiPort),
            HEALTH_GATE_OTLP_HTTP_PORT: String(ports.otlpHttpPort),
            HEALTH_GATE_OTLP_GRPC_PORT: String(ports.otlpGrpcPort),
          },
        },
      ],
    });
  }
}
