/** What differs between the two environments and is decided at synth: variable defaults and protections. */
export interface VectordbProfile {
  /** Default instance type (the document's minimum t3.large in prod; smaller in dev). */
  readonly instanceType: string;
  /** Default data volume for temporary CSV files, GiB. */
  readonly dataVolumeGiB: number;
  /** Default NAT gateways: one in dev (cost), one per zone in prod. */
  readonly natGateways: number;
  /** The table's and the load balancer's deletion protection, and whether destroy may empty the bucket. */
  readonly protect: boolean;
  /** The value of ENVIRONMENT the application reads. */
  readonly appEnvironment: string;
  /** Alarms by default. */
  readonly monitoring: boolean;
}

export const VECTORDB_PROFILES: Readonly<Record<string, VectordbProfile>> = {
  dev: { instanceType: "t3.medium", dataVolumeGiB: 20, natGateways: 1, protect: false, appEnvironment: "development", monitoring: false },
  prod: { instanceType: "t3.large", dataVolumeGiB: 100, natGateways: 2, protect: true, appEnvironment: "production", monitoring: true },
};

export function vectordbProfile(environment: string): VectordbProfile {
  const profile = VECTORDB_PROFILES[environment];
  if (!profile) throw new Error(`vectordb-api has no environment "${environment}": use one of ${Object.keys(VECTORDB_PROFILES).join(", ")}.`);
  return profile;
}
