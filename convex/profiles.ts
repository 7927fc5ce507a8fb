import { v } from "convex/values";
import { userMutation, userQuery } from "./lib/functions";
import * as Profiles from "./model/profiles";
import * as V from "./lib/validators";

const editable = v.optional(v.union(v.string(), v.null()));

/** The caller's profile, or null if it does not exist. */
export const getProfile = userQuery({
  args: {},
  returns: v.union(V.profileDoc, v.null()),
  handler: (ctx) => Profiles.getProfile(ctx, ctx.userId),
});

/**
 * Updates the caller's `fullName` (trimmed, 1 to 100 characters) and
 * `avatarUrl` (https:, at most 2,048 characters); `null` clears one. No other
 * field is writable by users.
 */
export const updateProfile = userMutation({
  args: { fullName: editable, avatarUrl: editable },
  returns: V.profileDoc,
  handler: (ctx, args) => Profiles.updateProfile(ctx, ctx.userId, args),
});
