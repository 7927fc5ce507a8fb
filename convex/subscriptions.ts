import { v } from "convex/values";
import { userQuery } from "./lib/functions";
import { currentSubscription } from "./model/subscriptions";
import * as V from "./lib/validators";

/** The caller's subscription that grants access (active or trialing, else the most recent), or null. */
export const getSubscription = userQuery({
  args: {},
  returns: v.union(V.subscriptionDoc, v.null()),
  handler: (ctx) => currentSubscription(ctx, ctx.userId),
});
