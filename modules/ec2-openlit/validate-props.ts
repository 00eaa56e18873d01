import { IConstruct } from "constructs";
import { isKnown, validateAll } from "../core/index.js";
import { Ec2OpenlitProps } from "./props.js";

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const IMAGE = /^[a-z0-9][a-z0-9._\/-]*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const COMPOSE_VERSION = /^v\d+\.\d+\.\d+$/;
/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function hasScheme(host: string): boolean {
  return /^[a-z]+:\/\//i.test(host);
}

/** Checks what can be checked at synth; values that are Terraform tokens are left to variable validations. */
export function validateEc2OpenlitProps(scope: IConstruct, props: Ec2OpenlitProps): void {
  const { instanceType, rootVolumeSizeGiB, dataVolumeSizeGiB, secretsVersion, volumeWaitSeconds } = props;
  validateAll(scope, [
    {
      failed: isKnown(instanceType) && !INSTANCE_TYPE.test(instanceType),
      message: `instanceType "${instanceType}" is not an EC2 instance type: use family.size, e.g. "t4g.small".`,
    },
    {
      failed: isKnown(rootVolumeSizeGiB) && (!Number.isInteger(rootVolumeSizeGiB) || rootVolumeSizeGiB < 8 || rootVolumeSizeGiB > 16384),
      message: `rootVolumeSizeGiB ${rootVolumeSizeGiB} is out of range: Amazon Linux 2023 needs at least 8 GiB; use 8-16384.`,
    },
    {
      failed: isKnown(dataVolumeSizeGiB) && (!Number.isInteger(dataVolumeSizeGiB) || dataVolumeSizeGiB < 1 || dataVolumeSizeGiB > 16384),
      message: `dataVolumeSizeGiB ${dataVolumeSizeGiB} is out of range: use a whole number of GiB, 1-16384.`,
    },
    {
      failed: isKnown(props.otel.host) && hasScheme(props.otel.host),
      message: `otel.host "${props.otel.host}" must be a bare host name: drop the scheme (the collector speaks ClickHouse's native protocol).`,
    },
    {
      failed: isKnown(props.publicImage) && !IMAGE.test(props.publicImage),
      message: `publicImage "${props.publicImage}" is not an image reference: use repository:tag.`,
    },
    {
      failed: isKnown(props.collectorImage) && !IMAGE.test(props.collectorImage),
      message: `collectorImage "${props.collectorImage}" is not an image reference: use repository:tag.`,
    },
    {
      failed: isKnown(props.composeVersion) && !COMPOSE_VERSION.test(props.composeVersion),
      message: `composeVersion "${props.composeVersion}" must be a compose release tag such as "v2.29.7".`,
    },
    {
      failed: isKnown(secretsVersion) && (!Number.isInteger(secretsVersion) || secretsVersion < 1),
      message: `secretsVersion ${secretsVersion} must be a whole number >= 1; bump it to push new passwords.`,
    },
    {
      failed: isKnown(volumeWaitSeconds) && (!Number.isInteger(volumeWaitSeconds) || volumeWaitSeconds < 30),
      message: `volumeWaitSeconds ${volumeWaitSeconds} is too short: Terraform attaches the volume after boot; use at least 30.`,
    },
    {
      failed: isKnown(props.logRetentionDays) && !LOG_RETENTION_DAYS.includes(props.logRetentionDays),
      message: `logRetentionDays ${props.logRetentionDays} is not a CloudWatch Logs retention: use one of ${LOG_RETENTION_DAYS.join(", ")}.`,
    },
    {
      failed: props.securityGroupIds.length === 0,
      message: "securityGroupIds is empty: pass the group that opens ports 3000 and 4317-4318.",
    },
  ]);
}
