import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: [
      "convex/**/*.test.ts",
      "src/**/*.test.ts",
      "src/**/*.test.tsx",
      "testing/**/*.test.ts",
      "scripts/**/*.test.ts",
      "example/src/**/*.test.ts",
      "example/src/**/*.test.tsx",
    ],
    // The console summary for people; the JSON report (gitignored) for CI,
    // which reads its counts from there (.ci/run).
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
  },
});
