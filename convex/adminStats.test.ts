import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { serviceDb } from "./lib/db";
import * as Stats from "./model/stats";
import * as Subscriptions from "./model/subscriptions";
import {
  addMonths,
  type Backend,
  clockAt,
  DAY,
  HOUR,
  MAR_1,
  newBackend,
  seedAdmin,
  seedUser,
  sendOk,
  stripeCustomer,
  useStripeTestEnv,
} from "../testing";

useStripeTestEnv();

/** The stats counted the slow way, from every row: what the sharded counters must always equal. */
async function recount(t: Backend) {
  return await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const byPlan = { free: 0, pro: 0, business: 0 };
    let activeSubscriptions = 0;
    const profiles = await db.query("profiles").collect();
    for (const profile of profiles) {
      const subs = await Subscriptions.listForUser({ db }, profile.userId);
      byPlan[Subscriptions.planOf(subs)] += 1;
      activeSubscriptions += Subscriptions.countedAs(subs).active;
    }
    return { users: profiles.length, byPlan, activeSubscriptions };
  });
}

const shardRows = (t: Backend) => t.run((ctx) => ctx.db.query("statsShards").collect());

describe("admin:stats", () => {
  test("follows sign-ups and every subscription change, equal to a recount at each step", async () => {
    const t = newBackend();
    const admin = await seedAdmin(t);
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    const stats = () => admin.as.query(api.admin.stats, {});
    const expectStats = async (expected: Awaited<ReturnType<typeof stats>>) => {
      expect(await stats()).toEqual(expected);
      expect(await recount(t)).toEqual(expected);
    };
    const free3 = { free: 3, pro: 0, business: 0 };
    await expectStats({ users: 3, byPlan: free3, activeSubscriptions: 0 });

    const stripe = stripeCustomer(ada);
    await sendOk(t, "customer.subscription.created", stripe.subscription(), MAR_1);
    await sendOk(t, "invoice.paid", stripe.invoice(), MAR_1);
    await expectStats({ users: 3, byPlan: { free: 2, pro: 1, business: 0 }, activeSubscriptions: 1 });

    // A failed renewal: past_due keeps the plan (Stripe is retrying) but is not active.
    const renewAt = addMonths(MAR_1, 1);
    clockAt(renewAt + HOUR);
    const renewal = {
      billingReason: "subscription_cycle" as const,
      periodStart: renewAt,
      periodEnd: addMonths(renewAt, 1),
    };
    await sendOk(t, "invoice.payment_failed", stripe.invoice({ id: "in_2", ...renewal, paid: false }), renewAt + HOUR);
    await expectStats({ users: 3, byPlan: { free: 2, pro: 1, business: 0 }, activeSubscriptions: 0 });

    // Paid after all: active again.
    await sendOk(t, "invoice.paid", stripe.invoice({ id: "in_2", ...renewal }), renewAt + 2 * HOUR);
    await expectStats({ users: 3, byPlan: { free: 2, pro: 1, business: 0 }, activeSubscriptions: 1 });

    // Bob trials Business; Ada cancels.
    const bobs = stripeCustomer(bob, { name: "bob", plan: { lookupKey: "business_monthly" } });
    await sendOk(t, "customer.subscription.created", bobs.subscription({ status: "trialing" }), renewAt + DAY);
    await sendOk(
      t,
      "customer.subscription.deleted",
      stripe.subscription({ status: "canceled", periodStart: renewAt, periodEnd: addMonths(renewAt, 1) }),
      renewAt + 2 * DAY,
    );
    await expectStats({ users: 3, byPlan: { free: 2, pro: 0, business: 1 }, activeSubscriptions: 1 });

    // A replay of an event already applied changes nothing.
    await sendOk(t, "customer.subscription.created", bobs.subscription({ status: "trialing" }), renewAt + DAY);
    await expectStats({ users: 3, byPlan: { free: 2, pro: 0, business: 1 }, activeSubscriptions: 1 });
  });

  test("concurrent sign-ups write to different shards, and the sum counts each once", async () => {
    const t = newBackend();
    await Promise.all(Array.from({ length: 32 }, (_, i) => seedUser(t, `user${i}@example.com`)));
    const rows = await shardRows(t);
    // 32 writers over 16 shards: the chance that all pick one shard is 16^-31.
    expect(rows.length).toBeGreaterThan(1);
    expect(new Set(rows.map((row) => row.shard)).size).toBe(rows.length);
    expect(rows.every((row) => row.shard >= 0 && row.shard < Stats.SHARDS)).toBe(true);
    expect(rows.reduce((sum, row) => sum + row.users, 0)).toBe(32);
    expect(Math.max(...rows.map((row) => row.users))).toBeLessThan(32);
  });

  test("reads at most one document per shard, however many users", async () => {
    const t = newBackend();
    for (let i = 0; i < 60; i++) await seedUser(t, `user${i}@example.com`);
    const reads = await t.run(async (ctx) => {
      const read = await Stats.read({ db: serviceDb(ctx.db) });
      expect(read.users).toBe(60);
      return (await ctx.meta.getTransactionMetrics()).documentsRead.used;
    });
    expect(reads).toBe((await shardRows(t)).length);
    expect(reads).toBeLessThanOrEqual(Stats.SHARDS);
  });

  test("a deleted account's counts come off (the hook account deletion calls)", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await seedUser(t, "bob@example.com");
    await sendOk(t, "customer.subscription.created", stripeCustomer(ada).subscription(), MAR_1);
    await t.run(async (ctx) => {
      const db = serviceDb(ctx.db);
      const subs = await Subscriptions.listForUser({ db }, ada.userId);
      await Stats.onUserDeleted({ db }, Subscriptions.countedAs(subs));
      expect(await Stats.read({ db })).toEqual({
        users: 1,
        byPlan: { free: 1, pro: 0, business: 0 },
        activeSubscriptions: 0,
      });
    });
  });

  test("a sign-up counted once, even when its work runs twice", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const { onSignUp } = await import("./model/users");
    await t.run((ctx) => onSignUp({ db: serviceDb(ctx.db) }, { userId: ada.userId, email: "ada@example.com" }));
    expect((await recount(t)).users).toBe(1);
    expect((await t.run((ctx) => Stats.read({ db: serviceDb(ctx.db) }))).users).toBe(1);
  });
});

test("a batch (a reconciliation page) writes its stats once, summed", async () => {
  const t = newBackend();
  await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    await Stats.batched({ db }, async () => {
      await Stats.add({ db }, { users: 1, free: 1 });
      await Stats.add({ db }, { free: -1, pro: 1, activeSubscriptions: 1 });
      await Stats.add({ db }, { free: -1, business: 1, activeSubscriptions: 1 });
    });
  });
  const rows = await shardRows(t);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ users: 1, free: -1, pro: 1, business: 1, activeSubscriptions: 2 });
});
