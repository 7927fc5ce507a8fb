import { v } from "convex/values";
import { userQuery } from "./lib/functions";
import { currentSubscription } from "./model/subscriptions";
import { subscriptionDoc } from "./schema";

/** The caller's subscription that grants access (active or trialing, else the most recent), or null. */
export const getSubscription = userQuery({
  args: {},
  returns: v.union(subscriptionDoc, v.null()),
  handler: (ctx) => currentSubscription(ctx, ctx.userId),
});
