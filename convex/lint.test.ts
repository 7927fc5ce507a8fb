// @vitest-environment node
import { ESLint } from "eslint";
import { expect, test } from "vitest";

// The samples below are linted as if they were these files. They are not on
// disk, so no tsconfig includes them: the type-aware rules get their types from
// a default project with tsconfig.json's compiler options.
const SAMPLES = ["convex/example.ts", "convex/model/example.ts"];
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    files: SAMPLES,
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: SAMPLES, defaultProject: "tsconfig.json" } },
    },
  },
});
const lint = async (code: string, filePath: (typeof SAMPLES)[number]) => {
  const messages = (await eslint.lintText(code, { filePath }))[0]!.messages;
  // A parsing or project error has no rule: fail on it rather than pass vacuously.
  expect(messages.filter((m) => m.ruleId === null)).toEqual([]);
  return messages.map((m) => m.ruleId);
};

// The row rules and updatedAt live in the builders of lib/functions.ts; an app
// module that imported the raw builders would skip both. ESLint forbids it.
test("app modules may not import the raw query/mutation builders", { timeout: 60_000 }, async () => {
  const raw = `import { query, internalMutation } from "./_generated/server";\nexport const a = [query, internalMutation];\n`;
  expect(await lint(raw, "convex/example.ts")).toContain("no-restricted-imports");
  expect(await lint(raw.replace("./_generated", "../_generated"), "convex/model/example.ts")).toContain(
    "no-restricted-imports",
  );
  // httpAction stays allowed (http.ts), and so do the builders of lib/functions.ts.
  const allowed = `import { httpAction } from "./_generated/server";\nimport { userQuery } from "./lib/functions";\nexport const a = [httpAction, userQuery];\n`;
  expect(await lint(allowed, "convex/example.ts")).not.toContain("no-restricted-imports");
});

// Convex: await every promise. A write that is not awaited may not happen, and
// its error is lost; the type-aware rule catches it.
test("an un-awaited ctx.db call is an error", { timeout: 60_000 }, async () => {
  const handler = (call: string) => `import { v } from "convex/values";
import { userMutation } from "./lib/functions";
export const add = userMutation({
  args: { title: v.string() },
  returns: v.null(),
  handler: async (ctx, { title }) => {
    ${call}ctx.db.insert("notes", { userId: ctx.userId, title, body: "" });
    return null;
  },
});
`;
  expect(await lint(handler(""), "convex/example.ts")).toContain("@typescript-eslint/no-floating-promises");
  expect(await lint(handler("await "), "convex/example.ts")).not.toContain("@typescript-eslint/no-floating-promises");
});
