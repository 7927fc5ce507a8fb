// The owner of the `roles` table: who is an admin. Only admins have a row (no
// row: an ordinary user). The table has no row rule (lib/rules.ts), so no
// public function can read or write it; roles are granted and revoked by the
// internal `admin:grantAdmin` / `admin:revokeAdmin` (`npx convex run`), and
// checked only by the admin builders, so ordinary users' calls read nothing more.
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import type { Role } from "../lib/validators";
import * as Audit from "./audit";
import { findByEmail } from "./profiles";
import { emailAddress } from "./users";

/** The user's role: "admin" with a row saying so, else "user". One index read. */
export async function roleOf(ctx: ReadCtx, userId: Id<"users">): Promise<Role> {
  const row = await roleRow(ctx, userId);
  return row?.role ?? "user";
}

async function roleRow(ctx: ReadCtx, userId: Id<"users">) {
  return await ctx.db
    .query("roles")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
}

/** The admin builders' check: FORBIDDEN unless `userId` is an admin. */
export async function requireAdmin(ctx: ReadCtx, userId: Id<"users">): Promise<void> {
  if ((await roleOf(ctx, userId)) !== "admin") fail("FORBIDDEN", "Admins only");
}

/** The user with this e-mail (through the profiles' e-mail index), or NOT_FOUND / CONFLICT. */
async function userByEmail(ctx: ReadCtx, raw: string): Promise<Id<"users">> {
  const email = emailAddress(raw);
  if (email === null) fail("INVALID_ARGUMENT", `${raw} is not an e-mail address`, { field: "email" });
  const profiles = await findByEmail(ctx, email, 2);
  if (profiles.length === 0) fail("NOT_FOUND", `No user has the e-mail ${email}`);
  if (profiles.length > 1) fail("CONFLICT", `Several users have the e-mail ${email}`);
  return profiles[0]!.userId;
}

/** Makes the user with `email` an admin (audited, actor "cli"). Granting twice changes nothing more. */
export async function grantAdmin(ctx: WriteCtx, email: string) {
  const userId = await userByEmail(ctx, email);
  const row = await roleRow(ctx, userId);
  if (row === null) await ctx.db.insert("roles", { userId, role: "admin" });
  else if (row.role !== "admin") await ctx.db.patch("roles", row._id, { role: "admin" });
  await Audit.record(ctx, { actor: "cli", action: "grantAdmin", target: userId, args: {} });
  return { userId };
}

/** Makes the user with `email` an ordinary user again (audited, actor "cli"). */
export async function revokeAdmin(ctx: WriteCtx, email: string) {
  const userId = await userByEmail(ctx, email);
  const row = await roleRow(ctx, userId);
  if (row !== null) await ctx.db.delete("roles", row._id);
  await Audit.record(ctx, { actor: "cli", action: "revokeAdmin", target: userId, args: {} });
  return { userId };
}

/** Removes the user's role row, if any (for account deletion). */
export async function removeRole(ctx: WriteCtx, userId: Id<"users">): Promise<void> {
  const row = await roleRow(ctx, userId);
  if (row !== null) await ctx.db.delete("roles", row._id);
}
