// Sign-up: the input rules for new accounts and the work done for each.
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { clean, hasInvisible } from "../lib/text";
import { httpsUrl } from "../lib/validate";
import { getAccount, grantSignupAllowance, openAccount } from "./ledger";
import { createProfile, type NewProfile } from "./profiles";
import * as Stats from "./stats";

export { passwordStrength } from "../lib/passwords";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The email trimmed, lower-cased and in NFC, or null when it is not an
 * address. One holding control or invisible characters (`a\u200b@x.io`) is
 * refused rather than cleaned: it is a lookalike of another address, not a
 * typo to fix silently.
 */
export function emailAddress(raw: string): string | null {
  const email = raw.trim().toLowerCase().normalize("NFC");
  if (hasInvisible(email)) return null;
  return email.length <= 254 && EMAIL.test(email) ? email : null;
}

/**
 * What a sign-in provider told us about the user, reduced to what a profile may
 * hold. Provider data is not user input: a value that does not fit is dropped
 * rather than failing the sign-up.
 */
export function profileFromProvider(profile: Record<string, unknown>) {
  const email = typeof profile.email === "string" ? (emailAddress(profile.email) ?? "") : "";
  // Cut at 100 UTF-16 units, never between the two halves of a surrogate pair.
  const name =
    typeof profile.name === "string"
      ? clean(profile.name)
          .slice(0, 100)
          .replace(/[\uD800-\uDBFF]$/, "")
          .trim()
      : "";
  return {
    email,
    fullName: name === "" ? undefined : name,
    avatarUrl: typeof profile.image === "string" ? providerUrl(profile.image) : undefined,
  };
}

/** The provider's avatar URL as `httpsUrl` stores one, or undefined when it is not an https: URL. */
function providerUrl(raw: string): string | undefined {
  try {
    return httpsUrl("avatarUrl", raw);
  } catch {
    return undefined;
  }
}

/**
 * Sign-up work for a new user: the profile and the credits account, at the
 * free plan's allowance when `verified` (the default), else at 0 until
 * `onEmailVerified`. Idempotent: a second call creates nothing.
 */
export async function onSignUp(ctx: WriteCtx, profile: NewProfile, { verified = true } = {}) {
  const result = await createProfile(ctx, profile);
  await openAccount(ctx, profile.userId, { grant: verified });
  // Counted once, with the profile that makes the account (a repeat creates nothing).
  if (result.created) await Stats.onSignUp(ctx);
  return result;
}

/** The free allowance for a user whose e-mail is now verified, once (see `grantSignupAllowance`). */
export async function onEmailVerified(ctx: WriteCtx, userId: Id<"users">) {
  if ((await getAccount(ctx, userId)) === null) await openAccount(ctx, userId);
  else await grantSignupAllowance(ctx, userId);
}

/**
 * True when Convex Auth recorded the user's e-mail as verified: a code sent to
 * it was entered, or an OAuth provider vouched for it (Convex Auth sets
 * `emailVerificationTime` for OAuth e-mails). No e-mail, nothing verified.
 */
export async function hasVerifiedEmail(ctx: ReadCtx, userId: Id<"users">) {
  const user = await ctx.db.get("users", userId);
  return (
    user !== null && typeof user.email === "string" && user.email !== "" && user.emailVerificationTime !== undefined
  );
}

/**
 * True when the user's e-mail is verified and no other user verified the same
 * address before: the free allowance goes to one user per address. (Convex
 * Auth links a new sign-in to a user with that verified e-mail, but a password
 * account still waiting for its code is not one: an OAuth sign-in with its
 * address makes a second user, and both would otherwise be granted.) Reads at
 * most a few users through the e-mail index.
 */
async function firstToVerify(ctx: ReadCtx, userId: Id<"users">) {
  const user = await ctx.db.get("users", userId);
  if (user === null || !(await hasVerifiedEmail(ctx, userId))) return false;
  const sameAddress = await ctx.db
    .query("users")
    .withIndex("email", (q) => q.eq("email", user.email))
    .take(10);
  return !sameAddress.some((other) => other._id !== userId && other.emailVerificationTime !== undefined);
}

/**
 * What every sign-in does for the user it signed in (Convex Auth's
 * `afterUserCreatedOrUpdated`). A new user gets the sign-up work; when
 * e-mails must be verified for free credits, the allowance waits for a
 * verified e-mail, and is granted on the sign-in that brings one (the code's
 * verification, or an OAuth provider's; a password sign-in never does, so it
 * reads nothing more). Otherwise an existing user gets nothing.
 */
export async function onAuthenticated(
  ctx: WriteCtx,
  args: {
    userId: Id<"users">;
    isNew: boolean;
    /** Convex Auth's sign-in type: "credentials" (password), "verification" (a code), "oauth"... */
    type: string;
    profile: Record<string, unknown>;
    requireVerifiedEmail: boolean;
  },
) {
  if (!args.isNew && (!args.requireVerifiedEmail || args.type === "credentials")) return;
  const verified = !args.requireVerifiedEmail || (await firstToVerify(ctx, args.userId));
  if (args.isNew) {
    await onSignUp(ctx, { userId: args.userId, ...profileFromProvider(args.profile) }, { verified });
  } else if (verified) {
    await onEmailVerified(ctx, args.userId);
  }
}

/** The user's e-mail as stored (normalized at sign-up), or null when there is none. */
export async function emailOf(ctx: ReadCtx, userId: Id<"users">): Promise<string | null> {
  const user = await ctx.db.get("users", userId);
  return typeof user?.email === "string" && user.email !== "" ? user.email : null;
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
