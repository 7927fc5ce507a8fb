import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { adminAction, adminMutation, adminQuery, internalMutation, internalQuery } from "./lib/functions";
import * as V from "./lib/validators";
import * as Admins from "./model/admins";
import * as Operators from "./model/operators";
import * as Stats from "./model/stats";
import { replayEvent as replay } from "./stripeEvents";

// The admin API. Every public function here is built on the admin builders
// (lib/functions.ts): signed in, role checked on the server, `ctx.adminId`
// recorded in the audit of every change. These are the only public functions
// that take a `userId`: admins act on other users' accounts by design.

/** Users a page at a time (1..100), oldest first; `email` finds one through the profiles' e-mail index. */
export const listUsers = adminQuery({
  args: { paginationOpts: paginationOptsValidator, email: v.optional(v.string()) },
  returns: paginationResultValidator(V.adminUserRow),
  handler: (ctx, args) => Operators.listUsers(ctx, args.paginationOpts, args.email),
});

/** One user's profile, credits, subscriptions, latest 50 ledger entries and latest 20 Stripe events; NOT_FOUND for an unknown id. */
export const getUser = adminQuery({
  // A string, not v.id: a malformed id is NOT_FOUND like any other unknown one.
  args: { userId: v.string() },
  returns: V.adminUserDetail,
  handler: (ctx, args) => Operators.userDetail(ctx, args.userId),
});

/** Adds (or, negative, takes away) credits: a whole number, never below 0, once per `idempotencyKey`; audited. */
export const adjustCredits = adminMutation({
  args: { userId: v.string(), delta: v.number(), reason: v.string(), idempotencyKey: v.optional(v.string()) },
  returns: V.creditBalance,
  handler: (ctx, args) => Operators.adjustCredits(ctx, ctx.adminId, args),
});

/** Stripe inbox events with `status`, newest first, a page (1..100) at a time, without payloads. */
export const listEvents = adminQuery({
  args: { status: V.stripeEventStatus, paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(V.stripeEventSummary),
  handler: (ctx, args) => Operators.listEvents(ctx, args.status, args.paginationOpts),
});

/** Applies a recorded Stripe event again from its stored payload (NOT_FOUND when none); audited. */
export const replayEvent = adminAction({
  args: { eventId: v.string() },
  returns: V.delivery,
  handler: (ctx, args) => replay(ctx, ctx.adminId, args.eventId),
});

/** Users, users per plan and active or trialing subscriptions: the sharded counters summed (16 reads). */
export const stats = adminQuery({
  args: {},
  returns: V.stats,
  handler: (ctx) => Stats.read(ctx),
});

/** The audit log of admin and operator changes, newest first, a page (1..100) at a time. */
export const listAudit = adminQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(V.adminAuditDoc),
  handler: (ctx, args) => Operators.auditPage(ctx, args.paginationOpts),
});

/** adminAction's role check (actions have no db): FORBIDDEN unless `userId` is an admin. */
export const checkAdmin = internalQuery({
  args: { userId: v.id("users") },
  returns: v.null(),
  handler: async (ctx, args) => {
    await Admins.requireAdmin(ctx, args.userId);
    return null;
  },
});

/** Makes the user with `email` an admin: `npx convex run admin:grantAdmin '{"email":"ada@example.com"}'`. Audited ("cli"). */
export const grantAdmin = internalMutation({
  args: { email: v.string() },
  returns: v.object({ userId: v.id("users") }),
  handler: (ctx, args) => Admins.grantAdmin(ctx, args.email),
});

/** Makes the user with `email` an ordinary user again: `npx convex run admin:revokeAdmin '{"email":"…"}'`. Audited ("cli"). */
export const revokeAdmin = internalMutation({
  args: { email: v.string() },
  returns: v.object({ userId: v.id("users") }),
  handler: (ctx, args) => Admins.revokeAdmin(ctx, args.email),
});
