import type { TransactionMetrics } from "convex/server";

export type MetricsSink = (name: string, metrics: TransactionMetrics) => void;

declare global {
  // Set only by `npm run bench`; undefined (and so free) everywhere else.
  var __transactionMetricsSink: MetricsSink | undefined;
}

type MetaCtx = {
  meta: {
    getFunctionMetadata(): Promise<{ name: string }>;
    getTransactionMetrics(): Promise<TransactionMetrics>;
  };
};

/**
 * Reports what a finished query or mutation read and wrote, from Convex's own
 * counters, to the benchmark's sink when one is installed. Every builder calls
 * it, so benchmarks measure the real registered functions.
 */
export async function reportMetrics(ctx: MetaCtx): Promise<void> {
  const sink = globalThis.__transactionMetricsSink;
  if (sink === undefined) return;
  const [{ name }, metrics] = await Promise.all([ctx.meta.getFunctionMetadata(), ctx.meta.getTransactionMetrics()]);
  sink(name, metrics);
}
