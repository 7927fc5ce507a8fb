// Reading Stripe objects at the boundary: ids from expandable fields, seconds
// to milliseconds, and the fields Stripe moved in 2025 (basil): the period of a
// subscription lives on its items, and an invoice names its subscription under
// `parent.subscription_details`. Older API versions are read too, so a webhook
// endpoint left on an older version keeps working.
import { planForLookupKey, type PlanId } from "../../src/plans";
import {
  PRICE_INTERVALS,
  SUBSCRIPTION_STATUSES,
  type PriceInterval,
  type SubscriptionStatus,
} from "../../src/subscriptions";

/** The parts of a Stripe event the inbox reads. */
export type StripeEvent = {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
};

type Expandable = string | { id: string } | null | undefined;

/** The id of an expandable field (a string id, or the expanded object). */
export function idOf(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  const id = (value as Exclude<Expandable, string>)?.id;
  return typeof id === "string" && id !== "" ? id : null;
}

/** Stripe seconds to our milliseconds; null stays null. */
export function msFromSeconds(seconds: unknown): number | null {
  return typeof seconds === "number" && Number.isFinite(seconds) ? seconds * 1000 : null;
}

/** A Stripe subscription reduced to what the subscriptions table stores. */
export type SubscriptionFacts = {
  stripeSubscriptionId: string;
  stripeCustomerId: string;
  /** `metadata.userId`, set by our checkout (unverified: the caller checks it names a user). */
  metadataUserId: string | null;
  /** Null when the price's lookup key is not in the catalogue. */
  planId: PlanId | null;
  priceId: string;
  priceLookupKey: string | null;
  interval: PriceInterval;
  status: SubscriptionStatus;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  trialEnd: number | null;
};

type RawItem = {
  price?: { id?: string; lookup_key?: string | null; recurring?: { interval?: string } | null };
  current_period_start?: number;
  current_period_end?: number;
};

/**
 * Reads a subscription object. Throws on a shape it cannot read (no id, no
 * items): that is a processing error, so the event is retried and recorded.
 */
export function subscriptionFacts(sub: Record<string, unknown>): SubscriptionFacts {
  const id = idOf(sub.id);
  const customer = idOf(sub.customer);
  const items = ((sub.items as { data?: RawItem[] } | undefined)?.data ?? []) as RawItem[];
  const item = items[0];
  const priceId = item?.price?.id;
  if (id === null || customer === null || item === undefined || typeof priceId !== "string") {
    throw new Error("subscription object without id, customer or a priced item");
  }
  // Current API versions: the period is per item. Before 2025-03-31.basil it
  // was top-level; read that when the item has none.
  const periodStart = msFromSeconds(item.current_period_start) ?? msFromSeconds(sub.current_period_start);
  const periodEnd = msFromSeconds(item.current_period_end) ?? msFromSeconds(sub.current_period_end);
  if (periodStart === null || periodEnd === null) throw new Error(`subscription ${id} has no current period`);
  const status = SUBSCRIPTION_STATUSES.find((s) => s === sub.status);
  if (status === undefined) throw new Error(`subscription ${id} has unknown status ${String(sub.status)}`);
  const lookupKey = item.price?.lookup_key ?? null;
  const interval = PRICE_INTERVALS.find((i) => i === item.price?.recurring?.interval) ?? "month";
  const metadata = (sub.metadata ?? {}) as Record<string, unknown>;
  return {
    stripeSubscriptionId: id,
    stripeCustomerId: customer,
    metadataUserId: typeof metadata.userId === "string" ? metadata.userId : null,
    planId: planForLookupKey(lookupKey)?.planId ?? null,
    priceId,
    priceLookupKey: lookupKey,
    interval,
    status,
    currentPeriodStart: periodStart,
    currentPeriodEnd: periodEnd,
    cancelAtPeriodEnd: sub.cancel_at_period_end === true,
    cancelAt: msFromSeconds(sub.cancel_at),
    trialEnd: msFromSeconds(sub.trial_end),
  };
}

/** The invoice fields the credits logic needs. */
export type InvoiceFacts = {
  invoiceId: string;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  /** The subscription's `metadata.userId` as the invoice snapshots it (current API versions), or null. */
  metadataUserId: string | null;
  /** What was actually paid, in the currency's smallest unit (null when the payload has no number). */
  amountPaid: number | null;
  billingReason: string | null;
  /** The subscription period this invoice pays for (from its lines), in ms. */
  period: { start: number; end: number } | null;
};

type RawLine = {
  period?: { start?: number; end?: number };
  parent?: { subscription_item_details?: { subscription?: string | null } | null } | null;
  subscription?: Expandable;
};

/**
 * Reads an invoice. The subscription: `parent.subscription_details.subscription`
 * on current versions, top-level `subscription` before basil. The period comes
 * from the subscription's line items: the invoice's own `period_start/end`
 * describe the previous period on renewal invoices, not the one paid for.
 */
export function invoiceFacts(invoice: Record<string, unknown>): InvoiceFacts {
  const invoiceId = idOf(invoice.id);
  if (invoiceId === null) throw new Error("invoice object without id");
  const parent = invoice.parent as {
    subscription_details?: { subscription?: Expandable; metadata?: Record<string, unknown> | null } | null;
  } | null;
  const metadataUserId = parent?.subscription_details?.metadata?.userId;
  const subscriptionId = idOf(parent?.subscription_details?.subscription) ?? idOf(invoice.subscription);
  const lines = ((invoice.lines as { data?: RawLine[] } | undefined)?.data ?? []) as RawLine[];
  const subscriptionLines = lines.filter(
    (line) => idOf(line.parent?.subscription_item_details?.subscription) !== null || idOf(line.subscription) !== null,
  );
  let period: InvoiceFacts["period"] = null;
  for (const line of subscriptionLines) {
    const start = msFromSeconds(line.period?.start);
    const end = msFromSeconds(line.period?.end);
    if (start === null || end === null) continue;
    if (period === null || end > period.end) period = { start, end };
  }
  return {
    invoiceId,
    stripeCustomerId: idOf(invoice.customer),
    stripeSubscriptionId: subscriptionId,
    metadataUserId: typeof metadataUserId === "string" ? metadataUserId : null,
    amountPaid: typeof invoice.amount_paid === "number" ? invoice.amount_paid : null,
    billingReason: typeof invoice.billing_reason === "string" ? invoice.billing_reason : null,
    period,
  };
}
