// Stripe Checkout and portal sessions, customers and the event envelope for
// tests, shaped as Stripe sends them on the pinned API version (convex/lib/stripe.ts).
// How every builder is typed and filled: testing/stripeShapes.ts.
import Stripe from "stripe";
import { STRIPE_API_VERSION } from "../convex/lib/stripe";
import { EXAMPLE_TIME, nulls, type Payload, sec, userMetadata } from "./stripeShapes";

export function checkoutSession(spec: {
  id?: string;
  customer: string | null;
  clientReferenceId: string | null;
  subscription?: string | null;
  url?: string;
  /** `metadata.userId`, which our createCheckoutSession sets on every session it opens. */
  userId?: string | null;
  /** Default `complete` (as in checkout.session.completed); `open` for a session the API returns unpaid. */
  status?: Stripe.Checkout.Session.Status;
  /** Seconds. */
  expiresAt?: number;
}): Payload<Stripe.Checkout.Session> {
  return {
    id: spec.id ?? "cs_test_a1b2c3",
    object: "checkout.session",
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    cancel_url: "https://example.com/cancel",
    client_reference_id: spec.clientReferenceId,
    created: EXAMPLE_TIME,
    currency: "usd",
    custom_fields: [],
    custom_text: nulls<Stripe.Checkout.Session.CustomText>()(
      "after_submit",
      "shipping_address",
      "submit",
      "terms_of_service_acceptance",
    ),
    customer: spec.customer,
    expires_at: spec.expiresAt ?? EXAMPLE_TIME + 24 * 3600,
    livemode: false,
    metadata: userMetadata(spec.userId),
    mode: "subscription",
    payment_method_types: ["card"],
    payment_status: (spec.status ?? "complete") === "complete" ? "paid" : "unpaid",
    shipping_options: [],
    status: spec.status ?? "complete",
    subscription: spec.subscription ?? null,
    success_url: "https://example.com/success",
    url: spec.url ?? null,
    ...nulls<Stripe.Checkout.Session>()(
      "adaptive_pricing",
      "after_expiration",
      "allow_promotion_codes",
      "allowed_payment_method_types",
      "amount_subtotal",
      "amount_total",
      "billing_address_collection",
      "client_secret",
      "collected_information",
      "consent",
      "consent_collection",
      "currency_conversion",
      "customer_account",
      "customer_creation",
      "customer_details",
      "customer_email",
      "discounts",
      "integration_identifier",
      "invoice",
      "invoice_creation",
      "locale",
      "managed_payments",
      "origin_context",
      "payment_intent",
      "payment_link",
      "payment_method_collection",
      "payment_method_configuration_details",
      "payment_method_options",
      "permissions",
      "recovered_from",
      "saved_payment_method_options",
      "setup_intent",
      "shipping_address_collection",
      "shipping_cost",
      "submit_type",
      "total_details",
      "ui_mode",
      "wallet_options",
    ),
  } satisfies Stripe.Checkout.Session;
}

/** A customer; `userId` is the metadata our checkout sets when it creates one. */
export function customer(spec: { id: string; email?: string | null; userId?: string }): Payload<Stripe.Customer> {
  return {
    id: spec.id,
    object: "customer",
    balance: 0,
    created: EXAMPLE_TIME,
    delinquent: false,
    email: spec.email ?? null,
    invoice_prefix: "7FE1103",
    invoice_settings: nulls<Stripe.Customer.InvoiceSettings>()(
      "custom_fields",
      "default_payment_method",
      "footer",
      "rendering_options",
    ),
    livemode: false,
    metadata: userMetadata(spec.userId),
    next_invoice_sequence: 1,
    preferred_locales: [],
    tax_exempt: "none",
    ...nulls<Stripe.Customer>()("default_source", "description", "name", "phone", "shipping", "test_clock"),
  } satisfies Stripe.Customer;
}

/** A charge refunded (in full unless `amountRefunded` says less). */
export function portalSession(spec: {
  customer: string;
  returnUrl: string;
  url: string;
}): Payload<Stripe.BillingPortal.Session> {
  return {
    id: "bps_1Pgc7HB7WZ01zgkWNs8s9Auh",
    object: "billing_portal.session",
    configuration: "bpc_1Pgc7HB7WZ01zgkWxH2EPWRX",
    created: EXAMPLE_TIME,
    customer: spec.customer,
    livemode: false,
    return_url: spec.returnUrl,
    url: spec.url,
    ...nulls<Stripe.BillingPortal.Session>()("customer_account", "flow", "locale", "on_behalf_of"),
  } satisfies Stripe.BillingPortal.Session;
}

let eventCounter = 0;

/** An event envelope around `object`, at `createdMs`, on the pinned API version. */
export function event(type: string, object: Record<string, unknown>, createdMs: number, id?: string): Stripe.Event {
  const envelope = {
    id: id ?? `evt_test_${++eventCounter}`,
    object: "event",
    api_version: STRIPE_API_VERSION,
    created: sec(createdMs),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  } satisfies Omit<Stripe.Event, "type" | "data">;
  // Cast: tests pair any type with any object (unhandled types, deliberately
  // broken objects); the SDK's union of typed events cannot express that.
  return { ...envelope, type, data: { object } } as unknown as Stripe.Event;
}

/**
 * A thin event (Stripe's v2 event notification) as Stripe sends it to an
 * endpoint subscribed to thin payloads: no object, only a reference to it.
 * The webhook does not apply these (README: Billing → Guarantees).
 */
export function thinEvent(spec: {
  id?: string;
  createdMs: number;
  relatedObjectId?: string;
}): Pick<
  Extract<Stripe.V2.Core.EventNotification, { type: "v1.billing.meter.error_report_triggered" }>,
  "id" | "object" | "type" | "created" | "livemode" | "related_object"
> {
  const meter = spec.relatedObjectId ?? "mtr_test_61R9IeFlyGsBhXYhe41A";
  return {
    id: spec.id ?? `evt_test_65R9Ijk8ee2M2ZTJqFN16R9I${++eventCounter}`,
    object: "v2.core.event",
    type: "v1.billing.meter.error_report_triggered",
    livemode: false,
    created: new Date(spec.createdMs).toISOString(),
    related_object: { id: meter, type: "billing.meter", url: `/v1/billing/meters/${meter}` },
  };
}
