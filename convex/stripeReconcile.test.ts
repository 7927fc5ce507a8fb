import { describe, expect, test, vi } from "vitest";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import { linkCustomer } from "./model/customers";
import { insertAccount } from "./model/ledger";
import { measure } from "../bench/report";
import {
  addMonths,
  APR_1,
  clockAt,
  creditsOf,
  DAY,
  HOUR,
  MAR_1,
  MINUTE,
  newBackend,
  scheduledStates,
  seedUser,
  sendOk,
  snapshot,
  stripeCustomer,
  stubStripe,
  subscription,
  subscriptionList,
  useStripeTestEnv,
  type Backend,
  type Listed,
} from "../testing";

// billing:reconcile lists Stripe's subscriptions (stubbed behind fetch) and
// applies what differs through the webhook's own path.

useStripeTestEnv(MAR_1 + HOUR);

const reconcile = (t: Backend, args: { since?: number } = {}) => t.action(internal.billing.reconcile, args);
const rows = (t: Backend) =>
  t.run(async (ctx) => ({
    subscriptions: await ctx.db.query("subscriptions").collect(),
    links: await ctx.db.query("stripeCustomers").collect(),
    recorded: (await ctx.db.query("stripeEvents").collect()).filter((e) => e.eventId.startsWith("reconcile:")),
  }));

/** Ada with a linked customer, her Stripe objects, and Stripe's list, which a test can change. */
async function adaStory() {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const stripe = stripeCustomer(ada);
  await t.run((ctx) => linkCustomer({ db: serviceDb(ctx.db) }, ada.userId, stripe.customer));
  let listed: Listed[] = [{ subscription: stripe.subscription() }];
  const requests = stubStripe(subscriptionList(() => listed));
  return { t, ada, stripe, requests, list: (next: Listed[]) => (listed = next) };
}

describe("repair", () => {
  test("an adopted active yearly plan is paid through its year: the sweep's monthly refills keep its allowance, nothing is back-paid", async () => {
    const { t, ada, stripe, list } = await adaStory();
    const yearEnd = addMonths(MAR_1, 12);
    list([{ subscription: stripe.subscription({ lookupKey: "pro_yearly", interval: "year", periodEnd: yearEnd }) }]);
    await reconcile(t);
    const adopted = await creditsOf(t, ada.userId);
    expect(adopted.account).toMatchObject({ balance: 100, monthlyAllowance: 1000, paidThrough: yearEnd });
    // Ada's next anniversary: the sweep refills at the plan's allowance, as within any paid year.
    clockAt(adopted.account!.nextRefillAt, { timers: true });
    await t.mutation(internal.credits.refillDue, {});
    expect((await creditsOf(t, ada.userId)).balance).toBe(1000);
  });

  test("a subscription whose webhook never arrived is stored; its credits come with the next paid refill", async () => {
    const { t, ada, stripe, requests } = await adaStory();
    expect(await reconcile(t)).toEqual({
      checked: 1,
      changed: 1,
      unmatched: [],
      totals: { checked: 1, changed: 1, unmatched: 0 },
      nextCursor: null,
    });
    expect(requests.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual([
      "GET /v1/subscriptions?status=all&limit=100&expand[0]=data.customer".replace("[", "%5B").replace("]", "%5D"),
    ]);
    const { subscriptions, recorded } = await rows(t);
    expect(subscriptions).toEqual([
      expect.objectContaining({
        userId: ada.userId,
        stripeSubscriptionId: stripe.subscriptionId,
        planId: "pro",
        status: "active",
      }),
    ]);
    expect(recorded).toEqual([
      expect.objectContaining({
        type: "reconcile.subscription",
        status: "processed",
        userId: ada.userId,
        note: "reconciled: stored (no webhook had announced it)",
      }),
    ]);
    // No back-payment: the allowance follows the plan, the balance waits for the next paid refill.
    const credits = await creditsOf(t, ada.userId);
    expect(credits.account).toMatchObject({ balance: 100, monthlyAllowance: 1_000 });
    expect(credits.ledger.map((e) => e.kind)).toEqual(["signup"]);
  });

  test("a plan switch the webhook missed is applied through the webhook's rules (the upgrade difference, once)", async () => {
    const { t, ada, stripe, list } = await adaStory();
    await reconcile(t);
    // Her first invoice was delivered: a paid period, in which an upgrade adds the difference at once.
    await sendOk(t, "invoice.paid", stripe.invoice(), MAR_1 + HOUR);
    list([{ subscription: stripe.subscription({ lookupKey: "business_monthly" }) }]);
    const result = await reconcile(t);
    expect(result).toMatchObject({ checked: 1, changed: 1 });
    const { recorded } = await rows(t);
    expect(recorded.at(-1)!.note).toBe(
      "reconciled: planId pro → business, priceId price_pro_monthly → price_business_monthly, priceLookupKey pro_monthly → business_monthly",
    );
    expect((await creditsOf(t, ada.userId)).account).toMatchObject({
      balance: 1_000 + 9_000,
      monthlyAllowance: 10_000,
    });
    expect(await reconcile(t)).toMatchObject({ checked: 1, changed: 0 });
    expect((await creditsOf(t, ada.userId)).ledger.map((e) => e.kind)).toEqual(["signup", "refill", "upgrade"]);
  });

  test("a stale list entry does not overwrite what a later webhook stored", async () => {
    const { t, stripe } = await adaStory();
    await reconcile(t);
    // The list is fetched at the clock's time and still says active. An event
    // of the listing's own second wins the tie (it may describe a later change)...
    await sendOk(t, "customer.subscription.updated", stripe.subscription({ status: "past_due" }), MAR_1 + HOUR);
    expect(await reconcile(t)).toMatchObject({ checked: 1, changed: 0 });
    // ...and so does an event from a minute later that reached us first.
    const later = stripe.subscription({ status: "past_due", cancelAt: APR_1 });
    await sendOk(t, "customer.subscription.updated", later, MAR_1 + HOUR + MINUTE);
    expect(await reconcile(t)).toMatchObject({ checked: 1, changed: 0 });
    expect((await rows(t)).subscriptions[0]).toMatchObject({ status: "past_due", cancelAt: APR_1 });
  });

  test("a canceled subscription stays canceled, whatever the list says", async () => {
    const { t, stripe } = await adaStory();
    await sendOk(
      t,
      "customer.subscription.deleted",
      stripe.subscription({ status: "canceled", endedAt: MAR_1 }),
      MAR_1,
    );
    const before = await snapshot(t);
    expect(await reconcile(t)).toMatchObject({ checked: 1, changed: 0, unmatched: [] });
    expect(await snapshot(t)).toEqual(before);
  });

  test("run twice, the second run changes nothing", async () => {
    const { t } = await adaStory();
    expect(await reconcile(t)).toMatchObject({ changed: 1 });
    const after = await snapshot(t);
    expect(await reconcile(t)).toMatchObject({ checked: 1, changed: 0, unmatched: [] });
    expect(await snapshot(t)).toEqual(after);
  });

  test("with `since`, only subscriptions dated since then are applied", async () => {
    const { t, ada, list } = await adaStory();
    const old = stripeCustomer(ada, { name: "old", periodStart: MAR_1 - 60 * DAY, periodEnd: MAR_1 - 30 * DAY });
    const recent = stripeCustomer(ada, { name: "ada", periodStart: MAR_1, periodEnd: APR_1 });
    list([
      { subscription: old.subscription({ status: "canceled", canceledAt: MAR_1 - 30 * DAY }) },
      { subscription: recent.subscription() },
    ]);
    expect(await reconcile(t, { since: MAR_1 - 2 * DAY })).toMatchObject({ checked: 1, changed: 1 });
    expect((await rows(t)).subscriptions.map((s) => s.stripeSubscriptionId)).toEqual(["sub_ada"]);
  });
});

describe("adopting an existing Stripe account", () => {
  const legacy = (name: string, over: Partial<Listed> = {}): Listed => ({
    // Made in the Dashboard before this package: no metadata.userId on the subscription.
    subscription: subscription({ id: `sub_${name}`, customer: `cus_${name}`, periodStart: MAR_1, periodEnd: APR_1 }),
    ...over,
  });
  const verify = (t: Backend, userId: Id<"users">) =>
    t.run((ctx) => ctx.db.patch("users", userId, { emailVerificationTime: MAR_1 - DAY }));

  test("links by the customer's metadata.userId, and by the e-mail of one verified user", async () => {
    const t = newBackend();
    const bob = await seedUser(t, "bob@example.com");
    const cy = await seedUser(t, "cy@example.com");
    await verify(t, cy.userId);
    stubStripe(
      subscriptionList(() => [
        legacy("bob", { customerUserId: bob.userId }),
        legacy("cy", { email: "Cy@Example.com" }),
      ]),
    );
    expect(await reconcile(t)).toMatchObject({ checked: 2, changed: 2, unmatched: [] });
    const { subscriptions, links, recorded } = await rows(t);
    expect(links.map((l) => [l.stripeCustomerId, l.userId])).toEqual([
      ["cus_bob", bob.userId],
      ["cus_cy", cy.userId],
    ]);
    expect(subscriptions.map((s) => [s.stripeSubscriptionId, s.userId, s.planId])).toEqual([
      ["sub_bob", bob.userId, "pro"],
      ["sub_cy", cy.userId, "pro"],
    ]);
    expect(recorded.map((r) => r.note)).toEqual([
      `customer linked to user ${bob.userId} by metadata.userId; reconciled: stored (no webhook had announced it)`,
      `customer linked to user ${cy.userId} by verified e-mail; reconciled: stored (no webhook had announced it)`,
    ]);
    // Credits follow the plan from the next paid refill: no back-payment.
    for (const user of [bob, cy]) {
      expect((await creditsOf(t, user.userId)).account).toMatchObject({ balance: 100, monthlyAllowance: 1_000 });
    }
  });

  test("refuses an ambiguous or unverified e-mail: reported unmatched with the customer id, once", async () => {
    const t = newBackend();
    await seedUser(t, "dee@example.com");
    const twin1 = await seedUser(t, "twin@example.com");
    const twin2 = await seedUser(t, "twin@example.com");
    for (const user of [twin1, twin2]) await verify(t, user.userId);
    stubStripe(
      subscriptionList(() => [
        legacy("dee", { email: "dee@example.com" }),
        legacy("twin", { email: "twin@example.com" }),
        legacy("nobody", { customerUserId: "not-a-user" }),
      ]),
    );
    const result = await reconcile(t);
    expect(result).toMatchObject({ checked: 3, changed: 0, totals: { unmatched: 3 } });
    expect(result.unmatched).toEqual([
      {
        stripeCustomerId: "cus_dee",
        stripeSubscriptionId: "sub_dee",
        reason: "No user for customer cus_dee: the user with dee@example.com has not verified it",
      },
      {
        stripeCustomerId: "cus_twin",
        stripeSubscriptionId: "sub_twin",
        reason: "No user for customer cus_twin: several users have the e-mail twin@example.com",
      },
      {
        stripeCustomerId: "cus_nobody",
        stripeSubscriptionId: "sub_nobody",
        reason: "No user for customer cus_nobody: customer metadata.userId not-a-user names no user",
      },
    ]);
    const first = await rows(t);
    expect(first.links).toEqual([]);
    expect(first.subscriptions).toEqual([]);
    expect(first.recorded.map((r) => [r.eventId, r.status])).toEqual([
      ["reconcile:sub_dee:unmatched", "unmatched"],
      ["reconcile:sub_twin:unmatched", "unmatched"],
      ["reconcile:sub_nobody:unmatched", "unmatched"],
    ]);
    // The daily run finds them again: still one row each.
    await reconcile(t);
    expect((await rows(t)).recorded).toHaveLength(3);
  });
});

/** `n` users with credits accounts, and a subscription for each in Stripe's list (as our checkout makes them). */
async function seedListed(t: Backend, n: number) {
  const listed: Listed[] = [];
  for (let done = 0; done < n; done += 1_000) {
    const ids = await t.run(async (ctx) => {
      const db = serviceDb(ctx.db);
      const out: Id<"users">[] = [];
      for (let i = done; i < Math.min(n, done + 1_000); i++) {
        const userId = await db.insert("users", { email: `user${i}@example.com` });
        await insertAccount({ db }, userId, { openedAt: MAR_1, balance: 100 });
        out.push(userId);
      }
      return out;
    });
    for (const userId of ids) {
      const i = listed.length;
      const sub = subscription({ id: `sub_${i}`, customer: `cus_${i}`, userId, periodStart: MAR_1, periodEnd: APR_1 });
      listed.push({ subscription: sub });
    }
  }
  return listed;
}

// A page is one Stripe request and one transaction of at most 100
// subscriptions, whatever the account's size: a 10,000-subscription account
// is 100 such pages. convex-test scans a whole table for every index lookup,
// so 10,000 here would take a quarter of an hour; 1,000 under the real limits
// shows the chain, and the per-page counts show the headroom.
test("1,000 subscriptions under Convex's transaction limits: pages of 100, each scheduling the next", async () => {
  clockAt(MAR_1 + HOUR, { timers: true });
  const t = newBackend(true);
  const listed = await seedListed(t, 1_000);
  const requests = stubStripe(subscriptionList(() => listed));
  const calls = await measure(async () => {
    expect(await reconcile(t)).toMatchObject({ checked: 100, changed: 100, nextCursor: "sub_99" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
  });
  const states = await scheduledStates(t);
  expect(states).toHaveLength(9);
  expect(states.every((s) => s.state === "success")).toBe(true);
  expect(requests).toHaveLength(10);
  const pages = calls.filter((c) => c.name === "stripeOps:applyReconcilePage");
  expect(pages).toHaveLength(10);
  // Per subscription: 3 written (the row, the allowance, the inbox record), and one stats shard per page;
  // reads stay far below 32,000 a page.
  for (const page of pages) {
    expect(page.documentsWritten).toBe(301);
    expect(page.documentsRead).toBeLessThanOrEqual(400);
  }
  const stored = await t.run(async (ctx) => (await ctx.db.query("subscriptions").take(2_000)).length);
  expect(stored).toBe(1_000);
}, 120_000);
