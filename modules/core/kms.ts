import { Fn } from "cdktf";

/**
 * AWS's default key policy statement: the account administers the key, and the account's IAM policies decide who
 * may use it (a role needs its own kms:* permission on the key). Without it nobody could manage or delete the key.
 */
export function accountAdministersKey(partition: string, accountId: string) {
  return { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" } as const;
}

/**
 * A key policy of that statement alone, as a Terraform expression: IAM policies grant the key's use, so a role
 * without such a grant (a host's, for instance) cannot use it.
 */
export function accountOnlyKeyPolicy(partition: string, accountId: string): string {
  return Fn.jsonencode({ Version: "2012-10-17", Statement: [accountAdministersKey(partition, accountId)] });
}
