// @vitest-environment jsdom
// The example app as `npm test` renders it: the real <App /> under the real
// ConvexAuthProvider and ConvexReactClient, on the real functions (convex-test)
// through the test kit's bridge. What the offline browser test cannot reach:
// a paid plan (a signed Stripe webhook) and a failed payment (past_due).
import { memoryStorage } from "../../testing/jsdom"; // first: jsdom's Uint8Array is not the one jose signs tokens with
import { ConvexAuthProvider } from "@convex-dev/auth/react";
import { configure, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { ConvexReactClient } from "convex/react";
import {
  clockAt,
  convexBridge,
  expectConsole,
  MAR_1,
  newBackend,
  sendOk,
  stripeCustomer,
  stripeEnv,
} from "convex-saas-backend/testing";
import { afterEach, expect, test, vi } from "vitest";
import { internal } from "convex-saas-backend/api";
import { App } from "./App";
import { serviceDb } from "../../convex/lib/db";
import * as RateLimits from "../../convex/model/rateLimits";
import { RATE_LIMITS } from "../../src/limits";

// Answers come over the client's socket from the in-memory backend: on a loaded
// CI machine that can take longer than testing-library's default second.
configure({ asyncUtilTimeout: 5_000 });

// Updates come from the client's socket, as in the browser, not from act() scopes.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

let client: ConvexReactClient | undefined;
afterEach(async () => {
  cleanup();
  await client?.close();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const currentPlan = () => document.querySelector('.plans article[aria-current="true"] h2')?.textContent;

/** The example app on a fresh backend, and Ada signed up through its form. */
async function signedUpApp() {
  const t = newBackend();
  const bridge = convexBridge(t);
  client = new ConvexReactClient(bridge.url, { webSocketConstructor: bridge.webSocketConstructor });
  // ConvexAuthProvider refreshes tokens over HTTP (ConvexHttpClient): to the bridge too.
  vi.stubGlobal("fetch", bridge.fetch);
  render(
    <ConvexAuthProvider client={client} storage={memoryStorage()}>
      <App />
    </ConvexAuthProvider>,
  );
  fireEvent.change(await screen.findByPlaceholderText("Email"), { target: { value: "ada@example.com" } });
  fireEvent.change(screen.getByPlaceholderText("Password"), { target: { value: "correct-horse-1" } });
  fireEvent.click(screen.getByRole("button", { name: "Sign up" }));
  await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("100 credits"), { timeout: 10_000 });
  const userId = await t.run(async (ctx) => (await ctx.db.query("users").first())!._id);
  return { t, bridge, userId };
}

test("sign up, then Pro after a signed webhook (support unlocked), then the past_due banner", async () => {
  stripeEnv();
  clockAt(MAR_1);
  const { t, bridge, userId } = await signedUpApp();

  fireEvent.click(screen.getByRole("button", { name: "Plans" }));
  await screen.findByText("Email support comes with Pro and Business.");
  expect(currentPlan()).toBe("Free");
  expect(screen.getAllByRole("button", { name: "Upgrade" })).toHaveLength(2);

  await sendOk(t, "customer.subscription.created", stripeCustomer({ userId }).subscription(), MAR_1);
  await bridge.refresh();
  await screen.findByRole("link", { name: "Email support" });
  expect(currentPlan()).toBe("Pro");
  expect(screen.queryAllByRole("button", { name: "Upgrade" })).toHaveLength(0);
  expect(screen.getByRole("button", { name: "Manage billing" })).toBeTruthy();
  expect(screen.queryByText(/Your last payment failed/)).toBeNull();

  const pastDue = stripeCustomer({ userId }).subscription({ status: "past_due" });
  await sendOk(t, "customer.subscription.updated", pastDue, MAR_1 + 1_000);
  await bridge.refresh();
  const banner = await screen.findByText(/Your last payment failed/);
  expect(banner.textContent).toBe("Your last payment failed. Update your card to keep your Pro plan. Update card");
  // past_due keeps the plan while Stripe retries.
  expect(currentPlan()).toBe("Pro");
  // "Update card" refused (too many billing calls): the banner says why instead of failing silently.
  await t.run(async (ctx) => {
    for (let i = 0; i < RATE_LIMITS.stripeSession.capacity; i++)
      await RateLimits.spend({ db: serviceDb(ctx.db) }, "stripeSession", userId);
  });
  const logged = expectConsole("error", "RATE_LIMITED");
  fireEvent.click(screen.getByRole("button", { name: "Update card" }));
  const alert = await screen.findByRole("alert");
  expect(alert.textContent?.trim()).toMatch(/^Too many requests: try again in \d+ s$/);
  expect(logged.messages).toHaveLength(1);

  // Stripe gave up (unpaid): the plan is free, but the subscription and its open invoice
  // live on, so billing stays reachable (pay or cancel there, not a second subscription).
  const unpaid = stripeCustomer({ userId }).subscription({ status: "unpaid" });
  await sendOk(t, "customer.subscription.updated", unpaid, MAR_1 + 2_000);
  await bridge.refresh();
  await waitFor(() => expect(currentPlan()).toBe("Free"));
  expect(screen.getByRole("button", { name: "Manage billing" })).toBeTruthy();
  expect(screen.queryAllByRole("button", { name: "Upgrade" })).toHaveLength(0);
});

test("the admin page: refused until the user is made an admin, then stats, users and a credit grant", async () => {
  const { t, bridge } = await signedUpApp();
  // React reports the refusal its error boundary caught.
  const errors = expectConsole("error", "Admins only");
  fireEvent.click(screen.getByRole("button", { name: "Admin" }));
  expect((await screen.findByRole("alert")).textContent).toBe("Admins only");

  await t.mutation(internal.admin.grantAdmin, { email: "ada@example.com" });
  // Written past the bridge (as `npx convex run` would): a deployment re-runs the
  // queries that read the role; here the bridge is told to. Without it, the
  // client may keep the cached refusal for a query it still holds.
  await bridge.refresh();
  // The refusal stays until the page is opened again (a new render asks again).
  fireEvent.click(screen.getByRole("button", { name: "Credits" }));
  fireEvent.click(screen.getByRole("button", { name: "Admin" }));
  await waitFor(() => expect(screen.getByTestId("stats").textContent).toBe("1 users: 1 free, 0 pro, 0 business"), {
    timeout: 5_000,
  });
  const row = await screen.findByRole("row", { name: /ada@example.com/ });
  expect(row.textContent).toContain("100");

  fireEvent.click(screen.getByRole("button", { name: "+100 credits" }));
  await waitFor(() => expect(screen.getByTestId("credits").textContent).toBe("200 credits"));
  expect(screen.getByRole("row", { name: /ada@example.com/ }).textContent).toContain("200");
  expect(errors.messages.every((message) => message.includes("Admins only"))).toBe(true);
});
