// Stripe payments for tests: invoices, Checkout and portal sessions,
// customers, refunded charges and the event envelope, shaped as Stripe sends
// them on the pinned API version (convex/lib/stripe.ts).
// Each builder is checked against the `stripe` SDK's type for its object
// (`satisfies`), so a field the SDK renames, removes or newly requires fails
// the typecheck. Values: what the handlers read, plus what makes an object
// recognisable (ids, amounts, statuses from Stripe's published examples);
// unread nullable fields are null, as Stripe sends them when unset. The
// pre-2025 shapes (`legacyPeriod`, `legacy`) are outside the SDK types; the
// builders say how they carry them.
import Stripe from "stripe";
import { STRIPE_API_VERSION } from "../convex/lib/stripe";
import { decimal, EXAMPLE_TIME, list, nulls, type Payload, sec, userMetadata } from "./stripeShapes";

export type InvoiceSpec = {
  id: string;
  customer: string;
  subscription: string | null;
  billingReason: "subscription_create" | "subscription_cycle" | "subscription_update" | "manual";
  /** The subscription period the invoice pays for. */
  periodStart: number;
  periodEnd: number;
  paid?: boolean;
  amount?: number;
  /** Pre-2025 shape: top-level `subscription`, no `parent` (on the invoice or its line). */
  legacy?: boolean;
};

/** How a line names what it bills: the subscription's item, or (no subscription) a one-off invoice item. */
function lineParent(p: InvoiceSpec): Stripe.InvoiceLineItem.Parent | null {
  if (p.legacy) return null;
  if (p.subscription === null) {
    const invoiceItem = { invoice_item: `ii_${p.id}`, proration: false, proration_details: null, subscription: null };
    return { type: "invoice_item_details", invoice_item_details: invoiceItem, subscription_item_details: null };
  }
  const item = {
    invoice_item: null,
    proration: false,
    proration_details: null,
    subscription: p.subscription,
    subscription_item: `si_${p.subscription}`,
  };
  return { type: "subscription_item_details", invoice_item_details: null, subscription_item_details: item };
}

/** The invoice's one line, for the period paid. */
function invoiceLine(p: InvoiceSpec, amount: number): Stripe.InvoiceLineItem {
  return {
    id: `il_${p.id}`,
    object: "line_item",
    amount,
    currency: "usd",
    description: "1 × Plan (at $20.00 / month)",
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: p.id,
    livemode: false,
    metadata: {},
    parent: lineParent(p),
    period: { start: sec(p.periodStart), end: sec(p.periodEnd) },
    pricing: { type: "price_details", unit_amount_decimal: decimal(amount) },
    quantity: 1,
    // Before basil a line named its subscription here; the field is still typed.
    subscription: p.legacy ? p.subscription : null,
    subtotal: amount,
    ...nulls<Stripe.InvoiceLineItem>()("pretax_credit_amounts", "quantity_decimal", "taxes"),
  };
}

/** An invoice of a subscription; `paid` false gives an open one (a failed attempt). */
export function invoice(p: InvoiceSpec): Payload<Stripe.Invoice> {
  const amount = p.amount ?? 2000;
  const paid = p.paid ?? true;
  const at = sec(p.periodStart);
  const inv = {
    id: p.id,
    object: "invoice",
    account_country: "US",
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    amount_shipping: 0,
    attempt_count: 1,
    attempted: true,
    automatic_tax: {
      enabled: false,
      ...nulls<Stripe.Invoice.AutomaticTax>()("disabled_reason", "liability", "provider", "status"),
    },
    billing_reason: p.billingReason,
    collection_method: "charge_automatically",
    created: at,
    currency: "usd",
    customer: p.customer,
    customer_tax_exempt: "none",
    default_tax_rates: [],
    discounts: [],
    effective_at: at,
    issuer: { type: "self" },
    lines: list([invoiceLine(p, amount)], `/v1/invoices/${p.id}/lines`),
    livemode: false,
    metadata: {},
    parent:
      p.subscription === null
        ? null
        : {
            type: "subscription_details",
            quote_details: null,
            subscription_details: { metadata: null, subscription: p.subscription },
          },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    // For subscription invoices Stripe's period_* describe the previous period.
    period_end: at,
    period_start: at,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    starting_balance: 0,
    status: paid ? "paid" : "open",
    status_transitions: { finalized_at: at, marked_uncollectible_at: null, paid_at: paid ? at : null, voided_at: null },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    total: amount,
    total_excluding_tax: amount,
    ...nulls<Stripe.Invoice>()(
      "account_name",
      "account_tax_ids",
      "application",
      "automatically_finalizes_at",
      "custom_fields",
      "customer_account",
      "customer_address",
      "customer_email",
      "customer_name",
      "customer_phone",
      "customer_shipping",
      "default_payment_method",
      "default_source",
      "description",
      "due_date",
      "ending_balance",
      "footer",
      "from_invoice",
      "last_finalization_error",
      "latest_revision",
      "next_payment_attempt",
      "number",
      "on_behalf_of",
      "receipt_number",
      "rendering",
      "shipping_cost",
      "shipping_details",
      "statement_descriptor",
      "test_clock",
      "total_discount_amounts",
      "total_pretax_credit_amounts",
      "total_taxes",
      "webhooks_delivered_at",
    ),
  } satisfies Stripe.Invoice;
  // Before basil: a top-level `subscription` (an extra key, which Payload allows) and no parent.
  return p.legacy ? { ...inv, parent: null, subscription: p.subscription } : inv;
}

/** A completed subscription-mode Checkout session. */
export function checkoutSession(p: {
  id?: string;
  customer: string | null;
  clientReferenceId: string | null;
  subscription?: string | null;
  url?: string;
}): Payload<Stripe.Checkout.Session> {
  return {
    id: p.id ?? "cs_test_a1b2c3",
    object: "checkout.session",
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    cancel_url: "https://example.com/cancel",
    client_reference_id: p.clientReferenceId,
    created: EXAMPLE_TIME,
    currency: "usd",
    custom_fields: [],
    custom_text: nulls<Stripe.Checkout.Session.CustomText>()(
      "after_submit",
      "shipping_address",
      "submit",
      "terms_of_service_acceptance",
    ),
    customer: p.customer,
    expires_at: EXAMPLE_TIME + 24 * 3600,
    livemode: false,
    metadata: {},
    mode: "subscription",
    payment_method_types: ["card"],
    payment_status: "paid",
    shipping_options: [],
    status: "complete",
    subscription: p.subscription ?? null,
    success_url: "https://example.com/success",
    url: p.url ?? null,
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
export function customer(p: { id: string; email?: string | null; userId?: string }): Payload<Stripe.Customer> {
  return {
    id: p.id,
    object: "customer",
    balance: 0,
    created: EXAMPLE_TIME,
    delinquent: false,
    email: p.email ?? null,
    invoice_prefix: "7FE1103",
    invoice_settings: nulls<Stripe.Customer.InvoiceSettings>()(
      "custom_fields",
      "default_payment_method",
      "footer",
      "rendering_options",
    ),
    livemode: false,
    metadata: userMetadata(p.userId),
    next_invoice_sequence: 1,
    preferred_locales: [],
    tax_exempt: "none",
    ...nulls<Stripe.Customer>()("default_source", "description", "name", "phone", "shipping", "test_clock"),
  } satisfies Stripe.Customer;
}

/** A charge refunded (in full unless `amountRefunded` says less). */
export function refundedCharge(p: {
  id: string;
  customer: string | null;
  amount?: number;
  amountRefunded?: number;
}): Payload<Stripe.Charge> {
  const amount = p.amount ?? 2000;
  const refunded = p.amountRefunded ?? amount;
  const refund = {
    id: `re_${p.id}`,
    object: "refund",
    amount: refunded,
    charge: p.id,
    created: EXAMPLE_TIME,
    currency: "usd",
    customer: p.customer,
    metadata: {},
    status: "succeeded",
    ...nulls<Stripe.Refund>()(
      "balance_transaction",
      "customer_account",
      "payment_intent",
      "payment_method",
      "reason",
      "receipt_number",
      "source_transfer_reversal",
      "transfer_reversal",
    ),
  } satisfies Stripe.Refund;
  return {
    id: p.id,
    object: "charge",
    amount,
    amount_captured: amount,
    amount_refunded: refunded,
    balance_transaction: "txn_1PgaxNB7WZ01zgkWEV3TLf40",
    billing_details: {
      name: "Jenny Rosen",
      ...nulls<Stripe.Charge.BillingDetails>()("address", "email", "phone", "tax_id"),
    },
    captured: true,
    created: EXAMPLE_TIME,
    currency: "usd",
    customer: p.customer,
    disputed: false,
    livemode: false,
    metadata: {},
    paid: true,
    payment_method: "card_1PgaftB7WZ01zgkWm3waTcFp",
    refunded: refunded === amount,
    refunds: list([refund], `/v1/charges/${p.id}/refunds`),
    status: "succeeded",
    ...nulls<Stripe.Charge>()(
      "application",
      "application_fee",
      "application_fee_amount",
      "calculated_statement_descriptor",
      "description",
      "failure_balance_transaction",
      "failure_code",
      "failure_message",
      "fraud_details",
      "on_behalf_of",
      "outcome",
      "payment_intent",
      "payment_method_details",
      "receipt_email",
      "receipt_number",
      "receipt_url",
      "review",
      "shipping",
      "source",
      "source_transfer",
      "statement_descriptor",
      "statement_descriptor_suffix",
      "transfer_data",
      "transfer_group",
    ),
  } satisfies Stripe.Charge;
}

/** A customer portal session, as `billingPortal.sessions.create` answers. */
export function portalSession(p: {
  customer: string;
  returnUrl: string;
  url: string;
}): Payload<Stripe.BillingPortal.Session> {
  return {
    id: "bps_1Pgc7HB7WZ01zgkWNs8s9Auh",
    object: "billing_portal.session",
    configuration: "bpc_1Pgc7HB7WZ01zgkWxH2EPWRX",
    created: EXAMPLE_TIME,
    customer: p.customer,
    livemode: false,
    return_url: p.returnUrl,
    url: p.url,
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
