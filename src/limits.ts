/**
 * Limits an app owner tunes, in one place: rate limits (token buckets, per user
 * unless said otherwise), quotas (how many rows a user may hold) and retention
 * (how long data is kept). The backend enforces them; clients may read them too
 * (e.g. to show a note's maximum length in a form). README: "Limits" and "Data
 * we keep".
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A token bucket: `rate` tokens per `period`, at most `capacity` at once. The
 * shape of convex-helpers' `TokenBucketRateLimit`, which enforces these
 * (convex/model/rateLimits.ts); a refusal is RATE_LIMITED with `retryAfter`.
 */
export type RateLimit = { kind: "token bucket"; rate: number; period: number; capacity: number };

export const RATE_LIMITS = {
  /** Calls that reach Stripe (checkout and portal share one bucket): 5 in a burst, then 1 a minute. */
  stripeSession: { kind: "token bucket", rate: 1, period: MINUTE, capacity: 5 },
  /** `reserveCredits`: 60 a minute, 30 in a burst. */
  reserveCredits: { kind: "token bucket", rate: 60, period: MINUTE, capacity: 30 },
  /** Public mutations that create rows without spending credits (e.g. `notes.create`): 30 a minute. */
  createRows: { kind: "token bucket", rate: 30, period: MINUTE, capacity: 30 },
  /** New accounts, app-wide: a backstop against scripted sign-ups. */
  signUps: { kind: "token bucket", rate: 200, period: HOUR, capacity: 200 },
  /**
   * Verification codes e-mailed to one address (keyed by the normalized e-mail, not a user):
   * 3 in a burst, then 5 an hour. Anyone who knows the address can ask for a code, so this
   * bounds mail-bombing and the Resend bill; a refused request sends nothing.
   */
  verificationEmails: { kind: "token bucket", rate: 5, period: HOUR, capacity: 3 },
} as const satisfies Record<string, RateLimit>;

export const QUOTAS = {
  /** Reservations a user may hold at once. */
  heldReservations: 20,
  /** Notes a user may keep. */
  notes: 1_000,
  noteTitleLength: 200,
  noteBodyLength: 10_000,
  /** `paginationOpts.numItems` of every list: 1..this. */
  pageSize: 100,
} as const;

export const RETENTION = {
  /** Ended (committed, released, expired) reservations are deleted this long after they ended. */
  endedReservations: 30 * DAY,
  /** Stored Stripe payloads are reduced to a summary this long after processing (failed and needs_attention keep theirs). */
  stripePayloads: 30 * DAY,
} as const;

export const ACCOUNT_DELETION = {
  /**
   * Rows one deletion transaction removes or changes (a stored Stripe event
   * counts 100: its payload may be 1 MB). Far inside Convex's per-transaction
   * limits (16,000 documents written, 32,000 read, 16 MiB each way).
   */
  batchSize: 1_000,
  /** Attempts at cancelling a live Stripe subscription when Stripe answers 429 or 5xx. */
  cancelAttempts: 8,
  /** The wait before the second attempt; it doubles with each one after (2 s, 4 s, ... about 4 minutes in all). */
  cancelBackoff: 2_000,
} as const;
