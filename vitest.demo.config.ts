import { defineConfig } from "vitest/config";

// `npm run demo`: the real functions in an in-memory Convex (convex-test),
// printing a readable story. Console output goes straight to the terminal.
export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["demo/**/*.demo.ts"],
    disableConsoleIntercept: true,
    testTimeout: 120_000,
  },
});
