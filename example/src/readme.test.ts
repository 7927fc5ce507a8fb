// @vitest-environment node
// README's "Using it from React" shows the example's own code: each block
// marked `<!-- from <file> -->` must appear verbatim in that file, so the
// README cannot drift from code that CI compiles and the browser test renders.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(`${repo}README.md`, "utf8");
const start = readme.indexOf("## Using it from React");
const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
const quoted = [...section.matchAll(/<!-- from (\S+) -->\n\n```tsx\n([\s\S]*?)\n```/g)].map(([, file, code]) => ({
  file: file!,
  code: code!,
}));

test("the README quotes the set-up and the components", () => {
  expect(start).toBeGreaterThan(-1);
  expect(quoted.map(({ file }) => file)).toEqual(
    expect.arrayContaining([
      "example/src/main.tsx",
      "example/src/components/CreditsBadge.tsx",
      "example/src/components/SpendForm.tsx",
      "example/src/components/CreditHistory.tsx",
    ]),
  );
});

test.each(quoted)("the README's block from $file is in the file", ({ file, code }) => {
  expect(readFileSync(`${repo}${file}`, "utf8")).toContain(code);
});
