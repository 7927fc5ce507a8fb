import { v } from "convex/values";
import { internal } from "./_generated/api";
import { fail } from "./lib/errors";
import { internalMutation, internalQuery, userAction } from "./lib/functions";
import { callStripe, requireEnv, stripeClient } from "./lib/stripe";
import * as V from "./lib/validators";
import type { BillingState } from "./lib/validators";
import * as Customers from "./model/customers";
import { PLANS } from "../src/plans";

// Stripe Checkout and the customer portal. Each action does its Stripe calls,
// then at most one internal mutation records what they created. What Stripe
// then tells us (subscription, payments) arrives by webhook: stripeEvents.ts.

/**
 * A Checkout page for `planId` billed every `interval`. Reuses the user's
 * Stripe customer or creates one; the user id travels as
 * `client_reference_id` and as the subscription's `metadata.userId`, so every
 * later event leads back to the user.
 */
export const createCheckoutSession = userAction({
  args: { planId: V.planId, interval: V.billingInterval },
  returns: V.redirect,
  handler: async (ctx, { planId, interval }): Promise<{ url: string }> => {
    const lookupKey = PLANS[planId].lookupKeys[interval];
    if (lookupKey === undefined) fail("INVALID_ARGUMENT", `The ${planId} plan is not for sale`, { field: "planId" });
    const site = requireEnv("SITE_URL");
    const stripe = stripeClient();
    const userId = ctx.userId;
    // Read once for the Stripe calls below; the decisions that matter are safe
    // against a concurrent call: Stripe returns the same customer for the same
    // idempotency key, and linking is idempotent.
    const state: BillingState = await ctx.runQuery(internal.billing.billingState, { userId });
    if (state.subscribed) fail("CONFLICT", "You already have a subscription: change plans in the billing portal");
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
    try {
      const prices = await callStripe("look up the price", () =>
        stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 }),
      );
      const price = prices.data[0];
      if (price === undefined)
        fail("CONFIGURATION", `No active Stripe price has lookup key ${lookupKey}`, { lookupKey });
      const session = await callStripe("start a checkout", () =>
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
      if (!session.url) fail("STRIPE_ERROR", "Stripe returned a checkout session without a URL");
      return { url: session.url };
    } finally {
      // Recorded even when checkout failed, so the customer is never orphaned.
      if (newCustomer !== null) {
        await ctx.runMutation(internal.billing.linkCustomer, { userId, stripeCustomerId: newCustomer });
      }
    }
  },
});

/** A Stripe customer portal page (update card, change plan, cancel); CONFLICT before any checkout. */
export const createPortalSession = userAction({
  args: {},
  returns: V.redirect,
  handler: async (ctx): Promise<{ url: string }> => {
    const site = requireEnv("SITE_URL");
    const stripe = stripeClient();
    const { stripeCustomerId }: BillingState = await ctx.runQuery(internal.billing.billingState, {
      userId: ctx.userId,
    });
    if (stripeCustomerId === null) fail("CONFLICT", "No billing account yet: subscribe to a plan first");
    const session = await callStripe("open the billing portal", () =>
      stripe.billingPortal.sessions.create({ customer: stripeCustomerId, return_url: `${site}/billing` }),
    );
    return { url: session.url };
  },
});

/** What the billing actions need to know about a user. */
export const billingState = internalQuery({
  args: { userId: v.id("users") },
  returns: V.billingState,
  handler: (ctx, { userId }) => Customers.billingState(ctx, userId),
});

/** Records the customer↔user link made by checkout. Idempotent. */
export const linkCustomer = internalMutation({
  args: { userId: v.id("users"), stripeCustomerId: v.string() },
  returns: V.linkResult,
  handler: (ctx, { userId, stripeCustomerId }) => Customers.linkCustomer(ctx, userId, stripeCustomerId),
});
