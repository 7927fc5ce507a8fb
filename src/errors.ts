/**
 * Error codes the backend puts in `ConvexError.data.code`. The set is closed and
 * stable, so a client can `switch` on it.
 */
import type { ConvexError, Value } from "convex/values";
import type { RATE_LIMITS } from "./limits";

export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "FORBIDDEN",
  "CONFLICT",
  "INSUFFICIENT_CREDITS",
  "CONFIGURATION",
  "STRIPE_ERROR",
  // Too many calls: `retryAfter` (milliseconds) says when to try again.
  "RATE_LIMITED",
  // A quota is full (e.g. held reservations, notes): `limit` is the quota.
  "LIMIT_REACHED",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The details each code carries besides `code` and `message`. The server's
 * `fail()` (convex/lib/errors.ts) is typed by this map, so a call that passes
 * other details does not compile, and clients read what the server sends.
 */
export type ErrorDetails = {
  UNAUTHENTICATED: Record<string, never>;
  /** `field`: the argument at fault, when one is (e.g. "email", "amount"); `min`/`max`: its allowed length, for text. */
  INVALID_ARGUMENT: { field?: string; min?: number; max?: number };
  /** `table` for a row the rules could not find; `eventId` for a Stripe event; `userId` for an admin's target. */
  NOT_FOUND: { table?: string; eventId?: string; userId?: string };
  /** `table` for a row rule; `feature` and `planId` (the caller's plan) for a feature their plan lacks. */
  FORBIDDEN: { table?: string; feature?: string; planId?: string };
  /** `spent`: what an idempotency key already spent; `status`: a reservation's state. */
  CONFLICT: { spent?: number; status?: string };
  /** The balance now and the credits the call needed. */
  INSUFFICIENT_CREDITS: { balance: number; required: number };
  /** `variable`: the environment variable to set; `lookupKey`: the Stripe price missing. */
  CONFIGURATION: { variable?: string; lookupKey?: string };
  /** Stripe's error type and code, and its HTTP status. */
  STRIPE_ERROR: { stripeType?: string; stripeCode?: string | null; status?: number | null };
  /** Milliseconds until one more call will pass, and the bucket (src/limits.ts) that is empty. */
  RATE_LIMITED: { retryAfter: number; rateLimit: keyof typeof RATE_LIMITS };
  /** The quota that is full. */
  LIMIT_REACHED: { limit: number };
};

/** The `data` of every `ConvexError` this backend throws: a union keyed by `code`. */
export type AppErrorData<C extends ErrorCode = ErrorCode> = {
  [K in C]: { code: K; message: string } & ErrorDetails[K];
}[C];

// The numeric details a client may rely on without checking (isAppError checks them).
const REQUIRED_NUMBERS: Partial<Record<ErrorCode, readonly string[]>> = {
  INSUFFICIENT_CREDITS: ["balance", "required"],
  RATE_LIMITED: ["retryAfter"],
  LIMIT_REACHED: ["limit"],
};

/** True when `data` (e.g. `error.data` of a caught `ConvexError`) is one of ours, with the details its code promises. */
export function isAppErrorData(data: unknown): data is AppErrorData {
  if (typeof data !== "object" || data === null) return false;
  const { code, message } = data as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || !(ERROR_CODES as readonly string[]).includes(code)) return false;
  if (typeof message !== "string") return false;
  const numbers = REQUIRED_NUMBERS[code as ErrorCode] ?? [];
  return numbers.every((key) => typeof (data as Record<string, unknown>)[key] === "number");
}

/** The app error carried by a caught error (a `ConvexError`), or `null` for anything else. */
export function appErrorOf(error: unknown): AppErrorData | null {
  // Not `instanceof ConvexError`: an app may hold a second copy of `convex`. An
  // Error it must be, though: callers read `message` off what isAppError narrows.
  if (!(error instanceof Error)) return null;
  const data = (error as { data?: unknown }).data;
  return isAppErrorData(data) ? data : null;
}

/**
 * True when `error` is a `ConvexError` from this backend (with `code`, if
 * given), narrowing `error.data` to that code's details:
 *
 *   if (isAppError(e, "INSUFFICIENT_CREDITS")) show(`${e.data.required} needed, ${e.data.balance} left`);
 */
export function isAppError<C extends ErrorCode = ErrorCode>(
  error: unknown,
  code?: C,
): error is ConvexError<Value> & { data: AppErrorData<C> } {
  const data = appErrorOf(error);
  return data !== null && (code === undefined || data.code === code);
}
