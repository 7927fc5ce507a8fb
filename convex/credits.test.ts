import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { userDb } from "./lib/db";
import { chargeUser } from "./model/credits";
import { at, creditsOf, expectCode, JAN_31, newBackend, seedUser, snapshot } from "../testing";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(JAN_31);
});
afterEach(() => {
  vi.useRealTimers();
});

const BAD_AMOUNTS = [0, -1, -100, 1.5, 0.1, NaN, Infinity, -Infinity, 1_000_001, 2 ** 53];

describe("getCredits", () => {
  test("shows the balance, allowance, and last and next refill times", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    expect(await as.query(api.credits.getCredits, {})).toEqual({
      balance: 100,
      monthlyAllowance: 100,
      lastRefillAt: JAN_31,
      nextRefillAt: at("2026-02-28T09:00:00Z"),
    });
  });

  test("each user sees their own; anonymous callers are refused", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    await ada.as.mutation(api.credits.consumeCredits, { amount: 30 });
    expect((await ada.as.query(api.credits.getCredits, {}))?.balance).toBe(70);
    expect((await bob.as.query(api.credits.getCredits, {}))?.balance).toBe(100);
    await expectCode(t.query(api.credits.getCredits, {}), "UNAUTHENTICATED");
  });
});

test("a user whose account is not open yet: getCredits is null, spending is NOT_FOUND", async () => {
  const t = newBackend();
  const userId = await t.run((ctx) => ctx.db.insert("users", { email: "new@example.com" }));
  const as = t.withIdentity({ subject: `${userId}|s` });
  expect(await as.query(api.credits.getCredits, {})).toBeNull();
  await expectCode(as.mutation(api.credits.consumeCredits, { amount: 1 }), "NOT_FOUND");
  await expectCode(as.mutation(api.credits.reserveCredits, { amount: 1 }), "NOT_FOUND");
});

describe("consumeCredits", () => {
  test("spends and records one ledger entry", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    expect(await as.mutation(api.credits.consumeCredits, { amount: 40, reason: "  an AI call " })).toEqual({
      balance: 60,
    });
    const state = await creditsOf(t, userId);
    expect(state).toMatchObject({ balance: 60, ledgerSum: 60 });
    expect(state.ledger).toHaveLength(2);
    const { creditLedger } = await snapshot(t, ["creditLedger"]);
    expect(creditLedger!.at(-1)).toMatchObject({ kind: "consume", delta: -40, balanceAfter: 60, reason: "an AI call" });
  });

  test("can spend the balance down to exactly zero", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    expect(await as.mutation(api.credits.consumeCredits, { amount: 100 })).toEqual({ balance: 0 });
  });

  test("an overspend is INSUFFICIENT_CREDITS with the balance, and changes nothing", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    await as.mutation(api.credits.consumeCredits, { amount: 90 });
    const before = await snapshot(t);
    const data = await expectCode(as.mutation(api.credits.consumeCredits, { amount: 11 }), "INSUFFICIENT_CREDITS");
    expect(data).toMatchObject({ balance: 10, required: 11 });
    expect(await snapshot(t)).toEqual(before);
  });

  test("0, negatives, fractions, NaN, Infinity and more than 1,000,000 are INVALID_ARGUMENT, nothing changed", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    const before = await snapshot(t);
    for (const amount of BAD_AMOUNTS) {
      const data = await expectCode(as.mutation(api.credits.consumeCredits, { amount }), "INVALID_ARGUMENT");
      expect(data.field).toBe("amount");
    }
    await expectCode(as.mutation(api.credits.consumeCredits, { amount: 1, reason: " " }), "INVALID_ARGUMENT");
    await expectCode(as.mutation(api.credits.consumeCredits, { amount: 1, idempotencyKey: "" }), "INVALID_ARGUMENT");
    expect(await snapshot(t)).toEqual(before);
  });

  test("1,000,000 is accepted as an amount (and refused only for want of credits)", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    await expectCode(as.mutation(api.credits.consumeCredits, { amount: 1_000_000 }), "INSUFFICIENT_CREDITS");
  });

  test("the same idempotency key twice spends once and returns the first result", async () => {
    const t = newBackend();
    const { userId, as } = await seedUser(t, "ada@example.com");
    const first = await as.mutation(api.credits.consumeCredits, { amount: 25, idempotencyKey: "job-1" });
    await as.mutation(api.credits.consumeCredits, { amount: 5 });
    const before = await snapshot(t);
    const again = await as.mutation(api.credits.consumeCredits, { amount: 25, idempotencyKey: "job-1" });
    expect(first).toEqual({ balance: 75 });
    expect(again).toEqual({ balance: 75 });
    expect(await snapshot(t)).toEqual(before);
    expect(await creditsOf(t, userId)).toMatchObject({ balance: 70, ledgerSum: 70 });
    // The same key for another amount is a client bug, not a repeat.
    await expectCode(as.mutation(api.credits.consumeCredits, { amount: 26, idempotencyKey: "job-1" }), "CONFLICT");
    expect(await snapshot(t)).toEqual(before);
  });

  test("idempotency keys are per user", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    await ada.as.mutation(api.credits.consumeCredits, { amount: 10, idempotencyKey: "k" });
    expect(await bob.as.mutation(api.credits.consumeCredits, { amount: 10, idempotencyKey: "k" })).toEqual({
      balance: 90,
    });
  });

  test("a client key cannot pose as a system key such as the sign-up grant", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    // "signup" is the key of the sign-up ledger entry; as a client key it is just a new key.
    expect(await as.mutation(api.credits.consumeCredits, { amount: 10, idempotencyKey: "signup" })).toEqual({
      balance: 90,
    });
  });

  test("a failed spend does not burn its idempotency key", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    await expectCode(
      as.mutation(api.credits.consumeCredits, { amount: 500, idempotencyKey: "big" }),
      "INSUFFICIENT_CREDITS",
    );
    await expectCode(
      as.mutation(api.credits.consumeCredits, { amount: 101, idempotencyKey: "big" }),
      "INSUFFICIENT_CREDITS",
    );
    expect(await as.mutation(api.credits.consumeCredits, { amount: 50, idempotencyKey: "big" })).toEqual({
      balance: 50,
    });
  });

  test("anonymous callers are refused and change nothing", async () => {
    const t = newBackend();
    await seedUser(t, "ada@example.com");
    const before = await snapshot(t);
    await expectCode(t.mutation(api.credits.consumeCredits, { amount: 1 }), "UNAUTHENTICATED");
    expect(await snapshot(t)).toEqual(before);
  });
});

describe("chargeUser (server-side, inside an app's mutation)", () => {
  test("charges the signed-in user in the caller's transaction; a failure rolls the work back", async () => {
    const t = newBackend();
    const { userId } = await seedUser(t, "ada@example.com");
    // What an app mutation does: its own write, then the charge, in one transaction.
    const work = (amount: number) =>
      t.run(async (raw) => {
        const ctx = { db: userDb(raw.db, userId), userId };
        await ctx.db.insert("notes", { userId, title: "report", body: "generated" });
        return await chargeUser(ctx, amount, "report generation", `report-${amount}`);
      });
    expect(await work(60)).toEqual({ balance: 40 });
    const before = await snapshot(t);
    await expectCode(work(41), "INSUFFICIENT_CREDITS");
    expect(await snapshot(t)).toEqual(before); // no note without its payment
    expect((await snapshot(t, ["notes"])).notes).toHaveLength(1);
  });
});

describe("listCreditHistory", () => {
  test("the caller's ledger, newest first, in pages", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    for (const amount of [1, 2, 3, 4]) {
      await ada.as.mutation(api.credits.consumeCredits, { amount });
      await bob.as.mutation(api.credits.consumeCredits, { amount: 7 });
    }
    const first = await ada.as.query(api.credits.listCreditHistory, { paginationOpts: { numItems: 3, cursor: null } });
    expect(first.page.map((e) => e.delta)).toEqual([-4, -3, -2]);
    expect(first.isDone).toBe(false);
    const second = await ada.as.query(api.credits.listCreditHistory, {
      paginationOpts: { numItems: 3, cursor: first.continueCursor },
    });
    expect(second.page.map((e) => [e.kind, e.delta])).toEqual([
      ["consume", -1],
      ["signup", 100],
    ]);
    expect([...first.page, ...second.page].every((e) => e.userId === ada.userId)).toBe(true);
    const bobs = await bob.as.query(api.credits.listCreditHistory, { paginationOpts: { numItems: 100, cursor: null } });
    expect(bobs.page.map((e) => e.delta)).toEqual([-7, -7, -7, -7, 100]);
  });

  test("page sizes outside 1..100 are INVALID_ARGUMENT; anonymous callers are refused", async () => {
    const t = newBackend();
    const { as } = await seedUser(t, "ada@example.com");
    for (const numItems of [0, -1, 101, 1.5]) {
      await expectCode(
        as.query(api.credits.listCreditHistory, { paginationOpts: { numItems, cursor: null } }),
        "INVALID_ARGUMENT",
      );
    }
    await expectCode(
      t.query(api.credits.listCreditHistory, { paginationOpts: { numItems: 10, cursor: null } }),
      "UNAUTHENTICATED",
    );
  });
});

describe("access matrix: owner, another user, anonymous, for every public credits function", () => {
  test("the owner acts on their own credits; another user never reaches them; anonymous is refused", async () => {
    const t = newBackend();
    const ada = await seedUser(t, "ada@example.com");
    const bob = await seedUser(t, "bob@example.com");
    const held = (await ada.as.mutation(api.credits.reserveCredits, { amount: 10 })).reservationId;
    const held2 = (await ada.as.mutation(api.credits.reserveCredits, { amount: 10 })).reservationId;
    const page = { paginationOpts: { numItems: 10, cursor: null } };
    const adaRows = () => snapshot(t, ["credits", "creditLedger", "creditReservations"]).then(onlyOf(ada.userId));

    // Anonymous: UNAUTHENTICATED for each, nothing changed.
    const before = await snapshot(t);
    await expectCode(t.query(api.credits.getCredits, {}), "UNAUTHENTICATED");
    await expectCode(t.query(api.credits.listCreditHistory, page), "UNAUTHENTICATED");
    await expectCode(t.mutation(api.credits.consumeCredits, { amount: 1 }), "UNAUTHENTICATED");
    await expectCode(t.mutation(api.credits.reserveCredits, { amount: 1 }), "UNAUTHENTICATED");
    await expectCode(t.mutation(api.credits.commitReservation, { reservationId: held }), "UNAUTHENTICATED");
    await expectCode(t.mutation(api.credits.releaseReservation, { reservationId: held }), "UNAUTHENTICATED");
    expect(await snapshot(t)).toEqual(before);

    // Another user: sees and spends only their own; Ada's reservations are NOT_FOUND to him.
    const adaBefore = await adaRows();
    expect((await bob.as.query(api.credits.getCredits, {}))?.balance).toBe(100);
    expect((await bob.as.query(api.credits.listCreditHistory, page)).page.every((e) => e.userId === bob.userId)).toBe(
      true,
    );
    expect(await bob.as.mutation(api.credits.consumeCredits, { amount: 5 })).toEqual({ balance: 95 });
    expect((await bob.as.mutation(api.credits.reserveCredits, { amount: 5 })).balance).toBe(90);
    await expectCode(bob.as.mutation(api.credits.commitReservation, { reservationId: held }), "NOT_FOUND");
    await expectCode(bob.as.mutation(api.credits.releaseReservation, { reservationId: held }), "NOT_FOUND");
    expect(await adaRows()).toEqual(adaBefore);

    // The owner: each works.
    expect((await ada.as.query(api.credits.getCredits, {}))?.balance).toBe(80);
    expect((await ada.as.query(api.credits.listCreditHistory, page)).page).toHaveLength(3);
    expect(await ada.as.mutation(api.credits.consumeCredits, { amount: 5 })).toEqual({ balance: 75 });
    expect((await ada.as.mutation(api.credits.reserveCredits, { amount: 5 })).balance).toBe(70);
    expect((await ada.as.mutation(api.credits.commitReservation, { reservationId: held })).charged).toBe(10);
    expect((await ada.as.mutation(api.credits.releaseReservation, { reservationId: held2 })).returned).toBe(10);
  });
});

const onlyOf = (userId: string) => (state: Record<string, unknown[]>) =>
  Object.fromEntries(
    Object.entries(state).map(([table, rows]) => [
      table,
      rows.filter((r) => (r as { userId: string }).userId === userId),
    ]),
  );
