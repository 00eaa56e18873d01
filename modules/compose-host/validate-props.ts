import { IConstruct } from "constructs";
import { isKnown, LOG_RETENTION_DAYS, validateAll } from "../core/index.js";
import { ComposeHostProps } from "./props.js";

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const APP_NAME = /^[a-z][a-z0-9-]*$/;
const COMPOSE_VERSION = /^v\d+\.\d+\.\d+$/;
const ENV_VAR = /^[A-Z_][A-Z0-9_]*$/;
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._\/-]*$/;
const JSON_KEY = /^[A-Za-z0-9_.-]+$/;
const GROUP_KEY = /^[a-z0-9][a-z0-9-]*$/;
const LOG_GROUP_NAME = /^[A-Za-z0-9._\/#-]{1,512}$/;

const wholeIn = (value: number | undefined, min: number, max: number) =>
  isKnown(value) && (!Number.isInteger(value) || value < min || value > max);

/** Checks what can be checked at synth; values that are Terraform tokens are left to variable validations. */
export function validateComposeHostProps(scope: IConstruct, props: ComposeHostProps): void {
  const { instanceType, rootVolumeSizeGiB, volumeWaitSeconds } = props;
  const volume = props.dataVolume;
  const secrets = Object.entries(props.secrets?.parameters ?? {});
  const smSecrets = props.secretsManagerSecrets ?? [];
  const envVars = [...secrets.flatMap(([, s]) => (s.envVar === undefined ? [] : [s.envVar])), ...smSecrets.map((s) => s.envVar)];
  const repeatedEnvVars = envVars.filter((v, i) => envVars.indexOf(v) !== i);
  const retention = props.containerLogs?.retentionDays;
  const extraGroups = Object.entries(props.containerLogs?.extraGroups ?? {});
  const groupNames = [props.containerLogs?.groupName, ...extraGroups.map(([, g]) => g.groupName)].filter((n): n is string => n !== undefined && isKnown(n));
  const repeatedGroupNames = groupNames.filter((n, i) => groupNames.indexOf(n) !== i);
  validateAll(scope, [
    { failed: !APP_NAME.test(props.appName), message: `appName "${props.appName}" must be lower-case letters, digits and dashes, starting with a letter (it names /opt/<appName> and <appName>.service).` },
    {
      failed: isKnown(instanceType) && !INSTANCE_TYPE.test(instanceType),
      message: `instanceType "${instanceType}" is not an EC2 instance type: use family.size, e.g. "t4g.small".`,
    },
    {
      failed: wholeIn(rootVolumeSizeGiB, 8, 16384),
      message: `rootVolumeSizeGiB ${rootVolumeSizeGiB} is out of range: Amazon Linux 2023 needs at least 8 GiB; use 8-16384.`,
    },
    {
      failed: volume !== undefined && wholeIn(volume.sizeGiB, 1, 16384),
      message: `dataVolume.sizeGiB ${volume?.sizeGiB} is out of range: use a whole number of GiB, 1-16384.`,
    },
    {
      failed: volume !== undefined && isKnown(volume.mountPoint) && (!ABSOLUTE_PATH.test(volume.mountPoint) || volume.mountPoint === "/"),
      message: `dataVolume.mountPoint "${volume?.mountPoint}" must be an absolute path other than /, e.g. "/var/lib/myapp".`,
    },
    {
      failed: volume?.directory !== undefined && isKnown(volume.directory) && !volume.directory.startsWith(`${volume.mountPoint}/`),
      message: `dataVolume.directory "${volume?.directory}" must be inside dataVolume.mountPoint "${volume?.mountPoint}".`,
    },
    {
      failed: isKnown(props.composeVersion) && !COMPOSE_VERSION.test(props.composeVersion),
      message: `composeVersion "${props.composeVersion}" must be a compose release tag such as "v2.29.7".`,
    },
    {
      failed: isKnown(volumeWaitSeconds) && (!Number.isInteger(volumeWaitSeconds) || volumeWaitSeconds < 30),
      message: `volumeWaitSeconds ${volumeWaitSeconds} is too short: Terraform attaches the volume after boot; use at least 30.`,
    },
    {
      failed: isKnown(retention) && !LOG_RETENTION_DAYS.includes(retention),
      message: `containerLogs.retentionDays ${retention} is not a CloudWatch Logs retention: use one of ${LOG_RETENTION_DAYS.join(", ")}.`,
    },
    ...extraGroups.flatMap(([key, g]) => [
      { failed: !GROUP_KEY.test(key), message: `containerLogs.extraGroups key "${key}" must be lower-case letters, digits and dashes.` },
      {
        failed: isKnown(g.groupName) && !LOG_GROUP_NAME.test(g.groupName),
        message: `containerLogs.extraGroups["${key}"].groupName "${g.groupName}" is not a log group name: use 1-512 letters, digits and . _ - / #.`,
      },
    ]),
    {
      failed: repeatedGroupNames.length > 0,
      message: `containerLogs.groupName and extraGroups group names must be unique; repeated: ${[...new Set(repeatedGroupNames)].join(", ")}.`,
    },
    ...secrets.map(([key, s]) => ({
      failed: s.envVar !== undefined && !ENV_VAR.test(s.envVar),
      message: `secrets.parameters["${key}"].envVar "${s.envVar}" must be an environment variable name (A-Z, 0-9, _).`,
    })),
    ...smSecrets.flatMap((s, i) => [
      { failed: !ENV_VAR.test(s.envVar), message: `secretsManagerSecrets[${i}].envVar "${s.envVar}" must be an environment variable name (A-Z, 0-9, _).` },
      {
        // Tested as written, a Terraform expression too: the key goes into the prestart script as it is.
        failed: s.jsonKey !== undefined && !JSON_KEY.test(s.jsonKey),
        message: `secretsManagerSecrets[${i}].jsonKey "${s.jsonKey}" must be a key of the secret's JSON object made of letters, digits, _ . and - (known at synth).`,
      },
    ]),
    { failed: repeatedEnvVars.length > 0, message: `secrets.parameters and secretsManagerSecrets envVar values must be unique; repeated: ${[...new Set(repeatedEnvVars)].join(", ")}.` },
    {
      failed: isKnown(props.spotPriceFactor) && !(props.spotPriceFactor > 0 && props.spotPriceFactor <= 1),
      message: `spotPriceFactor ${props.spotPriceFactor} must be more than 0 and at most 1, e.g. 0.3 for a 70 % discount.`,
    },
    {
      failed: props.securityGroupIds.length === 0,
      message: "securityGroupIds is empty: pass the group that opens the application's ports.",
    },
  ]);
}
