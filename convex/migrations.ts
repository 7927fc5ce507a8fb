import { makeMigration, startMigrationsSerially } from "convex-helpers/server/migrations";
import type { MutationBuilder } from "convex/server";
import { v } from "convex/values";
import type { DataModel } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation } from "./lib/functions";
import { listForUser, paidThroughOf } from "./model/subscriptions";
import { emailAddress } from "./model/users";

// Convex applies schema changes on push but never rewrites data. A change to
// rows that already exist is a migration: it runs in batches (each its own
// transaction, within Convex's limits), records its progress in the
// `migrations` table, and resumes where it stopped. Run one with:
//   npx convex run migrations:normalizeProfileEmails '{"fn": "migrations:normalizeProfileEmails"}'
// or all of them, in order, with: npx convex run migrations:runAll
//
// The helper is typed for the raw builder; ours hands it the service-role db,
// which keeps `updatedAt` on the rows it patches and supports every call it makes.
const migration = makeMigration(internalMutation as unknown as MutationBuilder<DataModel, "internal">, {
  migrationTable: "migrations",
});

/**
 * Profiles created before sign-up lower-cased emails kept the case the user
 * typed; this brings them in line so email lookups match. Rows already
 * normalized are left alone (no write, no `updatedAt` change).
 */
export const normalizeProfileEmails = migration({
  table: "profiles",
  batchSize: 200,
  migrateOne: async (_ctx, profile) => {
    const normalized = emailAddress(profile.email);
    if (normalized !== null && normalized !== profile.email) return { email: normalized };
  },
});

/**
 * Fills `credits.paidThrough` on accounts stored before it existed, from the
 * user's live paid subscriptions, so a yearly plan's monthly sweep refills keep
 * their paid allowance. Accounts with nothing paid (or already filled) are left alone.
 */
export const backfillPaidThrough = migration({
  table: "credits",
  batchSize: 100,
  migrateOne: async (ctx, account) => {
    if (account.paidThrough !== undefined) return;
    const paidThrough = paidThroughOf(await listForUser(ctx, account.userId));
    if (paidThrough > 0) return { paidThrough };
  },
});

/** Starts every migration in order; each already done is skipped. */
export const runAll = internalMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    await startMigrationsSerially(ctx, [
      internal.migrations.normalizeProfileEmails,
      internal.migrations.backfillPaidThrough,
    ]);
    return null;
  },
});
