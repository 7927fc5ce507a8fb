import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { inMemoryBackend } from "./demo/plugin.ts";

// https://vite.dev/config/
// `--mode demo` (npm run demo:web) adds the in-memory backend to the dev server.
export default defineConfig(({ mode }) => ({
  plugins: [react(), ...(mode === "demo" ? [inMemoryBackend()] : [])],
}));
