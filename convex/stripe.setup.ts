// Stripe test helpers (two dots: never deployed): env, signed webhook
// deliveries, and a stub of Stripe's API behind `fetch` that records every
// request so tests can assert what was sent.
import Stripe from "stripe";
import { afterEach, beforeEach, vi } from "vitest";
import type { Id } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import { changeBalance, getAccount } from "./model/ledger";
import { addMonths } from "./model/time";
import { type Backend, snapshot } from "./test.setup";

export const WEBHOOK_SECRET = "whsec_test_0123456789abcdef";
export const SECRET_KEY = "sk_test_0123456789abcdef";

/** Sets the Stripe env vars the billing code reads (SITE_URL comes from test.setup). */
export function stripeEnv() {
  process.env.STRIPE_SECRET_KEY = SECRET_KEY;
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
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

export type Delivery = {
  /** Seconds; defaults to now. */
  timestamp?: number;
  secret?: string;
  /** Sent instead of the signed body (a tampered delivery). */
  tamper?: (body: string) => string;
  /** No Stripe-Signature header at all. */
  unsigned?: boolean;
};

/** POSTs `evt` to /stripe/webhook, signed like Stripe does. */
export async function deliver(t: Backend, evt: object, opts: Delivery = {}) {
  const body = JSON.stringify(evt, null, 2);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (!opts.unsigned) headers["stripe-signature"] = await signature(body, opts);
  return await t.fetch("/stripe/webhook", {
    method: "POST",
    headers,
    body: opts.tamper ? opts.tamper(body) : body,
  });
}

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
 * Replaces `fetch` with a fake Stripe API. Returns the list of requests it
 * receives. An unrouted request fails the test (Stripe would never be called
 * for it). Undo with `vi.unstubAllGlobals()`.
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
      return m === method && (pattern.endsWith("*") ? url.pathname.startsWith(pattern.slice(0, -1)) : url.pathname === pattern);
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

/** A fixed clock for billing stories: 1 March 2026, 00:00 UTC. */
export const T0 = Date.UTC(2026, 2, 1);
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** The end of the first monthly period that starts at T0. */
export const END = addMonths(T0, 1);

/** Freezes `Date` at `at` (timers stay real: convex-test needs them). */
export function clockAt(at: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
}

/** The user's credits row and ledger (oldest first). */
export async function creditsOf(t: Backend, userId: Id<"users">) {
  return await t.run(async (ctx) => ({
    account: await ctx.db
      .query("credits")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .unique(),
    ledger: await ctx.db
      .query("creditLedger")
      .withIndex("by_userId", (q) => q.eq("userId", userId))
      .collect(),
  }));
}

/** Spends `amount` credits the way the credits module does (one ledger entry). */
export async function spend(t: Backend, userId: Id<"users">, amount: number) {
  await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const account = await getAccount({ db }, userId);
    await changeBalance({ db }, account!, { delta: -amount, kind: "consume", reason: "test" });
  });
}

/** For every test in the file: Stripe env vars and the clock at T0; undone after each. */
export function useStripeTestEnv() {
  beforeEach(() => {
    stripeEnv();
    clockAt(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}

/** Every app row except the webhook inbox, which records every delivery by design. */
export async function stateWithoutInbox(t: Backend) {
  return { ...(await snapshot(t)), stripeEvents: undefined };
}
