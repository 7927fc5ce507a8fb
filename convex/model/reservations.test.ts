import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import { serviceDb } from "../lib/db";
import { getAccount } from "./ledger";
import { refillOnce } from "./refills";
import { creditsOf, expectCode, JAN_31, newBackend, scheduledStates, seedUser, snapshot } from "../../testing";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(JAN_31);
});
afterEach(() => {
  vi.useRealTimers();
});

async function reservationOf(t: ReturnType<typeof newBackend>, id: string) {
  return await t.run(async (ctx) => await ctx.db.get("creditReservations", id as never));
}

describe("reserve, commit, release", () => {
  test("reserve takes the credits at once; commit charges all of them", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const { reservationId, balance } = await as.mutation(api.credits.reserveCredits, { amount: 30 });
    expect(balance).toBe(70);
    expect((await as.query(api.credits.getCredits, {}))?.balance).toBe(70);
    // Held credits cannot be spent twice.
    await expectCode(as.mutation(api.credits.consumeCredits, { amount: 71 }), "INSUFFICIENT_CREDITS");
    expect(await as.mutation(api.credits.commitReservation, { reservationId })).toEqual({
      balance: 70,
      charged: 30,
      returned: 0,
    });
    expect(await reservationOf(t, reservationId)).toMatchObject({ status: "committed", charged: 30 });
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 70, ledgerSum: 70 });
  });

  test("commit part: the rest comes back", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 30 });
    expect(await as.mutation(api.credits.commitReservation, { reservationId, amount: 12 })).toEqual({
      balance: 88,
      charged: 12,
      returned: 18,
    });
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 88, ledgerSum: 88 });
  });

  test("release: all of it comes back", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 30 });
    expect(await as.mutation(api.credits.releaseReservation, { reservationId })).toEqual({
      balance: 100,
      charged: 0,
      returned: 30,
    });
    expect(await reservationOf(t, reservationId)).toMatchObject({ status: "released", charged: 0 });
    const state = await creditsOf(t, userId);
    expect(state).toMatchObject({ balance: 100, ledgerSum: 100 });
    expect(state.ledger).toHaveLength(3);
  });

  test("a reservation ends once: a second commit or release is CONFLICT and changes nothing", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    const a = (await as.mutation(api.credits.reserveCredits, { amount: 10 })).reservationId;
    const b = (await as.mutation(api.credits.reserveCredits, { amount: 10 })).reservationId;
    await as.mutation(api.credits.commitReservation, { reservationId: a });
    await as.mutation(api.credits.releaseReservation, { reservationId: b });
    const before = await snapshot(t);
    for (const reservationId of [a, b]) {
      await expectCode(as.mutation(api.credits.commitReservation, { reservationId }), "CONFLICT");
      await expectCode(as.mutation(api.credits.releaseReservation, { reservationId }), "CONFLICT");
    }
    expect(await snapshot(t)).toEqual(before);
  });

  test("more than the balance is INSUFFICIENT_CREDITS; bad amounts and TTLs are INVALID_ARGUMENT; nothing changes", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 40 });
    const before = await snapshot(t);
    const data = await expectCode(as.mutation(api.credits.reserveCredits, { amount: 61 }), "INSUFFICIENT_CREDITS");
    expect(data).toMatchObject({ balance: 60 });
    for (const amount of [0, -1, 1.5, NaN, Infinity, 1_000_001]) {
      await expectCode(as.mutation(api.credits.reserveCredits, { amount }), "INVALID_ARGUMENT");
    }
    for (const ttlSeconds of [0, -5, 2.5, NaN, Infinity, 86_401]) {
      await expectCode(as.mutation(api.credits.reserveCredits, { amount: 1, ttlSeconds }), "INVALID_ARGUMENT");
    }
    for (const amount of [0, -1, 41, 1.5, NaN, Infinity]) {
      await expectCode(as.mutation(api.credits.commitReservation, { reservationId, amount }), "INVALID_ARGUMENT");
    }
    expect(await snapshot(t)).toEqual(before);
  });
});

describe("only the owner", () => {
  test("another user's reservation is NOT_FOUND, exactly like a missing one; anonymous is UNAUTHENTICATED", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    const { reservationId } = await ada.as.mutation(api.credits.reserveCredits, { amount: 10 });
    const gone = await t.run(async (ctx) => {
      const id = await ctx.db.insert("creditReservations", {
        userId: bob.userId,
        amount: 1,
        status: "held",
        expiresAt: JAN_31,
        refillCountAtReserve: 0,
        updatedAt: JAN_31,
      });
      await ctx.db.delete("creditReservations", id);
      return id;
    });
    const before = await snapshot(t);
    const others = await expectCode(bob.as.mutation(api.credits.commitReservation, { reservationId }), "NOT_FOUND");
    const missing = await expectCode(
      bob.as.mutation(api.credits.commitReservation, { reservationId: gone }),
      "NOT_FOUND",
    );
    expect(others).toEqual(missing);
    await expectCode(bob.as.mutation(api.credits.releaseReservation, { reservationId }), "NOT_FOUND");
    await expectCode(bob.as.mutation(api.credits.releaseReservation, { reservationId: "not-an-id" }), "NOT_FOUND");
    await expectCode(t.mutation(api.credits.commitReservation, { reservationId }), "UNAUTHENTICATED");
    await expectCode(t.mutation(api.credits.releaseReservation, { reservationId }), "UNAUTHENTICATED");
    await expectCode(t.mutation(api.credits.reserveCredits, { amount: 1 }), "UNAUTHENTICATED");
    expect(await snapshot(t)).toEqual(before);
    // Ada still can.
    expect((await ada.as.mutation(api.credits.releaseReservation, { reservationId })).returned).toBe(10);
  });
});

describe("time-to-live", () => {
  test("a reservation still held when its TTL runs out is released by the scheduled expiry", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 25, ttlSeconds: 60 });
    vi.advanceTimersByTime(59_000);
    await t.finishInProgressScheduledFunctions();
    expect((await reservationOf(t, reservationId))?.status).toBe("held");
    vi.advanceTimersByTime(1_000);
    await t.finishInProgressScheduledFunctions();
    expect(await reservationOf(t, reservationId)).toMatchObject({ status: "expired", charged: 0 });
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 100, ledgerSum: 100 });
    expect(await scheduledStates(t)).toEqual([{ name: "credits:expireReservation", state: "success" }]);
    await expectCode(as.mutation(api.credits.commitReservation, { reservationId }), "CONFLICT");
  });

  test("past its TTL but before the timer has run, commit is CONFLICT and the expiry still releases it", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 25, ttlSeconds: 60 });
    vi.setSystemTime(JAN_31 + 60_000); // the clock moves, the timer has not fired yet
    const before = await snapshot(t);
    const data = await expectCode(as.mutation(api.credits.commitReservation, { reservationId }), "CONFLICT");
    expect(data.status).toBe("expired");
    expect(await snapshot(t)).toEqual(before);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 100, ledgerSum: 100 });
  });

  test("commit and release cancel the scheduled expiry: no job is left pending", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const a = (await as.mutation(api.credits.reserveCredits, { amount: 25, ttlSeconds: 60 })).reservationId;
    const b = (await as.mutation(api.credits.reserveCredits, { amount: 10, ttlSeconds: 60 })).reservationId;
    const pending = { name: "credits:expireReservation", state: "pending" };
    const canceled = { name: "credits:expireReservation", state: "canceled" };
    expect(await scheduledStates(t)).toEqual([pending, pending]);
    const [jobA, jobB] = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
    expect(await reservationOf(t, a)).toMatchObject({ status: "held", expiryJobId: jobA!._id });
    expect(await reservationOf(t, b)).toMatchObject({ status: "held", expiryJobId: jobB!._id });

    await as.mutation(api.credits.commitReservation, { reservationId: a, amount: 5 });
    expect(await scheduledStates(t)).toEqual([canceled, pending]);
    await as.mutation(api.credits.releaseReservation, { reservationId: b });
    expect(await scheduledStates(t)).toEqual([canceled, canceled]);

    // The time-to-live passes: nothing runs, nothing changes.
    const before = await snapshot(t);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await snapshot(t)).toEqual(before);
    expect(await scheduledStates(t)).toEqual([canceled, canceled]);
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 95, ledgerSum: 95 });
  });

  test("a reservation stored without its job id (made before ids were kept) still commits; its expiry does nothing", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 25, ttlSeconds: 60 });
    await t.run(async (ctx) => {
      await ctx.db.patch("creditReservations", reservationId, { expiryJobId: undefined });
    });
    await as.mutation(api.credits.commitReservation, { reservationId });
    expect(await scheduledStates(t)).toEqual([{ name: "credits:expireReservation", state: "pending" }]);
    const before = await snapshot(t);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await snapshot(t)).toEqual(before);
    expect(await scheduledStates(t)).toEqual([{ name: "credits:expireReservation", state: "success" }]);
  });

  test("the expiry of a committed reservation does nothing", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 25, ttlSeconds: 60 });
    await as.mutation(api.credits.commitReservation, { reservationId, amount: 5 });
    const before = await snapshot(t);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await snapshot(t)).toEqual(before);
    expect(await t.mutation(internal.credits.expireReservation, { reservationId })).toBeNull();
  });
});

describe("reservations across a refill", () => {
  test("credits held across a refill are never counted twice: released, they lapse with their period", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    vi.setSystemTime(Date.parse("2026-02-28T08:00:00Z"));
    const held = await as.mutation(api.credits.reserveCredits, { amount: 30, ttlSeconds: 7200 });
    const spent = await as.mutation(api.credits.reserveCredits, { amount: 20, ttlSeconds: 7200 });
    vi.setSystemTime(Date.parse("2026-02-28T09:00:00Z"));
    expect(await t.mutation(internal.credits.refillDue, {})).toEqual({ refilled: 1, more: false });
    expect((await as.query(api.credits.getCredits, {}))?.balance).toBe(100);
    // Released after the refill: nothing lands on top of the fresh allowance.
    expect(await as.mutation(api.credits.releaseReservation, { reservationId: held.reservationId })).toEqual({
      balance: 100,
      charged: 0,
      returned: 0,
    });
    // Committed in part after the refill: paid from the old period, the rest lapses.
    expect(await as.mutation(api.credits.commitReservation, { reservationId: spent.reservationId, amount: 5 })).toEqual(
      { balance: 100, charged: 5, returned: 0 },
    );
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 100, ledgerSum: 100 });
    const history = await as.query(api.credits.listCreditHistory, { paginationOpts: { numItems: 2, cursor: null } });
    expect(history.page.map((e) => [e.kind, e.delta])).toEqual([
      ["release", 0],
      ["release", 0],
    ]);
    expect(history.page[0]!.reason).toContain("lapsed");
  });

  test("also when a paid refill lands in the same millisecond as the reservation", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 30 });
    await t.run(async (ctx) => {
      const db = serviceDb(ctx.db);
      const account = (await getAccount({ db }, userId))!;
      const now = Date.now();
      await refillOnce({ db }, account, {
        allowance: 1000,
        key: "invoice:in_1",
        reason: "Pro",
        nextRefillAt: now + 1,
        now,
      });
    });
    expect((await as.mutation(api.credits.releaseReservation, { reservationId })).balance).toBe(1000);
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 1000, ledgerSum: 1000 });
  });

  test("a reservation made after the refill returns its credits as usual", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    vi.setSystemTime(Date.parse("2026-02-28T09:00:00Z"));
    await t.mutation(internal.credits.refillDue, {});
    const { reservationId } = await as.mutation(api.credits.reserveCredits, { amount: 30 });
    expect((await as.mutation(api.credits.releaseReservation, { reservationId })).returned).toBe(30);
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 100, ledgerSum: 100 });
  });
});
