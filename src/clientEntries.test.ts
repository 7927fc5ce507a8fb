// @vitest-environment node
// The package's client entries ("." → src/index.ts, "./react" → src/react.ts,
// "./api" → convex/_generated/api.js) are bundled for the browser, as an app's
// bundler would, and every file that goes into the bundle is listed: none may
// be server-only code (Stripe's SDK, Auth.js, convex-helpers' server side, our
// backend sources) and none may need a Node built-in (platform "browser" fails
// the build on those).
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = (await import("../package.json", { with: { type: "json" } })).default as {
  exports: Record<string, string>;
};
const CLIENT_ENTRIES = [".", "./react", "./api"].map((name) => pkg.exports[name]!);

/** Path prefixes (relative to the repo) that must never reach a browser bundle. */
const SERVER_ONLY = [
  "node_modules/stripe/",
  "node_modules/@auth/core/",
  "node_modules/convex-helpers/",
  "node_modules/jose/",
  "node_modules/convex-test/",
  "node_modules/@convex-dev/auth/dist/server/",
  "convex/",
  "testing/",
];
/** The one file under convex/ a client needs: the function references. */
const ALLOWED = new Set(["convex/_generated/api.js"]);

/** Bundles `entryPoints` (or one stdin module) for the browser; returns the files that went in and the errors. */
async function bundleInputs(entry: { entryPoints: string[] } | { stdin: string }) {
  const result = await build({
    ...("stdin" in entry
      ? { stdin: { contents: entry.stdin, resolveDir: `${root}src`, loader: "ts" as const } }
      : { entryPoints: entry.entryPoints }),
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: "browser",
    format: "esm",
    outdir: "out",
    logLevel: "silent",
  }).catch((error: { errors?: { text: string }[] }) => ({ errors: error.errors ?? [], metafile: { inputs: {} } }));
  return { inputs: Object.keys(result.metafile.inputs), errors: result.errors.map((e) => e.text) };
}

const serverOnly = (inputs: string[]) =>
  inputs.filter((input) => !ALLOWED.has(input) && SERVER_ONLY.some((prefix) => input.startsWith(prefix)));

test("the client entries bundle for the browser without any server-only file", async () => {
  expect(CLIENT_ENTRIES).toEqual(["./src/index.ts", "./src/react.ts", "./convex/_generated/api.js"]);
  const { inputs, errors } = await bundleInputs({ entryPoints: CLIENT_ENTRIES });
  expect(errors).toEqual([]);
  expect(inputs).toEqual(expect.arrayContaining(["src/index.ts", "src/react.ts", "convex/_generated/api.js"]));
  expect(inputs.some((input) => input.startsWith("node_modules/convex/dist/esm/react/"))).toBe(true);
  expect(serverOnly(inputs)).toEqual([]);
});

test("the check sees a server-only import and a Node built-in", async () => {
  const viaBackend = await bundleInputs({ stdin: `export * from "../convex/model/time";` });
  expect(serverOnly(viaBackend.inputs)).toEqual(["convex/model/time.ts"]);
  const viaStripe = await bundleInputs({ stdin: `export { default } from "stripe";` });
  expect(serverOnly(viaStripe.inputs)).toContain("node_modules/stripe/esm/Types.js");
  const viaNode = await bundleInputs({ stdin: `export { createHash } from "node:crypto";` });
  expect(viaNode.errors.join("\n")).toMatch(/node:crypto/);
});

test('the React entry starts with "use client" (Next.js server components import it)', async () => {
  const source = await readFile(`${root}src/react.ts`, "utf8");
  expect(source.startsWith('"use client";\n')).toBe(true);
});
