// The commands of billing.property.test.ts: what one step of a random Stripe
// event stream can be, and how fast-check generates them.
import fc from "fast-check";

export const SUBS = ["sub_ada", "sub_ada_2"] as const;
export type SubIndex = 0 | 1;
export type Plan = "pro" | "business";
export type Status = "active" | "past_due" | "canceled" | "unpaid";
export type Reason = "subscription_create" | "subscription_cycle";
/** The event's `created`: now, the same second as the latest event, or that many minutes before it. */
export type When = { at: "now" } | { at: "same" } | { at: "earlier"; minutes: number };
/** Periods are calendar months from MAR_1; 0 is the one the clock is in, 1 the next. */
export type Period = 0 | 1;

export type Cmd =
  | {
      op: "subscription";
      type: "created" | "updated" | "deleted";
      sub: SubIndex;
      plan: Plan;
      status: Status;
      period: Period;
      when: When;
    }
  | { op: "invoicePaid"; sub: SubIndex; reason: Reason; period: Period; when: When }
  | { op: "paymentFailed"; sub: SubIndex; period: Period; when: When }
  | { op: "duplicate"; pick: number }
  | { op: "replay"; pick: number }
  | { op: "wait"; minutes: number }
  /** The sweep runs now, or once the account's next refill is due (the clock moves there first). */
  | { op: "sweep"; untilDue: boolean }
  | { op: "spend"; percent: number };

const sub = fc.constantFrom<SubIndex>(0, 0, 1);
const period = fc.constantFrom<Period>(0, 1);
const when: fc.Arbitrary<When> = fc.oneof(
  fc.constant({ at: "now" as const }),
  fc.constant({ at: "same" as const }),
  fc.record({ at: fc.constant("earlier" as const), minutes: fc.integer({ min: 1, max: 14 * 24 * 60 }) }),
);
export const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("subscription" as const),
      type: fc.constantFrom("created" as const, "updated" as const, "deleted" as const),
      sub,
      plan: fc.constantFrom<Plan>("pro", "business"),
      status: fc.constantFrom<Status>("active", "active", "past_due", "canceled", "unpaid"),
      period,
      when,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("invoicePaid" as const),
      sub,
      reason: fc.constantFrom<Reason>("subscription_create", "subscription_cycle"),
      period,
      when,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("paymentFailed" as const), sub, period, when }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("duplicate" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("replay" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("wait" as const),
      minutes: fc.oneof(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 2 * 60, max: 48 * 60 }),
        fc.integer({ min: 2 * 24 * 60, max: 21 * 24 * 60 }),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("sweep" as const), untilDue: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("spend" as const), percent: fc.integer({ min: 1, max: 100 }) }) },
);

/** The month (from MAR_1) the clock is in. */
