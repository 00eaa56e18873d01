import { IResolvable, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { Resource } from "@cdktf/provider-null/lib/resource";
import { countWhen, escapeForTerraform, isKnown, isPort, validateAll } from "../core/index.js";

/**
 * Default `scriptPath`: `scripts/health-check.sh` of this repository, reached from the synthesized stack
 * directory `cdktf.out/stacks/<stack>/` (Terraform's `path.module` there; `local-exec` runs in that
 * directory when Terraform is run with `-chdir=cdktf.out/stacks/<stack>`).
 */
export const DEFAULT_HEALTH_CHECK_SCRIPT = "${path.module}/../../../scripts/health-check.sh";

/** One check of the health gate (and of `scripts/health-check.sh --checks`); JSON field names as the script reads them. */
export interface HealthCheck {
  /** Short name shown in results, e.g. "ui"; lower-case letters, digits and dashes, unique. */
  readonly name: string;
  /** `http` / `https`: a request that must answer 2xx or 3xx (https verifies the certificate); `tcp`: the port must accept a connection. */
  readonly protocol: "http" | "https" | "tcp";
  readonly port: number;
  /** HTTP path. @default "/" */
  readonly path?: string;
  /** HTTP method. @default "GET" */
  readonly method?: "GET" | "POST";
  /** Request body (with method POST). @default - none */
  readonly body?: string;
  /** Content-Type of the body. @default - none */
  readonly content_type?: string;
}

/** The checks with every string escaped for Terraform, e.g. for an output value (a body may contain `${`). */
export function checksJson(checks: readonly HealthCheck[]): string {
  return escapeForTerraform(JSON.stringify(checks));
}

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
   * What to check: HTTP(S) requests (pass on 2xx/3xx) and TCP connections, run by the script on every attempt;
   * or the same list as a JSON string that Terraform computes (e.g. a conditional between two lists).
   * @default - required
   */
  readonly checks: readonly HealthCheck[] | string;
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
    const checks = typeof props.checks === "string" ? [] : props.checks;
    const names = checks.map((c) => c.name);
    const repeated = names.filter((n, i) => names.indexOf(n) !== i);
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
      { failed: checks.length === 0 && typeof props.checks !== "string", message: "checks is empty: give at least one HTTP or TCP check." },
      ...checks.flatMap((c) => [
        { failed: !/^[a-z0-9][a-z0-9-]*$/.test(c.name), message: `checks name "${c.name}" must be lower-case letters, digits and dashes.` },
        { failed: !isPort(c.port), message: `checks["${c.name}"].port must be a port number between 1 and 65535, got ${c.port}.` },
        { failed: c.path !== undefined && !c.path.startsWith("/"), message: `checks["${c.name}"].path "${c.path}" must start with /.` },
        { failed: c.protocol === "tcp" && (c.path ?? c.method ?? c.body) !== undefined, message: `checks["${c.name}"] is a tcp check: path, method and body apply to http checks only.` },
      ]),
      { failed: repeated.length > 0, message: `checks names must be unique; repeated: ${[...new Set(repeated)].join(", ")}.` },
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
            'bash "$HEALTH_GATE_SCRIPT" --host "$HEALTH_GATE_HOST" --checks "$HEALTH_GATE_CHECKS" ' +
            '--timeout "$HEALTH_GATE_TIMEOUT" --interval "$HEALTH_GATE_INTERVAL"',
          environment: {
            HEALTH_GATE_SCRIPT: scriptPath,
            HEALTH_GATE_HOST: props.host,
            HEALTH_GATE_TIMEOUT: String(timeoutSeconds),
            HEALTH_GATE_INTERVAL: String(intervalSeconds),
            HEALTH_GATE_CHECKS: typeof props.checks === "string" ? props.checks : checksJson(props.checks),
          },
        },
      ],
    });
  }
}
