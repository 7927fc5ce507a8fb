// Account deletion: the plan that says how each table's rows go with the
// account, the batches that carry it out, and the owner of `deletedAccounts`
// (the one remnant). Each step calls the owner module of its tables; this
// module only orders them and keeps the books. README: "Account deletion".
import { omit } from "convex-helpers";
import type { Doc, Id, TableNames } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import type { Infer } from "convex/values";
import type { cancellationStatus } from "../lib/validators";
import { ACCOUNT_DELETION } from "../../src/limits";
import * as Admins from "./admins";
import * as Audit from "./audit";
import * as AuthRecords from "./authRecords";
import * as Checkouts from "./checkouts";
import * as Customers from "./customers";
import * as Ledger from "./ledger";
import * as Notes from "./notes";
import * as Profiles from "./profiles";
import * as RateLimits from "./rateLimits";
import * as Reservations from "./reservations";
import * as Stats from "./stats";
import * as Inbox from "./stripeInbox";
import * as Subscriptions from "./subscriptions";

/** What the batches carry from one to the next (the `pending` field of the deletedAccounts row). */
export type DeletionJob = NonNullable<Doc<"deletedAccounts">["pending"]>;
/** What a step sees: the job, and the hashed id that replaces the user's where a row is kept. */
type StepJob = DeletionJob & { hashedUserId: string };

type StepResult = {
  /** Rows deleted or scrubbed. */
  deleted: number;
  /** Budget spent (at least 1, so a batch always moves on). */
  used: number;
  /** Nothing of this step is left. */
  done: boolean;
  cursor?: string | null;
  /** Credits the deleted rows held (the account's balance, held reservations). */
  credits?: number;
  /** Stripe subscriptions that would still bill: the caller cancels them. */
  cancel?: string[];
  /** Scheduled jobs made pointless (reservation expiries): the caller cancels them. */
  expiryJobs?: Id<"_scheduled_functions">[];
  /** Stripe Checkout sessions still open: the caller closes them at Stripe. */
  expireCheckouts?: string[];
};

type Step = {
  /** The tables whose rows of the user this step removes (or scrubs). */
  covers: TableNames[];
  run: (ctx: WriteCtx, job: StepJob, budget: number) => Promise<StepResult>;
};

const counted = (deleted: number, budget: number): StepResult => ({
  deleted,
  used: Math.max(1, deleted),
  done: deleted < budget,
});

/**
 * The deletion plan, in order. The first steps make the account unusable at
 * once (no user for a token to name, nothing for a getter to find), so they
 * run in the first transaction; the rest may take batches. A new table that
 * holds user data gets a step here (README: "Adding a table"); the isolation
 * suite (accountDeletion.test.ts) fails for a table with a `userId` field or
 * index that no step covers.
 */
export const DELETION_STEPS: Step[] = [
  { covers: ["users"], run: async (ctx, job) => counted(await AuthRecords.deleteUser(ctx, job.userId), 2) },
  // An admin's powers go with the account, at once.
  { covers: ["roles"], run: async (ctx, job) => counted(await Admins.removeRole(ctx, job.userId), 2) },
  {
    // Sign-up counted the user when it made the profile: the counters of
    // admin:stats lose them (and their plan and live subscriptions) with it.
    covers: ["profiles"],
    run: async (ctx, job) => {
      const deleted = await Profiles.deleteProfile(ctx, job.userId);
      if (deleted > 0) {
        await Stats.onUserDeleted(ctx, Subscriptions.countedAs(await Subscriptions.listForUser(ctx, job.userId)));
      }
      return counted(deleted, 2);
    },
  },
  {
    covers: ["credits"],
    run: async (ctx, job) => {
      const { deleted, balance } = await Ledger.deleteAccountRow(ctx, job.userId);
      return { ...counted(deleted, 2), credits: balance };
    },
  },
  {
    covers: ["subscriptions"],
    run: async (ctx, job, budget) => {
      const { deleted, live } = await Subscriptions.deleteSubscriptions(ctx, job.userId, budget);
      return { ...counted(deleted, budget), cancel: live };
    },
  },
  {
    covers: ["stripeCustomers"],
    run: async (ctx, job, budget) => counted(await Customers.deleteCustomerLinks(ctx, job.userId, budget), budget),
  },
  {
    // Early, so held reservations' expiries are cancelled before they could fire on a deleted account.
    covers: ["creditReservations"],
    run: async (ctx, job, budget) => {
      const { deleted, held, expiryJobs } = await Reservations.deleteReservations(ctx, job.userId, budget);
      return { ...counted(deleted, budget), credits: held, expiryJobs };
    },
  },
  {
    covers: ["authSessions", "authRefreshTokens", "authVerifiers"],
    run: async (ctx, job, budget) => counted(await AuthRecords.deleteSessions(ctx, job.userId, budget), budget),
  },
  {
    covers: ["authAccounts", "authVerificationCodes", "authRateLimits"],
    run: async (ctx, job, budget) =>
      counted(await AuthRecords.deleteAccounts(ctx, job.userId, job.names, budget), budget),
  },
  {
    // Open sessions are closed at Stripe too: paid after the deletion, one would start a subscription for no one.
    covers: ["checkoutSessions"],
    run: async (ctx, job, budget) => {
      const { deleted, open } = await Checkouts.deleteCheckouts(ctx, job.userId, budget);
      return { ...counted(deleted, budget), expireCheckouts: open };
    },
  },
  {
    covers: ["notes"],
    run: async (ctx, job, budget) => counted(await Notes.deleteNotes(ctx, job.userId, budget), budget),
  },
  {
    covers: ["noteCounts"],
    run: async (ctx, job) => counted(await Notes.deleteNoteCount(ctx, job.userId), 2),
  },
  {
    // Per-user buckets are keyed by the user id, the verification-code bucket
    // by the e-mail (no userId field: the plan test cannot see them, so they
    // are listed here by hand). The users row is gone by now: the e-mails come
    // from the job. One step deletes them all.
    covers: ["rateLimits"],
    run: async (ctx, job) => {
      const deleted = await RateLimits.deleteUserBuckets(ctx, job.userId, job.names);
      return { deleted, used: Math.max(1, deleted), done: true };
    },
  },
  {
    // Their entries go; entries they made as an admin on other accounts stay, the actor hashed.
    covers: ["creditLedger"],
    run: async (ctx, job, budget) => {
      const deleted = await Ledger.deleteLedgerEntries(ctx, job.userId, budget);
      if (deleted >= budget) return counted(deleted, budget);
      const changed = await Ledger.anonymizeActor(ctx, job.userId, job.hashedUserId, budget - deleted);
      return { deleted: deleted + changed, used: Math.max(1, deleted + changed), done: changed < budget - deleted };
    },
  },
  {
    // Kept, with the user's id replaced by the hash: what admins did, and to whom.
    covers: ["adminAudit"],
    run: async (ctx, job, budget) => {
      const { changed, more } = await Audit.anonymizeUser(ctx, job.userId, job.hashedUserId, job.names, budget);
      return { deleted: changed, used: Math.max(1, changed), done: !more };
    },
  },
  {
    // Scrubbed, not deleted: the inbox is the record of what Stripe sent (money
    // received, refunds); only what named the user goes.
    covers: ["stripeEvents"],
    run: async (ctx, job, budget) => {
      const { used, done, cursor, scrubbed } = await Inbox.scrubUserEvents(ctx, job, budget);
      return { deleted: scrubbed, used, done, cursor };
    },
  },
];

/** Tables no step touches, and why nothing of a deleted user remains in them. */
export const KEPT_TABLES: Partial<Record<TableNames, string>> = {
  migrations: "the state of data migrations: names no user",
  deletedAccounts: "the remnant for the books: a salted hash of the user id, no e-mail or name",
  statsShards: "counters of admin:stats, named by shard: the profile step takes the user out of them",
};

/**
 * The user id as the remnant keeps it: SHA-256 of a server-side salt and the
 * id. Salted, because user ids also live outside this database (Stripe's
 * `metadata.userId`, logs): a plain hash would let anyone holding a copy of the
 * database confirm who a row was. The operator, who holds the salt, can still
 * find the row for an id (a dispute, a refund). The salt is ACCOUNT_HASH_SALT,
 * else the deployment's JWT_PRIVATE_KEY (always set where Convex Auth signs
 * tokens; set ACCOUNT_HASH_SALT before rotating that key to keep hashes stable).
 */
export async function hashUserId(userId: string): Promise<string> {
  const salt = process.env.ACCOUNT_HASH_SALT || process.env.JWT_PRIVATE_KEY;
  if (!salt)
    fail("CONFIGURATION", "ACCOUNT_HASH_SALT is not set on this deployment", { variable: "ACCOUNT_HASH_SALT" });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${salt}\u0000${userId}`));
  return `sha256:${Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export type BatchOutcome = {
  deletionId: Id<"deletedAccounts">;
  deleted: number;
  more: boolean;
  cancel: string[];
  expiryJobs: Id<"_scheduled_functions">[];
  expireCheckouts: string[];
};

/**
 * Starts deleting the user's account: writes the deletedAccounts row, then
 * runs the first batch (which removes the user, profile, credits account,
 * subscriptions and customer links before anything else).
 */
export async function begin(ctx: WriteCtx, userId: Id<"users">, now: number): Promise<BatchOutcome> {
  const user = await ctx.db.get("users", userId);
  if (user === null) fail("UNAUTHENTICATED", "Your account no longer exists");
  const profile = await Profiles.getProfile(ctx, userId);
  const names = [...AuthRecords.namesOf(user), profile?.email ?? "", profile?.fullName ?? ""].filter((n) => n !== "");
  const customers = await Customers.customersOfUser(ctx, userId);
  const deletionId = await ctx.db.insert("deletedAccounts", {
    hashedUserId: await hashUserId(userId),
    deletedAt: now,
    completedAt: null,
    finalBalance: 0,
    stripeCustomerId: customers[0] ?? null,
    subscriptionCanceled: false,
    cancellations: [],
    pending: { userId, names: [...new Set(names)], customers, step: 0, cursor: null },
  });
  return await runBatch(ctx, deletionId, now);
}

/** One batch of a deletion: steps in order until the budget is spent; the row records the progress. */
export async function runBatch(ctx: WriteCtx, deletionId: Id<"deletedAccounts">, now: number): Promise<BatchOutcome> {
  const row = await ctx.db.get("deletedAccounts", deletionId);
  const outcome: BatchOutcome = {
    deletionId,
    deleted: 0,
    more: false,
    cancel: [],
    expiryJobs: [],
    expireCheckouts: [],
  };
  if (row?.pending === undefined) return outcome;
  const job: StepJob = { ...row.pending, hashedUserId: row.hashedUserId };
  let budget: number = ACCOUNT_DELETION.batchSize;
  let credits = 0;
  while (budget > 0 && job.step < DELETION_STEPS.length) {
    const result = await DELETION_STEPS[job.step]!.run(ctx, job, budget);
    budget -= result.used;
    outcome.deleted += result.deleted;
    credits += result.credits ?? 0;
    outcome.cancel.push(...(result.cancel ?? []));
    outcome.expiryJobs.push(...(result.expiryJobs ?? []));
    outcome.expireCheckouts.push(...(result.expireCheckouts ?? []));
    if (result.cursor !== undefined) job.cursor = result.cursor;
    if (result.done) {
      job.step += 1;
      job.cursor = null;
    }
  }
  outcome.more = job.step < DELETION_STEPS.length;
  await ctx.db.patch("deletedAccounts", deletionId, {
    finalBalance: row.finalBalance + credits,
    cancellations: [
      ...row.cancellations,
      ...outcome.cancel.map((id) => ({
        stripeSubscriptionId: id,
        status: "pending" as const,
        attempts: 0,
        error: null,
      })),
    ],
    // The last batch drops what named the user.
    pending: outcome.more ? omit(job, ["hashedUserId"]) : undefined,
    completedAt: outcome.more ? null : now,
  });
  return outcome;
}

export type CancellationStatus = Infer<typeof cancellationStatus>;

/** Records an attempt at cancelling one of a deleted account's subscriptions through Stripe. */
export async function recordCancellation(
  ctx: WriteCtx,
  deletionId: Id<"deletedAccounts">,
  attempt: { stripeSubscriptionId: string; status: CancellationStatus; attempts: number; error: string | null },
) {
  const row = await ctx.db.get("deletedAccounts", deletionId);
  if (row === null) return;
  const cancellations = row.cancellations.map((c) =>
    c.stripeSubscriptionId === attempt.stripeSubscriptionId ? { ...c, ...attempt } : c,
  );
  await ctx.db.update("deletedAccounts", row, {
    cancellations,
    subscriptionCanceled: row.subscriptionCanceled || attempt.status === "canceled",
  });
}

/** True when `stripeCustomerId` was a deleted account's customer (its later webhooks are recorded unlinked). */
export async function isDeletedCustomer(ctx: ReadCtx, stripeCustomerId: string) {
  const row = await ctx.db
    .query("deletedAccounts")
    .withIndex("by_stripeCustomerId", (q) => q.eq("stripeCustomerId", stripeCustomerId))
    .first();
  return row !== null;
}

/**
 * A Stripe customer made for `userId` by a checkout that was under way while
 * the account was deleted: remembered on the remnant (which had none, or the
 * checkout would have reused it), so its later webhooks are recorded
 * unlinked and scrubbed, and a deletion still running scrubs its events too.
 */
export async function rememberCustomer(ctx: WriteCtx, userId: Id<"users">, stripeCustomerId: string) {
  const hashedUserId = await hashUserId(userId);
  const row = await ctx.db
    .query("deletedAccounts")
    .withIndex("by_hashedUserId", (q) => q.eq("hashedUserId", hashedUserId))
    .first();
  if (row === null || row.stripeCustomerId !== null) return;
  const pending =
    row.pending === undefined ? undefined : { ...row.pending, customers: [...row.pending.customers, stripeCustomerId] };
  await ctx.db.patch("deletedAccounts", row._id, { stripeCustomerId, ...(pending === undefined ? {} : { pending }) });
}

/**
 * A subscription Stripe reports live for a deleted account's customer that
 * the deletion did not know (made later in Stripe's dashboard, or by a
 * schedule): added to the remnant's cancellations as pending, once. Returns
 * the deletion for the caller to schedule the cancellation, or null when
 * there is nothing to do (not a deleted customer's, or already recorded).
 */
export async function lateSubscription(ctx: WriteCtx, stripeCustomerId: string, stripeSubscriptionId: string) {
  const row = await ctx.db
    .query("deletedAccounts")
    .withIndex("by_stripeCustomerId", (q) => q.eq("stripeCustomerId", stripeCustomerId))
    .first();
  if (row === null || row.cancellations.some((c) => c.stripeSubscriptionId === stripeSubscriptionId)) return null;
  const pending = { stripeSubscriptionId, status: "pending" as const, attempts: 0, error: null };
  await ctx.db.patch("deletedAccounts", row._id, { cancellations: [...row.cancellations, pending] });
  return { deletionId: row._id, stripeSubscriptionId };
}
