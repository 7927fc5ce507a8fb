import Stripe from "stripe";
import { fail } from "./errors";

/**
 * The Stripe API version this package is written and tested against (the
 * `stripe` package's default). Webhook endpoints should be created with the
 * same version so event payloads have the shapes the handlers read.
 */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const satisfies Stripe.LatestApiVersion;

/** An env var the billing code needs, or a CONFIGURATION error naming it. */
export function requireEnv(name: "STRIPE_SECRET_KEY" | "STRIPE_WEBHOOK_SECRET" | "SITE_URL"): string {
  const value = process.env[name];
  if (!value) fail("CONFIGURATION", `${name} is not set on this deployment`, { variable: name });
  return value;
}

/**
 * A Stripe client for one action. Built per call: Convex has no Node `http`
 * in its default runtime, so requests go through `fetch` (which tests stub),
 * and the key is read when it is needed rather than at import.
 */
export function stripeClient(): Stripe {
  return new Stripe(requireEnv("STRIPE_SECRET_KEY"), {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(),
  });
}

/**
 * Verifies a webhook's signature on the raw body and returns the event, or
 * null when the signature is missing, wrong or older than Stripe's default
 * tolerance (300 s). Web Crypto: the Convex runtime has no Node `crypto`.
 */
export async function verifyWebhook(
  body: string,
  signature: string | null,
  secret: string,
): Promise<Stripe.Event | null> {
  if (signature === null || signature === "") return null;
  try {
    return await Stripe.webhooks.constructEventAsync(
      body,
      signature,
      secret,
      undefined,
      Stripe.createSubtleCryptoProvider(),
    );
  } catch {
    return null;
  }
}

/**
 * Runs a Stripe API call; a Stripe failure becomes a STRIPE_ERROR the client
 * can read (type and code only: messages may echo request data).
 */
export async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      fail("STRIPE_ERROR", `Stripe refused to ${what}`, {
        stripeType: error.type,
        stripeCode: error.code ?? null,
        status: error.statusCode ?? null,
      });
    }
    throw error;
  }
}
