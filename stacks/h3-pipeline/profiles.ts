/**
 * What differs between the two environments and is decided at synth: variable defaults and protections. prod is the
 * document's "production use"; dev is smaller.
 */
export interface H3PipelineProfile {
  /** Default task size: CPU units (1024 = 1 vCPU) and MiB. */
  readonly taskCpu: number;
  readonly taskMemory: number;
  /** Default fewest and most tasks. */
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Default NAT gateways: one in dev (cost), one per zone in prod. */
  readonly natGateways: number;
  /** Deletion protection of the load balancer; destroy may not empty the bucket. */
  readonly protect: boolean;
  /** Alarms by default. */
  readonly monitoring: boolean;
  /** Where ClickHouse runs by default: ClickHouse Cloud in dev, the document's three self-hosted nodes in prod. */
  readonly clickhouseDeployment: "cloud" | "self-hosted";
  /** Zones of a created network: three in prod, so that each ClickHouse node (and Keeper member) has a zone of its own. */
  readonly zones: number;
}

export const H3_PIPELINE_PROFILES: Readonly<Record<string, H3PipelineProfile>> = {
  dev: { taskCpu: 1024, taskMemory: 2048, minTasks: 1, maxTasks: 2, natGateways: 1, protect: false, monitoring: false, clickhouseDeployment: "cloud", zones: 2 },
  prod: { taskCpu: 1024, taskMemory: 2048, minTasks: 2, maxTasks: 20, natGateways: 2, protect: true, monitoring: true, clickhouseDeployment: "self-hosted", zones: 3 },
};

export function h3PipelineProfile(environment: string): H3PipelineProfile {
  const profile = H3_PIPELINE_PROFILES[environment];
  if (!profile) throw new Error(`h3-pipeline has no environment "${environment}": use one of ${Object.keys(H3_PIPELINE_PROFILES).join(", ")}.`);
  return profile;
}
