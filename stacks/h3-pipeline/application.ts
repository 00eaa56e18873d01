import { Token } from "cdktf";
import type { ContainerSpec } from "../../modules/fargate-service/index.js";

/** The application's container and port (the document's PORT=3000). */
export const APP_CONTAINER = "app";
export const APP_PORT = 3000;
/** The document's bucket layout. */
export const BUCKET_PREFIXES = { uploads: "uploads/", processed: "processed/", backups: "backups/", exports: "exports/" } as const;

/**
 * The AWS Distro for OpenTelemetry collector (the X-Ray daemon and SDKs are in maintenance since 2026-02-25, end of
 * support 2027-02-25): a sidecar taking OTLP on localhost:4317 (gRPC) and 4318 (HTTP) and exporting to X-Ray, with the
 * configuration its image ships for exactly that (aws-observability/aws-otel-collector, config/ecs/ecs-xray.yaml).
 */
export const COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0";
export const COLLECTOR_CONFIG = "--config=/etc/ecs/ecs-xray.yaml";
/** What the collector's awsxray exporter calls (X-Ray offers no resource-level permissions for these). */
export const TRACING_PERMISSIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"] as const;

export interface AppContainersProps {
  /** The application's image reference (repository URL and tag). */
  readonly image: string;
  readonly region: string;
  readonly bucketName: string;
  readonly clickhouse: { readonly host: string; readonly port: number; readonly user: string; readonly database: string };
  /** The secret holding CLICKHOUSE_PASSWORD (a plain string), injected by ECS at start. */
  readonly passwordSecretArn: string;
  /** The self-hosted cluster's CA certificate (PEM) the client verifies the nodes with; "" for ClickHouse Cloud. */
  readonly caCert: string;
}

/** The task's two containers: the application with the document's environment, and the tracing collector. */
export function appContainers(props: AppContainersProps): ContainerSpec[] {
  return [
    {
      name: APP_CONTAINER,
      image: props.image,
      portMappings: [APP_PORT],
      environment: {
        PORT: String(APP_PORT),
        NODE_ENV: "production",
        AWS_REGION: props.region,
        S3_BUCKET: props.bucketName,
        CLICKHOUSE_HOST: props.clickhouse.host,
        // A Terraform number as a string reference (String() of a number token gives no reference Terraform reads).
        CLICKHOUSE_PORT: Token.asString(props.clickhouse.port),
        CLICKHOUSE_USER: props.clickhouse.user,
        CLICKHOUSE_DATABASE: props.clickhouse.database,
        // TLS only, Cloud or self-hosted: a client that reads this connects with TLS on CLICKHOUSE_PORT.
        CLICKHOUSE_SECURE: "true",
        // Self-hosted: the cluster's own CA (public); empty with ClickHouse Cloud, whose certificates public CAs sign.
        CLICKHOUSE_CA_CERT: props.caCert,
        // OpenTelemetry's standard variables: the application's SDK sends spans to the collector beside it; the X-Ray
        // propagator continues the trace the load balancer starts (X-Amzn-Trace-Id).
        OTEL_SERVICE_NAME: "h3-clickhouse-app",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318",
        OTEL_PROPAGATORS: "xray,tracecontext,baggage",
      },
      // Never a plain environment value: ECS reads the secret with the execution role when the task starts.
      secrets: { CLICKHOUSE_PASSWORD: props.passwordSecretArn },
      dependsOn: [{ containerName: "collector", condition: "START" }],
    },
    {
      name: "collector",
      image: COLLECTOR_IMAGE,
      // Tracing must not take the service down: the task keeps running when the collector stops.
      essential: false,
      command: [COLLECTOR_CONFIG],
      cpu: 128,
      memoryReservationMiB: 256,
    },
  ];
}
