import fc from "fast-check";
import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { FREE_PLAN } from "../src/plans";
import {
  SUBS,
  type SubIndex,
  type Plan,
  type Status,
  type Reason,
  type When,
  type Period,
  type Cmd,
  cmdArb,
} from "./billing.property.commands";
import {
  addMonths,
  type Backend,
  creditsOf,
  MAR_1,
  MINUTE,
  newBackend,
  seedUser,
  sendEvent,
  snapshot,
  stateWithoutInbox,
  stripeCustomer,
  stubStripe,
  type TestUser,
  useStripeTestEnv,
} from "../testing";

// Property: one user's Stripe events, delivered through the real signed
// webhook in random interleavings (two subscriptions of customer cus_ada, pro
// or business monthly, active / past_due / canceled / unpaid; invoices paid or
// failed for the clock's period or the next; duplicates of an event id and
// replays of a payload under a new id; `created` times that repeat the same
// second or go back), with the refill sweep, the clock moving (minutes to
// weeks) and the user spending, keep the money rules. Checked after every step:
//
// 1. Balance. `credits.balance` equals the sum of the user's ledger deltas, is
//    never negative, and each entry's `balanceAfter` is the running sum:
//    model/ledger.ts changes a balance only as one patch plus one entry, and
//    refuses a change that would make it negative.
// 2. Canceled is final. A subscription row once stored `canceled` never
//    changes status or plan again: syncSubscription ignores every later
//    snapshot of an ended row (even one from the same second), invoice.paid
//    grants nothing for it, and payment_failed only moves a row in good standing.
// 3. Paid grants are bounded. A refill period runs from one `refill` ledger
//    entry to the next (`credits.refillCount` counts them).
//    a. Its `upgrade` entries add up to at most (highest allowance reached in
//       it − allowance it started with): changeAllowance grants only above
//       `credits.peakAllowance`, which each refill resets to its allowance and
//       each upgrade raises, so switching plans back and forth grants once.
//    b. A refill to more than the free allowance (no plan has a rollover, so
//       the entry's `balanceAfter` is the grant) is either keyed
//       `invoice:<id>` for an invoice.paid we delivered (refillForInvoice), or
//       is the sweep's (`period:<date>`) at a `lastRefillAt` before
//       `credits.paidThrough` (refillIfDue grants at most the free allowance
//       otherwise); and `paidThrough`, set only by refillForInvoice, never
//       passes the end of the latest period an invoice.paid paid for.
//    c. Every ledger key is written once: an invoice refills once, a period
//       once, a plan change (`plan:<eventId>`) grants once (refillForInvoice
//       and changeAllowance look the key up first; the sweep checks
//       `lastRefillAt` against the period start).
// 4. No 500. Every event here is well formed, so the webhook answers 200. (An
//    invoice for a subscription not stored yet is fetched from a fake Stripe
//    API that answers with the newest snapshot we sent of it.)
// 5. Exactly once. An event id delivered again answers `duplicate` and leaves
//    every row except the inbox's as it was: stripeInbox.ts finds the id and
//    returns before applying anything.
//
// No fixed seed: each run explores new sequences. A failure prints the seed,
// the path and the shrunk sequence; pass `{ seed, path }` to fc.assert to
// replay it. PROPERTY_RUNS=2000 runs a deeper search locally.

useStripeTestEnv();

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

function monthNow(): number {
  let k = 0;
  while (addMonths(MAR_1, k + 1) <= Date.now()) k++;
  return k;
}

type Sent = { id: string; type: string; object: object; created: number };

/** One user's side of Stripe: the events sent (for duplicates and replays) and Stripe's own view of each subscription. */
class StripeWorld {
  readonly stripe: ReturnType<typeof stripeCustomer>;
  readonly sent: Sent[] = [];
  /** The newest snapshot sent of each subscription (ties: the later one), which the fake Stripe API returns. */
  readonly truth = new Map<string, { created: number; object: object }>();
  latestCreated = MAR_1;
  readonly t: Backend;
  readonly ada: TestUser;
  readonly auditor: Auditor;

  constructor(t: Backend, ada: TestUser, auditor: Auditor) {
    this.t = t;
    this.ada = ada;
    this.auditor = auditor;
    this.stripe = stripeCustomer(ada);
    stubStripe({
      "GET /v1/subscriptions/*": (req) => {
        const id = req.path.split("/").at(-1)!;
        return this.truth.get(id)?.object ?? this.subscription(id === SUBS[1] ? 1 : 0, "pro", "active", 0);
      },
    });
  }

  subscription(i: SubIndex, plan: Plan, status: Status, p: Period) {
    const k = monthNow() + p;
    const period = { periodStart: addMonths(MAR_1, k), periodEnd: addMonths(MAR_1, k + 1) };
    return this.stripe.subscription({ id: SUBS[i], lookupKey: `${plan}_monthly`, status, ...period });
  }

  /** One invoice id per subscription, period and reason, so a repeat is the same invoice. */
  invoice(i: SubIndex, reason: Reason, p: Period, paid: boolean) {
    const k = monthNow() + p;
    const id = `in_${i}_${k}_${reason === "subscription_create" ? "create" : "cycle"}`;
    const period = { periodStart: addMonths(MAR_1, k), periodEnd: addMonths(MAR_1, k + 1) };
    return this.stripe.invoice({ id, subscription: SUBS[i], billingReason: reason, paid, ...period });
  }

  createdAt(w: When): number {
    if (w.at === "now") return Date.now();
    if (w.at === "same") return this.latestCreated;
    return this.latestCreated - w.minutes * MINUTE;
  }

  /** Delivers one event, signed, and checks invariant 4: the webhook answers 200. */
  async send(label: string, e: Sent) {
    if (e.type === "invoice.paid") this.auditor.notePaid(e.object);
    const answer = await sendEvent(this.t, e.type, e.object, e.created, { id: e.id });
    expect(answer.http, `${label}: the webhook answered ${answer.http} to ${e.type}`).toBe(200);
    return answer;
  }

  async sendNew(label: string, id: string, type: string, object: object, w: When) {
    const e = { id, type, object, created: this.createdAt(w) };
    this.latestCreated = Math.max(this.latestCreated, e.created);
    this.sent.push(e);
    if (type.startsWith("customer.subscription.")) {
      const subId = (object as { id: string }).id;
      const known = this.truth.get(subId);
      if (known === undefined || e.created >= known.created) this.truth.set(subId, { created: e.created, object });
    }
    await this.send(label, e);
  }

  async run(cmd: Cmd, i: number, label: string) {
    const t = this.t;
    switch (cmd.op) {
      case "subscription": {
        const status = cmd.type === "deleted" ? "canceled" : cmd.status;
        const object = this.subscription(cmd.sub, cmd.plan, status, cmd.period);
        return await this.sendNew(label, `evt_${i}`, `customer.subscription.${cmd.type}`, object, cmd.when);
      }
      case "invoicePaid": {
        const object = this.invoice(cmd.sub, cmd.reason, cmd.period, true);
        return await this.sendNew(label, `evt_${i}`, "invoice.paid", object, cmd.when);
      }
      case "paymentFailed": {
        const object = this.invoice(cmd.sub, "subscription_cycle", cmd.period, false);
        return await this.sendNew(label, `evt_${i}`, "invoice.payment_failed", object, cmd.when);
      }
      case "duplicate": {
        // Invariant 5: the same event id again is a duplicate and changes nothing.
        if (this.sent.length === 0) return;
        const e = this.sent[cmd.pick % this.sent.length]!;
        const before = await stateWithoutInbox(t);
        const answer = await this.send(label, e);
        expect(answer.duplicate, `${label}: ${e.id} delivered again is a duplicate`).toBe(true);
        expect(await stateWithoutInbox(t), `${label}: ${e.id} delivered again changed state`).toEqual(before);
        return;
      }
      case "replay": {
        // The same payload under a new id (an operator's replay, a re-created event): a new event, same invariants.
        if (this.sent.length === 0) return;
        const e = this.sent[cmd.pick % this.sent.length]!;
        const replay = { ...e, id: `evt_${i}_replays_${e.id}` };
        this.sent.push(replay);
        await this.send(label, replay);
        return;
      }
      case "wait":
        vi.setSystemTime(Date.now() + cmd.minutes * MINUTE);
        return;
      case "sweep": {
        const due = (await creditsOf(t, this.ada.userId)).account!.nextRefillAt;
        if (cmd.untilDue) vi.setSystemTime(Math.max(Date.now(), due));
        await t.mutation(internal.credits.refillDue, {});
        return;
      }
      case "spend": {
        const { balance } = await creditsOf(t, this.ada.userId);
        if (balance === 0) return;
        await this.ada.as.mutation(api.credits.consumeCredits, { amount: Math.ceil((balance * cmd.percent) / 100) });
        return;
      }
    }
  }
}

/** Invariants 1 to 3, checked after every step against what the steps so far have seen. */
class Auditor {
  /** Ledger entries already audited. */
  private audited = 0;
  /** The current refill period: the allowance it started with, the highest since, and its upgrades' total. */
  private period = { startAllowance: FREE_PLAN.monthlyCredits, highest: FREE_PLAN.monthlyCredits, upgraded: 0 };
  private readonly canceled = new Map<string, Pick<Doc<"subscriptions">, "status" | "planId">>();
  private readonly paidInvoices = new Set<string>();
  private latestPaidEnd = 0;

  /** An invoice.paid about to be delivered: its refill, and its period as paid, are legitimate. */
  notePaid(object: object) {
    const invoice = object as { id: string; lines: { data: { period: { end: number } }[] } };
    this.paidInvoices.add(invoice.id);
    this.latestPaidEnd = Math.max(this.latestPaidEnd, invoice.lines.data[0]!.period.end * 1000);
  }

  async audit(t: Backend, userId: TestUser["userId"], label: string) {
    const { account, ledger, balance, ledgerSum } = await creditsOf(t, userId);
    // 1. Balance.
    expect(balance, `${label}: balance == sum of ledger deltas`).toBe(ledgerSum);
    expect(balance, `${label}: balance >= 0`).toBeGreaterThanOrEqual(0);
    let running = 0;
    for (const entry of ledger) {
      running += entry.delta;
      expect(entry.balanceAfter, `${label}: balanceAfter of ${entry.kind} ${entry.idempotencyKey}`).toBe(running);
    }

    // 2. Canceled is final.
    const { subscriptions } = (await snapshot(t, ["subscriptions"])) as { subscriptions: Doc<"subscriptions">[] };
    for (const row of subscriptions) {
      const frozen = this.canceled.get(row.stripeSubscriptionId);
      const now = { status: row.status, planId: row.planId };
      if (frozen !== undefined) expect(now, `${label}: ${row.stripeSubscriptionId} was canceled`).toEqual(frozen);
      else if (row.status === "canceled") this.canceled.set(row.stripeSubscriptionId, now);
    }

    // 3. Paid grants are bounded.
    const { monthlyAllowance, lastRefillAt, paidThrough = 0, refillCount } = account!;
    const grants = ledger.slice(this.audited).filter((e) => e.kind === "refill" || e.kind === "upgrade");
    this.audited = ledger.length;
    // One event or sweep writes at most one grant, so the allowance after the step is the one a refill set.
    expect(grants.length, `${label}: grants written in one step`).toBeLessThanOrEqual(1);
    for (const entry of grants) {
      if (entry.kind === "upgrade") {
        this.period.upgraded += entry.delta;
        continue;
      }
      const key = entry.idempotencyKey ?? "";
      if (entry.balanceAfter > FREE_PLAN.monthlyCredits) {
        const byPaidInvoice = key.startsWith("invoice:") && this.paidInvoices.has(key.slice("invoice:".length));
        const bySweepInPaidPeriod = key.startsWith("period:") && lastRefillAt < paidThrough;
        const when = new Date(lastRefillAt).toISOString();
        expect(
          byPaidInvoice || bySweepInPaidPeriod,
          `${label}: refill to ${entry.balanceAfter} (${key}) at ${when}, paidThrough ${new Date(paidThrough).toISOString()}`,
        ).toBe(true);
      }
      this.period = { startAllowance: monthlyAllowance, highest: monthlyAllowance, upgraded: 0 };
    }
    const p = this.period;
    p.highest = Math.max(p.highest, monthlyAllowance);
    expect(
      p.upgraded,
      `${label}: upgrades in this refill period (from ${p.startAllowance}, peak ${p.highest})`,
    ).toBeLessThanOrEqual(p.highest - p.startAllowance);
    const keys = ledger.flatMap((e) => (e.idempotencyKey === undefined ? [] : [e.idempotencyKey]));
    const repeated = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(repeated, `${label}: ledger keys written twice`).toEqual([]);
    const refills = ledger.filter((e) => e.kind === "refill").length;
    expect(refillCount, `${label}: refillCount counts the refill entries`).toBe(refills);
    expect(paidThrough, `${label}: paidThrough within the paid periods`).toBeLessThanOrEqual(this.latestPaidEnd);
  }
}

test(
  "property: random Stripe event streams, sweeps and time keep the money rules after every step",
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 40, size: "max" }), async (cmds) => {
        vi.setSystemTime(MAR_1);
        const t = newBackend();
        const ada = await seedUser(t, "ada@example.com");
        const auditor = new Auditor();
        const world = new StripeWorld(t, ada, auditor);
        for (const [i, cmd] of cmds.entries()) {
          const label = `step ${i} ${JSON.stringify(cmd)} (clock ${new Date(Date.now()).toISOString()})`;
          await world.run(cmd, i, label);
          await auditor.audit(t, ada.userId, label);
        }
      }),
      { numRuns: RUNS },
    );
  },
  RUNS * 2_000,
);
