import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { TableNames } from "./_generated/dataModel";
import schema from "./schema";
import { DELETED_CUSTOMER_NOTE } from "./model/stripeScrub";
import {
  type Backend,
  clockAt,
  expectCode,
  expectConsole,
  fakeStripe,
  HOUR,
  MAR_1,
  newBackend,
  scheduledStates,
  seedAdmin,
  seedUser,
  sendEvent,
  sendOk,
  statsOf,
  stripeCustomer,
  subscriptionList,
  type Listed,
  type TestUser,
  useStripeTestEnv,
} from "../testing";

// What can still reach a deleted account after deleteAccount returned: the
// operator's reconciliation of Stripe's subscriptions (which lists a deleted
// user's subscriptions, canceled or not, with their metadata.userId and the
// customer's e-mail), and a checkout that was under way while the account
// was deleted.

useStripeTestEnv();

const ALL_TABLES = Object.keys(schema.tables) as TableNames[];
const SUBSCRIPTION_DELETE = "DELETE /v1/subscriptions/*";

/** The rows of any table that hold one of `needles` (case-insensitive). */
async function rowsNaming(t: Backend, needles: string[]) {
  const lower = needles.map((n) => n.toLowerCase());
  return await t.run(async (ctx) => {
    const out: string[] = [];
    for (const table of ALL_TABLES) {
      for (const row of await ctx.db.query(table).collect()) {
        const text = `${table} ${JSON.stringify(row)}`;
        if (lower.some((needle) => text.toLowerCase().includes(needle))) out.push(text);
      }
    }
    return out;
  });
}

async function deleteAndFinish(t: Backend, user: TestUser) {
  clockAt(MAR_1 + HOUR, { timers: true });
  await user.as.mutation(api.users.deleteAccount, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  vi.useRealTimers();
  clockAt(MAR_1 + 2 * HOUR);
}

/** Ada with a pro subscription, deleted; Stripe then lists `listed(stripe)` (the cancellation answers `cancel`). */
async function deletedAda(
  listed: (stripe: ReturnType<typeof stripeCustomer>, userId: string) => Listed[],
  cancel = 200,
) {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const stripe = stripeCustomer(ada);
  await t.mutation(internal.billing.linkCustomer, { userId: ada.userId, stripeCustomerId: stripe.customer });
  await sendOk(t, "customer.subscription.created", stripe.subscription(), MAR_1);
  const requests = fakeStripe({
    ...subscriptionList(() => listed(stripe, ada.userId)),
    [SUBSCRIPTION_DELETE]: () =>
      cancel === 200
        ? stripe.subscription({ status: "canceled" })
        : { status: cancel, body: { error: { type: "invalid_request_error", message: "no" } } },
  });
  await deleteAndFinish(t, ada);
  return { t, ada, stripe, requests };
}

const tables = (t: Backend) =>
  t.run(async (ctx) => ({
    subscriptions: await ctx.db.query("subscriptions").collect(),
    links: await ctx.db.query("stripeCustomers").collect(),
    credits: await ctx.db.query("credits").collect(),
  }));

test("the weekly reconciliation finds a deleted user's canceled subscription: nothing names them, nothing is re-created", async () => {
  const { t, ada } = await deletedAda((stripe, userId) => [
    { subscription: stripe.subscription({ status: "canceled" }), email: "ada@example.com", customerUserId: userId },
  ]);
  expect(await rowsNaming(t, [ada.userId, "ada@example.com"])).toEqual([]);
  await t.action(internal.billing.reconcile, {});
  expect(await rowsNaming(t, [ada.userId, "ada@example.com"])).toEqual([]);
  expect(await tables(t)).toEqual({ subscriptions: [], links: [], credits: [] });
});

test("a deleted user's subscription still live at Stripe (cancellation refused) is flagged without naming them", async () => {
  const { t, ada } = await deletedAda(
    (stripe, userId) => [{ subscription: stripe.subscription(), email: "ada@example.com", customerUserId: userId }],
    404,
  );
  const result = await t.action(internal.billing.reconcile, {});
  expect(result.unmatched).toHaveLength(1);
  expect(JSON.stringify(result)).not.toContain(ada.userId);
  expect(await rowsNaming(t, [ada.userId, "ada@example.com"])).toEqual([]);
  expect(await tables(t)).toEqual({ subscriptions: [], links: [], credits: [] });
});

test("a new account with the deleted user's e-mail is never given the old customer by reconciliation", async () => {
  const { t } = await deletedAda((stripe) => {
    // A subscription made in Stripe's dashboard for the old customer: no metadata.userId anywhere, only the e-mail.
    const sub = stripe.subscription({ id: "sub_dashboard" });
    return [{ subscription: { ...sub, metadata: {} }, email: "ada@example.com" }];
  });
  const again = await seedUser(t, "ada@example.com");
  await t.run((ctx) => ctx.db.patch("users", again.userId, { emailVerificationTime: MAR_1 }));
  await t.action(internal.billing.reconcile, {});
  expect(await tables(t)).toMatchObject({ subscriptions: [], links: [] });
});

test("an account deleted while its checkout was opening: no checkout URL, the session closed, the customer remembered as deleted", async () => {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const requests = fakeStripe();
  const stripeFetch = globalThis.fetch;
  let deleted = false;
  vi.stubGlobal("fetch", async (input: string | URL | Request, init?: RequestInit) => {
    // She deletes her account in another tab while Stripe opens her checkout.
    if (!deleted && String(input).endsWith("/v1/checkout/sessions") && init?.method === "POST") {
      deleted = true;
      await t.mutation(internal.users.deleteUser, { userId: ada.userId });
    }
    return await stripeFetch(input, init);
  });
  await expectCode(
    ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
    "UNAUTHENTICATED",
  );
  expect(deleted).toBe(true);
  // The session Stripe opened for her was closed, so it cannot be paid.
  expect(requests.map((r) => `${r.method} ${r.path}`)).toContain("POST /v1/checkout/sessions/cs_1/expire");
  await t.finishAllScheduledFunctions(() => {});
  // Stripe's later events for the customer made meanwhile are recorded unlinked and scrubbed.
  expect(requests.filter((r) => r.method === "POST" && r.path === "/v1/customers")).toHaveLength(1);
  const customerId = "cus_1"; // fakeStripe's first customer
  expect(await t.run(async (ctx) => (await ctx.db.query("deletedAccounts").collect())[0]!.stripeCustomerId)).toBe(
    customerId,
  );
  const late = await sendOk(
    t,
    "customer.updated",
    { id: customerId, object: "customer", email: "ada@example.com", metadata: { userId: ada.userId } },
    MAR_1 + 2 * HOUR,
  );
  expect(late).toMatchObject({ http: 200, status: "ignored" });
  expect(await rowsNaming(t, [ada.userId, "ada@example.com"])).toEqual([]);
});

test("an event whose processing failed before the deletion is scrubbed with the others", async () => {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const stripe = stripeCustomer(ada);
  await t.mutation(internal.billing.linkCustomer, { userId: ada.userId, stripeCustomerId: stripe.customer });
  // An invoice for a subscription not stored yet, while Stripe cannot be read: the event is recorded failed.
  expectConsole("error", "Stripe event failed");
  fakeStripe({ "GET /v1/subscriptions/*": () => ({ status: 500, body: { error: { type: "api_error" } } }) });
  const invoice = { ...stripe.invoice(), customer_email: "ada@example.com", customer_name: "Ada Lovelace" };
  expect(await sendEvent(t, "invoice.paid", invoice, MAR_1)).toMatchObject({ http: 500 });
  const failed = (await rowsNaming(t, ["ada@example.com"])).filter((row) => row.startsWith("stripeEvents"));
  expect(failed).toEqual([expect.stringContaining('"status":"failed"')]);
  await deleteAndFinish(t, ada);
  expect(await rowsNaming(t, [ada.userId, "ada@example.com", "Ada Lovelace"])).toEqual([]);
  // One that fails after the deletion is stored scrubbed straight away.
  const late = { ...invoice, id: "in_late" };
  expect(await sendEvent(t, "invoice.paid", late, MAR_1 + 2 * HOUR, { id: "evt_late" })).toMatchObject({ http: 500 });
  expect(await rowsNaming(t, [ada.userId, "ada@example.com", "Ada Lovelace"])).toEqual([]);
  expect(await t.run((ctx) => ctx.db.query("stripeEvents").collect())).toHaveLength(2);
});

test("an admin's reason that names the deleted user is scrubbed from the audit log; the audit row stays", async () => {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  await ada.as.mutation(api.profiles.updateProfile, { fullName: "Ada Lovelace" });
  const grace = await seedAdmin(t, "grace@example.com");
  const reason = "Goodwill for Ada Lovelace (ada@example.com)";
  await grace.as.mutation(api.admin.adjustCredits, {
    userId: ada.userId,
    delta: 7,
    reason,
    idempotencyKey: ada.userId,
  });
  await deleteAndFinish(t, ada);
  expect(await rowsNaming(t, [ada.userId, "ada@example.com", "Ada Lovelace"])).toEqual([]);
  const audit = await t.run((ctx) => ctx.db.query("adminAudit").collect());
  expect(audit.filter((row) => row.action === "adjustCredits")).toMatchObject([
    { actor: grace.userId, args: { delta: 7, reason: "Goodwill for [deleted] ([deleted])" } },
  ]);
});

test("a checkout still open when the account is deleted is closed at Stripe, so it cannot be paid afterwards", async () => {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const requests = fakeStripe();
  const { url } = await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
  expect(url).toContain("checkout.stripe.com");
  await deleteAndFinish(t, ada);
  expect(requests.map((r) => `${r.method} ${r.path}`)).toContain("POST /v1/checkout/sessions/cs_1/expire");
  // Stripe's answer to that, a webhook for a deleted account's customer: unmatched, linked to no one.
  const session = { id: "cs_1", object: "checkout.session", customer: "cus_1", client_reference_id: ada.userId };
  const expired = await sendOk(t, "checkout.session.expired", session, MAR_1 + 2 * HOUR);
  expect(expired).toMatchObject({ http: 200, status: "unmatched", note: DELETED_CUSTOMER_NOTE });
  expect(await rowsNaming(t, [ada.userId, "ada@example.com"])).toEqual([]);
});

test("a subscription Stripe starts for a deleted account's customer after the deletion is cancelled at Stripe, once", async () => {
  const { t, ada, stripe, requests } = await deletedAda(() => []);
  const cancels = () => requests.filter((r) => r.method === "DELETE").map((r) => r.path);
  expect(cancels()).toEqual(["/v1/subscriptions/sub_ada"]);
  // Made later in Stripe's dashboard (or by a schedule) for her old customer.
  const late = stripe.subscription({ id: "sub_late" });
  clockAt(MAR_1 + 2 * HOUR, { timers: true });
  const sent = await sendOk(t, "customer.subscription.created", late, MAR_1 + 2 * HOUR);
  expect(sent).toMatchObject({ status: "unmatched", note: DELETED_CUSTOMER_NOTE });
  await sendOk(t, "customer.subscription.updated", late, MAR_1 + 2 * HOUR, { id: "evt_again" });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  vi.useRealTimers();
  expect(cancels()).toEqual(["/v1/subscriptions/sub_ada", "/v1/subscriptions/sub_late"]);
  const remnant = await t.run(async (ctx) => (await ctx.db.query("deletedAccounts").collect())[0]!);
  expect(remnant.cancellations).toMatchObject([
    { stripeSubscriptionId: "sub_ada", status: "canceled" },
    { stripeSubscriptionId: "sub_late", status: "canceled", attempts: 1 },
  ]);
  expect(await tables(t)).toEqual({ subscriptions: [], links: [], credits: [] });
  expect(await rowsNaming(t, [ada.userId, "ada@example.com"])).toEqual([]);
});

test("admin:stats lose exactly what deleted users counted for: past_due, canceled and trialing subscriptions", async () => {
  const t = newBackend();
  await seedUser(t, "base@example.com");
  const empty = await statsOf(t);
  const users: { user: TestUser; stripe: ReturnType<typeof stripeCustomer> }[] = [];
  for (const [name, status, plan] of [
    ["ada", "past_due", "pro_monthly"],
    ["bob", "canceled", "pro_monthly"],
    ["cy", "trialing", "business_monthly"],
    ["di", "active", "business_monthly"],
  ] as const) {
    const user = await seedUser(t, `${name}@example.com`);
    const stripe = stripeCustomer(user, { name, plan: { lookupKey: plan } });
    await t.mutation(internal.billing.linkCustomer, { userId: user.userId, stripeCustomerId: stripe.customer });
    await sendOk(t, "customer.subscription.created", stripe.subscription({ status }), MAR_1);
    users.push({ user, stripe });
  }
  expect(await statsOf(t)).toEqual({
    users: 5,
    byPlan: { free: 2, pro: 1, business: 2 },
    activeSubscriptions: 2,
  });
  fakeStripe({ [SUBSCRIPTION_DELETE]: () => users[0]!.stripe.subscription({ status: "canceled" }) });
  for (const { user } of users) await deleteAndFinish(t, user);
  expect(await statsOf(t)).toEqual(empty);
});

test("a held reservation behind a batch of ended ones still has its expiry cancelled by the first transaction", async () => {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  await t.run(async (ctx) => {
    for (let i = 0; i < 1_100; i++) {
      await ctx.db.insert("creditReservations", {
        userId: ada.userId,
        amount: 1,
        status: "committed",
        charged: 1,
        expiresAt: MAR_1,
        refillCountAtReserve: 0,
        updatedAt: MAR_1,
      });
    }
  });
  await ada.as.mutation(api.credits.reserveCredits, { amount: 5 });
  const first = await ada.as.mutation(api.users.deleteAccount, {});
  expect(first.more).toBe(true);
  // Before any further batch runs, the expiry can no longer fire on the deleted account.
  const expiries = (await scheduledStates(t)).filter((job) => job.name === "credits:expireReservation");
  expect(expiries).toEqual([{ name: "credits:expireReservation", state: "canceled" }]);
});
