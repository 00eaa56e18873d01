/**
 * AWS's default key policy statement: the account administers the key, and the account's IAM policies decide who
 * may use it (a role needs its own kms:* permission on the key). Without it nobody could manage or delete the key.
 */
export function accountAdministersKey(partition: string, accountId: string) {
  return { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" } as const;
}
