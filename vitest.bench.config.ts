import { defineConfig } from "vitest/config";

// `npm run bench`: documents read and written per call, from Convex's own
// transaction counters (ctx.meta.getTransactionMetrics). Figures, not timings.
// Each bench file writes a section under bench/results/; the teardown joins
// them into bench/README.md.
export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["bench/**/*.bench.ts"],
    disableConsoleIntercept: true,
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    globalSetup: ["bench/assemble.ts"],
  },
});
