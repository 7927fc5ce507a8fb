import { defineConfig } from "vitest/config";

// `npm run test:browser`: the example app in headless Chromium against the
// in-memory backend (`npm run demo:web`). Node, not the edge runtime of the
// package's own tests: it starts a dev server and a browser.
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.browser.test.ts"],
    // One dev server at a time: on a fresh install each would pre-bundle the
    // app's dependencies into the same node_modules/.vite cache.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
