import GitHub from "@auth/core/providers/github";
import Google from "@auth/core/providers/google";
import { Password } from "@convex-dev/auth/providers/Password";
import { convexAuth } from "@convex-dev/auth/server";
import type { GenericDatabaseWriter } from "convex/server";
import type { DataModel } from "./_generated/dataModel";
import { serviceDb } from "./lib/db";
import { fail } from "./lib/errors";
import * as RateLimits from "./model/rateLimits";
import { emailAddress, onSignUp, passwordStrength, profileFromProvider } from "./model/users";

// OAuth providers are switched on by their env vars (Auth.js reads
// AUTH_<PROVIDER>_ID and AUTH_<PROVIDER>_SECRET), so a fresh clone needs none.
const oauthProviders = [
  ...(process.env.AUTH_GITHUB_ID ? [GitHub] : []),
  ...(process.env.AUTH_GOOGLE_ID ? [Google] : []),
];

export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({
  providers: [
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
    }),
    ...oauthProviders,
  ],
  callbacks: {
    // Called on every sign-in too; only a new user gets the sign-up work.
    async afterUserCreatedOrUpdated(ctx, { userId, existingUserId, profile }) {
      if (existingUserId !== null) return;
      const db = serviceDb(ctx.db as unknown as GenericDatabaseWriter<DataModel>);
      // The app-wide backstop on new accounts (RATE_LIMITS.signUps). Refused,
      // it rolls back the whole sign-up: no user, no account, no credits.
      await RateLimits.spend({ db }, "signUps", null);
      await onSignUp({ db }, { userId, ...profileFromProvider(profile) });
    },
  },
});
