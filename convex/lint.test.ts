// @vitest-environment node
import { ESLint } from "eslint";
import { expect, test } from "vitest";

// The row rules and updatedAt live in the builders of lib/functions.ts; an app
// module that imported the raw builders would skip both. ESLint forbids it.
test("app modules may not import the raw query/mutation builders", async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const lint = async (code: string, filePath: string) =>
    (await eslint.lintText(code, { filePath }))[0]!.messages.map((m) => m.ruleId);

  const raw = `import { query, internalMutation } from "./_generated/server";\nexport const a = [query, internalMutation];\n`;
  expect(await lint(raw, "convex/example.ts")).toContain("no-restricted-imports");
  expect(await lint(raw.replace("./_generated", "../_generated"), "convex/model/example.ts")).toContain(
    "no-restricted-imports",
  );
  // httpAction stays allowed (http.ts), and so do the builders of lib/functions.ts.
  const allowed = `import { httpAction } from "./_generated/server";\nimport { userQuery } from "./lib/functions";\nexport const a = [httpAction, userQuery];\n`;
  expect(await lint(allowed, "convex/example.ts")).not.toContain("no-restricted-imports");
});
