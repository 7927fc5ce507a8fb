// Stripe from a test's side: the env vars, signed webhook deliveries, a fake
// Stripe API behind `fetch` that records every request, and one user's Stripe
// objects for a billing story.
import Stripe from "stripe";
import { afterEach, beforeEach, vi } from "vitest";
import { addMonths } from "../convex/model/time";
import { statsOf } from "./admin";
import { type Backend, newBackend, seedUser, type TestUser } from "./backend";
import { MAR_1, clockAt } from "./clock";
import { snapshot } from "./db";
import { invoice, type InvoiceSpec } from "./stripeInvoices";
import { checkoutSession, event } from "./stripeSessions";
import { subscription, type SubscriptionSpec } from "./stripeSubscriptions";

export const WEBHOOK_SECRET = "whsec_test_0123456789abcdef";
export const SECRET_KEY = "sk_test_0123456789abcdef";

/** Sets the Stripe env vars the billing code reads (SITE_URL is set by the backend module). */
export function stripeEnv() {
  process.env.STRIPE_SECRET_KEY = SECRET_KEY;
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
}

/** For every test in the file: Stripe env vars and the clock at `time`; fakes undone after each. */
export function useStripeTestEnv(time = MAR_1) {
  beforeEach(() => {
    stripeEnv();
    clockAt(time);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}

/** A `Stripe-Signature` header for `body`, as Stripe computes it. */
export async function signature(body: string, opts: { timestamp?: number; secret?: string } = {}) {
  return await Stripe.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret: opts.secret ?? WEBHOOK_SECRET,
    timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000),
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}

export type DeliveryOptions = {
  /** Signature time in seconds; defaults to now. */
  timestamp?: number;
  secret?: string;
  /** Sent instead of the signed body (a tampered delivery). */
  tamper?: (body: string) => string;
  /** No Stripe-Signature header at all. */
  unsigned?: boolean;
};

/** POSTs `evt` to /stripe/webhook, signed like Stripe does; returns the raw Response. */
export async function deliver(t: Backend, evt: object, opts: DeliveryOptions = {}) {
  return await deliverBody(t, JSON.stringify(evt, null, 2), opts);
}

/** POSTs a raw `body` to /stripe/webhook, signed like Stripe does: for bodies no builder makes (sized, broken JSON, thin events). */
export async function deliverBody(t: Backend, body: string, opts: DeliveryOptions = {}) {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (!opts.unsigned) headers["stripe-signature"] = await signature(body, opts);
  return await t.fetch("/stripe/webhook", { method: "POST", headers, body: opts.tamper ? opts.tamper(body) : body });
}

/** The webhook's answer: the HTTP status and, when it answers JSON (200, or 400 for a body that is no event), what the inbox did. */
export type Sent = {
  http: number;
  ok?: boolean;
  status?: string;
  duplicate?: boolean;
  rejected?: boolean;
  note?: string | null;
};

/** Reads the webhook's Response as a `Sent`. */
export async function sentOf(res: Response): Promise<Sent> {
  const json = res.headers.get("content-type")?.includes("application/json") ?? false;
  return { http: res.status, ...(json ? ((await res.json()) as Omit<Sent, "http">) : {}) };
}

/** Wraps `object` in an event of `type` created at `createdAt` (ms), delivers it signed, and reads the answer. */
export async function sendEvent(
  t: Backend,
  type: string,
  object: object,
  createdAt: number,
  opts: DeliveryOptions & { id?: string } = {},
): Promise<Sent> {
  return await sentOf(await deliver(t, event(type, object as Record<string, unknown>, createdAt, opts.id), opts));
}

/** `sendEvent` for events that must be accepted: fails the test unless the webhook answers 200. */
export async function sendOk(...args: Parameters<typeof sendEvent>): Promise<Sent> {
  const sent = await sendEvent(...args);
  if (sent.http !== 200) throw new Error(`webhook answered ${sent.http} to ${args[1]}`);
  return sent;
}

/**
 * Every app row except the webhook inbox and the admin audit, which record
 * every delivery and replay by design; the stats as their sums (each write
 * picks a shard at random, so two equal stories may use different shards).
 */
export async function stateWithoutInbox(t: Backend) {
  const state = { ...(await snapshot(t)), stripeEvents: undefined, adminAudit: undefined };
  return { ...state, statsShards: await statsOf(t) };
}

/**
 * One user's side of Stripe in a story: their customer `cus_<name>`, a
 * subscription `sub_<name>` for a period from `periodStart` (one month by
 * default) carrying their user id as our checkout sets it, its invoices, and
 * the checkout session that links the customer. `plan` overrides every
 * subscription (e.g. `{ lookupKey: "business_yearly", interval: "year" }`).
 */
export function stripeCustomer(
  user: Pick<TestUser, "userId">,
  opts: { name?: string; periodStart?: number; periodEnd?: number; plan?: Partial<SubscriptionSpec> } = {},
) {
  const name = opts.name ?? "ada";
  const customer = `cus_${name}`;
  const periodStart = opts.periodStart ?? MAR_1;
  const periodEnd = opts.periodEnd ?? addMonths(periodStart, 1);
  return {
    customer,
    subscriptionId: `sub_${name}`,
    subscription: (over: Partial<SubscriptionSpec> = {}) =>
      subscription({ id: `sub_${name}`, customer, userId: user.userId, periodStart, periodEnd, ...opts.plan, ...over }),
    invoice: (over: Partial<InvoiceSpec> = {}) =>
      invoice({
        id: "in_1",
        customer,
        subscription: `sub_${name}`,
        userId: user.userId,
        billingReason: "subscription_create",
        periodStart,
        periodEnd,
        ...over,
      }),
    /** A completed session as our checkout opens it (client_reference_id and metadata.userId agree). */
    checkout: (over: Partial<Parameters<typeof checkoutSession>[0]> = {}) =>
      checkoutSession({ customer, clientReferenceId: user.userId, userId: user.userId, ...over }),
  };
}

/**
 * A billing story's cast: a fresh backend, Ada signed up (profile, 100
 * credits), her Stripe objects (`stripeCustomer`), and `send`, which delivers
 * an event signed and fails the test unless the webhook answers 200.
 */
export async function billingStory(opts: Parameters<typeof stripeCustomer>[1] = {}) {
  const t = newBackend();
  const ada = await seedUser(t, "ada@example.com");
  const stripe = stripeCustomer(ada, opts);
  const send = (type: string, object: object, at: number, id?: string) => sendOk(t, type, object, at, { id });
  return { t, ada, stripe, send };
}

/** A request the fake Stripe API received. */
export type StripeRequest = {
  method: string;
  /** e.g. `/v1/customers`. */
  path: string;
  query: URLSearchParams;
  /** The form-encoded body Stripe's API takes. */
  form: URLSearchParams;
  headers: Headers;
};

type Reply = { status?: number; body: unknown };
/** Routes like `POST /v1/customers` or `GET /v1/subscriptions/*` to a reply (a JSON body, or status and body). */
export type StripeRoutes = Record<string, (req: StripeRequest) => unknown>;

/**
 * Replaces `fetch` with a fake Stripe API and returns the list of requests it
 * receives. An unrouted request fails the call (Stripe would never be called
 * for it). Undo with `vi.unstubAllGlobals()` (`useStripeTestEnv` does).
 */
export function stubStripe(routes: StripeRoutes): StripeRequest[] {
  const requests: StripeRequest[] = [];
  vi.stubGlobal("fetch", async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== "api.stripe.com") throw new Error(`unexpected fetch to ${url.hostname}`);
    const method = init?.method ?? "GET";
    const req: StripeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      form: new URLSearchParams(typeof init?.body === "string" ? init.body : ""),
      headers: new Headers(init?.headers as HeadersInit),
    };
    requests.push(req);
    const route = Object.entries(routes).find(([key]) => {
      const [m, pattern] = key.split(" ") as [string, string];
      return (
        m === method &&
        (pattern.endsWith("*") ? url.pathname.startsWith(pattern.slice(0, -1)) : url.pathname === pattern)
      );
    });
    if (route === undefined) throw new Error(`unstubbed Stripe call ${method} ${url.pathname}`);
    const out = route[1](req);
    const reply: Reply =
      typeof out === "object" && out !== null && "status" in out && "body" in out ? (out as Reply) : { body: out };
    return new Response(JSON.stringify(reply.body), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json", "request-id": `req_${requests.length}` },
    });
  });
  return requests;
}

/** A Stripe API error body, as Stripe answers a refused request. */
export function stripeError(status: number, type: string, message: string, code?: string): Reply {
  return { status, body: { error: { type, message, ...(code ? { code } : {}) } } };
}
