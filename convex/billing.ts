import { v } from "convex/values";
import type Stripe from "stripe";
import { internal } from "./_generated/api";
import { fail } from "./lib/errors";
import { internalMutation, internalQuery, userAction } from "./lib/functions";
import { callStripe, requireEnv, stripeClient } from "./lib/stripe";
import * as V from "./lib/validators";
import type { BillingState } from "./lib/validators";
import * as Checkouts from "./model/checkouts";
import * as Customers from "./model/customers";
import * as Deletion from "./model/accountDeletion";
import * as RateLimits from "./model/rateLimits";
import * as Users from "./model/users";
import { isAppError } from "../src/errors";
import { PLANS } from "../src/plans";

// Stripe Checkout and the customer portal. Each action does its Stripe calls,
// then at most one internal mutation records what they created. What Stripe
// then tells us (subscription, payments) arrives by webhook: stripeEvents.ts.

/**
 * A Checkout page for `planId` billed every `interval`. Reuses the user's
 * Stripe customer or creates one; the user id travels as
 * `client_reference_id` and as the session's and subscription's
 * `metadata.userId`, so every later event leads back to the user. A user has
 * at most one open session: asking again for the same price returns it,
 * another price closes it first, so two sessions can never both be paid.
 * Rate-limited with the portal (`spendStripeCall`), before anything else.
 */
export const createCheckoutSession = userAction({
  args: { planId: V.planId, interval: V.billingInterval },
  returns: V.redirect,
  handler: async (ctx, { planId, interval }): Promise<{ url: string }> => {
    await ctx.runMutation(internal.billing.spendStripeCall, { userId: ctx.userId });
    const lookupKey = PLANS[planId].lookupKeys[interval];
    if (lookupKey === undefined) fail("INVALID_ARGUMENT", `The ${planId} plan is not for sale`, { field: "planId" });
    const site = requireEnv("SITE_URL");
    const stripe = stripeClient();
    const userId = ctx.userId;
    // Read once for the Stripe calls below; what a concurrent call could race
    // on is settled by Stripe (one customer per idempotency key) and by
    // `recordCheckout` (one open session per user).
    const state: BillingState = await ctx.runQuery(internal.billing.billingState, { userId, now: Date.now() });
    if (state.subscribed) fail("CONFLICT", "You already have a subscription: manage it in the billing portal");
    if (state.checkoutPending) fail("CONFLICT", "Your checkout is complete: your subscription is on its way");
    let replaced: string | null = null;
    if (state.openCheckout !== null) {
      const open = await settleOpenCheckout(stripe, state.openCheckout.stripeSessionId);
      if (open !== null && state.openCheckout.lookupKey === lookupKey) return { url: open };
      if (open !== null)
        await callStripe("close the previous checkout", () =>
          stripe.checkout.sessions.expire(state.openCheckout!.stripeSessionId),
        );
      replaced = state.openCheckout.stripeSessionId;
    }
    let customerId = state.stripeCustomerId;
    if (customerId === null) {
      const customer = await callStripe("create a customer", () =>
        stripe.customers.create(
          { email: state.email ?? undefined, metadata: { userId } },
          // Two concurrent checkouts (double click, two tabs) get one customer.
          { idempotencyKey: `customer-for-user:${userId}` },
        ),
      );
      customerId = customer.id;
    }
    const newCustomer = state.stripeCustomerId === null ? customerId : null;
    let opened: Stripe.Checkout.Session | null = null;
    try {
      const prices = await callStripe("look up the price", () =>
        stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 }),
      );
      const price = prices.data[0];
      if (price === undefined)
        fail("CONFIGURATION", `No active Stripe price has lookup key ${lookupKey}`, { lookupKey });
      opened = await callStripe("start a checkout", () =>
        stripe.checkout.sessions.create({
          mode: "subscription",
          customer: customerId,
          client_reference_id: userId,
          line_items: [{ price: price.id, quantity: 1 }],
          subscription_data: { metadata: { userId } },
          metadata: { userId },
          success_url: `${site}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${site}/billing?checkout=canceled`,
        }),
      );
      if (!opened.url) fail("STRIPE_ERROR", "Stripe returned a checkout session without a URL");
    } finally {
      // Recorded even when checkout failed, so the customer is never orphaned.
      const session =
        opened?.url == null
          ? undefined
          : { stripeSessionId: opened.id, url: opened.url, lookupKey, expiresAt: opened.expires_at * 1000 };
      const kept = await ctx.runMutation(internal.billing.recordCheckout, {
        userId,
        stripeCustomerId: newCustomer ?? undefined,
        session,
        replaced: replaced ?? undefined,
        now: Date.now(),
      });
      // The account was deleted while Stripe opened the session: close it, so
      // nothing is paid for an account that no longer exists.
      if (kept === "deleted") {
        if (opened !== null) await callStripe("close the checkout", () => stripe.checkout.sessions.expire(opened!.id));
        fail("UNAUTHENTICATED", "This account no longer exists");
      }
      // A concurrent call (double click, two tabs) recorded its session first:
      // close ours and send the user to that one.
      if (kept !== null && opened !== null && kept.stripeSessionId !== opened.id) {
        await callStripe("close the duplicate checkout", () => stripe.checkout.sessions.expire(opened!.id));
        opened = { ...opened, url: kept.url };
      }
    }
    return { url: opened.url! };
  },
});

/** The open session's URL, or null when it is no longer open; CONFLICT when it was just paid (the subscription is on its way). */
async function settleOpenCheckout(stripe: Stripe, stripeSessionId: string): Promise<string | null> {
  let session: Stripe.Checkout.Session;
  try {
    session = await callStripe("read the open checkout", () => stripe.checkout.sessions.retrieve(stripeSessionId));
  } catch (error) {
    // A session Stripe no longer knows (another mode's key, a deleted test
    // object) must not block checkout for a day: it is not open.
    if (isAppError(error, "STRIPE_ERROR") && error.data.stripeCode === "resource_missing") return null;
    throw error;
  }
  if (session.status === "complete") fail("CONFLICT", "Your checkout is complete: your subscription is on its way");
  return session.status === "open" ? session.url : null;
}

/** A Stripe customer portal page (update card, change plan, cancel); CONFLICT before any checkout. Rate-limited with checkout. */
export const createPortalSession = userAction({
  args: {},
  returns: V.redirect,
  handler: async (ctx): Promise<{ url: string }> => {
    await ctx.runMutation(internal.billing.spendStripeCall, { userId: ctx.userId });
    const site = requireEnv("SITE_URL");
    const stripe = stripeClient();
    const { stripeCustomerId }: BillingState = await ctx.runQuery(internal.billing.billingState, {
      userId: ctx.userId,
      now: Date.now(),
    });
    if (stripeCustomerId === null) fail("CONFLICT", "No billing account yet: subscribe to a plan first");
    const session = await callStripe("open the billing portal", () =>
      stripe.billingPortal.sessions.create({ customer: stripeCustomerId, return_url: `${site}/billing` }),
    );
    return { url: session.url };
  },
});

/**
 * The first step of every billing action: one token from the user's
 * `stripeSession` bucket, shared by checkout and portal, or RATE_LIMITED (with
 * `retryAfter`) before any Stripe request or open-session reuse. Every call
 * counts, even one refused later (CONFLICT, a Stripe error): each may reach
 * Stripe, whose account-wide rate limit the webhook handling needs too.
 */
export const spendStripeCall = internalMutation({
  args: { userId: v.id("users") },
  returns: v.null(),
  handler: async (ctx, { userId }) => {
    // The first thing both actions do: a deleted account's token (which still
    // parses) is refused here, before a bucket row or a Stripe call.
    if (!(await Users.userExists(ctx, userId))) fail("UNAUTHENTICATED", "This account no longer exists");
    await RateLimits.spend(ctx, "stripeSession", userId);
    return null;
  },
});

/** What the billing actions need to know about a user (`now`: the action's clock; queries read none). */
export const billingState = internalQuery({
  args: { userId: v.id("users"), now: v.number() },
  returns: V.billingState,
  handler: async (ctx, { userId, now }) => {
    // A deleted account's token still parses: refuse before any Stripe call.
    if (!(await Users.userExists(ctx, userId))) fail("UNAUTHENTICATED", "This account no longer exists");
    return await Customers.billingState(ctx, userId, now);
  },
});

/**
 * Records what a checkout created: the customer link, the session (one open
 * per user: a session recorded meanwhile by a concurrent call is kept and
 * returned, and the caller closes its own), and the session it replaced.
 */
export const recordCheckout = internalMutation({
  args: {
    userId: v.id("users"),
    stripeCustomerId: v.optional(v.string()),
    session: v.optional(
      v.object({ stripeSessionId: v.string(), url: v.string(), lookupKey: v.string(), expiresAt: v.number() }),
    ),
    replaced: v.optional(v.string()),
    now: v.number(),
  },
  returns: v.union(
    v.object({ stripeSessionId: v.string(), url: v.string(), lookupKey: v.string() }),
    v.null(),
    v.literal("deleted"),
  ),
  handler: async (ctx, { userId, stripeCustomerId, session, replaced, now }) => {
    // The account was deleted while the action ran: nothing of it is written
    // back, but a customer made for it is remembered as a deleted account's.
    if (!(await Users.userExists(ctx, userId))) {
      if (stripeCustomerId !== undefined) await Deletion.rememberCustomer(ctx, userId, stripeCustomerId);
      return "deleted" as const;
    }
    if (stripeCustomerId !== undefined) await Customers.linkCustomer(ctx, userId, stripeCustomerId);
    if (replaced !== undefined) await Checkouts.finishCheckout(ctx, replaced, "expired");
    if (session === undefined) return null;
    const open = await Checkouts.openCheckout(ctx, userId, now);
    if (open !== null && open.stripeSessionId !== session.stripeSessionId) return open;
    await Checkouts.recordCheckout(ctx, { userId, ...session });
    return { stripeSessionId: session.stripeSessionId, url: session.url, lookupKey: session.lookupKey };
  },
});

/** Records the customer↔user link made by checkout, or by an operator. Idempotent; never re-points either side. */
export const linkCustomer = internalMutation({
  args: { userId: v.id("users"), stripeCustomerId: v.string() },
  returns: V.linkResult,
  handler: (ctx, { userId, stripeCustomerId }) => Customers.linkCustomer(ctx, userId, stripeCustomerId),
});

// The operator's Stripe tools live in stripeOps.ts; exported here too so they
// run as `npx convex run billing:doctor` and `billing:reconcile`.
export { doctor, reconcile } from "./stripeOps";
