/**
 * us-east-1 on-demand Linux list prices in USD (November 2025). An estimate for choosing sizes, not a bill:
 * other regions differ by up to ~30 %, and Savings Plans or credits lower it.
 */
export const HOURLY_PRICE_USD: Readonly<Record<string, number>> = {
  "t4g.nano": 0.0042, "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336,
  "t4g.large": 0.0672, "t4g.xlarge": 0.1344, "t4g.2xlarge": 0.2688,
  "t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832, "t3.xlarge": 0.1664,
  "t3a.small": 0.0188, "t3a.medium": 0.0376, "t3a.large": 0.0752,
  "m7g.medium": 0.0408, "m7g.large": 0.0816, "m7g.xlarge": 0.1632,
  "m6g.medium": 0.0385, "m6g.large": 0.077, "m6g.xlarge": 0.154,
  "c7g.medium": 0.0363, "c7g.large": 0.0725, "r7g.medium": 0.0536, "r7g.large": 0.1071,
  "m7i.large": 0.1008, "m6i.large": 0.096, "c7i.large": 0.0893,
  "m5.large": 0.096, "m5.xlarge": 0.192, "m5.2xlarge": 0.384,
  // Memory optimized, for database nodes (from memory of the list price: r6i is $0.126 per vCPU pair, r7g $0.1071).
  "r6i.large": 0.126, "r6i.xlarge": 0.252, "r6i.2xlarge": 0.504, "r6i.4xlarge": 1.008,
  "r7g.xlarge": 0.2142, "r7g.2xlarge": 0.4284, "r7g.4xlarge": 0.8568,
};
export const HOURS_PER_MONTH = 730;
export const GP3_USD_PER_GIB_MONTH = 0.08;
/**
 * gp3 performance above the baseline every volume has (3000 IOPS, 125 MiB/s, included in the storage price):
 * us-east-1 list prices of the EBS pricing page (https://aws.amazon.com/ebs/pricing/), $0.005 per provisioned IOPS-month
 * and $0.040 per provisioned MiB/s-month. Not checked against the live page when added: verify before relying on it.
 */
export const GP3_BASELINE_IOPS = 3000;
export const GP3_BASELINE_THROUGHPUT_MIBPS = 125;
export const GP3_USD_PER_IOPS_MONTH = 0.005;
export const GP3_USD_PER_MIBPS_MONTH = 0.04;
/** A public IPv4 address (every one is billed since February 2024, EIP or not). */
export const PUBLIC_IPV4_USD_PER_MONTH = 3.65;
/** One CloudWatch custom metric (the CloudWatch agent's memory and disk metrics are custom metrics). */
export const CUSTOM_METRIC_USD_PER_MONTH = 0.3;
/** EBS snapshot storage per GiB-month. */
export const SNAPSHOT_USD_PER_GIB_MONTH = 0.05;
/** A customer managed KMS key. */
export const KMS_KEY_USD_PER_MONTH = 1;
/** One standard-resolution CloudWatch alarm (metric alarm) per month. */
export const ALARM_USD_PER_MONTH = 0.1;
