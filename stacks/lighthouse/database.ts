import { readTemplateFile, renderTemplate } from "../../modules/core/index.js";
import { HostApplication, HostFacts } from "../../modules/compose-host/index.js";
import { HealthCheck } from "../../modules/health-gate/index.js";

/** Where the instance mounts the data volume (the document's path) and where PostgreSQL keeps its cluster on it. */
export const DATA_MOUNT = "/mnt/timescaledb-data";
export const DATA_DIR = `${DATA_MOUNT}/pgdata`;
export const POSTGRES_PORT = 5432;
export const POSTGRES_USER = "postgres";

/**
 * TimescaleDB's image, pinned to a release (the document's `latest-pg16` changes under a running database, and a
 * dump restores only into the extension version that made it). 2.29.2 (2026-08-18): the newest release, with
 * PostgreSQL 16 (>= 16.6) still supported (2.29.0 dropped 15). Built on postgres:16-alpine for arm64 and amd64;
 * its init scripts read TIMESCALEDB_TELEMETRY=off and create the extension in POSTGRES_DB.
 */
export const TIMESCALEDB_IMAGE = "timescale/timescaledb:2.29.2-pg16";
/** uid and gid of `postgres` in the image (Alpine's postgres user), owner of the TLS key. */
export const POSTGRES_UID = 70;
/** Connections PostgreSQL accepts; work_mem is sized for this many. */
export const MAX_CONNECTIONS = 100;
/** Dumps kept on the instance's root volume (S3 keeps the others). */
export const KEEP_LOCAL_DUMPS = 3;

export interface TimescaleDatabaseProps {
  /** Database the application uses (`lighthouse_<env>`), created with the timescaledb extension. */
  readonly database: string;
  /** Where the password lives, for the compose file's header: an SSM parameter name or a secret. */
  readonly passwordStore: string;
  /** Bucket and key prefix of the nightly dumps. */
  readonly backupBucket: string;
  readonly backupPrefix: string;
  /** The certificate's common name (the DNS name clients use, or a plain label). */
  readonly certificateName: string;
}

/** TimescaleDB on a compose host: the compose file, the boot script's database part, the start hooks. */
export function timescaleDatabase(props: TimescaleDatabaseProps): (host: HostFacts) => HostApplication {
  return (host) => ({
    bootTemplate: "lighthouse/user-data.sh.hbs",
    context: {
      database: props.database,
      backupBucket: props.backupBucket,
      backupPrefix: props.backupPrefix,
      keepLocalDumps: KEEP_LOCAL_DUMPS,
      certificateName: props.certificateName,
      postgresUid: POSTGRES_UID,
    },
    composeFile: renderTemplate("lighthouse/docker-compose.yml.hbs", {
      image: TIMESCALEDB_IMAGE,
      platform: host.platform,
      logging: host.logging,
      database: props.database,
      dataDir: DATA_DIR,
      dataMount: DATA_MOUNT,
      passwordStore: props.passwordStore,
    }),
    files: {
      "/opt/lighthouse/pg_hba.conf": readTemplateFile("lighthouse/pg_hba.conf"),
      "/usr/local/bin/backup-timescaledb.sh": readTemplateFile("lighthouse/backup-timescaledb.sh"),
      "/usr/local/bin/restore-timescaledb.sh": readTemplateFile("lighthouse/restore-timescaledb.sh"),
    },
    preStart: renderTemplate("lighthouse/prestart.sh.hbs", { maxConnections: MAX_CONNECTIONS }),
    postStart: renderTemplate("lighthouse/poststart.sh.hbs", { database: props.database }),
    readyMessage: "TimescaleDB is running (lighthouse.service)",
  });
}

/**
 * What "the database is healthy" means, run on the instance through SSM Run Command (5432 is never open to the
 * machine running the check): the server accepts connections over TCP, and the application's database has the
 * timescaledb extension. `region` may be a Terraform expression: encode the list with Fn.jsonencode, not checksJson.
 */
export function databaseHealthChecks(database: string, region: string): HealthCheck[] {
  return [
    { name: "pg-isready", protocol: "ssm", region, command: `docker exec timescaledb pg_isready -h 127.0.0.1 -p ${POSTGRES_PORT} -U ${POSTGRES_USER} -d ${database}` },
    {
      name: "timescaledb-extension",
      protocol: "ssm",
      region,
      // No double quotes or backslashes: cdktf does not escape them inside Fn.jsonencode (SQL dollar quotes instead).
      command: `docker exec timescaledb psql --no-psqlrc -U ${POSTGRES_USER} -d ${database} -tAc 'SELECT extversion FROM pg_extension WHERE extname = $$timescaledb$$' | grep -Eq '^[0-9]+[.]'`,
    },
  ] as HealthCheck[];
}
