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
 * Checks a webhook's signature on the raw body: false when it is missing,
 * wrong or older than Stripe's default tolerance (300 s). Only the signature:
 * what the body holds is the inbox's to read (`model/stripeInbox.ts`), so a
 * signed body that is no snapshot event (a thin event) is recorded rather than
 * refused as if forged, which `constructEventAsync` would do. Web Crypto: the
 * Convex runtime has no Node `crypto`.
 */
export async function verifySignature(body: string, signature: string | null, secret: string): Promise<boolean> {
  const verifier = Stripe.webhooks.signature;
  if (signature === null || signature === "" || verifier === null) return false;
  try {
    return await verifier.verifyHeaderAsync(
      body,
      signature,
      secret,
      Stripe.webhooks.DEFAULT_TOLERANCE,
      Stripe.createSubtleCryptoProvider(),
    );
  } catch {
    return false;
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
