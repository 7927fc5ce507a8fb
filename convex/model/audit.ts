// The owner of the `adminAudit` table: one row for every change an admin (or
// an operator with `npx convex run`) makes, written by the same transaction as
// the change, so a change that rolls back leaves no row and none goes unrecorded.
import type { PaginationOptions } from "convex/server";
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { AuditArgs } from "../lib/validators";
import { scrubbedText } from "./stripeScrub";

/** Who made a change: an admin's user id, or "cli" for `npx convex run`. */
export type Actor = Id<"users"> | "cli";

export type AuditEntry = {
  actor: Actor;
  action: string;
  /** The user the change is about, or null. */
  target: Id<"users"> | null;
  /** The arguments worth keeping: no secrets, and not the target again. */
  args: AuditArgs;
};

/** Records one change, at the transaction's time. */
export async function record(ctx: WriteCtx, entry: AuditEntry): Promise<void> {
  await ctx.db.insert("adminAudit", { ...entry, at: Date.now() });
}

/** The audit log, newest first, a page at a time. */
export async function page(ctx: ReadCtx, paginationOpts: PaginationOptions) {
  return await ctx.db.query("adminAudit").order("desc").paginate(paginationOpts);
}

/** The arguments with every text that holds one of `names` (the deleted user's id, e-mail, name) scrubbed. */
function scrubbedArgs(args: AuditArgs, names: readonly string[]): AuditArgs {
  const out: AuditArgs = {};
  for (const [key, value] of Object.entries(args))
    out[key] = typeof value === "string" ? scrubbedText(value, names) : value;
  return out;
}

/**
 * For account deletion: replaces `userId` with `hashed` in up to `batch` audit
 * rows about them (target) or by them (actor), through the two indexes, and
 * scrubs `names` (their e-mail, name) and the id from the arguments (an
 * admin's free-text reason may name them).
 * Returns how many rows it changed and whether rows may remain (call again,
 * e.g. from a rescheduled batch).
 */
export async function anonymizeUser(
  ctx: WriteCtx,
  userId: Id<"users">,
  hashed: string,
  names: readonly string[],
  batch = 200,
): Promise<{ changed: number; more: boolean }> {
  const named = [userId, ...names];
  const about = await ctx.db
    .query("adminAudit")
    .withIndex("by_target", (q) => q.eq("target", userId))
    .take(batch);
  for (const row of about) {
    await ctx.db.patch("adminAudit", row._id, { target: hashed, args: scrubbedArgs(row.args, named) });
  }
  const left = batch - about.length;
  const by =
    left === 0
      ? []
      : await ctx.db
          .query("adminAudit")
          .withIndex("by_actor", (q) => q.eq("actor", userId))
          .take(left);
  for (const row of by)
    await ctx.db.patch("adminAudit", row._id, { actor: hashed, args: scrubbedArgs(row.args, named) });
  return { changed: about.length + by.length, more: about.length + by.length === batch };
}
