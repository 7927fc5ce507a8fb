// What each Stripe event does to our data. Called by the webhook inbox
// (model/stripeInbox.ts) inside the one mutation that also records the event,
// so an event's effects and its inbox row commit together or not at all.
import type { ReadCtx, WriteCtx } from "../lib/db";
import { finishCheckout } from "./checkouts";
import { linkCustomer, linkForCustomer } from "./customers";
import { allowanceOfAll } from "./entitlements";
import { type Account, getAccount } from "./ledger";
import { isRefillingInvoice, refillForInvoice } from "./refills";
import { handled, type Handled, type Outcome } from "./stripeOutcome";
import { syncSubscription } from "./subscriptionSync";
import * as Subscriptions from "./subscriptions";
import { userExists } from "./users";
import { idOf, invoiceFacts, subscriptionFacts, type InvoiceFacts, type StripeEvent } from "./stripeObjects";

/**
 * Every event type `applyEvent` acts on: the webhook endpoint must subscribe
 * to each (README, Setup; the doctor checks it). Any other type is ignored.
 */
export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "checkout.session.expired",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
  "charge.refunded",
] as const;

/**
 * Applies one verified event. `fetched` is the event's subscription as just
 * read from Stripe's API, when an earlier call answered `needs_subscription`.
 * Nothing is written before a `needs_subscription` answer.
 */
export async function applyEvent(
  ctx: WriteCtx,
  event: StripeEvent,
  fetched: Record<string, unknown> | null,
): Promise<Outcome> {
  const at = event.created * 1000;
  const object = event.data.object;
  switch (event.type) {
    case "checkout.session.completed":
      return await onCheckoutCompleted(ctx, object);
    case "checkout.session.expired":
      return await onCheckoutExpired(ctx, object);
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return (await syncSubscription(ctx, subscriptionFacts(object), at, event.id, true)).outcome;
    case "invoice.paid":
      return await onInvoicePaid(ctx, invoiceFacts(object), at, event.id, fetched);
    case "invoice.payment_failed":
      return await onPaymentFailed(ctx, invoiceFacts(object), at);
    case "charge.refunded":
      return await onChargeRefunded(ctx, object);
    default:
      return handled("ignored", `${event.type} is not handled`);
  }
}

/**
 * Links the checkout's customer to its user, only when the session is ours:
 * `client_reference_id` can be set by whoever builds a session (Payment
 * Links, the pricing table), so it must agree with the `metadata.userId` our
 * createCheckoutSession sets on the server. A user who already has a
 * customer is never re-pointed. Anything else naming a user is kept as
 * needs_attention for a person.
 */
async function onCheckoutCompleted(ctx: WriteCtx, session: Record<string, unknown>): Promise<Handled> {
  const sessionId = idOf(session.id);
  if (sessionId !== null) await finishCheckout(ctx, sessionId, "complete");
  const customer = idOf(session.customer);
  if (customer === null) return handled("ignored", "Checkout session without a customer");
  const ref = typeof session.client_reference_id === "string" ? session.client_reference_id : null;
  const userId = ref === null ? null : ctx.db.normalizeId("users", ref);
  if (userId === null || !(await userExists(ctx, userId))) {
    return handled("unmatched", `client_reference_id ${ref ?? "(none)"} names no user`, { stripeCustomerId: customer });
  }
  const who = { userId, stripeCustomerId: customer };
  const metadata = (session.metadata ?? {}) as Record<string, unknown>;
  if (metadata.userId !== ref) {
    const note = `Session ${sessionId} names user ${userId} without our checkout's metadata: customer ${customer} not linked`;
    return handled("needs_attention", note, who);
  }
  if ((await linkCustomer(ctx, userId, customer)) === "conflict") {
    const note = `Customer ${customer} not linked to user ${userId}: one of them is already linked to another`;
    return handled("needs_attention", note, who);
  }
  return handled("processed", null, who);
}

/** An unpaid Checkout session Stripe expired: the user may open a new one. */
async function onCheckoutExpired(ctx: WriteCtx, session: Record<string, unknown>): Promise<Handled> {
  const sessionId = idOf(session.id);
  if (sessionId !== null) await finishCheckout(ctx, sessionId, "expired");
  return handled("processed", null, { stripeCustomerId: idOf(session.customer) });
}

/**
 * Refills credits for a paid first or renewal invoice, once per invoice id
 * (see refillForInvoice). A subscription not stored yet is fetched from Stripe
 * by the caller and stored first, never dropped.
 */
async function onInvoicePaid(
  ctx: WriteCtx,
  invoice: InvoiceFacts,
  at: number,
  eventId: string,
  fetched: Record<string, unknown> | null,
): Promise<Outcome> {
  const customer = invoice.stripeCustomerId;
  if (invoice.stripeSubscriptionId === null)
    return handled("ignored", "Not a subscription invoice", { stripeCustomerId: customer });
  // Credits at a paid allowance come only from money: a trial's or a fully
  // discounted invoice pays nothing, and is not a paid period either.
  if (invoice.amountPaid === 0) {
    return handled("ignored", `Invoice ${invoice.invoiceId} paid nothing (a trial or a full discount): no credits`, {
      stripeCustomerId: customer,
    });
  }
  if (!isRefillingInvoice(invoice.billingReason)) {
    return handled("ignored", `billing_reason ${invoice.billingReason} grants no credits`, {
      stripeCustomerId: customer,
    });
  }
  let { row, subs } = await locateInvoiced(ctx, invoice.stripeSubscriptionId, invoice.metadataUserId);
  let known: Account | null = null;
  if (row === null) {
    if (fetched === null) return { kind: "needs_subscription", stripeSubscriptionId: invoice.stripeSubscriptionId };
    const facts = subscriptionFacts(fetched);
    if (facts.stripeSubscriptionId !== invoice.stripeSubscriptionId) throw new Error("fetched the wrong subscription");
    // No allowance step here: the refill below sets the allowance itself.
    const paidThrough = invoice.period?.end ?? facts.currentPeriodEnd;
    const synced = await syncSubscription(ctx, facts, at, eventId, false, paidThrough);
    if (synced.row === null) return synced.outcome;
    row = synced.row;
    subs = synced.subs ?? (await Subscriptions.listForUser(ctx, row.userId));
    known = synced.account ?? null;
  }
  const who = { userId: row.userId, stripeCustomerId: row.stripeCustomerId };
  if (Subscriptions.hasEnded(row.status)) {
    // Money arrived for a subscription already ended (a cancel delivered before its invoice): a person decides.
    const note = `Invoice ${invoice.invoiceId} paid for subscription ${row.stripeSubscriptionId}, which is ${row.status}: no credits granted`;
    return handled("needs_attention", note, who);
  }
  if (row.planId === "free") {
    return handled(
      "needs_attention",
      `Invoice for price ${row.priceId}, not in the plan catalogue: no credits granted`,
      who,
    );
  }
  const account = known ?? (await getAccount(ctx, row.userId));
  if (account === null) return handled("unmatched", `User ${row.userId} has no credits account`, who);
  // The refill follows the user's best entitled subscription, whichever one this invoice paid.
  const recovered = Subscriptions.isRecoveredByPayment(row.status) && at >= row.lastEventAt;
  const period = invoice.period ?? { start: row.currentPeriodStart, end: row.currentPeriodEnd };
  const paidThrough = Math.max(row.paidThrough ?? 0, period.end);
  const paidFor = { ...row, paidThrough, ...(recovered ? { status: "active" as const } : {}) };
  const all = [...subs.filter((s) => s._id !== row._id), paidFor];
  const result = await refillForInvoice(ctx, account, {
    invoiceId: invoice.invoiceId,
    billingReason: invoice.billingReason!,
    allowance: allowanceOfAll(all),
    interval: row.interval,
    period,
    subscriptionPaidThrough: row.paidThrough ?? 0,
    accountPaidThrough: Subscriptions.accountPaidThrough(all, account.paidThrough),
    now: Date.now(),
  });
  const paid = result === "refilled" || result === "period_already_refilled";
  await Subscriptions.markPaid(
    ctx,
    row,
    { paidThrough: paid ? paidThrough : undefined, recoveredAt: recovered ? at : undefined },
    subs,
  );
  const notes = {
    refilled: null,
    already_refilled: `Invoice ${invoice.invoiceId} already refilled`,
    period_already_refilled: "This period was already refilled by the monthly sweep",
    older_period: `Invoice ${invoice.invoiceId} pays for a period before one already paid: no credits`,
  };
  return handled("processed", notes[result], who);
}

/**
 * The invoiced subscription's row and all its user's subscriptions, reading
 * each once: the `metadata.userId` snapshot on current invoices leads straight
 * to the user's rows (the row is among them); otherwise the row by its id.
 */
async function locateInvoiced(ctx: ReadCtx, stripeSubscriptionId: string, metadataUserId: string | null) {
  const userId = metadataUserId === null ? null : ctx.db.normalizeId("users", metadataUserId);
  if (userId !== null) {
    const subs = await Subscriptions.listForUser(ctx, userId);
    const row = subs.find((s) => s.stripeSubscriptionId === stripeSubscriptionId);
    if (row !== undefined) return { row, subs };
  }
  const row = await Subscriptions.byStripeId(ctx, stripeSubscriptionId);
  return { row, subs: row === null ? [] : await Subscriptions.listForUser(ctx, row.userId) };
}

/** A failed renewal: the subscription is past due; nothing is granted. */
async function onPaymentFailed(ctx: WriteCtx, invoice: InvoiceFacts, at: number): Promise<Handled> {
  const customer = invoice.stripeCustomerId;
  if (invoice.stripeSubscriptionId === null)
    return handled("ignored", "Not a subscription invoice", { stripeCustomerId: customer });
  const row = await Subscriptions.byStripeId(ctx, invoice.stripeSubscriptionId);
  if (row === null) {
    return handled("unmatched", `Unknown subscription ${invoice.stripeSubscriptionId}`, { stripeCustomerId: customer });
  }
  const who = { userId: row.userId, stripeCustomerId: row.stripeCustomerId };
  if (at < row.lastEventAt) return handled("ignored", "Older than the change already applied", who);
  // A failed attempt delivered after the same period was paid (retries, then success) is history.
  if (invoice.period !== null && (row.paidThrough ?? 0) >= invoice.period.end) {
    return handled("ignored", `Invoice ${invoice.invoiceId}'s period is already paid`, who);
  }
  if (!Subscriptions.isInGoodStanding(row.status)) return handled("processed", `Status stays ${row.status}`, who);
  await Subscriptions.setStatus(ctx, row, "past_due", at);
  return handled("processed", null, who);
}

/** Refund policy (README, "Refund policy"): no automatic clawback; kept as needs_attention with the user. */
async function onChargeRefunded(ctx: WriteCtx, charge: Record<string, unknown>): Promise<Handled> {
  const customer = idOf(charge.customer);
  if (customer === null) return handled("ignored", "Refunded charge without a customer");
  const link = await linkForCustomer(ctx, customer);
  if (link === null) return handled("unmatched", `No user for customer ${customer}`, { stripeCustomerId: customer });
  const amount = typeof charge.amount_refunded === "number" ? charge.amount_refunded : 0;
  const currency = typeof charge.currency === "string" ? charge.currency : "";
  const note = `Refund of ${amount} ${currency} on ${idOf(charge.id)}: credits are not taken back automatically`;
  return handled("needs_attention", note, { userId: link.userId, stripeCustomerId: customer });
}
