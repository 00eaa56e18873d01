import { Construct } from "constructs";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ssm_parameter
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { choose, countWhen, isKnown, pascalCase, validateAll } from "../core/index.js";
import { SecureParametersProps } from "./props.js";

const KEY = /^[a-z0-9][a-z0-9-]*$/;

/** Props for one entry of {@link SecureParameters.entries}. */
export interface SecureParameterEntry {
  readonly key: string;
  /** Full parameter name, or "" when the parameter is switched off (a Terraform expression when the switch is). */
  readonly name: string;
  readonly resource: SsmParameter;
}

/**
 * SSM SecureStrings written through write-only arguments (`value_wo`, Terraform >= 1.11): the values reach
 * AWS but never the plan, the state or the synthesized JSON. Rotate by changing the value and bumping `version`.
 */
export class SecureParameters extends Construct {
  /** The parameters in the order given. */
  readonly entries: readonly SecureParameterEntry[];
  /** SSM path of the parameters (no trailing slash). */
  readonly path: string;

  constructor(scope: Construct, id: string, props: SecureParametersProps) {
    super(scope, id);
    const version = props.version ?? 1;
    const keys = Object.keys(props.parameters);
    validateAll(this, [
      { failed: keys.length === 0, message: "parameters is empty: give at least one secret, or do not create SecureParameters." },
      { failed: isKnown(props.path) && !/^\/[A-Za-z0-9_.\/-]*[A-Za-z0-9_.-]$/.test(props.path), message: `path "${props.path}" must start with / and not end with one, e.g. "/myapp/prod".` },
      ...keys.map((k) => ({ failed: !KEY.test(k), message: `parameters key "${k}" must be lower-case letters, digits and dashes.` })),
      { failed: isKnown(version) && (!Number.isInteger(version) || version < 1), message: `version ${version} must be a whole number >= 1; bump it to push new values.` },
    ]);
    this.path = props.path;
    this.entries = Object.entries(props.parameters).map(([key, p]) => {
      const name = `${props.path}/${key}`;
      const resource = new SsmParameter(this, pascalCase(key), {
        name,
        description: p.description,
        type: "SecureString",
        keyId: props.kmsKeyId,
        valueWo: p.value,
        valueWoVersion: version,
      });
      const enabled = p.enabled ?? true;
      if (enabled !== true) resource.count = countWhen(enabled);
      return { key, resource, name: enabled === true ? resource.name : choose(enabled, name, "") };
    });
  }
}
