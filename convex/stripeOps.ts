import { v } from "convex/values";
import type Stripe from "stripe";
import { internal } from "./_generated/api";
import { internalAction, internalMutation, internalQuery } from "./lib/functions";
import { callStripe, STRIPE_API_VERSION, stripeClient } from "./lib/stripe";
import * as V from "./lib/validators";
import type { DoctorCheck, DoctorReport, InboxHealth, ReconcileItem, ReconcileResult } from "./lib/validators";
import * as Doctor from "./model/stripeDoctor";
import { listedAt, reconcilePage } from "./model/reconcile";
import { MS } from "./model/time";
import { inboxHealth as readInboxHealth } from "./model/stripeInbox";
import { appErrorOf } from "../src/errors";

// Stripe operations for the operator: the doctor (reads the set-up, changes
// nothing) and reconciliation (repairs drift, adopts an existing account).
// Exported from billing.ts as `billing:doctor` and `billing:reconcile`.

/** Inbox counts are read up to this many rows each; more reads as "100+". */
const INBOX_COUNT_CAP = 100;
/** Subscriptions per Stripe list request and per reconcile transaction (Stripe's maximum page). */
const PAGE_SIZE = 100;

/**
 * Checks the deployment's Stripe set-up: env vars and key mode, the
 * catalogue's prices, the webhook endpoint, the customer portal, and the
 * inbox. `npx convex run billing:doctor`. Reads only.
 */
export const doctor = internalAction({
  args: {},
  returns: V.doctorReport,
  handler: async (ctx): Promise<DoctorReport> => {
    const checks: DoctorCheck[] = [Doctor.environmentCheck(process.env)];
    const stripeChecks = process.env.STRIPE_SECRET_KEY
      ? await readStripe()
      : [check("stripe account", "STRIPE_SECRET_KEY is not set, so Stripe was not read: set it first")];
    checks.push(...stripeChecks);
    const health: InboxHealth = await ctx.runQuery(internal.stripeOps.inboxHealth, {});
    checks.push(Doctor.inboxCheck(health, Date.now()));
    return { ok: checks.every((c) => c.ok), checks };
  },
});

const check = (name: string, detail: string): DoctorCheck => ({ name, ok: false, detail });

/** Reads what the Stripe checks need (4 requests, more only past 100 active prices) and runs them. */
async function readStripe(): Promise<DoctorCheck[]> {
  const stripe = stripeClient();
  const keys = Doctor.catalogueKeys().map((k) => k.lookupKey);
  const out: DoctorCheck[] = [];
  const read = async <T>(what: string, names: string[], call: () => Promise<T>): Promise<T | null> => {
    try {
      return await callStripe(what, call);
    } catch (error) {
      const data = appErrorOf(error);
      const reason = data?.code === "STRIPE_ERROR" ? (data.stripeCode ?? data.stripeType ?? data.code) : data?.code;
      const why = data === null ? String(error) : `${data.message} (${String(reason)})`;
      out.push(...names.map((name) => check(name, `Could not ${what}: ${why}; check STRIPE_SECRET_KEY`)));
      return null;
    }
  };
  const priceNames = keys.map((key) => `price ${key}`);
  const listed = await read("list the catalogue's prices", priceNames, () =>
    stripe.prices.list({ lookup_keys: keys, limit: PAGE_SIZE }),
  );
  const catalogue = listed?.data ?? [];
  if (listed !== null) out.push(...Doctor.priceChecks(catalogue));
  const active = await read("list the active prices", ["prices outside the catalogue"], () =>
    stripe.prices.list({ active: true, limit: PAGE_SIZE }).autoPagingToArray({ limit: 10 * PAGE_SIZE }),
  );
  if (active !== null) out.push(Doctor.unknownPricesCheck(active));
  const webhookNames = ["webhook endpoint", "webhook events", "webhook API version"];
  const endpoints = await read("list the webhook endpoints", webhookNames, () =>
    stripe.webhookEndpoints.list({ limit: PAGE_SIZE }),
  );
  const site = process.env.CONVEX_SITE_URL;
  const url = site ? `${site.replace(/\/$/, "")}/stripe/webhook` : null;
  if (endpoints !== null) out.push(...Doctor.webhookChecks(endpoints.data, url, STRIPE_API_VERSION));
  const portal = await read("read the customer portal configuration", ["customer portal"], () =>
    stripe.billingPortal.configurations.list({ is_default: true, limit: 10 }),
  );
  const cataloguePrices = catalogue.filter((p) => p.active).map((p) => p.id);
  if (portal !== null) out.push(Doctor.portalCheck(portal.data, cataloguePrices));
  return out;
}

/** The webhook inbox's counts for the doctor (bounded reads through `by_status`). */
export const inboxHealth = internalQuery({
  args: {},
  returns: V.inboxHealth,
  handler: (ctx) => readInboxHealth(ctx, INBOX_COUNT_CAP),
});

/**
 * Pages through every Stripe subscription (Stripe's list has no "changed
 * since" filter) and applies each page through `applyReconcilePage`, one
 * transaction per page of 100, scheduling the next page itself. With `since`
 * (ms), only subscriptions with something dated since then (created, period
 * start, cancel request, cancellation, end) are applied: a plan switch in
 * the middle of a period carries no date, so a full run (no `since`) is
 * what catches those; crons.ts runs both.
 * `npx convex run billing:reconcile '{}'` (everything), `'{"sinceDays": 2}'`
 */
export const reconcile = internalAction({
  args: {
    since: v.optional(v.number()),
    /** `since` as days before now (what a cron can pass); the run's later pages carry `since`. */
    sinceDays: v.optional(v.number()),
    cursor: v.optional(v.string()),
    totals: v.optional(V.reconcileTotals),
  },
  returns: V.reconcileResult,
  handler: async (ctx, args): Promise<ReconcileResult> => {
    const stripe = stripeClient();
    const at = listedAt(Date.now());
    const page = await callStripe("list subscriptions", () =>
      stripe.subscriptions.list({
        status: "all",
        limit: PAGE_SIZE,
        expand: ["data.customer"],
        ...(args.cursor === undefined ? {} : { starting_after: args.cursor }),
      }),
    );
    const since = args.since ?? (args.sinceDays === undefined ? undefined : Date.now() - args.sinceDays * MS.DAY);
    const items = page.data.filter((sub) => since === undefined || lastDated(sub) >= since).map(itemOf);
    const applied =
      items.length === 0
        ? { checked: 0, changed: 0, unmatched: [] }
        : await ctx.runMutation(internal.stripeOps.applyReconcilePage, { items, at });
    const before = args.totals ?? { checked: 0, changed: 0, unmatched: 0 };
    const totals = {
      checked: before.checked + applied.checked,
      changed: before.changed + applied.changed,
      unmatched: before.unmatched + applied.unmatched.length,
    };
    const nextCursor = page.has_more ? (page.data.at(-1)?.id ?? null) : null;
    if (nextCursor !== null) {
      await ctx.scheduler.runAfter(0, internal.billing.reconcile, { since, cursor: nextCursor, totals });
    }
    return { ...applied, totals, nextCursor };
  },
});

/** The latest date Stripe gives a subscription (ms): what `since` compares with. */
function lastDated(sub: Stripe.Subscription): number {
  const item = sub.items.data[0];
  const dates = [sub.created, item?.current_period_start, sub.canceled_at, sub.ended_at, sub.cancel_at];
  return Math.max(...dates.map((d) => (typeof d === "number" ? d * 1000 : 0)));
}

/** A listed subscription for the mutation: its customer back to an id, and the customer's adoption facts. */
function itemOf(sub: Stripe.Subscription): ReconcileItem {
  const customer = typeof sub.customer === "string" ? null : sub.customer;
  const live =
    customer !== null && !("deleted" in customer && customer.deleted === true) ? (customer as Stripe.Customer) : null;
  const userId = live?.metadata.userId;
  return {
    subscription: JSON.stringify({ ...sub, customer: customer?.id ?? sub.customer }),
    customerEmail: live?.email ?? null,
    customerUserId: typeof userId === "string" && userId !== "" ? userId : null,
  };
}

/** Applies one page of listed subscriptions in one transaction (see model/reconcile.ts). */
export const applyReconcilePage = internalMutation({
  args: { items: v.array(V.reconcileItem), at: v.number() },
  returns: V.reconcilePage,
  handler: (ctx, { items, at }) => reconcilePage(ctx, items, at, Date.now()),
});
