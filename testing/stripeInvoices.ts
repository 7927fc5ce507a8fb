// Stripe invoices and refunded charges for tests, shaped as Stripe sends them
// on the pinned API version (convex/lib/stripe.ts). The pre-2025 invoice shape
// (`legacy`) is outside the SDK types; `invoice` says how it carries it.
// How every builder is typed and filled: testing/stripeShapes.ts.
import Stripe from "stripe";
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
  /** The subscription's `metadata.userId` (our checkout sets it), which the invoice snapshots. */
  userId?: string | null;
  /** Pre-2025 shape: top-level `subscription`, no `parent` (on the invoice or its line). */
  legacy?: boolean;
};

/** How a line names what it bills: the subscription's item, or (no subscription) a one-off invoice item. */
function lineParent(spec: InvoiceSpec): Stripe.InvoiceLineItem.Parent | null {
  if (spec.legacy) return null;
  if (spec.subscription === null) {
    const invoiceItem = {
      invoice_item: `ii_${spec.id}`,
      proration: false,
      proration_details: null,
      subscription: null,
    };
    return { type: "invoice_item_details", invoice_item_details: invoiceItem, subscription_item_details: null };
  }
  const item = {
    invoice_item: null,
    proration: false,
    proration_details: null,
    subscription: spec.subscription,
    subscription_item: `si_${spec.subscription}`,
  };
  return { type: "subscription_item_details", invoice_item_details: null, subscription_item_details: item };
}

/** The invoice's one line, for the period paid. */
function invoiceLine(spec: InvoiceSpec, amount: number): Stripe.InvoiceLineItem {
  return {
    id: `il_${spec.id}`,
    object: "line_item",
    amount,
    currency: "usd",
    description: "1 × Plan (at $20.00 / month)",
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: spec.id,
    livemode: false,
    metadata: {},
    parent: lineParent(spec),
    period: { start: sec(spec.periodStart), end: sec(spec.periodEnd) },
    pricing: { type: "price_details", unit_amount_decimal: decimal(amount) },
    quantity: 1,
    // Before basil a line named its subscription here; the field is still typed.
    subscription: spec.legacy ? spec.subscription : null,
    subtotal: amount,
    ...nulls<Stripe.InvoiceLineItem>()("pretax_credit_amounts", "quantity_decimal", "taxes"),
  };
}

/** An invoice of a subscription; `paid` false gives an open one (a failed attempt). */
export function invoice(spec: InvoiceSpec): Payload<Stripe.Invoice> {
  const amount = spec.amount ?? 2000;
  const paid = spec.paid ?? true;
  const at = sec(spec.periodStart);
  const inv = {
    id: spec.id,
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
    billing_reason: spec.billingReason,
    collection_method: "charge_automatically",
    created: at,
    currency: "usd",
    customer: spec.customer,
    customer_tax_exempt: "none",
    default_tax_rates: [],
    discounts: [],
    effective_at: at,
    issuer: { type: "self" },
    lines: list([invoiceLine(spec, amount)], `/v1/invoices/${spec.id}/lines`),
    livemode: false,
    metadata: {},
    parent:
      spec.subscription === null
        ? null
        : {
            type: "subscription_details",
            quote_details: null,
            subscription_details: { metadata: userMetadata(spec.userId), subscription: spec.subscription },
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
  return spec.legacy ? { ...inv, parent: null, subscription: spec.subscription } : inv;
}

/** A completed subscription-mode Checkout session. */
export function refundedCharge(spec: {
  id: string;
  customer: string | null;
  amount?: number;
  amountRefunded?: number;
}): Payload<Stripe.Charge> {
  const amount = spec.amount ?? 2000;
  const refunded = spec.amountRefunded ?? amount;
  const refund = {
    id: `re_${spec.id}`,
    object: "refund",
    amount: refunded,
    charge: spec.id,
    created: EXAMPLE_TIME,
    currency: "usd",
    customer: spec.customer,
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
    id: spec.id,
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
    customer: spec.customer,
    disputed: false,
    livemode: false,
    metadata: {},
    paid: true,
    payment_method: "card_1PgaftB7WZ01zgkWm3waTcFp",
    refunded: refunded === amount,
    refunds: list([refund], `/v1/charges/${spec.id}/refunds`),
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
