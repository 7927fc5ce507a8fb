import { defineTable, type TableDefinition } from "convex/server";
import { v } from "convex/values";
import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id, TableNames } from "./_generated/dataModel";
import schema from "./schema";
import { DELETION_STEPS, hashUserId, KEPT_TABLES } from "./model/accountDeletion";
import { DELETED_CUSTOMER_NOTE } from "./model/stripeScrub";
import * as RateLimits from "./model/rateLimits";
import { serviceDb } from "./lib/db";
import { measure } from "../bench/report";
import {
  type Backend,
  clockAt,
  customer,
  expectCode,
  fakeStripe,
  HOUR,
  MAR_1,
  newBackend,
  scheduledStates,
  seedAdmin,
  seedUser,
  statsOf,
  sendOk,
  signUpWithPassword,
  snapshot,
  stripeCustomer,
  type TestUser,
  useStripeTestEnv,
} from "../testing";
import { ACCOUNT_DELETION } from "../src/limits";

// Account deletion (README, "Account deletion"): the plan covers every table
// that holds user data, a deleted account leaves nothing that names it, its
// old token finds nothing and writes nothing, late webhooks re-create nothing,
// and the same e-mail signs up afresh.

useStripeTestEnv();

const ALL_TABLES = Object.keys(schema.tables) as TableNames[];

/** Tables that hold user data (a `userId` field or index) and that no deletion step covers, or covered twice. */
function uncovered(tables: Record<string, TableDefinition>) {
  const covered = DELETION_STEPS.flatMap((step) => step.covers as string[]);
  const problems: string[] = [];
  for (const [name, table] of Object.entries(tables)) {
    const fields = Object.keys((table.validator as { fields?: object }).fields ?? {});
    const indexed = table[" indexes"]().flatMap((index) => index.fields);
    const userOwned = fields.includes("userId") || indexed.includes("userId");
    const declared = covered.includes(name) || name in KEPT_TABLES;
    if (!declared) problems.push(`${name}: neither deleted nor kept`);
    else if (userOwned && !covered.includes(name)) problems.push(`${name}: holds user data but no step deletes it`);
    if (covered.filter((c) => c === name).length > 1) problems.push(`${name}: covered twice`);
  }
  return problems;
}

test("the deletion plan covers every table that holds user data, and says why the others are kept", () => {
  expect(uncovered(schema.tables)).toEqual([]);
  // Every table the plan names exists (a renamed table cannot leave a stale step behind).
  const named = [...DELETION_STEPS.flatMap((step) => step.covers), ...Object.keys(KEPT_TABLES)];
  expect(named.filter((name) => !ALL_TABLES.includes(name as TableNames))).toEqual([]);
  // The check fails for a new user-owned table that was not added to the plan.
  const widgets = defineTable({ userId: v.id("users"), size: v.number() }).index("by_userId", ["userId"]);
  expect(uncovered({ ...schema.tables, widgets })).toEqual(["widgets: neither deleted nor kept"]);
});

/** Every row of every table (auth, app, remnant) as JSON, for a search for what named the user. */
async function allRows(t: Backend) {
  return await t.run(async (ctx) => {
    const out: string[] = [];
    for (const table of ALL_TABLES) {
      for (const row of await ctx.db.query(table).collect()) out.push(`${table} ${JSON.stringify(row)}`);
    }
    return out;
  });
}

/** The rows that hold any of `needles` (case-insensitive). */
async function rowsNaming(t: Backend, needles: string[]) {
  const lower = needles.map((n) => n.toLowerCase());
  return (await allRows(t)).filter((row) => lower.some((needle) => row.toLowerCase().includes(needle)));
}

const SUBSCRIPTION_DELETE = "DELETE /v1/subscriptions/*";

/**
 * Ada, signed up through the real Password flow, with a row in every table
 * that holds user data: profile with a name, credits with a held reservation
 * and `ledgerEntries` more ledger entries, a note, a Checkout session, her
 * Stripe customer and active pro subscription, Stripe events naming her, and
 * Convex Auth's records (account, session, refresh token, verifier,
 * verification code, sign-in rate limit), an admin role and audit rows by
 * and about her.
 */
async function adaWithEverything(t: Backend, ledgerEntries: number) {
  const ada = await signUpWithPassword(t, "ada@example.com");
  const { userId } = ada;
  await ada.as.mutation(api.profiles.updateProfile, { fullName: "Ada Lovelace" });
  await ada.as.mutation(api.notes.create, { title: "Ada's note", body: "ada@example.com" });
  const stripe = stripeCustomer(ada);
  await t.mutation(internal.billing.recordCheckout, {
    userId,
    stripeCustomerId: stripe.customer,
    session: {
      stripeSessionId: "cs_ada",
      url: "https://checkout.stripe.com/c/pay/cs_ada",
      lookupKey: "pro_monthly",
      expiresAt: MAR_1 + HOUR,
    },
    now: MAR_1,
  });
  await sendOk(t, "checkout.session.completed", stripe.checkout({ id: "cs_ada" }), MAR_1);
  await sendOk(t, "customer.subscription.created", stripe.subscription(), MAR_1);
  const invoice = { ...stripe.invoice(), customer_email: "ada@example.com", customer_name: "Ada Lovelace" };
  await sendOk(t, "invoice.paid", invoice, MAR_1);
  const named = { ...customer({ id: stripe.customer, email: "ada@example.com", userId }), name: "Ada Lovelace" };
  await sendOk(t, "customer.updated", named, MAR_1);
  await ada.as.mutation(api.credits.reserveCredits, { amount: 5 });
  const ids = await t.run(async (ctx) => {
    const sessions = await ctx.db
      .query("authSessions")
      .withIndex("userId", (q) => q.eq("userId", userId))
      .collect();
    const accounts = await ctx.db
      .query("authAccounts")
      .withIndex("userIdAndProvider", (q) => q.eq("userId", userId))
      .collect();
    await ctx.db.insert("authVerifiers", { sessionId: sessions[0]!._id, signature: "sig" });
    await ctx.db.insert("authVerificationCodes", {
      accountId: accounts[0]!._id,
      provider: "password",
      code: "hashed",
      expirationTime: MAR_1 + HOUR,
      emailVerified: "ada@example.com",
    });
    await ctx.db.insert("authRateLimits", { identifier: accounts[0]!._id, lastAttemptTime: MAR_1, attemptsLeft: 9 });
    // The bucket of her address (verification codes), keyed by the e-mail, not the user id.
    await RateLimits.spendVerificationEmail({ db: serviceDb(ctx.db) }, "ada@example.com");
    return { sessions: sessions.map((s) => s._id as string), accounts: accounts.map((a) => a._id as string) };
  });
  // She is an admin, corrected another user's credits, and had hers corrected by another admin (audited).
  await t.mutation(internal.admin.grantAdmin, { email: "ada@example.com" });
  const grace = await seedAdmin(t, "grace@example.com");
  await ada.as.mutation(api.admin.adjustCredits, { userId: grace.userId, delta: 5, reason: "thanks" });
  await grace.as.mutation(api.admin.adjustCredits, { userId, delta: 7, reason: "goodwill" });
  await seedLedger(t, userId, ledgerEntries);
  const needles = [userId, ...ids.sessions, ...ids.accounts, "ada@example.com", "Ada Lovelace"];
  return { ada, stripe, needles };
}

/** `n` ledger entries for the user, written in chunks that stay inside one transaction's limits. */
async function seedLedger(t: Backend, userId: Id<"users">, n: number, chunk = 5_000) {
  for (let done = 0; done < n; done += chunk) {
    await t.run(async (ctx) => {
      for (let i = done; i < Math.min(n, done + chunk); i++) {
        await ctx.db.insert("creditLedger", {
          userId,
          delta: 0,
          balanceAfter: 0,
          kind: "adjust",
          reason: `entry ${i}`,
          updatedAt: MAR_1,
        });
      }
    });
  }
}

/** Deletes the account with fake timers, runs every batch and action it schedules, and returns what each measured. */
async function deleteAndFinish(t: Backend, user: TestUser) {
  clockAt(MAR_1 + HOUR, { timers: true });
  let first: { deleted: number; more: boolean } | undefined;
  const calls = await measure(async () => {
    first = await user.as.mutation(api.users.deleteAccount, {});
    await t.finishAllScheduledFunctions(vi.runAllTimers);
  });
  vi.useRealTimers();
  clockAt(MAR_1 + 2 * HOUR);
  return { first: first!, calls };
}

async function remnant(t: Backend) {
  return await t.run(async (ctx) => (await ctx.db.query("deletedAccounts").collect())[0]!);
}

test("a deleted account leaves nothing that names it: every table checked, the subscription cancelled at Stripe", async () => {
  const t = newBackend(true);
  const { ada, stripe, needles } = await adaWithEverything(t, 1_500);
  const before = await t.run(async (ctx) => ({
    balance: (await ctx.db
      .query("credits")
      .withIndex("by_userId", (q) => q.eq("userId", ada.userId))
      .unique())!.balance,
    events: (await ctx.db.query("stripeEvents").collect()).length,
    audit: (await ctx.db.query("adminAudit").collect()).length,
  }));
  const statsBefore = await statsOf(t);
  expect(await rowsNaming(t, needles)).not.toEqual([]);
  const requests = fakeStripe({ [SUBSCRIPTION_DELETE]: () => stripe.subscription({ status: "canceled" }) });

  const { first, calls } = await deleteAndFinish(t, ada);

  // The first transaction made the account unusable and left the rest to batches.
  expect(first.more).toBe(true);
  const batches = calls.filter((c) => c.name === "users:continueDeletion");
  expect(batches.length).toBeGreaterThanOrEqual(2);
  expect(await rowsNaming(t, needles)).toEqual([]);
  // The inbox keeps its events (the record of money received), unlinked and scrubbed.
  const events = await t.run((ctx) => ctx.db.query("stripeEvents").collect());
  expect(events).toHaveLength(before.events);
  expect(events.every((e) => e.userId === null)).toBe(true);
  const paid = JSON.parse(events.find((e) => e.type === "invoice.paid")!.payload) as { data: { object: object } };
  expect(paid.data.object).toMatchObject({ customer: stripe.customer, amount_paid: 2000, customer_email: null });
  expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /v1/subscriptions/sub_ada"]);
  // The audit log keeps every row, Ada's id replaced by the hash; admin:stats lose one pro user with a live subscription.
  const hashed = await hashUserId(ada.userId);
  const audit = await t.run((ctx) => ctx.db.query("adminAudit").collect());
  expect(audit).toHaveLength(before.audit);
  expect(audit.filter((row) => row.target === hashed || row.actor === hashed).length).toBe(3);
  // What she did as an admin stays in Grace's ledger, by the hash.
  const graceLedger = await t.run((ctx) =>
    ctx.db
      .query("creditLedger")
      .withIndex("by_actor", (q) => q.eq("actor", hashed))
      .collect(),
  );
  expect(graceLedger).toMatchObject([{ delta: 5, reason: "thanks" }]);
  expect(await statsOf(t)).toEqual({
    users: statsBefore.users - 1,
    byPlan: { ...statsBefore.byPlan, pro: statsBefore.byPlan.pro - 1 },
    activeSubscriptions: statsBefore.activeSubscriptions - 1,
  });
  expect(await remnant(t)).toMatchObject({
    hashedUserId: hashed,
    deletedAt: MAR_1 + HOUR,
    completedAt: expect.any(Number),
    finalBalance: before.balance + 5, // the 5 held by the reservation included
    stripeCustomerId: stripe.customer,
    subscriptionCanceled: true,
    cancellations: [{ stripeSubscriptionId: "sub_ada", status: "canceled", attempts: 1, error: null }],
  });
  expect((await remnant(t)).pending).toBeUndefined();
  // The reservation's expiry was cancelled with it.
  const expiries = (await scheduledStates(t)).filter((job) => job.name.includes("expireReservation"));
  expect(expiries).toEqual([{ name: "credits:expireReservation", state: "canceled" }]);
});

test("after deletion the old token finds nothing and writes nothing; late webhooks re-create nothing; the e-mail signs up afresh", async () => {
  const t = newBackend(true);
  const { ada, stripe, needles } = await adaWithEverything(t, 10);
  const requests = fakeStripe({ [SUBSCRIPTION_DELETE]: () => stripe.subscription({ status: "canceled" }) });
  await deleteAndFinish(t, ada);
  const afterDeletion = await snapshot(t);
  const page = { paginationOpts: { numItems: 10, cursor: null } };

  // Getters answer null or an empty page, reading what they always read.
  const getters = await measure(async () => {
    expect(await ada.as.query(api.profiles.getProfile, {})).toBeNull();
    expect(await ada.as.query(api.credits.getCredits, {})).toBeNull();
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toBeNull();
    expect((await ada.as.query(api.notes.list, page)).page).toEqual([]);
    expect((await ada.as.query(api.credits.listCreditHistory, page)).page).toEqual([]);
  });
  for (const call of getters.slice(0, 3)) expect(call.documentsRead).toBeLessThanOrEqual(1);
  // Everything else is UNAUTHENTICATED, and no row is created.
  const noteId = "000000000000000000000000000notes" as Id<"notes">;
  const refused = [
    ada.as.mutation(api.profiles.updateProfile, { fullName: "Ada" }),
    ada.as.mutation(api.notes.create, { title: "back", body: "again" }),
    ada.as.mutation(api.notes.update, { noteId, title: "x" }),
    ada.as.mutation(api.notes.remove, { noteId }),
    ada.as.mutation(api.credits.consumeCredits, { amount: 1 }),
    ada.as.mutation(api.credits.reserveCredits, { amount: 1 }),
    ada.as.mutation(api.credits.commitReservation, { reservationId: "r" }),
    ada.as.mutation(api.credits.releaseReservation, { reservationId: "r" }),
    ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" }),
    ada.as.action(api.billing.createPortalSession, {}),
    ada.as.mutation(api.users.deleteAccount, {}),
    // She was an admin: her token is no longer one.
    ada.as.query(api.admin.stats, {}),
    ada.as.mutation(api.admin.adjustCredits, { userId: ada.userId, delta: 1, reason: "x" }),
  ];
  for (const call of refused) await expectCode(call, "UNAUTHENTICATED");
  expect(await snapshot(t)).toEqual(afterDeletion);
  expect(requests).toHaveLength(1); // the cancellation only: no checkout or portal call reached Stripe

  // Stripe's events for her customer arrive late: recorded unmatched, unlinked, scrubbed; nothing re-created.
  const late = await sendOk(
    t,
    "customer.subscription.deleted",
    stripe.subscription({ status: "canceled" }),
    MAR_1 + 2 * HOUR,
  );
  expect(late).toMatchObject({ http: 200, status: "unmatched", note: DELETED_CUSTOMER_NOTE });
  const completed = await sendOk(t, "checkout.session.completed", stripe.checkout({ id: "cs_late" }), MAR_1 + 2 * HOUR);
  expect(completed).toMatchObject({ http: 200, status: "unmatched" });
  expect({ ...(await snapshot(t)), stripeEvents: undefined }).toEqual({ ...afterDeletion, stripeEvents: undefined });
  expect(await rowsNaming(t, needles)).toEqual([]);

  // The same e-mail signs up as a new account: the free allowance, nothing of the old one.
  const again = await signUpWithPassword(t, "ada@example.com");
  expect(again.userId).not.toBe(ada.userId);
  expect(await again.as.query(api.credits.getCredits, {})).toMatchObject({ balance: 100 });
  expect(await again.as.query(api.subscriptions.getSubscription, {})).toBeNull();
  expect((await again.as.query(api.notes.list, page)).page).toEqual([]);
  expect((await again.as.query(api.credits.listCreditHistory, page)).page).toHaveLength(1);
  expect((await again.as.query(api.profiles.getProfile, {}))?.fullName).toBeUndefined();
});

test("more ledger entries than one transaction may write: deleted completely, in batches inside Convex's limits", async () => {
  const t = newBackend(true);
  const ada = await seedUser(t, "ada@example.com");
  await seedLedger(t, ada.userId, 16_500);
  const { calls } = await deleteAndFinish(t, ada);
  const left = await t.run(
    async (ctx) =>
      (
        await ctx.db
          .query("creditLedger")
          .withIndex("by_userId", (q) => q.eq("userId", ada.userId))
          .take(10)
      ).length,
  );
  expect(left).toBe(0);
  const batches = calls.filter((c) => c.name === "users:deleteUser" || c.name === "users:continueDeletion");
  // 16,501 entries (the sign-up's too) at 1,000 a batch.
  expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(16_501 / ACCOUNT_DELETION.batchSize));
  expect(batches.length).toBeLessThanOrEqual(Math.ceil(16_501 / ACCOUNT_DELETION.batchSize) + 1);
  for (const batch of batches) {
    expect(batch.documentsWritten).toBeLessThanOrEqual(ACCOUNT_DELETION.batchSize + 5);
    // Each row is read by its query and again by its delete.
    expect(batch.documentsRead).toBeLessThanOrEqual(2 * ACCOUNT_DELETION.batchSize + 10);
  }
  expect((await remnant(t)).completedAt).not.toBeNull();
}, 120_000);

/** A Stripe that answers the cancellation with each of `statuses` in turn (200: cancelled). */
function stripeAnswering(statuses: number[], stripe: ReturnType<typeof stripeCustomer>) {
  let call = 0;
  return fakeStripe({
    [SUBSCRIPTION_DELETE]: () => {
      const status = statuses[Math.min(call++, statuses.length - 1)]!;
      if (status === 200) return stripe.subscription({ status: "canceled" });
      return {
        status,
        body: { error: { type: status === 429 ? "rate_limit_error" : "api_error", message: "try again" } },
      };
    },
  });
}

async function adaSubscribed() {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const stripe = stripeCustomer(ada);
  await t.mutation(internal.billing.linkCustomer, { userId: ada.userId, stripeCustomerId: stripe.customer });
  await sendOk(t, "customer.subscription.created", stripe.subscription({ status: "trialing" }), MAR_1);
  return { t, ada, stripe };
}

test("the cancellation is retried with growing waits on 429 and 5xx until Stripe accepts it", async () => {
  const { t, ada, stripe } = await adaSubscribed();
  const requests = stripeAnswering([429, 500, 503, 200], stripe);
  await deleteAndFinish(t, ada);
  expect(requests.filter((r) => r.method === "DELETE")).toHaveLength(4);
  expect(await remnant(t)).toMatchObject({
    subscriptionCanceled: true,
    cancellations: [{ stripeSubscriptionId: "sub_ada", status: "canceled", attempts: 4, error: null }],
  });
});

test("a cancellation Stripe keeps refusing is given up after its attempts; a 4xx is not retried", async () => {
  const { t, ada, stripe } = await adaSubscribed();
  const requests = stripeAnswering([503], stripe);
  await deleteAndFinish(t, ada);
  expect(requests).toHaveLength(ACCOUNT_DELETION.cancelAttempts);
  expect(await remnant(t)).toMatchObject({
    subscriptionCanceled: false,
    cancellations: [{ status: "failed", attempts: ACCOUNT_DELETION.cancelAttempts }],
  });

  const other = await adaSubscribed();
  const once = stripeAnswering([404], other.stripe);
  await deleteAndFinish(other.t, other.ada);
  expect(once).toHaveLength(1);
  expect((await remnant(other.t)).cancellations).toMatchObject([{ status: "failed", attempts: 1 }]);
});
