// Sign-up: the input rules for new accounts and the work done for each.
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { openAccount } from "./ledger";
import { createProfile, type NewProfile } from "./profiles";
import * as Stats from "./stats";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COMMON_PASSWORDS = new Set(["password", "password1", "12345678", "123456789", "qwertyuiop", "iloveyou1"]);

/** The email lower-cased and trimmed, or null when it is not an address. */
export function emailAddress(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : null;
}

/** Why a password is too weak, or null when it is acceptable. */
export function passwordStrength(password: string): string | null {
  if (password.length < 8) return "Password must be at least 8 characters";
  if (password.length > 128) return "Password must be at most 128 characters";
  if (!/[a-zA-Z]/.test(password) || !/[^a-zA-Z]/.test(password)) {
    return "Password must contain a letter and a digit or symbol";
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return "Password is too common";
  return null;
}

/**
 * What a sign-in provider told us about the user, reduced to what a profile may
 * hold. Provider data is not user input: a value that does not fit is dropped
 * rather than failing the sign-up.
 */
export function profileFromProvider(profile: Record<string, unknown>) {
  const email = typeof profile.email === "string" ? (emailAddress(profile.email) ?? "") : "";
  const name = typeof profile.name === "string" ? profile.name.trim().slice(0, 100) : "";
  const image = typeof profile.image === "string" ? profile.image : "";
  return {
    email,
    fullName: name === "" ? undefined : name,
    avatarUrl: image.startsWith("https://") && image.length <= 2048 ? image : undefined,
  };
}

/**
 * Sign-up work for a new user: the profile and the credits account at the free
 * plan's allowance. Idempotent: a second call creates nothing.
 */
export async function onSignUp(ctx: WriteCtx, profile: NewProfile) {
  const result = await createProfile(ctx, profile);
  await openAccount(ctx, profile.userId);
  // Counted once, with the profile that makes the account (a repeat creates nothing).
  if (result.created) await Stats.onSignUp(ctx);
  return result;
}

/** True when `userId` names an existing user (the users table is Convex Auth's; this only reads it). */
export async function userExists(ctx: ReadCtx, userId: Id<"users">) {
  return (await ctx.db.get("users", userId)) !== null;
}

/**
 * The one user reconciliation may adopt a Stripe customer's e-mail for: the
 * address must belong to exactly one user, and that user's e-mail must be
 * verified (Convex Auth's `emailVerificationTime`). Anything else is a reason,
 * for a person to decide: an unverified address could be anyone's.
 */
export async function userWithVerifiedEmail(
  ctx: ReadCtx,
  raw: string,
): Promise<{ userId: Id<"users"> } | { reason: string }> {
  const email = emailAddress(raw);
  if (email === null) return { reason: `${raw} is not an e-mail address` };
  const users = await ctx.db
    .query("users")
    .withIndex("email", (q) => q.eq("email", email))
    .take(2);
  if (users.length === 0) return { reason: `no user has the e-mail ${email}` };
  if (users.length > 1) return { reason: `several users have the e-mail ${email}` };
  if (users[0]!.emailVerificationTime === undefined) return { reason: `the user with ${email} has not verified it` };
  return { userId: users[0]!._id };
}
