import { v } from "convex/values";
import { userQuery } from "./lib/functions";
import { getAccount } from "./model/credits";
import { creditsDoc } from "./schema";

/** The caller's credits row, or null if it does not exist. */
export const getCredits = userQuery({
  args: {},
  returns: v.union(creditsDoc, v.null()),
  handler: (ctx) => getAccount(ctx, ctx.userId),
});
