import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import type { TableNames } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import * as RateLimits from "./model/rateLimits";
import { APP_TABLE_NAMES } from "./schema";
import {
  clockAt,
  expectCode,
  fakeStripe,
  MAR_1,
  MINUTE,
  newBackend,
  seedUser,
  signUpWithPassword,
  snapshot,
  useStripeTestEnv,
} from "../testing";
import { RATE_LIMITS } from "../src/limits";

// One story per rate limit (src/limits.ts): the call past the limit is
// RATE_LIMITED with `retryAfter`, changes nothing (the buckets included), and
// succeeds once that time has passed. The clock is frozen, so no token comes
// back between calls unless a test moves it.

useStripeTestEnv(MAR_1);

// Every table a refusal could touch: the app's, the users, and the buckets themselves.
const EVERYTHING: TableNames[] = ["users", "authAccounts", "rateLimits", ...APP_TABLE_NAMES];

describe("Stripe-calling actions: one bucket per user for checkout and portal", () => {
  test("past 5 calls in a burst, the 6th is refused before any Stripe request; a minute later one more passes", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    const checkout = () => ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
    const portal = () => ada.as.action(api.billing.createPortalSession, {});
    const { capacity, period, rate } = RATE_LIMITS.stripeSession;
    // Checkout and portal spend from the same bucket.
    await checkout();
    for (let i = 1; i < capacity; i++) await (i % 2 === 0 ? checkout() : portal());
    const sent = requests.length;
    const before = await snapshot(t, EVERYTHING);

    // Even the call that would only reuse the open session (a GET to Stripe) is refused first.
    const refused = await expectCode(checkout(), "RATE_LIMITED");
    expect(refused.retryAfter).toBe(period / rate);
    await expectCode(portal(), "RATE_LIMITED");
    expect(requests.length).toBe(sent);
    expect(await snapshot(t, EVERYTHING)).toEqual(before);

    // Another user has their own bucket.
    const bob = await seedUser(t, "bob@example.com");
    await bob.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });

    clockAt(MAR_1 + (refused.retryAfter as number));
    expect((await checkout()).url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    await expectCode(portal(), "RATE_LIMITED");
  });

  test("a call refused later (CONFLICT) still spends a token: every call may reach Stripe", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const requests = fakeStripe();
    // No customer yet: the portal is refused with CONFLICT after the bucket, before Stripe.
    for (let i = 0; i < RATE_LIMITS.stripeSession.capacity; i++) {
      await expectCode(ada.as.action(api.billing.createPortalSession, {}), "CONFLICT");
    }
    await expectCode(ada.as.action(api.billing.createPortalSession, {}), "RATE_LIMITED");
    expect(requests).toEqual([]);
  });
});

describe("reserveCredits: 30 in a burst, then 60 a minute", () => {
  test("the 31st reservation in a burst is refused; a second later it passes", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const reserve = () => ada.as.mutation(api.credits.reserveCredits, { amount: 1 });
    // Reserve and release (release is free and not limited), so the quota of held reservations stays out of the way.
    for (let i = 0; i < RATE_LIMITS.reserveCredits.capacity; i++) {
      const { reservationId } = await reserve();
      await ada.as.mutation(api.credits.releaseReservation, { reservationId });
    }
    const before = await snapshot(t, EVERYTHING);
    const refused = await expectCode(reserve(), "RATE_LIMITED");
    expect(refused.retryAfter).toBe(MINUTE / 60);
    expect(await snapshot(t, EVERYTHING)).toEqual(before);

    clockAt(MAR_1 + (refused.retryAfter as number));
    expect((await reserve()).balance).toBe(99);
    await expectCode(reserve(), "RATE_LIMITED");
  });

  test("consumeCredits, commitReservation and releaseReservation are not limited", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const many = RATE_LIMITS.reserveCredits.capacity + RATE_LIMITS.createRows.capacity;
    for (let i = 0; i < many; i++) await ada.as.mutation(api.credits.consumeCredits, { amount: 1 });
    const { reservationId } = await ada.as.mutation(api.credits.reserveCredits, { amount: 5 });
    await ada.as.mutation(api.credits.commitReservation, { reservationId, amount: 1 });
    expect((await ada.as.query(api.credits.getCredits, {}))?.balance).toBe(100 - many - 1);
    // Only reserveCredits keeps a bucket.
    const buckets = await t.run((ctx) => RateLimits.userBuckets({ db: serviceDb(ctx.db) }, ada.userId));
    expect(buckets.map((b) => b.name)).toEqual(["reserveCredits"]);
  });
});

describe("notes.create (public mutations that create rows without spending credits): 30 a minute", () => {
  test("the 31st note in a minute is refused; two seconds later it passes", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const create = (i: number) => ada.as.mutation(api.notes.create, { title: `Note ${i}`, body: "" });
    for (let i = 0; i < RATE_LIMITS.createRows.capacity; i++) await create(i);
    const before = await snapshot(t, EVERYTHING);
    const refused = await expectCode(create(99), "RATE_LIMITED");
    expect(refused).toMatchObject({ retryAfter: MINUTE / 30, rateLimit: "createRows" });
    expect(await snapshot(t, EVERYTHING)).toEqual(before);

    clockAt(MAR_1 + (refused.retryAfter as number));
    await create(100);
    await expectCode(create(101), "RATE_LIMITED");
  });
});

describe("sign-ups: an app-wide backstop per hour", () => {
  test("past the hour's sign-ups a new account is refused and nothing is created; 18 seconds later one passes", async () => {
    const t = newBackend();
    // The hour's sign-ups so far (the Password flow hashes with scrypt: too slow to do 200 times here).
    await t.run(async (ctx) => {
      for (let i = 0; i < RATE_LIMITS.signUps.capacity; i++)
        await RateLimits.spend({ db: serviceDb(ctx.db) }, "signUps", null);
    });
    const before = await snapshot(t, EVERYTHING);
    const refused = await expectCode(signUpWithPassword(t, "mallory@example.com"), "RATE_LIMITED");
    expect(refused.retryAfter).toBe(RATE_LIMITS.signUps.period / RATE_LIMITS.signUps.rate);
    expect(await snapshot(t, EVERYTHING)).toEqual(before);

    clockAt(MAR_1 + (refused.retryAfter as number));
    const ada = await signUpWithPassword(t, "ada@example.com");
    expect((await ada.as.query(api.credits.getCredits, {}))?.balance).toBe(100);
    await expectCode(signUpWithPassword(t, "bob@example.com"), "RATE_LIMITED");
  });
});

describe("a user's buckets", () => {
  test("are the rows keyed by their id, found by index and deleted with the account", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    fakeStripe();
    for (const user of [ada, bob]) {
      await user.as.mutation(api.notes.create, { title: "n", body: "" });
      await user.as.mutation(api.credits.reserveCredits, { amount: 1 });
    }
    await ada.as.action(api.billing.createCheckoutSession, { planId: "pro", interval: "month" });
    const deleted = await t.run((ctx) => RateLimits.deleteUserBuckets({ db: serviceDb(ctx.db) }, ada.userId));
    expect(deleted).toBe(3);
    const rows = (await snapshot(t, ["rateLimits"])).rateLimits as { name: string; key?: string }[];
    expect(rows.map((r) => [r.name, r.key]).sort()).toEqual([
      ["createRows", bob.userId],
      ["reserveCredits", bob.userId],
    ]);
  });
});
