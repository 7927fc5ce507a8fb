// The example app in a real browser (Debian's chromium, driven by
// playwright-core), against the in-memory backend of `npm run demo:web`: the
// real ConvexReactClient, ConvexAuthProvider and functions, no deployment.
import { chromium, type Browser, type Page } from "playwright-core";
import { fileURLToPath } from "node:url";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
let server: ViteDevServer;
let browser: Browser;
let page: Page;
let origin: string;

beforeAll(async () => {
  // Offline, whatever the shell exports: the demo's Checkout must not reach Stripe.
  delete process.env.STRIPE_SECRET_KEY;
  server = await createServer({ root, mode: "demo", logLevel: "error", server: { port: 0, host: "127.0.0.1" } });
  await server.listen();
  origin = server.resolvedUrls!.local[0]!.replace(/\/$/, "");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  page = await browser.newPage({ viewport: { width: 900, height: 700 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Holds (or lets through) every mutation at the in-memory backend: the server has not answered yet. */
async function gate(action: "hold" | "release") {
  const response = await fetch(`${origin}/__demo/${action}`, { method: "POST", headers: { "x-demo-control": "1" } });
  expect(response.status).toBe(204);
}

const badge = () => page.getByTestId("credits");
const history = () => page.getByRole("list", { name: "Credit history" });

test("sign up, spend (shown before the server answers), be refused, see the history", async () => {
  await page.goto(origin);
  await page.getByPlaceholder("Email").fill("ada@example.com");
  await page.getByPlaceholder("Password").fill("correct-horse-1");
  await page.getByRole("button", { name: "Sign up" }).click();
  await badge().filter({ hasText: "100 credits" }).waitFor();
  await history().getByText("100").first().waitFor();

  // Another page cannot hold the server: the control needs the test's header.
  expect((await fetch(`${origin}/__demo/hold`, { method: "POST" })).status).toBe(403);

  // The server is held: the badge can only show 90 from the optimistic update.
  await gate("hold");
  await page.getByLabel("Amount").fill("10");
  await page.getByRole("button", { name: "Spend" }).click();
  await badge().filter({ hasText: "90 credits" }).waitFor({ timeout: 5_000 });
  expect(await history().getByText("Used the app").count()).toBe(0);
  await gate("release");
  await history().getByText("Used the app").waitFor();
  expect(await badge().textContent()).toBe("90 credits");

  // More than the balance: refused with the server's message, nothing spent.
  await page.getByLabel("Amount").fill("500");
  await page.getByRole("button", { name: "Spend" }).click();
  await expect
    .poll(() => page.getByRole("alert").textContent())
    .toBe("Not enough credits: this needs 500, you have 90.");
  expect(await badge().textContent()).toBe("90 credits");
  expect(await history().getByRole("listitem").count()).toBe(2);

  await page.screenshot({ path: `${root}/credits.png`, fullPage: true });
});

test("the same user edits their profile and sees the plans (no Stripe offline: Upgrade says why)", async () => {
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "Profile" }).click();
  expect(await page.getByLabel("Full name").inputValue()).toBe("Ada Lovelace");

  await page.getByRole("button", { name: "Plans" }).click();
  const plans = page.locator(".plans article");
  expect(await plans.count()).toBe(3);
  expect(await page.locator('.plans article[aria-current="true"] h2').textContent()).toBe("Free");
  await page.getByText("Email support comes with Pro and Business.").waitFor();
  await page.getByRole("button", { name: "Upgrade" }).first().click();
  await expect
    .poll(() => page.getByRole("alert").textContent())
    .toBe("STRIPE_SECRET_KEY is not set on this deployment");
});
