import { describe, expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { serviceDb } from "../lib/db";
import type { SubscriptionStatus } from "../../src/subscriptions";
import { type Backend, DAY, newBackend, seedUser } from "../../testing";
import { save } from "./subscriptions";

async function addSubscription(t: Backend, userId: Id<"users">, id: string, status: SubscriptionStatus) {
  const now = Date.now();
  await t.run((ctx) =>
    save({ db: serviceDb(ctx.db) }, null, {
      userId,
      stripeCustomerId: `cus_${userId}`,
      stripeSubscriptionId: id,
      planId: "pro",
      priceId: "price_pro_monthly",
      priceLookupKey: "pro_monthly",
      interval: "month",
      status,
      currentPeriodStart: now,
      currentPeriodEnd: now + 30 * DAY,
      cancelAtPeriodEnd: false,
      cancelAt: null,
      trialEnd: null,
      lastEventAt: now,
    }),
  );
}

describe("getSubscription", () => {
  test("is null for a user who never subscribed", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    expect(await ada.as.query(api.subscriptions.getSubscription, {})).toBeNull();
  });

  test("prefers the subscription that grants access over a newer ended one", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await addSubscription(t, ada.userId, "sub_live", "active");
    await addSubscription(t, ada.userId, "sub_old", "canceled");
    expect((await ada.as.query(api.subscriptions.getSubscription, {}))?.stripeSubscriptionId).toBe("sub_live");
  });

  test("falls back to the most recent when none grants access", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    await addSubscription(t, ada.userId, "sub_first", "canceled");
    await addSubscription(t, ada.userId, "sub_second", "incomplete_expired");
    expect((await ada.as.query(api.subscriptions.getSubscription, {}))?.stripeSubscriptionId).toBe("sub_second");
  });

  test("another user's subscription is never returned", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    await addSubscription(t, ada.userId, "sub_ada", "active");
    expect(await bob.as.query(api.subscriptions.getSubscription, {})).toBeNull();
  });
});
