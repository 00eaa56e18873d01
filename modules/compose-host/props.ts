import { Switch } from "../core/index.js";
import { SecureParameter } from "../secure-parameters/index.js";
import type { HostFacts } from "./compose-host.js";

/** A volume of its own for the application's data: survives instance replacement. */
export interface DataVolumeOptions {
  /** Size in GiB (gp3, encrypted), 1-16384. */
  readonly sizeGiB: number;
  /** Where the host mounts it, e.g. `/var/lib/myapp`. */
  readonly mountPoint: string;
  /**
   * A directory on the volume created for the application at every boot (e.g. `<mountPoint>/data`).
   * @default - none
   */
  readonly directory?: string;
  /**
   * Filesystem label given when the volume is formatted (blank volumes only).
   * @default "<appName>-data"
   */
  readonly label?: string;
  /**
   * Snapshot the volume when Terraform destroys it.
   * @default true
   */
  readonly finalSnapshot?: Switch;
  /**
   * Encrypt the volume (and so its snapshots) with a KMS key of its own, created with it, instead of the account's
   * AWS managed `aws/ebs` key that every principal of the account may use. A volume that exists already keeps its key
   * (the key is ignored on it: changing it would replace the volume, and its data).
   * @default true
   */
  readonly customerManagedKey?: boolean;
  /**
   * Tags of the volume (beyond Name and the snapshot tag).
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Grow the filesystem to the volume's size before every start of the service (`xfs_growfs`, online and a no-op
   * when there is nothing to grow), so a larger `sizeGiB` needs no manual step beyond a restart or a reboot.
   * @default true
   */
  readonly growOnStart?: boolean;
  /**
   * One tag that marks the volume for a snapshot policy (modules/volume-snapshots targets it).
   * @default - none
   */
  readonly snapshotTag?: { readonly key: string; readonly value: string };
}

/** A secret the application reads as an environment variable, kept in SSM Parameter Store. */
export interface HostSecret extends SecureParameter {
  /**
   * Environment variable the value is given to (in the root-only secrets env file the containers read), e.g.
   * `DB_PASSWORD`.
   * @default - none: the secret stays in SSM, for the host's own tools (see HostFacts.secretParameter)
   */
  readonly envVar?: string;
}

/**
 * A Secrets Manager secret the application reads as an environment variable: the whole secret string, or one key
 * of the JSON object it holds. Entries may share a secret (one per key): the prestart script reads each secret once.
 */
export interface HostSecretsManagerSecret {
  /** Environment variable the value is given to, in the root-only secrets env file, e.g. `DB_PASSWORD`. */
  readonly envVar: string;
  /** ARN of the secret (a Terraform expression). The caller grants the role its reading (and its key's use). */
  readonly secretArn: string;
  /**
   * A key of the JSON object the secret holds (letters, digits, `_`, `.` and `-`): its value is given to envVar (a
   * value that is not a string as its JSON). The start fails, naming the key but never printing a value, when the
   * secret is not a JSON object, lacks the key, or the value holds a single quote or a line break (the env file's
   * lines are single-quoted).
   * @default - the whole SecretString
   */
  readonly jsonKey?: string;
}

/** Another CloudWatch Logs group for the containers (see ComposeHostProps.containerLogs). */
export interface HostLogGroup {
  /** Log group name, e.g. `/myapp/prod/worker`. */
  readonly groupName: string;
}

/** Where the application's image comes from when it is in ECR. */
export interface EcrImageSource {
  /** Repository name; "" (or a Terraform expression that is "") means no ECR: nothing to pull or log in to. */
  readonly repository: string;
  /**
   * Account that owns the repository.
   * @default "" - the account Terraform deploys into
   */
  readonly accountId?: string;
}

/** The application: its boot script and the files it installs. */
export interface HostApplication {
  /**
   * Boot script template under templates/ (rendered with the host's values, the application's `context`, and
   * the partials of templates/host/).
   * @default "host/user-data.sh.hbs" - the generic boot script, which installs `files` and starts the service
   */
  readonly bootTemplate?: string;
  /** Values for the boot template (plain values are escaped for Terraform; tokens stay live). */
  readonly context?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Files the application needs beside docker-compose.yml, already rendered: path on the host → content.
   * The generic boot script writes them; a custom bootTemplate gets them as `files.<name>` (by file name).
   * @default {}
   */
  readonly files?: Readonly<Record<string, string>>;
  /** The Docker Compose file, rendered (`/opt/<appName>/docker-compose.yml`). */
  readonly composeFile: string;
  /**
   * Shell lines run as root before every start of the service, after the secrets are read (e.g. settings sized to
   * the instance's memory, which changes when the instance type does). `set -euo pipefail` applies. Already
   * rendered for Terraform, like composeFile (from renderTemplate: a raw `${VAR}` would be a Terraform interpolation).
   * @default - none
   */
  readonly preStart?: string;
  /**
   * A whole script, with its `#!` line, run as root after every successful start (`ExecStartPost`, installed as
   * `/usr/local/sbin/<appName>-poststart`), e.g. applying the current password to a database that kept an old one.
   * A failure fails the start. Already rendered for Terraform, like composeFile.
   * @default - none
   */
  readonly postStart?: string;
  /**
   * Log line printed when the service is up.
   * @default "<appName>.service is running"
   */
  readonly readyMessage?: string;
}

export interface ComposeHostProps {
  /** Resource name: Name tags, IAM name prefixes (e.g. `myapp-prod`). */
  readonly name: string;
  /**
   * Application name on the host: `/opt/<appName>`, `/etc/<appName>`, `<appName>.service`. Lower-case letters,
   * digits and dashes.
   */
  readonly appName: string;
  /** Human name of the application, in comments and descriptions (e.g. "My App"). */
  readonly title: string;
  /** Environment name, in the boot script's header. */
  readonly environment: string;
  /** Region (for the host's own AWS CLI calls). */
  readonly region: string;
  /** Partition and account the stack deploys into (Terraform expressions, e.g. from the stack's data sources). */
  readonly partition: string;
  readonly accountId: string;
  /**
   * EC2 instance type. The CPU architecture, AMI and container platform follow it: Graviton families (t4g, m7g,
   * c6gn, …) are arm64, everything else x86_64.
   * @default "t4g.small"
   */
  readonly instanceType?: string;
  /** Subnet of the instance. */
  readonly subnetId: string;
  /** Availability zone of subnetId: the data volume is created there and stays there. */
  readonly availabilityZone: string;
  /** Security groups of the instance. */
  readonly securityGroupIds: readonly string[];
  /**
   * EC2 key pair for SSH. "" means none: access goes through SSM Session Manager.
   * @default ""
   */
  readonly keyPairName?: string;
  /**
   * Root volume (gp3, encrypted) in GiB: OS, Docker images, container logs.
   * @default 20
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * A volume of its own for the application's data, waited for by volume id at boot, formatted only when blank,
   * mounted by UUID, surviving instance replacement.
   * @default - none: everything on the root volume
   */
  readonly dataVolume?: DataVolumeOptions;
  /**
   * Whether the instance gets a public IPv4 address at launch. `false` keeps an instance meant to be private without
   * one even in a subnet that hands them out.
   * @default - the subnet's setting (map_public_ip_on_launch)
   */
  readonly associatePublicIp?: boolean;
  /**
   * An Elastic IP for the instance (it must then be in a public subnet).
   * @default false
   */
  readonly elasticIp?: boolean;
  /**
   * Spot market: a persistent request that stops the instance on interruption, so it and its volumes come back
   * when capacity returns. Not for anything that must stay up.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * The spot price as a share of the on-demand price, for the cost estimate only (spot prices move; a Terraform
   * number such as a variable is fine). Used only with spot; more than 0 and at most 1.
   * @default 0.3
   */
  readonly spotPriceFactor?: number;
  /**
   * CloudWatch detailed (1-minute) monitoring; costs extra.
   * @default false
   */
  readonly detailedMonitoring?: Switch;
  /**
   * Secrets for the application, written to SSM under `path` with write-only arguments and read at every start
   * of the service into a root-only env file (`/etc/<appName>/secrets.env`), keyed like SecureParameters.
   * @default - none
   */
  readonly secrets?: {
    /** SSM path, e.g. `/myapp/prod`; the instance may read below it and nowhere else. */
    readonly path: string;
    /** @default 1 */
    readonly version?: number;
    readonly parameters: Readonly<Record<string, HostSecret>>;
  };
  /**
   * Secrets Manager secrets read at every start of the service into the same root-only env file as `secrets`.
   * The host only reads them: grant the role `secretsmanager:GetSecretValue` (and the key's use) with
   * {@link HostRole.addPolicy}, e.g. from ManagedSecret's policyStatements().
   * @default - none
   */
  readonly secretsManagerSecrets?: readonly HostSecretsManagerSecret[];
  /**
   * Container logs: a CloudWatch Logs group the awslogs driver writes to (and optionally more, for some of the
   * services); otherwise rotated local JSON files.
   * @default - local files only
   */
  readonly containerLogs?: {
    readonly enabled: Switch;
    /** Log group name, e.g. `/myapp/prod/containers`. */
    readonly groupName: string;
    /** @default 14 (one of CloudWatch's allowed values) */
    readonly retentionDays?: number;
    /**
     * More log groups, by key (lower-case letters, digits and dashes), created and switched with the main one, with
     * its retention; the role may write to each. A compose service logs to one with HostFacts.loggingFor(key).
     * @default {}
     */
    readonly extraGroups?: Readonly<Record<string, HostLogGroup>>;
  };
  /**
   * Images from ECR: the role may pull from the repository and the service logs in to the registry before every start.
   * @default - public images only
   */
  readonly ecr?: EcrImageSource;
  /**
   * Description of the instance role.
   * @default "<title> instance: Session Manager, own SSM parameters, ECR pull, metrics, container logs"
   */
  readonly roleDescription?: string;
  /**
   * The application the host runs, defined with what the host offers (its CPU platform, the compose logging
   * options, where the secrets are, a way to keep boot-script values in locals).
   */
  readonly application: (host: HostFacts) => HostApplication;
  /**
   * Description of the systemd unit.
   * @default "<title> via Docker Compose"
   */
  readonly serviceDescription?: string;
  /**
   * Docker Compose plugin release installed on the instance.
   * @default "v2.29.7"
   */
  readonly composeVersion?: string;
  /**
   * How long the boot script waits for the data volume to be attached, in seconds.
   * @default 600
   */
  readonly volumeWaitSeconds?: number;
}

/** Defaults, applied in one place. */
export const COMPOSE_HOST_DEFAULTS = {
  instanceType: "t4g.small",
  keyPairName: "",
  rootVolumeSizeGiB: 20,
  dataVolumeFinalSnapshot: true,
  dataVolumeGrowOnStart: true,
  elasticIp: false,
  spot: false,
  spotPriceFactor: 0.3,
  detailedMonitoring: false,
  secretsVersion: 1,
  logRetentionDays: 14,
  composeVersion: "v2.29.7",
  volumeWaitSeconds: 600,
  bootTemplate: "host/user-data.sh.hbs",
} as const;

/** Device name requested for the data volume; appears as NVMe on Nitro, /dev/xvdf on Xen. */
export const DATA_DEVICE_NAME = "/dev/sdf";

