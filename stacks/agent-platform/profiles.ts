/**
 * What differs between the two environments and is decided at synth: variable defaults and protections. dev is the
 * document's Option A (one larger instance), prod its Option B ("recommended for 200+ users").
 */
export interface AgentPlatformProfile {
  /** Default app server type: Option A's t3.xlarge, Option B's t3.large. */
  readonly instanceType: string;
  /** Default fewest and most app servers. */
  readonly minSize: number;
  readonly maxSize: number;
  /** Default RDS class: smaller in dev, Option B's db.t3.medium in prod. */
  readonly dbInstanceClass: string;
  /** Default ChromaDB host type and data volume (GiB). */
  readonly chromaInstanceType: string;
  readonly chromaVolumeGiB: number;
  /** Default NAT gateways: one in dev (cost), one per zone in prod. */
  readonly natGateways: number;
  /** Deletion protection (database, load balancer), the database's final snapshot; destroy may not empty the bucket. */
  readonly protect: boolean;
  /** The value of ENVIRONMENT the application reads. */
  readonly appEnvironment: string;
  /** Alarms by default. */
  readonly monitoring: boolean;
}

export const AGENT_PLATFORM_PROFILES: Readonly<Record<string, AgentPlatformProfile>> = {
  dev: {
    instanceType: "t3.xlarge",
    minSize: 1,
    maxSize: 1,
    dbInstanceClass: "db.t3.small",
    chromaInstanceType: "t4g.small",
    chromaVolumeGiB: 20,
    natGateways: 1,
    protect: false,
    appEnvironment: "development",
    monitoring: false,
  },
  prod: {
    instanceType: "t3.large",
    minSize: 2,
    maxSize: 3,
    dbInstanceClass: "db.t3.medium",
    chromaInstanceType: "t4g.medium",
    chromaVolumeGiB: 50,
    natGateways: 2,
    protect: true,
    appEnvironment: "production",
    monitoring: true,
  },
};

export function agentPlatformProfile(environment: string): AgentPlatformProfile {
  const profile = AGENT_PLATFORM_PROFILES[environment];
  if (!profile) throw new Error(`agent-platform has no environment "${environment}": use one of ${Object.keys(AGENT_PLATFORM_PROFILES).join(", ")}.`);
  return profile;
}
