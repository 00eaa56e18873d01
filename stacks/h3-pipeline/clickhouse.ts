import { renderTemplate } from "../../modules/core/index.js";
import { HostApplication, HostFacts } from "../../modules/compose-host/index.js";

/** The ClickHouse server release the self-hosted nodes run (the LTS line; amd64 and arm64 images). */
export const CLICKHOUSE_VERSION = "26.3.17.110";
/** Three replicas, each also a ClickHouse Keeper member (a quorum of two survives one node). */
export const CLICKHOUSE_NODES = 3;
/** The user the nightly backup runs as: no password, this host only (written by the node's start hook). */
export const BACKUP_USER = "local_backup";
/** The cluster's name in remote_servers and the {cluster} macro. */
export const CLICKHOUSE_CLUSTER = "h3";
/** Where each node's data volume is mounted, and the directory ClickHouse and its certificate live in on it. */
export const CLICKHOUSE_MOUNT = "/var/lib/clickhouse-node";
export const CLICKHOUSE_DATA_DIR = `${CLICKHOUSE_MOUNT}/clickhouse`;
/** The ports: clients (TLS), and the nodes among themselves. */
export const CLIENT_PORTS = [
  { key: "native-tls", port: 9440, description: "ClickHouse native protocol over TLS" },
  { key: "https", port: 8443, description: "ClickHouse HTTPS interface" },
] as const;
export const NODE_PORTS = [
  { key: "native", port: 9000, description: "Distributed queries between the replicas" },
  { key: "interserver", port: 9009, description: "Replication between the replicas" },
  { key: "keeper", port: 9181, description: "ClickHouse Keeper clients" },
  { key: "raft", port: 9234, description: "ClickHouse Keeper's Raft between the nodes" },
] as const;

export interface ClickhouseNodeProps {
  readonly region: string;
  readonly bucketName: string;
  /** DNS: node n is `<nodePrefix>-<n>.<domain>`, all of them `<nodePrefix>.<domain>`. */
  readonly nodePrefix: string;
  readonly domain: string;
  readonly logGroup: string;
  /** The cluster CA's certificate (PEM) and the secret holding its key. */
  readonly caCert: string;
  readonly caKeySecretArn: string;
  /** The secret holding the application user's password, and the user. */
  readonly passwordSecretArn: string;
  readonly appUser: string;
  /** The address range the application user may connect from (the VPC). */
  readonly clientNetwork: string;
  /** Daily backup time on node 1, HH:MM UTC. */
  readonly backupTime: string;
}

/** ClickHouse on each node of the group, the node's number put in by Terraform for @@NODE_NUMBER@@. */
export function clickhouseNodeApplication(props: ClickhouseNodeProps): (host: HostFacts) => HostApplication {
  const nodes = Array.from({ length: CLICKHOUSE_NODES }, (_, i) => ({ number: i + 1 }));
  return (host) => ({
    bootTemplate: "h3-pipeline/clickhouse-user-data.sh.hbs",
    context: { backupTime: props.backupTime, nodeCount: CLICKHOUSE_NODES },
    composeFile: renderTemplate("h3-pipeline/clickhouse-compose.yml.hbs", {
      version: CLICKHOUSE_VERSION,
      platform: host.platform,
      dataDir: CLICKHOUSE_DATA_DIR,
      logging: host.logging,
    }),
    files: {
      "/etc/clickhouse/ca.crt": props.caCert,
      "/etc/clickhouse/config.d/cluster.xml": renderTemplate("h3-pipeline/clickhouse-cluster.xml.hbs", {
        nodeCount: CLICKHOUSE_NODES,
        nodes,
        nodePrefix: props.nodePrefix,
        domain: props.domain,
        cluster: CLICKHOUSE_CLUSTER,
        bucket: props.bucketName,
        region: props.region,
        logGroup: props.logGroup,
      }),
      "/usr/local/sbin/clickhouse-node-prestart": renderTemplate("h3-pipeline/clickhouse-prestart.sh.hbs", {
        region: props.region,
        caKeySecretArn: props.caKeySecretArn,
        passwordSecretArn: props.passwordSecretArn,
        appUser: props.appUser,
        clientNetwork: props.clientNetwork,
        nodePrefix: props.nodePrefix,
        domain: props.domain,
        dataDir: CLICKHOUSE_DATA_DIR,
        backupUser: BACKUP_USER,
      }),
      "/usr/local/sbin/clickhouse-backup": renderTemplate("h3-pipeline/clickhouse-backup.sh.hbs", { bucket: props.bucketName, region: props.region, backupUser: BACKUP_USER }),
    },
    preStart: "/usr/local/sbin/clickhouse-node-prestart",
    readyMessage: `ClickHouse ${CLICKHOUSE_VERSION} is running`,
  });
}
