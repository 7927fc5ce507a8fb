import convexPlugin from "@convex-dev/eslint-plugin";
import tseslint from "typescript-eslint";

const rawBuilders = ["query", "mutation", "action", "internalQuery", "internalMutation", "internalAction"];

export default tseslint.config(
  { ignores: ["convex/_generated/**", "node_modules/**", "bench/**/*.md", ".vitest/**", "example/dist/**"] },
  ...tseslint.configs.recommended,
  ...convexPlugin.configs.recommended,
  {
    // Type information for the TypeScript files: tsconfig.json includes every
    // one that is linted (scripts/*.mjs and eslint.config.js are plain JS and
    // are linted without it).
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Convex: await every promise. An un-awaited ctx.db or ctx.scheduler call
      // may not run before the function returns, or its error goes unseen.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    files: ["convex/**/*.ts", "src/**/*.ts", "src/**/*.tsx"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      // Typed env declarations need convex.config.ts, which offline codegen does
      // not support; env vars are read in one place per module instead.
      "@convex-dev/no-process-env": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // App modules use the builders of convex/lib/functions.ts, which apply the
      // row rules and keep updatedAt; the raw builders would skip both.
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/_generated/server", "./_generated/server"],
              importNames: rawBuilders,
              message: "Use the builders in convex/lib/functions.ts (row rules, updatedAt).",
            },
          ],
        },
      ],
    },
  },
);
