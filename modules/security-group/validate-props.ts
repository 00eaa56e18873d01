import { IConstruct } from "constructs";
import { isCidr, isKnown, isPort, validateAll } from "../core/index.js";
import { SecurityGroupProps } from "./props.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;

export function validateSecurityGroupProps(scope: IConstruct, props: SecurityGroupProps): void {
  const ports = props.ingressPorts;
  const sources = Object.entries(props.allowedSources);
  const groups = Object.entries(props.allowedSecurityGroups ?? {});
  const clashes = groups.map(([k]) => k).filter((k) => k in props.allowedSources);
  const duplicateKeys = ports.map((p) => p.key).filter((k, i, all) => all.indexOf(k) !== i);
  validateAll(scope, [
    { failed: ports.length === 0, message: "ingressPorts is empty: list at least one port, or do not create the group." },
    { failed: sources.length === 0 && groups.length === 0, message: "allowedSources is empty: give at least one CIDR, e.g. { operator: \"203.0.113.7/32\" }, or a security group in allowedSecurityGroups." },
    ...ports.flatMap((p) => [
      { failed: !KEY.test(p.key), message: `ingressPorts key "${p.key}" must be lower-case letters, digits and dashes.` },
      { failed: isKnown(p.fromPort) && !isPort(p.fromPort), message: `ingressPorts["${p.key}"].fromPort ${p.fromPort} is not a port: use 1-65535.` },
      {
        failed: isKnown(p.toPort) && (!isPort(p.toPort) || (isKnown(p.fromPort) && p.toPort < p.fromPort)),
        message: `ingressPorts["${p.key}"].toPort ${p.toPort} must be a port (1-65535) not below fromPort ${p.fromPort}.`,
      },
      { failed: p.description.trim() === "", message: `ingressPorts["${p.key}"].description is empty: say what listens on the port.` },
      { failed: p.sources !== undefined && p.cidrList !== undefined, message: `ingressPorts["${p.key}"] has both sources and cidrList: give one.` },
      ...Object.entries(p.sources ?? {}).flatMap(([key, cidr]) => [
        { failed: !KEY.test(key), message: `ingressPorts["${p.key}"].sources key "${key}" must be lower-case letters, digits and dashes.` },
        { failed: isKnown(cidr) && !isCidr(cidr), message: `ingressPorts["${p.key}"].sources["${key}"] "${cidr}" is not a CIDR: use e.g. 0.0.0.0/0.` },
      ]),
    ]),
    { failed: duplicateKeys.length > 0, message: `ingressPorts keys must be unique; repeated: ${[...new Set(duplicateKeys)].join(", ")}.` },
    ...sources.flatMap(([key, cidr]) => [
      { failed: !KEY.test(key), message: `allowedSources key "${key}" must be lower-case letters, digits and dashes.` },
      { failed: isKnown(cidr) && !isCidr(cidr), message: `allowedSources["${key}"] "${cidr}" is not a CIDR: use e.g. 203.0.113.7/32.` },
    ]),
    ...groups.map(([key]) => ({ failed: !KEY.test(key), message: `allowedSecurityGroups key "${key}" must be lower-case letters, digits and dashes.` })),
    { failed: clashes.length > 0, message: `allowedSecurityGroups keys must differ from allowedSources keys (they name the same rules); both have: ${clashes.join(", ")}.` },
    ...(props.egressRules ?? []).flatMap((e) => [
      { failed: isKnown(e.cidr) && !isCidr(e.cidr), message: `egressRules["${e.key}"].cidr "${e.cidr}" is not a CIDR.` },
      {
        failed: e.protocol !== "-1" && e.fromPort === undefined,
        message: `egressRules["${e.key}"] is ${e.protocol}: give fromPort (and toPort for a range), or use protocol "-1" for all traffic.`,
      },
    ]),
  ]);
}
