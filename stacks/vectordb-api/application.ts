import { Op, Token } from "cdktf";
import { renderTemplate } from "../../modules/core/index.js";
import { HostApplication, HostFacts } from "../../modules/compose-host/index.js";

/** Where the data volume is mounted, and the directory the containers use on it. */
export const DATA_MOUNT = "/var/lib/vectordb-api";
export const DATA_DIR = `${DATA_MOUNT}/data`;
/** CloudWatch namespace of the application's own metrics (QueueDepth). */
export const METRIC_NAMESPACE = "VectorDB";
/** The keys of the one Secrets Manager secret, as the application reads them. */
export const SECRET_KEYS = ["API_KEY", "OPENAI_API_KEY", "PINECONE_API_KEY", "METABASE_API_KEY"] as const;

export interface VectordbApplicationProps {
  readonly stackName: string;
  readonly region: string;
  readonly image: { readonly repository: string; readonly tag: string };
  readonly appEnvironment: string;
  readonly settings: {
    readonly metabaseUrl: string;
    readonly pineconeIndexName: string;
    readonly pineconeNamespace: string;
    readonly chunkSize: number;
    readonly batchSize: number;
    readonly maxWorkers: number;
    readonly taskTimeout: number;
    readonly openaiRateLimit: number;
  };
  readonly tableName: string;
  readonly bucketName: string;
  readonly redis: { readonly host: string; readonly port: number; readonly url: string };
}

/** The document's three services on a compose host: app (8000), worker, flower (5555 on localhost only). */
export function vectordbApplication(props: VectordbApplicationProps): (host: HostFacts) => HostApplication {
  return (host) => {
    const s = props.settings;
    const taskTimeout = s.taskTimeout;
    const values = {
      appEnvironment: props.appEnvironment,
      metabaseUrl: s.metabaseUrl,
      pineconeIndexName: s.pineconeIndexName,
      pineconeNamespace: s.pineconeNamespace,
      region: props.region,
      tableName: props.tableName,
      bucketName: props.bucketName,
      redisHost: props.redis.host,
      redisPort: props.redis.port,
      redisUrl: props.redis.url,
      chunkSize: s.chunkSize,
      batchSize: s.batchSize,
      maxWorkers: s.maxWorkers,
      taskTimeout,
      openaiRateLimit: s.openaiRateLimit,
    };
    return {
      bootTemplate: "vectordb-api/user-data.sh.hbs",
      // systemd's stop timeout for the service: the worker's stop_grace_period (task_timeout) and a minute for the rest.
      context: { stopTimeoutSeconds: Token.asNumber(Op.add(taskTimeout, 60)) },
      composeFile: renderTemplate("vectordb-api/docker-compose.yml.hbs", {
        image: host.local("image", `${host.ecrRegistry}/${props.image.repository}:${props.image.tag}`),
        platform: host.platform,
        dataDir: DATA_DIR,
        apiLogging: host.logging,
        workerLogging: host.loggingFor("worker"),
        maxWorkers: s.maxWorkers,
        taskTimeout,
        // Celery's soft limit a minute before the hard one, as the document's 1740 / 1800.
        softTimeLimit: Token.asNumber(Op.sub(taskTimeout, 60)),
      }),
      files: {
        "/etc/vectordb-api/app.env": renderTemplate("vectordb-api/app.env.hbs", values),
        "/usr/local/sbin/vectordb-api-queue-depth": renderTemplate("vectordb-api/queue-depth.sh.hbs", {
          region: props.region,
          metricNamespace: METRIC_NAMESPACE,
          stackName: props.stackName,
        }),
      },
      readyMessage: "vectordb-api.service is running (app, worker, flower)",
    };
  };
}
