// The owner of the `profiles` table.
import type { PaginationOptions } from "convex/server";
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { cleanText } from "../lib/text";
import { httpsUrl } from "../lib/validate";

/** The user's profile, or null. */
export async function getProfile(ctx: ReadCtx, userId: Id<"users">) {
  return await ctx.db
    .query("profiles")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
}

/** Up to `limit` profiles with this e-mail (lower-cased, as sign-up stores it), through the e-mail index. */
export async function findByEmail(ctx: ReadCtx, email: string, limit: number) {
  return await ctx.db
    .query("profiles")
    .withIndex("by_email", (q) => q.eq("email", email.trim().toLowerCase()))
    .take(limit);
}

/** Every profile (or those with `email`), oldest first, a page at a time (admins' user list). */
export async function profilePage(ctx: ReadCtx, paginationOpts: PaginationOptions, email?: string) {
  const query =
    email === undefined
      ? ctx.db.query("profiles")
      : ctx.db.query("profiles").withIndex("by_email", (q) => q.eq("email", email.trim().toLowerCase()));
  return await query.paginate(paginationOpts);
}

export type NewProfile = { userId: Id<"users">; email: string; fullName?: string; avatarUrl?: string };

/**
 * Creates the user's profile, its fields held to the same rules as
 * `updateProfile` (clean text, a normalized https: URL). Idempotent: an
 * existing profile is returned unchanged.
 */
export async function createProfile(ctx: WriteCtx, profile: NewProfile) {
  const existing = await getProfile(ctx, profile.userId);
  if (existing !== null) return { created: false, profileId: existing._id };
  const row = {
    ...profile,
    fullName: profile.fullName === undefined ? undefined : cleanText("fullName", profile.fullName, 1, 100),
    avatarUrl: profile.avatarUrl === undefined ? undefined : httpsUrl("avatarUrl", profile.avatarUrl),
  };
  return { created: true, profileId: await ctx.db.insert("profiles", row) };
}

export type ProfileChanges = { fullName?: string | null; avatarUrl?: string | null };

/**
 * Applies the user-editable fields of a profile. `null` clears a field. Every
 * value is checked before anything is written, so a bad one changes nothing.
 */
export async function updateProfile(ctx: WriteCtx, userId: Id<"users">, changes: ProfileChanges) {
  const patch: { fullName?: string; avatarUrl?: string } = {};
  if (changes.fullName !== undefined) {
    patch.fullName = changes.fullName === null ? undefined : cleanText("fullName", changes.fullName, 1, 100);
  }
  if (changes.avatarUrl !== undefined) {
    patch.avatarUrl = changes.avatarUrl === null ? undefined : httpsUrl("avatarUrl", changes.avatarUrl);
  }
  const profile = await getProfile(ctx, userId);
  if (profile === null) fail("NOT_FOUND", "You have no profile yet");
  if (Object.keys(patch).length === 0) return profile;
  return await ctx.db.update("profiles", profile, patch);
}
