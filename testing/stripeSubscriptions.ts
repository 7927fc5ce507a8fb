// Stripe subscriptions for tests: prices, items and subscriptions, shaped as
// Stripe sends them on the pinned API version (convex/lib/stripe.ts).
// How every builder is typed and filled: testing/stripeShapes.ts.
import Stripe from "stripe";
import {
  decimal,
  EXAMPLE_TIME,
  list,
  nulls,
  type Payload,
  PRODUCT,
  sec,
  secOrNull,
  userMetadata,
} from "./stripeShapes";

export type PriceSpec = {
  id?: string;
  lookupKey?: string | null;
  interval?: "month" | "year";
  unitAmount?: number;
  /** False: archived in the Dashboard. */
  active?: boolean;
};

/** A recurring price; `lookupKey` maps it to a plan (null: not in the catalogue). */
export function price(spec: PriceSpec = {}): Payload<Stripe.Price> {
  const lookupKey = spec.lookupKey === undefined ? "pro_monthly" : spec.lookupKey;
  const unitAmount = spec.unitAmount ?? 2000;
  return {
    id: spec.id ?? `price_${lookupKey ?? "unlisted"}`,
    object: "price",
    active: spec.active ?? true,
    billing_scheme: "per_unit",
    created: EXAMPLE_TIME,
    currency: "usd",
    livemode: false,
    lookup_key: lookupKey,
    metadata: {},
    product: PRODUCT,
    recurring: {
      interval: spec.interval ?? "month",
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: "licensed",
    },
    tax_behavior: "unspecified",
    type: "recurring",
    unit_amount: unitAmount,
    unit_amount_decimal: decimal(unitAmount),
    ...nulls<Stripe.Price>()("custom_unit_amount", "nickname", "tiers_mode", "transform_quantity"),
  } satisfies Stripe.Price;
}

/** The deprecated plan that Stripe still sends beside each item's price, mirroring it. */
function planOf(pr: Stripe.Price): Stripe.Plan {
  return {
    id: pr.id,
    object: "plan",
    active: pr.active,
    amount: pr.unit_amount,
    amount_decimal: pr.unit_amount_decimal,
    billing_scheme: pr.billing_scheme,
    created: pr.created,
    currency: pr.currency,
    interval: pr.recurring?.interval ?? "month",
    interval_count: pr.recurring?.interval_count ?? 1,
    livemode: pr.livemode,
    metadata: pr.metadata,
    nickname: pr.nickname,
    product: pr.product,
    usage_type: pr.recurring?.usage_type ?? "licensed",
    ...nulls<Stripe.Plan>()("meter", "tiers_mode", "transform_usage", "trial_period_days"),
  };
}

/** A subscription item: on current API versions it carries the billing period. */
export function subscriptionItem(spec: {
  id?: string;
  subscription: string;
  price: Stripe.Price;
  periodStart: number;
  periodEnd: number;
}): Payload<Stripe.SubscriptionItem> {
  return {
    id: spec.id ?? `si_${spec.subscription}`,
    object: "subscription_item",
    created: sec(spec.periodStart),
    current_period_end: sec(spec.periodEnd),
    current_period_start: sec(spec.periodStart),
    discounts: [],
    metadata: {},
    plan: planOf(spec.price),
    price: spec.price,
    quantity: 1,
    subscription: spec.subscription,
    tax_rates: [],
    ...nulls<Stripe.SubscriptionItem>()("billing_thresholds", "current_trial"),
  } satisfies Stripe.SubscriptionItem;
}

export type SubscriptionSpec = {
  id: string;
  customer: string;
  /** Any string, so a test can send a status Stripe never does (the handler must refuse it). */
  status?: string;
  /** Our checkout sets it; portal- or dashboard-made subscriptions lack it. */
  userId?: string | null;
  lookupKey?: string | null;
  interval?: "month" | "year";
  priceId?: string;
  periodStart: number;
  periodEnd: number;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  trialEnd?: number | null;
  canceledAt?: number | null;
  endedAt?: number | null;
  /** Pre-2025 shape: the period top-level, not on the item. */
  legacyPeriod?: boolean;
};

/** A subscription object as Stripe sends it (in events and from the API). */
export function subscription(spec: SubscriptionSpec): Payload<Stripe.Subscription> {
  const itemPrice = price({ id: spec.priceId, lookupKey: spec.lookupKey, interval: spec.interval });
  const item: Stripe.SubscriptionItem = subscriptionItem({
    subscription: spec.id,
    price: itemPrice,
    periodStart: spec.periodStart,
    periodEnd: spec.periodEnd,
  });
  const itemsUrl = `/v1/subscription_items?subscription=${spec.id}`;
  const sub = {
    id: spec.id,
    object: "subscription",
    automatic_tax: { enabled: false, disabled_reason: null, liability: null },
    billing_cycle_anchor: sec(spec.periodStart),
    billing_mode: { type: "classic", flexible: null },
    billing_schedules: [],
    cancel_at: secOrNull(spec.cancelAt),
    cancel_at_period_end: spec.cancelAtPeriodEnd ?? false,
    canceled_at: secOrNull(spec.canceledAt),
    cancellation_details: nulls<Stripe.Subscription.CancellationDetails>()(
      "comment",
      "feedback",
      "feedback_option",
      "reason",
    ),
    collection_method: "charge_automatically",
    created: sec(spec.periodStart),
    currency: "usd",
    customer: spec.customer,
    default_tax_rates: [],
    discounts: [],
    ended_at: secOrNull(spec.endedAt),
    invoice_settings: {
      issuer: { type: "self" },
      ...nulls<Stripe.Subscription.InvoiceSettings>()("account_tax_ids", "custom_fields", "description", "footer"),
    },
    items: list([item], itemsUrl),
    livemode: false,
    metadata: userMetadata(spec.userId),
    start_date: sec(spec.periodStart),
    // Cast: the spec takes any string (see SubscriptionSpec.status); the SDK types the known statuses.
    status: (spec.status ?? "active") as Stripe.Subscription.Status,
    trial_end: secOrNull(spec.trialEnd),
    trial_start: spec.trialEnd ? sec(spec.periodStart) : null,
    ...nulls<Stripe.Subscription>()(
      "application",
      "application_fee_percent",
      "billing_cycle_anchor_config",
      "billing_thresholds",
      "customer_account",
      "days_until_due",
      "default_payment_method",
      "default_source",
      "description",
      "latest_invoice",
      "managed_payments",
      "next_pending_invoice_item_invoice",
      "on_behalf_of",
      "pause_collection",
      "payment_settings",
      "pending_invoice_item_interval",
      "pending_setup_intent",
      "pending_update",
      "schedule",
      "test_clock",
      "transfer_data",
      "trial_settings",
    ),
  } satisfies Stripe.Subscription;
  if (!spec.legacyPeriod) return sub;
  // Before 2025-03-31.basil the period was top-level (extra keys, which Payload
  // allows) and items had none. Cast: the SDK's item type requires the period.
  const { current_period_start, current_period_end, ...legacyItem } = item;
  return {
    ...sub,
    items: list([legacyItem as Stripe.SubscriptionItem], itemsUrl),
    current_period_start,
    current_period_end,
  };
}
