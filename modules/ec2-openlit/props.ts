import { IResolvable } from "cdktf";

/** ClickHouse Cloud as the OpenLIT UI reaches it (HTTPS interface). */
export interface ClickhouseConnection {
  /** Host name; may carry `https://` as in the RFC (OpenLIT's UI accepts a scheme there). */
  readonly host: string;
  /** HTTPS port of the HTTP interface, e.g. "8443" on ClickHouse Cloud. */
  readonly port: string;
  /** Database holding OpenLIT's tables. */
  readonly database: string;
  readonly username: string;
  /** Secret: only ever written to SSM through a write-only argument, never to user-data or state. */
  readonly password: string;
}

/** ClickHouse as the OpenTelemetry Collector reaches it (native protocol). */
export interface OtelExport {
  /** Bare host name, no scheme. */
  readonly host: string;
  /** Native port: "9440" (TLS) on ClickHouse Cloud. */
  readonly port: string;
  /** TLS on the native protocol; ClickHouse Cloud requires it. */
  readonly secure: boolean | IResolvable;
}

/** OpenLIT demo accounts, as comma-separated lists of equal length. */
export interface DemoAccounts {
  /** Comma-separated e-mail addresses; "" means no demo accounts. */
  readonly emails: string;
  /** Comma-separated passwords, one per e-mail. Secret: SSM only, never user-data or state. */
  readonly passwords: string;
}

/** Where the OpenLIT image comes from. */
export interface OpenlitImage {
  /**
   * ECR repository name. When non-empty the image is
   * `<awsAccountId>.dkr.ecr.<region>.amazonaws.com/<ecrRepository>:<tag>` and the instance may pull from it.
   * @default "" - OpenLIT's public image, {@link Ec2OpenlitProps.publicImage}
   */
  readonly ecrRepository?: string;
  /**
   * Account that owns the ECR repository.
   * @default "" - the account Terraform deploys into
   */
  readonly awsAccountId?: string;
  /**
   * Image tag.
   * @default "" - "latest" for ECR images (the RFC's workflow); the pinned tag of publicImage otherwise
   */
  readonly tag?: string;
}

export interface Ec2OpenlitProps {
  /** Environment name (demo, staging, …): part of names, tags and the SSM parameter path. */
  readonly environment: string;
  /** AWS region the stack deploys to (for the instance's own AWS CLI calls). */
  readonly region: string;
  /**
   * EC2 instance type. The CPU architecture, AMI and container platform follow it:
   * Graviton families (t4g, m7g, c6gn, …) are arm64, everything else x86_64.
   * @default "t4g.small"
   */
  readonly instanceType?: string;
  /** Subnet for the instance; must be public (the Elastic IP needs an internet gateway). */
  readonly subnetId: string;
  /** Availability zone of {@link subnetId}: the data volume is created there and stays there. */
  readonly availabilityZone: string;
  /** Security groups of the instance. */
  readonly securityGroupIds: readonly string[];
  /**
   * EC2 key pair for SSH. "" means none: access goes through SSM Session Manager.
   * @default "" - no key pair; access through Session Manager
   */
  readonly keyPairName?: string;
  /**
   * Root volume (gp3, encrypted) size in GiB; holds the OS, Docker images and container logs.
   * @default 20
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * Data volume (gp3, encrypted) size in GiB; holds OpenLIT's SQLite database and survives instance replacement.
   * @default 10
   */
  readonly dataVolumeSizeGiB?: number;
  /**
   * Take a snapshot of the data volume when Terraform destroys it.
   * @default true
   */
  readonly dataVolumeFinalSnapshot?: boolean | IResolvable;
  /**
   * CloudWatch detailed (1-minute) monitoring; costs extra.
   * @default false
   */
  readonly detailedMonitoring?: boolean | IResolvable;
  readonly clickhouse: ClickhouseConnection;
  readonly otel: OtelExport;
  /**
   * Demo accounts created by OpenLIT at first start.
   * @default - none
   */
  readonly demoAccounts?: DemoAccounts;
  /**
   * OpenLIT image source.
   * @default - OpenLIT's public image at its pinned tag
   */
  readonly image?: OpenlitImage;
  /**
   * Public OpenLIT image used when no ECR repository is given, as `repository:tag`.
   * @default "ghcr.io/openlit/openlit:1.24.2"
   */
  readonly publicImage?: string;
  /**
   * OpenTelemetry Collector image (contrib, for the ClickHouse exporter); multi-arch.
   * @default "otel/opentelemetry-collector-contrib:0.94.0" (the RFC's version)
   */
  readonly collectorImage?: string;
  /**
   * Docker Compose plugin release installed on the instance.
   * @default "v2.29.7"
   */
  readonly composeVersion?: string;
  /**
   * Version of the secret values written to SSM: write-only arguments are not diffed, so bump this
   * to push new passwords.
   * @default 1
   */
  readonly secretsVersion?: number;
  /**
   * How long the boot script waits for the data volume to be attached, in seconds.
   * @default 600
   */
  readonly volumeWaitSeconds?: number;
  /**
   * Send container logs to a CloudWatch Logs group (`/openlit/<environment>/containers`) with the awslogs
   * driver; otherwise they stay in rotated local JSON files. A Terraform boolean is fine.
   * @default true
   */
  readonly containerLogsEnabled?: boolean | IResolvable;
  /**
   * Days CloudWatch Logs keeps container logs (one of CloudWatch's allowed values: 1, 3, 5, 7, 14, 30, …).
   * @default 14
   */
  readonly logRetentionDays?: number;
  /**
   * OpenLIT's anonymous usage telemetry.
   * @default false
   */
  readonly telemetryEnabled?: boolean;
}

/** Defaults, applied in one place. */
export const EC2_OPENLIT_DEFAULTS = {
  instanceType: "t4g.small",
  keyPairName: "",
  rootVolumeSizeGiB: 20,
  dataVolumeSizeGiB: 10,
  dataVolumeFinalSnapshot: true,
  detailedMonitoring: false,
  publicImage: "ghcr.io/openlit/openlit:1.24.2",
  collectorImage: "otel/opentelemetry-collector-contrib:0.94.0",
  composeVersion: "v2.29.7",
  secretsVersion: 1,
  volumeWaitSeconds: 600,
  telemetryEnabled: false,
  containerLogsEnabled: true,
  logRetentionDays: 14,
  ecrTag: "latest",
} as const;

/** Where the instance keeps OpenLIT's data (the mount point of the data volume). */
export const DATA_MOUNT = "/var/lib/openlit";
export const DATA_DIR = `${DATA_MOUNT}/data`;
/** Tag key marking the data volume for the daily snapshot policy (value: `openlit-<environment>-data`). */
export const SNAPSHOT_TAG_KEY = "openlit:snapshot-policy";
/** Device name requested for the data volume; appears as NVMe on Nitro, /dev/xvdf on Xen. */
export const DATA_DEVICE_NAME = "/dev/sdf";
