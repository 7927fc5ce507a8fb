// `npm run demo:web` restarted: the browser still holds tokens for a user the
// new in-memory backend (with new keys) has never seen. The client's auth error
// makes ConvexAuthProvider try its refresh token over the HTTP API, which the
// demo serves too; the refresh is refused and the app shows sign-in again,
// instead of loading forever.
import { chromium, type Browser } from "playwright-core";
import { fileURLToPath } from "node:url";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
let server: ViteDevServer | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function startDemo(port: number) {
  server = await createServer({ root, mode: "demo", logLevel: "error", server: { port, strictPort: port !== 0 } });
  await server.listen();
  return Number(new URL(server.resolvedUrls!.local[0]!).port);
}

test("after a restart, a stale session is signed out and can sign up again", async () => {
  const port = await startDemo(0);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const page = await browser.newPage();
  await page.goto(`http://localhost:${port}`);
  await page.getByPlaceholder("Email").fill("grace@example.com");
  await page.getByPlaceholder("Password").fill("correct-horse-1");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("credits").filter({ hasText: "100 credits" }).waitFor();

  await server!.close();
  await startDemo(port);
  await page.reload();
  await page.getByRole("button", { name: "Sign up" }).waitFor({ timeout: 20_000 });
  expect(await page.getByTestId("credits").count()).toBe(0);

  await page.getByPlaceholder("Email").fill("grace@example.com");
  await page.getByPlaceholder("Password").fill("correct-horse-1");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("credits").filter({ hasText: "100 credits" }).waitFor();
});
