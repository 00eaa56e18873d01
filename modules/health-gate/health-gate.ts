import { IResolvable, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { Resource } from "@cdktf/provider-null/lib/resource";
import { countWhen, escapeForTerraform, isKnown, isPort, validateAll, ValidationRule } from "../core/index.js";

/**
 * Default `scriptPath`: `scripts/health-check.sh` of this repository, reached from the synthesized stack
 * directory `cdktf.out/stacks/<stack>/` (Terraform's `path.module` there; `local-exec` runs in that
 * directory when Terraform is run with `-chdir=cdktf.out/stacks/<stack>`).
 */
export const DEFAULT_HEALTH_CHECK_SCRIPT = "${path.module}/../../../scripts/health-check.sh";

/**
 * One check of the health gate (and of `scripts/health-check.sh --checks`); JSON field names as the script reads them.
 * The checks of one gate are either all network checks (`host` is an address) or all ssm checks (`host` is an instance id).
 */
export type HealthCheck = NetworkHealthCheck | SsmHealthCheck;

/** A check from the machine running Terraform to `host`:`port`. */
export interface NetworkHealthCheck {
  /** Short name shown in results, e.g. "ui"; lower-case letters, digits and dashes, unique. */
  readonly name: string;
  /** `http` / `https`: a request that must answer 2xx or 3xx (https verifies the certificate); `tcp`: the port must accept a connection. */
  readonly protocol: "http" | "https" | "tcp";
  /** Port on `host`, 1-65535. @default - required */
  readonly port: number;
  /** HTTP path. @default "/" */
  readonly path?: string;
  /** HTTP method. @default "GET" */
  readonly method?: "GET" | "POST";
  /** Request body (with method POST). @default - none */
  readonly body?: string;
  /** Content-Type of the body. @default - none */
  readonly content_type?: string;
  /** ssm checks only. */
  readonly command?: never;
  /** ssm checks only. */
  readonly region?: never;
}

/**
 * A check run on the instance itself through SSM Run Command, for a service whose port is never open to the
 * machine running Terraform (e.g. a database): `host` is the EC2 instance id, and the instance must be managed by
 * SSM (agent running, instance profile with AmazonSSMManagedInstanceCore).
 */
export interface SsmHealthCheck {
  /** Short name shown in results, e.g. "postgres"; lower-case letters, digits and dashes, unique. */
  readonly name: string;
  /** `ssm`: `command` runs as root on the instance (document AWS-RunShellScript, `sh`); passes when it exits 0. */
  readonly protocol: "ssm";
  /**
   * Shell command run on the instance, e.g. `docker exec db pg_isready -h 127.0.0.1`; its error output (or else its
   * output) is the check's detail. Sent to SSM as a JSON parameter, never through a local shell, so quotes are safe.
   * @default - required
   */
  readonly command: string;
  /**
   * Region of the instance, e.g. "eu-central-1". A Terraform expression needs `checks` given as a string
   * (`Fn.jsonencode`), so that it stays live.
   * @default - the AWS CLI's region where the check runs (AWS_REGION or its configuration)
   */
  readonly region?: string;
  /** Network checks only: an ssm check takes `command`. */
  readonly port?: never;
  /** Network checks only. */
  readonly path?: never;
  /** Network checks only. */
  readonly method?: never;
  /** Network checks only. */
  readonly body?: never;
  /** Network checks only. */
  readonly content_type?: never;
}

/** `i-` and 8 or 17 hexadecimal digits: an EC2 instance id, the host of ssm checks. */
const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The checks with every string escaped for Terraform, e.g. for an output value (a body may contain `${`). */
export function checksJson(checks: readonly HealthCheck[]): string {
  return escapeForTerraform(JSON.stringify(checks));
}

/** Props of {@link HealthGate}. */
export interface HealthGateProps {
  /**
   * Host to check: IP address or DNS name, usually a token such as the Elastic IP's `public_ip`; for ssm checks the
   * EC2 instance id (the instance's `id`). It is also a trigger, so the gate re-runs when the address changes.
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
   * What to check: HTTP(S) requests (pass on 2xx/3xx) and TCP connections, or commands run on the instance through
   * SSM (pass on exit 0), run by the script on every attempt; or the same list as a JSON string that Terraform
   * computes (e.g. a conditional between two lists, or a list with a region token through `Fn.jsonencode`).
   * @default - required
   */
  readonly checks: readonly HealthCheck[] | string;
}

function networkCheckRules(c: NetworkHealthCheck): ValidationRule[] {
  return [
    { failed: !isPort(c.port), message: `checks["${c.name}"].port must be a port number between 1 and 65535, got ${c.port}.` },
    { failed: c.path !== undefined && !c.path.startsWith("/"), message: `checks["${c.name}"].path "${c.path}" must start with /.` },
    { failed: c.protocol === "tcp" && (c.path ?? c.method ?? c.body) !== undefined, message: `checks["${c.name}"] is a tcp check: path, method and body apply to http checks only.` },
    {
      failed: c.command !== undefined || c.region !== undefined,
      message: `checks["${c.name}"] is a ${c.protocol} check: command and region apply to ssm checks only.`,
    },
  ];
}

function ssmCheckRules(c: SsmHealthCheck): ValidationRule[] {
  const networkKeys = (["port", "path", "method", "body", "content_type"] as const).filter((key) => c[key] !== undefined);
  return [
    {
      failed: typeof c.command !== "string" || (isKnown(c.command) && c.command.trim() === ""),
      message: `checks["${c.name}"] is an ssm check: give command, the shell command to run on the instance.`,
    },
    { failed: networkKeys.length > 0, message: `checks["${c.name}"]: ssm checks take command, not ${networkKeys.join(", ")}.` },
    {
      failed: isKnown(c.region) && !AWS_REGION.test(c.region),
      message: `checks["${c.name}"].region "${c.region}" must be an AWS region such as "eu-central-1".`,
    },
  ];
}

/**
 * Fails `terraform apply` loudly when the instance never becomes healthy.
 *
 * A `null_resource` whose `local-exec` provisioner runs `scripts/health-check.sh --host <host>` on the machine
 * running Terraform (needs bash and curl there, and network access to the host's ports; for ssm checks the AWS CLI
 * with ssm:SendCommand and ssm:GetCommandInvocation instead, and no open port). When the check fails
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
    const ssmChecks = checks.filter((c) => c.protocol === "ssm").length;
    validateAll(this, [
      { failed: !props.host, message: "host must be the address to check (e.g. the Elastic IP's publicIp)." },
      {
        failed: isKnown(props.host) && !/^[A-Za-z0-9._:-]+$/.test(props.host),
        message: `host "${props.host}" must be an IP address or DNS name.`,
      },
      {
        failed: ssmChecks > 0 && isKnown(props.host) && /^[A-Za-z0-9._:-]+$/.test(props.host) && !INSTANCE_ID.test(props.host),
        message: `host "${props.host}" must be an EC2 instance id (e.g. i-0123456789abcdef0) for ssm checks: they run on that instance.`,
      },
      {
        failed: ssmChecks > 0 && ssmChecks < checks.length,
        message: "checks mix ssm with http/tcp checks: ssm checks run on the instance whose id is host, the others connect to host as an address; use one HealthGate for each.",
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
        ...(c.protocol === "ssm" ? ssmCheckRules(c) : networkCheckRules(c)),
        {
          failed: !isKnown(JSON.stringify(c)),
          message: `checks["${c.name}"] holds a Terraform expression, which a list of checks would escape: give checks as a string, e.g. Fn.jsonencode(checks).`,
        },
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
