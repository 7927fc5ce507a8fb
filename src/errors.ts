/**
 * Error codes the backend puts in `ConvexError.data.code`. The set is closed and
 * stable, so a client can `switch` on it.
 */
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

/** The `data` of every `ConvexError` this backend throws. */
export type AppErrorData = {
  code: ErrorCode;
  message: string;
  [detail: string]: unknown;
};

/** True when `data` (e.g. `error.data` of a caught `ConvexError`) is one of ours. */
export function isAppErrorData(data: unknown): data is AppErrorData {
  return (
    typeof data === "object" &&
    data !== null &&
    typeof (data as { code?: unknown }).code === "string" &&
    (ERROR_CODES as readonly string[]).includes((data as { code: string }).code) &&
    typeof (data as { message?: unknown }).message === "string"
  );
}

/** The app error carried by a caught error, or `null` for anything else. */
export function appErrorOf(error: unknown): AppErrorData | null {
  const data = (error as { data?: unknown } | null)?.data;
  return isAppErrorData(data) ? data : null;
}
