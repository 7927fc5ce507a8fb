// The owner of the `adminAudit` table: one row for every change an admin (or
// an operator with `npx convex run`) makes, written by the same transaction as
// the change, so a change that rolls back leaves no row and none goes unrecorded.
import type { PaginationOptions } from "convex/server";
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import type { AuditArgs } from "../lib/validators";

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

/**
 * For account deletion: replaces `userId` with `hashed` in up to `batch` audit
 * rows about them (target) or by them (actor), through the two indexes.
 * Returns whether rows may remain (call again, e.g. from a rescheduled batch).
 */
export async function anonymizeUser(
  ctx: WriteCtx,
  userId: Id<"users">,
  hashed: string,
  batch = 200,
): Promise<{ more: boolean }> {
  const about = await ctx.db
    .query("adminAudit")
    .withIndex("by_target", (q) => q.eq("target", userId))
    .take(batch);
  for (const row of about) await ctx.db.patch("adminAudit", row._id, { target: hashed });
  const left = batch - about.length;
  const by =
    left === 0
      ? []
      : await ctx.db
          .query("adminAudit")
          .withIndex("by_actor", (q) => q.eq("actor", userId))
          .take(left);
  for (const row of by) await ctx.db.patch("adminAudit", row._id, { actor: hashed });
  return { more: about.length + by.length === batch };
}
