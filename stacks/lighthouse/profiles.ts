/**
 * What differs between the document's two environments and is decided at synth: the defaults of the variables,
 * and the choices a variable cannot switch (the spot market, where the password lives).
 */
export interface LighthouseProfile {
  /** Default instance type. */
  readonly instanceType: string;
  /** Default data volume size in GiB. */
  readonly volumeSizeGb: number;
  /** A persistent spot request that stops on interruption (the document's dev). */
  readonly spot: boolean;
  /** Where the database password lives: an SSM SecureString (dev) or a Secrets Manager secret (prod). */
  readonly passwordStore: "ssm" | "secretsmanager";
  /** Alarms and dashboard by default (the document disables monitoring in dev). */
  readonly monitoring: boolean;
  /** Default days AWS Backup keeps the daily recovery points. */
  readonly backupRetentionDays: number;
  /** Whether `terraform destroy` may delete the backup vault with its recovery points and the created bucket with its dumps. */
  readonly disposableBackups: boolean;
}

export const LIGHTHOUSE_PROFILES: Readonly<Record<string, LighthouseProfile>> = {
  dev: { instanceType: "t4g.micro", volumeSizeGb: 20, spot: true, passwordStore: "ssm", monitoring: false, backupRetentionDays: 7, disposableBackups: true },
  prod: { instanceType: "t4g.small", volumeSizeGb: 100, spot: false, passwordStore: "secretsmanager", monitoring: true, backupRetentionDays: 30, disposableBackups: false },
};

export function lighthouseProfile(environment: string): LighthouseProfile {
  const profile = LIGHTHOUSE_PROFILES[environment];
  if (!profile) throw new Error(`lighthouse has no environment "${environment}": use one of ${Object.keys(LIGHTHOUSE_PROFILES).join(", ")}.`);
  return profile;
}
