import { Password } from "@convex-dev/auth/providers/Password";
import { convexAuth } from "@convex-dev/auth/server";
import type { GenericDatabaseWriter } from "convex/server";
import type { DataModel } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import { fail } from "./lib/errors";
import * as RateLimits from "./model/rateLimits";
import { github, google } from "./lib/oauth";
import { ResendOTP } from "./lib/resendOtp";
import { emailAddress, onAuthenticated, passwordStrength } from "./model/users";

// OAuth providers are switched on by their env vars (Auth.js reads
// AUTH_<PROVIDER>_ID and AUTH_<PROVIDER>_SECRET), so a fresh clone needs none.
// Their e-mails count as verified only when the provider says so (lib/oauth.ts).
// Exported for tests (not a function, so not part of the API).
export const oauthProviders = [
  ...(process.env.AUTH_GITHUB_ID ? [github()] : []),
  ...(process.env.AUTH_GOOGLE_ID ? [google()] : []),
];

// E-mail verification by one-time code, switched on by AUTH_RESEND_KEY (and
// AUTH_EMAIL_FROM for the sender). With it, a password account must enter the
// code before it can sign in, and its free credits wait for that; without it
// (local development) sign-up signs in and grants at once. README: "Sign-in".
const resendKey = process.env.AUTH_RESEND_KEY;
const verify = resendKey ? ResendOTP(resendKey, process.env.AUTH_EMAIL_FROM || undefined) : undefined;

/**
 * `provider` with `params.email` normalized before any of its flows runs.
 * Password's `profile` normalizes the account's id, but Convex Auth hands the
 * raw params to the `verify` provider, which stores the address as typed on
 * the users row and checks the code against it: "Ada@Example.com" would not
 * match the account "ada@example.com". (`options` is where Convex Auth keeps a
 * credentials provider's config; it merges it over the provider.)
 */
function withNormalizedEmail<P extends ReturnType<typeof Password>>(provider: P): P {
  type Authorize = (params: Record<string, unknown>, ctx: unknown) => Promise<unknown>;
  const options = (provider as unknown as { options: { authorize: Authorize } }).options;
  const authorize: Authorize = (params, ctx) => {
    const email = typeof params.email === "string" ? emailAddress(params.email) : null;
    // An address that is not one goes on as typed, for `profile` to refuse.
    return options.authorize(email === null ? params : { ...params, email }, ctx);
  };
  return { ...provider, options: { ...options, authorize } };
}

export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({
  providers: [
    withNormalizedEmail(
      Password({
        profile: (params) => {
          const email = emailAddress(String(params.email ?? ""));
          if (email === null) fail("INVALID_ARGUMENT", "Enter a valid email address", { field: "email" });
          return { email };
        },
        validatePasswordRequirements: (password) => {
          const problem = passwordStrength(password);
          if (problem !== null) fail("INVALID_ARGUMENT", problem, { field: "password" });
        },
        ...(verify === undefined ? {} : { verify }),
      }),
    ),
    ...oauthProviders,
  ],
  callbacks: {
    // Called on every sign-in and e-mail verification too: see onAuthenticated.
    async afterUserCreatedOrUpdated(ctx, { userId, existingUserId, profile, type }) {
      const db = serviceDb(ctx.db as unknown as GenericDatabaseWriter<DataModel>);
      // "email": Convex Auth is storing a verification code it will then e-mail
      // (sign-up, an unverified sign-in, or `email-verification` without a code,
      // which needs no password). The address's bucket is spent here, in the
      // same mutation: refused, no code is stored and nothing is sent.
      if (type === "email") await RateLimits.spendVerificationEmail({ db }, String(profile.email ?? ""));
      const isNew = existingUserId === null;
      // The app-wide backstop on new accounts (RATE_LIMITS.signUps). Refused,
      // it rolls back the whole sign-up: no user, no account, no credits.
      if (isNew) await RateLimits.spend({ db }, "signUps", null);
      await onAuthenticated({ db }, { userId, isNew, type, profile, requireVerifiedEmail: verify !== undefined });
    },
  },
});
