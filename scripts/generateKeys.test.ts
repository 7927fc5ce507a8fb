// @vitest-environment node
// `npm run generate-keys` prints shell lines a newcomer pastes: they must set
// a key pair @convex-dev/auth can use, and stay valid Convex CLI commands with
// the production flag (the old hint, `--prod` appended after the value, failed
// with "too many arguments").
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createLocalJWKSet, importPKCS8, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import { expect, test } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const convexCli = join(root, "node_modules/convex/bin/main.js");

/** Splits one POSIX shell line into words: single quotes (with '\'' escapes) and a trailing # comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unterminated quote in ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "\\") {
      word = (word ?? "") + line[++i]!;
    } else if (c === " ") {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "#" && word === null) {
      break;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** Runs the script with `args`; returns each printed command as its words, keyed by variable name. */
async function generateKeys(...args: string[]) {
  const { stdout, stderr } = await run("node", [join(root, "scripts/generateKeys.mjs"), ...args]);
  expect(stderr).toBe("");
  const lines = stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^# /);
  const commands = lines.slice(1).map(shellWords);
  return new Map(commands.map((words) => [words.at(-3)!, words]));
}

/** The Convex CLI's own argument parser, run where it can reach no deployment (empty dir, no login). */
async function convexCliRefusal(args: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "generate-keys-"));
  try {
    await writeFile(join(dir, "package.json"), "{}");
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CONVEX_")));
    const outcome = await run("node", [convexCli, ...args], { cwd: dir, env: { ...env, HOME: dir } }).then(
      () => "succeeded",
      (error: { stderr: string }) => error.stderr,
    );
    return outcome;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("the printed lines install a key pair that signs and verifies a session token", { timeout: 30_000 }, async () => {
  const commands = await generateKeys();
  expect([...commands.keys()]).toEqual(["JWT_PRIVATE_KEY", "JWKS", "SITE_URL"]);
  for (const [name, words] of commands) {
    expect(words.slice(0, 4)).toEqual(["npx", "convex", "env", "set"]);
    expect(words.slice(4)).toEqual([name, "--", words.at(-1)]);
  }
  // As @convex-dev/auth reads them back from the deployment's env.
  const privateKey = await importPKCS8(commands.get("JWT_PRIVATE_KEY")!.at(-1)!, "RS256");
  const jwks = JSON.parse(commands.get("JWKS")!.at(-1)!) as JSONWebKeySet;
  const token = await new SignJWT({ sub: "user" }).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks));
  expect(payload.sub).toBe("user");
  expect(commands.get("SITE_URL")!.at(-1)).toBe("http://localhost:5173");
});

test(
  "for production, --prod comes before the name, and each run makes a new key pair",
  { timeout: 30_000 },
  async () => {
    const dev = await generateKeys();
    const prod = await generateKeys("--prod");
    for (const [name, words] of prod) {
      expect(words.slice(0, 6)).toEqual(["npx", "convex", "env", "set", "--prod", name]);
      expect(words).toHaveLength(8);
    }
    expect(prod.get("JWKS")!.at(-1)).not.toBe(dev.get("JWKS")!.at(-1));
    expect(prod.get("SITE_URL")!.at(-1)).toMatch(/^https:/);
    const staging = await generateKeys("--deployment", "my staging");
    expect(staging.get("JWKS")!.slice(4, 7)).toEqual(["--deployment", "my staging", "JWKS"]);
  },
);

test("the Convex CLI parses the --prod line (and refuses the old order)", { timeout: 30_000 }, async () => {
  const words = (await generateKeys("--prod")).get("JWKS")!;
  const printed = await convexCliRefusal(words.slice(2));
  expect(printed).not.toMatch(/too many arguments/);
  expect(printed).toMatch(/No CONVEX_DEPLOYMENT set/);
  const oldHint = [...words.slice(2, 4), ...words.slice(5), "--prod"];
  expect(await convexCliRefusal(oldHint)).toMatch(/too many arguments/);
});
