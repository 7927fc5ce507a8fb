import type { Doc, Id, TableNames } from "../_generated/dataModel";

/**
 * Row rules: the Convex answer to Postgres Row Level Security. This file is the
 * one place that says which rows a signed-in user's public functions may touch.
 *
 * The default is deny: a table with no entry here is invisible and read-only to
 * public functions, so a new table is closed until it gets a rule. Internal
 * functions (webhooks, crons, `npx convex run`) are the service role and bypass
 * these rules. Rules are checked on the row in hand, in memory: they read nothing.
 */
export type RowRule<T extends TableNames> = {
  /** May the caller see this row? Rows that fail are filtered out of reads. */
  read?: (userId: Id<"users">, doc: Doc<T>) => boolean;
  /** May the caller create this row? */
  insert?: (userId: Id<"users">, value: Omit<Doc<T>, "_id" | "_creationTime">) => boolean;
  /** May the caller change or delete this row? Checked before and after a change. */
  modify?: (userId: Id<"users">, doc: Omit<Doc<T>, "_id" | "_creationTime">) => boolean;
};

export type RowRules = { [T in TableNames]?: RowRule<T> };

const own = (userId: Id<"users">, row: { userId: Id<"users"> }) => row.userId === userId;
const ownBucket = (userId: Id<"users">, row: { key?: string }) => row.key === userId;

export const rowRules: RowRules = {
  // Created at sign-up by the service role; users edit their own.
  profiles: { read: own, modify: own },
  // Written only by Stripe webhooks (service role); users can read their own.
  subscriptions: { read: own },
  // Users spend their own credits; grants and refills come from the service role.
  credits: { read: own, modify: own },
  // Append-only: users add entries for their own spending, never edit them.
  creditLedger: { read: own, insert: own },
  // Users hold, commit and release their own; expiry runs as the service role.
  creditReservations: { read: own, insert: own, modify: own },
  notes: { read: own, insert: own, modify: own },
  // Kept by notes.create and notes.remove for the caller's own notes.
  noteCounts: { read: own, insert: own, modify: own },
  // convex-helpers' token buckets: a user's calls spend from the buckets keyed
  // by their own id; app-wide buckets (no key) are the service role's.
  rateLimits: { read: ownBucket, insert: ownBucket, modify: ownBucket },
};
