// A whole Stripe account for the operator's tools (billing:doctor and
// billing:reconcile): the catalogue's prices, the webhook endpoint, the
// customer portal and the subscription list, as routes for `stubStripe`.
import Stripe from "stripe";
import { STRIPE_API_VERSION } from "../convex/lib/stripe";
import { HANDLED_EVENT_TYPES } from "../convex/model/stripeHandlers";
import { catalogueKeys } from "../convex/model/stripeDoctor";
import { type StripeRequest, type StripeRoutes } from "./stripe";
import { customer as customerObject } from "./stripeSessions";
import { EXAMPLE_TIME, list, nulls, type Payload, PRODUCT } from "./stripeShapes";
import { price } from "./stripeSubscriptions";

/** The URL the doctor expects the endpoint at (CONVEX_SITE_URL is set by the backend module). */
export const webhookUrl = () => `${process.env.CONVEX_SITE_URL}/stripe/webhook`;

/** A webhook endpoint; by default the correct one: our URL, enabled, every handled event, the pinned version. */
export function webhookEndpoint(
  spec: { id?: string; url?: string; status?: string; events?: readonly string[]; apiVersion?: string | null } = {},
): Payload<Stripe.WebhookEndpoint> {
  return {
    id: spec.id ?? "we_1Pgc7HB7WZ01zgkW",
    object: "webhook_endpoint",
    api_version: spec.apiVersion === undefined ? STRIPE_API_VERSION : spec.apiVersion,
    created: EXAMPLE_TIME,
    enabled_events: [...(spec.events ?? HANDLED_EVENT_TYPES)],
    livemode: false,
    metadata: {},
    status: spec.status ?? "enabled",
    url: spec.url ?? webhookUrl(),
    ...nulls<Stripe.WebhookEndpoint>()("application", "description"),
  } satisfies Stripe.WebhookEndpoint;
}

/** The default customer portal configuration, letting customers switch between `prices` (or not at all). */
export function portalConfiguration(spec: {
  prices: readonly string[];
  switching?: boolean;
  isDefault?: boolean;
}): Payload<Stripe.BillingPortal.Configuration> {
  return {
    id: "bpc_1Pgc7HB7WZ01zgkWxH2EPWRX",
    object: "billing_portal.configuration",
    active: true,
    application: null,
    business_profile: nulls<Stripe.BillingPortal.Configuration.BusinessProfile>()(
      "headline",
      "privacy_policy_url",
      "terms_of_service_url",
    ),
    created: EXAMPLE_TIME,
    default_return_url: null,
    features: {
      customer_update: { allowed_updates: ["email"], enabled: true },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true, payment_method_configuration: null },
      subscription_cancel: {
        cancellation_reason: { enabled: false, feedback_options: null, options: [] },
        enabled: true,
        mode: "at_period_end",
        proration_behavior: "none",
      },
      subscription_pause: { duration: { interval_options: [], type: "indefinite" }, enabled: false },
      subscription_update: {
        billing_cycle_anchor: null,
        default_allowed_updates: ["price"],
        enabled: spec.switching ?? true,
        products: [
          {
            adjustable_quantity: { enabled: false, maximum: null, minimum: 1 },
            prices: [...spec.prices],
            product: PRODUCT,
          },
        ],
        proration_behavior: "create_prorations",
        schedule_at_period_end: { conditions: [] },
        trial_update_behavior: "end_trial",
      },
    },
    is_default: spec.isDefault ?? true,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: {},
    name: null,
    updated: EXAMPLE_TIME,
  } satisfies Stripe.BillingPortal.Configuration;
}

// Example amounts in cents (Stripe prices live in Stripe, not in src/plans.ts).
const AMOUNTS: Record<string, number> = {
  pro_monthly: 2_000,
  pro_yearly: 20_000,
  business_monthly: 10_000,
  business_yearly: 100_000,
};

/** The catalogue's prices, each with its lookup key and interval, all active. */
export const cataloguePrices = () =>
  catalogueKeys().map(({ lookupKey, interval }) =>
    price({ lookupKey, interval, id: `price_${lookupKey}`, unitAmount: AMOUNTS[lookupKey] }),
  );

export type AccountSpec = {
  /** Every price in the account (default: the catalogue's). */
  prices?: Stripe.Price[];
  endpoints?: Stripe.WebhookEndpoint[];
  portal?: Stripe.BillingPortal.Configuration[];
};

/**
 * A Stripe account set up as README says (or as `spec` breaks it), as routes
 * for `stubStripe`: prices listed by lookup key or by `active`, webhook
 * endpoints, the portal configuration.
 */
export function stripeAccount(spec: AccountSpec = {}): StripeRoutes {
  const prices = spec.prices ?? cataloguePrices();
  const catalogue = prices.filter((p) => p.active && catalogueKeys().some((k) => k.lookupKey === p.lookup_key));
  const endpoints = spec.endpoints ?? [webhookEndpoint()];
  const portal = spec.portal ?? [portalConfiguration({ prices: catalogue.map((p) => p.id) })];
  return {
    "GET /v1/prices": (req) => {
      const keys = [...req.query.entries()].filter(([k]) => k.startsWith("lookup_keys[")).map(([, value]) => value);
      const active = req.query.get("active");
      const found = prices.filter(
        (p) =>
          (keys.length === 0 || keys.includes(p.lookup_key ?? "")) && (active === null || String(p.active) === active),
      );
      return list(found, "/v1/prices");
    },
    "GET /v1/webhook_endpoints": () => list(endpoints, "/v1/webhook_endpoints"),
    "GET /v1/billing_portal/configurations": () => list(portal, "/v1/billing_portal/configurations"),
  };
}

/** A subscription in Stripe's list, with its customer's e-mail and metadata (what `expand: data.customer` returns). */
export type Listed = { subscription: Stripe.Subscription; email?: string | null; customerUserId?: string };

/**
 * `GET /v1/subscriptions` over `listed` (a function: a test can change what
 * Stripe says between runs), in Stripe's pages (`limit`, `starting_after`),
 * with customers expanded when asked.
 */
export function subscriptionList(listed: () => readonly Listed[]): StripeRoutes {
  return {
    "GET /v1/subscriptions": (req: StripeRequest) => {
      const all = listed();
      const limit = Number(req.query.get("limit") ?? 10);
      const after = req.query.get("starting_after");
      const start = after === null ? 0 : all.findIndex((l) => l.subscription.id === after) + 1;
      const expand = [...req.query.values()].includes("data.customer");
      const data = all.slice(start, start + limit).map(({ subscription, email, customerUserId }) =>
        expand
          ? {
              ...subscription,
              customer: customerObject({ id: subscription.customer as string, email, userId: customerUserId }),
            }
          : subscription,
      );
      return { ...list(data, "/v1/subscriptions"), has_more: start + limit < all.length };
    },
  };
}
