import fc from "fast-check";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { serviceDb } from "../lib/db";
import { changeAllowance } from "./entitlements";
import { getAccount } from "./ledger";
import { refillOnce } from "./refills";
import { type Backend, creditsOf, DAY, JAN_31, newBackend, seedUser } from "../../testing";

// Property: over random sequences of every operation, the balance is never
// negative, always equals the sum of the ledger's deltas, every entry's
// `balanceAfter` is the running sum, and the balance is what a plain model of
// the rules (below) says it should be.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Op =
  | { op: "consume"; amount: number; key?: string }
  | { op: "reserve"; amount: number; ttl: number }
  | { op: "commit"; pick: number; part?: number }
  | { op: "release"; pick: number }
  | { op: "wait"; seconds: number }
  | { op: "refill" }
  | { op: "paidRefill"; replay: boolean }
  | { op: "setAllowance"; allowance: number }
  | { op: "adjust"; delta: number };

const amount = fc.integer({ min: 1, max: 150 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("consume" as const),
    amount,
    key: fc.option(fc.constantFrom("a", "b", "c"), { nil: undefined }),
  }),
  fc.record({ op: fc.constant("reserve" as const), amount, ttl: fc.integer({ min: 1, max: 7200 }) }),
  fc.record({ op: fc.constant("commit" as const), pick: fc.nat(), part: fc.option(fc.nat(), { nil: undefined }) }),
  fc.record({ op: fc.constant("release" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 7200 }) }),
  fc.record({ op: fc.constant("refill" as const) }),
  fc.record({ op: fc.constant("paidRefill" as const), replay: fc.boolean() }),
  fc.record({ op: fc.constant("setAllowance" as const), allowance: fc.constantFrom(50, 100, 300, 1000) }),
  fc.record({ op: fc.constant("adjust" as const), delta: fc.integer({ min: -200, max: 200 }).filter((d) => d !== 0) }),
);

type Held = { id: string; amount: number; expiresAt: number; period: number; status: "held" | "done" };

/** The rules, as plainly as they can be said. */
class Model {
  balance = 100;
  allowance = 100;
  /** The highest allowance granted for in this period: upgrades add only above it. */
  peak = 100;
  /** The end of the latest paid period: the sweep grants more than the free 100 only before it. */
  paidThrough = 0;
  period = 0;
  keys = new Map<string, { amount: number; balance: number }>();
  reservations: Held[] = [];
  invoices: string[] = [];

  /** Ends a reservation: the rest comes back only within the period it was taken from. */
  end(r: Held, charged: number) {
    r.status = "done";
    if (r.period === this.period) this.balance += r.amount - charged;
  }
  expireUpTo(now: number) {
    for (const r of this.reservations) if (r.status === "held" && r.expiresAt <= now) this.end(r, 0);
  }
}

async function outcome(call: Promise<unknown>): Promise<{ ok: true; value: any } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    const code = (error as { data?: { code?: string } }).data?.code;
    if (code === undefined) throw error;
    return { ok: false, code };
  }
}

async function checkInvariants(t: Backend, userId: Id<"users">, model: Model) {
  const state = await creditsOf(t, userId);
  expect(state.balance).toBeGreaterThanOrEqual(0);
  expect(Number.isSafeInteger(state.balance)).toBe(true);
  expect(state.balance).toBe(state.ledgerSum);
  expect(state.balance).toBe(model.balance);
  expect(state.account!.monthlyAllowance).toBe(model.allowance);
  const entries = await t.run((ctx) =>
    ctx.db
      .query("creditLedger")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .collect(),
  );
  let running = 0;
  for (const entry of entries) {
    running += entry.delta;
    expect(entry.balanceAfter).toBe(running);
  }
}

async function apply(
  t: Backend,
  userId: Id<"users">,
  as: ReturnType<Backend["withIdentity"]>,
  m: Model,
  op: Op,
  i: number,
) {
  const now = Date.now();
  switch (op.op) {
    case "consume": {
      const r = await outcome(as.mutation(api.credits.consumeCredits, { amount: op.amount, idempotencyKey: op.key }));
      const first = op.key === undefined ? undefined : m.keys.get(op.key);
      if (first !== undefined) {
        expect(r).toEqual(
          first.amount === op.amount
            ? { ok: true, value: { balance: first.balance } }
            : { ok: false, code: "CONFLICT" },
        );
      } else if (m.balance < op.amount) {
        expect(r).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS" });
      } else {
        m.balance -= op.amount;
        if (op.key !== undefined) m.keys.set(op.key, { amount: op.amount, balance: m.balance });
        expect(r).toEqual({ ok: true, value: { balance: m.balance } });
      }
      return;
    }
    case "reserve": {
      const r = await outcome(as.mutation(api.credits.reserveCredits, { amount: op.amount, ttlSeconds: op.ttl }));
      if (m.balance < op.amount) return expect(r).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS" });
      m.balance -= op.amount;
      expect(r).toMatchObject({ ok: true, value: { balance: m.balance } });
      const id = (r as { value: { reservationId: string } }).value.reservationId;
      m.reservations.push({ id, amount: op.amount, expiresAt: now + op.ttl * 1000, period: m.period, status: "held" });
      return;
    }
    case "commit":
    case "release": {
      if (m.reservations.length === 0) return;
      const res = m.reservations[op.pick % m.reservations.length]!;
      const charged = op.op === "release" ? 0 : op.part === undefined ? res.amount : 1 + (op.part % res.amount);
      const r = await outcome(
        op.op === "release"
          ? as.mutation(api.credits.releaseReservation, { reservationId: res.id })
          : as.mutation(api.credits.commitReservation, {
              reservationId: res.id,
              amount: op.part === undefined ? undefined : charged,
            }),
      );
      if (res.status !== "held" || now >= res.expiresAt) return expect(r).toEqual({ ok: false, code: "CONFLICT" });
      m.end(res, charged);
      expect(r).toMatchObject({ ok: true, value: { balance: m.balance, charged } });
      return;
    }
    case "wait": {
      vi.advanceTimersByTime(op.seconds * 1000);
      await t.finishInProgressScheduledFunctions();
      m.expireUpTo(Date.now());
      return;
    }
    case "refill": {
      const next = (await creditsOf(t, userId)).account!.nextRefillAt;
      vi.advanceTimersByTime(Math.max(0, next - now));
      await t.finishInProgressScheduledFunctions();
      m.expireUpTo(Date.now());
      await t.mutation(internal.credits.refillDue, {});
      m.balance = Date.now() < m.paidThrough ? m.allowance : Math.min(m.allowance, 100);
      m.peak = m.allowance;
      m.period += 1;
      return;
    }
    case "paidRefill": {
      // billing's invoice.paid: a refill keyed by invoice, at any moment, even
      // with credits held; a replayed invoice grants nothing.
      const replay = op.replay && m.invoices.length > 0;
      const key = replay ? m.invoices[0]! : `invoice:in_${i}`;
      const done = await t.run(async (ctx) => {
        const db = serviceDb(ctx.db);
        const account = (await getAccount({ db }, userId))!;
        const paid = {
          allowance: m.allowance,
          key,
          reason: "invoice.paid",
          nextRefillAt: now + 40 * DAY,
          paidThrough: now + 30 * DAY,
          now,
        };
        return await refillOnce({ db }, account, paid);
      });
      expect(done).toBe(!replay);
      if (!replay) {
        m.invoices.push(key);
        m.balance = m.allowance;
        m.peak = m.allowance;
        m.paidThrough = Math.max(m.paidThrough, now + 30 * DAY);
        m.period += 1;
      }
      return;
    }
    case "setAllowance": {
      await t.run(async (ctx) => {
        const db = serviceDb(ctx.db);
        const account = (await getAccount({ db }, userId))!;
        await changeAllowance({ db }, account, op.allowance, `plan:${i}`);
      });
      // Switching back and forth grants nothing new: only what lies above the period's peak.
      const granted = Math.max(m.peak, m.allowance);
      // ...and only within a paid period; otherwise the invoice's refill grants it.
      if (op.allowance > granted && Date.now() < m.paidThrough) {
        m.balance += op.allowance - granted;
        m.peak = op.allowance;
      }
      m.allowance = op.allowance;
      return;
    }
    case "adjust": {
      const r = await outcome(t.mutation(internal.credits.adjustCredits, { userId, delta: op.delta, reason: "ops" }));
      if (m.balance + op.delta < 0) return expect(r).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS" });
      m.balance += op.delta;
      expect(r).toEqual({ ok: true, value: { balance: m.balance } });
      return;
    }
  }
}

test("property: balance >= 0 and == sum of ledger deltas over random sequences of every operation", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
      vi.clearAllTimers();
      vi.setSystemTime(JAN_31);
      const t = newBackend();
      const { userId, as } = await seedUser(t, "ada@example.com");
      const bob = await seedUser(t, "bob@example.com");
      const model = new Model();
      for (const [i, op] of ops.entries()) {
        await apply(t, userId, as, model, op, i);
        await checkInvariants(t, userId, model);
      }
      // Ada's operations never touched Bob's credits (refills aside, which set his to 100).
      const bobState = await creditsOf(t, bob.userId);
      expect(bobState).toMatchObject({ balance: 100, ledgerSum: 100 });
    }),
    { numRuns: 200 },
  );
}, 120_000);
