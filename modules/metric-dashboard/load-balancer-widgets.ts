import { GraphWidget, MetricSeries, MetricStat } from "./props.js";

/** Props of {@link loadBalancerWidgets}. */
export interface LoadBalancerWidgetsProps {
  /** The application load balancer's ARN suffix (`app/<name>/<id>`), the metrics' LoadBalancer dimension. */
  readonly arnSuffix: string;
  /** What answers behind the load balancer, in the label of its 5xx line, e.g. "the API" ("5xx from the API"). */
  readonly targets: string;
  /**
   * The title of the p50 and p95 response-time graph.
   * @default "Response time (seconds)"
   */
  readonly responseTimeTitle?: string;
}

/** One metric of an application load balancer as a whole. */
export function loadBalancerMetric(arnSuffix: string, name: string, label: string, stat: MetricStat = "Sum"): MetricSeries {
  return { namespace: "AWS/ApplicationELB", name, dimensions: { LoadBalancer: arnSuffix }, label, stat };
}

/** What clients see of an application load balancer: requests, p50 and p95 response times, 5xx and 4xx errors. */
export function loadBalancerWidgets(p: LoadBalancerWidgetsProps): GraphWidget[] {
  const metric = (name: string, label: string, stat?: MetricStat) => loadBalancerMetric(p.arnSuffix, name, label, stat);
  return [
    { kind: "graph", title: "Requests", metrics: [metric("RequestCount", "requests")] },
    {
      kind: "graph",
      title: p.responseTimeTitle ?? "Response time (seconds)",
      metrics: [metric("TargetResponseTime", "p50", "p50"), metric("TargetResponseTime", "p95", "p95")],
    },
    {
      kind: "graph",
      title: "Errors",
      metrics: [metric("HTTPCode_Target_5XX_Count", `5xx from ${p.targets}`), metric("HTTPCode_ELB_5XX_Count", "5xx from the load balancer"), metric("HTTPCode_Target_4XX_Count", "4xx")],
    },
  ];
}
