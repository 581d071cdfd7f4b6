/**
 * `GET /metrics`: the Prometheus text exposition of
 * {@linkcode LeosacMetrics}, readable without a session only from loopback
 * (`127.0.0.0/8`, `::1`) and from the ranges given with `--metrics-allow`.
 * Any other address gets 403, and nothing is gathered for it.
 *
 * @module
 */
import { addressAllowed, type Cidr, LOOPBACK_CIDRS } from "./cidr.ts";
import type { LeosacMetrics } from "./leosac_metrics.ts";

/** The content type of the text format, version 0.0.4. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Serves `/metrics` to `address`, or 403 when it is neither loopback nor allowed. */
export type MetricsRoute = (address: string) => Promise<Response>;

/** The route over `metrics`, for loopback and the `allow` ranges. */
export function createMetricsRoute(metrics: LeosacMetrics, allow: readonly Cidr[]): MetricsRoute {
  const ranges = [...LOOPBACK_CIDRS, ...allow];
  return async (address) => {
    if (!addressAllowed(address, ranges)) {
      return new Response(
        "Forbidden: /metrics is readable from loopback and the --metrics-allow ranges only\n",
        { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } },
      );
    }
    return new Response(await metrics.render(), {
      headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
    });
  };
}
