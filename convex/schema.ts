import { authTables } from "@convex-dev/auth/server";
import { defineSchema, defineTable } from "convex/server";
import { migrationsTable } from "convex-helpers/server/migrations";
import { rateLimitTables } from "convex-helpers/server/rateLimit";
import * as V from "./lib/validators";

/**
 * The app's own tables (fields in `lib/validators.ts`). Every one has
 * `updatedAt`, kept by the database wrapper in `lib/db.ts` (never by handlers),
 * and is closed to users until `lib/rules.ts` gives it a rule. Each is read and
 * written by one model module: see README, "Layout".
 */
export const appTables = {
  profiles: defineTable(V.profileFields).index("by_userId", ["userId"]).index("by_email", ["email"]),
  subscriptions: defineTable(V.subscriptionFields)
    .index("by_userId", ["userId"])
    .index("by_stripeCustomerId", ["stripeCustomerId"])
    .index("by_stripeSubscriptionId", ["stripeSubscriptionId"]),
  stripeCustomers: defineTable(V.stripeCustomerFields)
    .index("by_userId", ["userId"])
    .index("by_stripeCustomerId", ["stripeCustomerId"]),
  stripeEvents: defineTable(V.stripeEventFields)
    .index("by_eventId", ["eventId"])
    // Listing by status reads newest first through the index's _creationTime.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- listings need that order, not payloadReducedAt's
    .index("by_status", ["status"])
    // An admin reads a user's latest events (admin:getUser).
    .index("by_userId", ["userId"])
    // Retention: payloads still kept, by how long ago they were processed (model/stripeInbox.ts).
    .index("by_status_and_payloadReducedAt_and_processedAt", ["status", "payloadReducedAt", "processedAt"]),
  credits: defineTable(V.creditFields).index("by_userId", ["userId"]).index("by_nextRefillAt", ["nextRefillAt"]),
  // Append-only; `_creationTime` orders a user's entries in time.
  creditLedger: defineTable(V.ledgerEntryFields)
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes -- history is read newest first by time
    .index("by_userId", ["userId"])
    .index("by_userId_and_idempotencyKey", ["userId", "idempotencyKey"]),
  // One row per reservation, kept after it ends so a late commit is a CONFLICT, not a NOT_FOUND.
  // The quota of held reservations is counted through `by_userId_and_status` (model/reservations.ts).
  creditReservations: defineTable(V.creditReservationFields)
    .index("by_userId_and_status", ["userId", "status"])
    // Retention: ended rows by when they ended (an ended row is never written again).
    .index("by_status_and_updatedAt", ["status", "updatedAt"]),
  checkoutSessions: defineTable(V.checkoutSessionFields)
    .index("by_userId", ["userId"])
    .index("by_stripeSessionId", ["stripeSessionId"]),
  // The worked example of a user-owned table (README: "Adding a table").
  notes: defineTable(V.noteFields).index("by_userId", ["userId"]),
  // How many notes each user keeps, so the quota costs one read (model/notes.ts).
  noteCounts: defineTable(V.noteCountFields).index("by_userId", ["userId"]),
  // Admins only: no row means an ordinary user. No row rule, so no public function sees it (model/admins.ts).
  roles: defineTable(V.roleFields).index("by_userId", ["userId"]),
  // Every admin and operator change; newest first by _creationTime (model/audit.ts).
  adminAudit: defineTable(V.adminAuditFields).index("by_target", ["target"]).index("by_actor", ["actor"]),
  // Sharded counters for admin:stats: writers pick a shard at random, so they rarely conflict (model/stats.ts).
  statsShards: defineTable(V.statsShardFields).index("by_shard", ["shard"]),
};

export type AppTableName = keyof typeof appTables;
export const APP_TABLE_NAMES = Object.keys(appTables) as AppTableName[];

export default defineSchema({
  ...authTables,
  // State of data migrations (convex-helpers), see convex/migrations.ts.
  migrations: migrationsTable,
  // Token buckets of convex-helpers' rate limiter (model/rateLimits.ts): a
  // per-user bucket has key = the user's id; app-wide ones have no key.
  ...rateLimitTables,
  ...appTables,
});
