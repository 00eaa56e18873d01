import { renderTemplate } from "../../modules/core/index.js";
import { HostApplication, HostFacts } from "../../modules/compose-host/index.js";

/** The ChromaDB server release the vector store host runs (chromadb/chroma on Docker Hub, amd64 and arm64). */
export const CHROMA_VERSION = "1.5.9";
/** ChromaDB's port (the image's /config.yaml default). */
export const CHROMA_PORT = 8000;
/** Where the vector store's data volume is mounted, and the directory the container keeps its data in. */
export const CHROMA_MOUNT = "/var/lib/vector-store";
export const CHROMA_DATA_DIR = `${CHROMA_MOUNT}/data`;
/** The ports of the two services on every app server. */
export const BACKEND_PORT = 8000;
export const FRONTEND_PORT = 3000;
/** Where the backend container finds the RDS certificate authorities that DATABASE_URL verifies the server with. */
const CA_PATH = "/etc/ssl/certs/rds-ca.pem";
/** AWS's bundle of the RDS certificate authorities of every commercial region. */
const CA_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

export interface AppServerProps {
  readonly region: string;
  readonly images: { readonly backend: string; readonly frontend: string };
  readonly appEnvironment: string;
  readonly settings: {
    readonly logLevel: string;
    readonly dbPoolSize: number;
    readonly dbMaxOverflow: number;
    readonly redisDb: number;
    readonly backendWorkers: number;
    readonly backendHealthPath: string;
    readonly frontendHealthPath: string;
  };
  readonly database: { readonly host: string; readonly port: number; readonly name: string; readonly secretArn: string };
  readonly redis: { readonly host: string; readonly port: number; readonly url: string };
  readonly chromaHost: string;
  readonly bucketName: string;
}

/** The backend and the frontend on an app server, DATABASE_URL assembled at every start from the database's secret. */
export function appServerApplication(props: AppServerProps): (host: HostFacts) => HostApplication {
  return (host) => {
    const s = props.settings;
    return {
      bootTemplate: "agent-platform/user-data.sh.hbs",
      composeFile: renderTemplate("agent-platform/docker-compose.yml.hbs", {
        backendImage: host.local("backend_image", props.images.backend),
        frontendImage: host.local("frontend_image", props.images.frontend),
        platform: host.platform,
        caPath: CA_PATH,
        backendHealthPath: s.backendHealthPath,
        frontendHealthPath: s.frontendHealthPath,
        backendLogging: host.logging,
        frontendLogging: host.loggingFor("frontend"),
      }),
      files: {
        "/etc/agent-platform/app.env": renderTemplate("agent-platform/app.env.hbs", {
          appEnvironment: props.appEnvironment,
          logLevel: s.logLevel,
          dbPoolSize: s.dbPoolSize,
          dbMaxOverflow: s.dbMaxOverflow,
          chromaHost: props.chromaHost,
          chromaPort: CHROMA_PORT,
          redisHost: props.redis.host,
          redisPort: props.redis.port,
          redisDb: s.redisDb,
          redisUrl: props.redis.url,
          bucketName: props.bucketName,
          region: props.region,
          backendWorkers: s.backendWorkers,
        }),
        "/usr/local/sbin/agent-platform-database-url": renderTemplate("agent-platform/database-url.sh.hbs", {
          region: props.region,
          secretArn: props.database.secretArn,
          dbHost: props.database.host,
          dbPort: props.database.port,
          dbName: props.database.name,
          caPath: CA_PATH,
          caUrl: CA_URL,
        }),
        "/usr/local/sbin/agent-platform-follow-password": renderTemplate("agent-platform/follow-password.sh.hbs", {}),
      },
      preStart: "/usr/local/sbin/agent-platform-database-url >/dev/null",
      readyMessage: "agent-platform.service is running (backend, frontend)",
    };
  };
}

/** ChromaDB in server mode on its own host, its data on the host's data volume. */
export function vectorStoreApplication(): (host: HostFacts) => HostApplication {
  return (host) => ({
    composeFile: renderTemplate("agent-platform/chroma-compose.yml.hbs", {
      projectName: "agent-platform-chroma",
      version: CHROMA_VERSION,
      platform: host.platform,
      dataDir: CHROMA_DATA_DIR,
      logging: host.logging,
    }),
    readyMessage: `ChromaDB ${CHROMA_VERSION} is running on port ${CHROMA_PORT}`,
  });
}
