import { v } from "convex/values";
import { internalMutation } from "./lib/functions";
import { onSignUp } from "./model/users";

/**
 * Sign-up work for a new user: the profile and the credits account at the free
 * plan's allowance. Idempotent. The auth callback calls the same helper directly.
 */
export const createProfile = internalMutation({
  args: {
    userId: v.id("users"),
    email: v.string(),
    fullName: v.optional(v.string()),
    avatarUrl: v.optional(v.string()),
  },
  returns: v.object({ created: v.boolean(), profileId: v.id("profiles") }),
  handler: (ctx, args) => onSignUp(ctx, args),
});
