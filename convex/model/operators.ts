// What admins (api.admin.*) and operators (`npx convex run`) do, shared by
// both: views over several owners' tables, and audited changes. Every table
// is still read and written by its owner; this module composes them.
import type { PaginationOptions } from "convex/server";
import type { Doc } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { pageOptions } from "../lib/validate";
import type { StripeEventStatus } from "../lib/validators";
import * as Audit from "./audit";
import * as Credits from "./credits";
import * as Ledger from "./ledger";
import * as Profiles from "./profiles";
import * as Inbox from "./stripeInbox";
import * as Subscriptions from "./subscriptions";

/** What `userDetail` shows of a user's history. */
export const LATEST_LEDGER = 50;
export const LATEST_EVENTS = 20;

/** One user as admins list them: two more index reads (credits, subscriptions) per profile. */
async function userRow(ctx: ReadCtx, profile: Doc<"profiles">) {
  const [account, subs] = await Promise.all([
    Ledger.getAccount(ctx, profile.userId),
    Subscriptions.listForUser(ctx, profile.userId),
  ]);
  const current = Subscriptions.pickCurrent(subs);
  return {
    userId: profile.userId,
    email: profile.email,
    fullName: profile.fullName ?? null,
    planId: Subscriptions.planOf(subs),
    status: current?.status ?? ("none" as const),
    balance: account?.balance ?? 0,
    createdAt: profile._creationTime,
  };
}

/** Users a page at a time (oldest first), or the one(s) with `email` through the profiles' e-mail index. */
export async function listUsers(ctx: ReadCtx, paginationOpts: PaginationOptions, email?: string) {
  const page = await Profiles.profilePage(ctx, pageOptions(paginationOpts), email);
  return { ...page, page: await Promise.all(page.page.map((profile) => userRow(ctx, profile))) };
}

/** A user id from outside: NOT_FOUND when it names no user's profile (malformed ids included). */
async function requireProfile(ctx: ReadCtx, rawUserId: string) {
  const userId = ctx.db.normalizeId("users", rawUserId);
  const profile = userId === null ? null : await Profiles.getProfile(ctx, userId);
  if (profile === null) fail("NOT_FOUND", "No such user", { userId: rawUserId });
  return profile;
}

/** Everything an admin sees about one user, or NOT_FOUND. */
export async function userDetail(ctx: ReadCtx, rawUserId: string) {
  const profile = await requireProfile(ctx, rawUserId);
  const userId = profile.userId;
  const [account, subscriptions, ledger, events] = await Promise.all([
    Ledger.getAccount(ctx, userId),
    Subscriptions.listForUser(ctx, userId),
    Ledger.latestEntries(ctx, userId, LATEST_LEDGER),
    Inbox.eventsOfUser(ctx, userId, LATEST_EVENTS),
  ]);
  return {
    profile,
    credits: account === null ? null : Ledger.creditSummary(account),
    subscriptions,
    ledger,
    events,
  };
}

export type AdminAdjustment = {
  userId: string;
  delta: number;
  reason: string;
  idempotencyKey?: string;
  kind?: "adjust" | "refund";
};

/**
 * Adds `delta` credits to a user's balance for `actor` (see Credits.adjust:
 * a whole number, never below 0, once per key) and audits it in the same
 * transaction; a refused adjustment leaves no audit row either.
 */
export async function adjustCredits(ctx: WriteCtx, actor: Audit.Actor, args: AdminAdjustment) {
  const { userId, idempotencyKey, kind = "adjust" } = args;
  const target = ctx.db.normalizeId("users", userId);
  if (target === null) fail("NOT_FOUND", "No such user", { userId });
  const result = await Credits.adjust(ctx, target, { ...args, kind, actor });
  await Audit.record(ctx, {
    actor,
    action: "adjustCredits",
    target,
    args: { delta: args.delta, reason: args.reason.trim(), idempotencyKey: idempotencyKey ?? null, kind },
  });
  return result;
}

/** Events with `status`, newest first, a bounded page at a time. */
export async function listEvents(ctx: ReadCtx, status: StripeEventStatus, paginationOpts: PaginationOptions) {
  return await Inbox.eventPage(ctx, status, pageOptions(paginationOpts));
}

/** Audits a replay of `eventId` (after it ran): the target is the event's user, if it has one. */
export async function recordReplay(ctx: WriteCtx, actor: Audit.Actor, eventId: string, status: StripeEventStatus) {
  const row = await Inbox.findEvent(ctx, eventId);
  await Audit.record(ctx, { actor, action: "replayEvent", target: row?.userId ?? null, args: { eventId, status } });
}

/** The audit log, newest first, a bounded page at a time. */
export async function auditPage(ctx: ReadCtx, paginationOpts: PaginationOptions) {
  return await Audit.page(ctx, pageOptions(paginationOpts));
}
