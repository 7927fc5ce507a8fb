/* eslint-disable no-restricted-imports -- the one module allowed the raw builders */
import { getAuthUserId } from "@convex-dev/auth/server";
import type { Auth, GenericDatabaseWriter } from "convex/server";
import { customAction, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import type { DataModel, Id } from "../_generated/dataModel";
import {
  action as rawAction,
  internalAction as rawInternalAction,
  internalMutation as rawInternalMutation,
  internalQuery as rawInternalQuery,
  mutation as rawMutation,
  query as rawQuery,
} from "../_generated/server";
import { internal } from "../_generated/api";
import { requireAdmin } from "../model/admins";
import { type AppDbReader, type AppDbWriter, serviceDb, userDb } from "./db";
import { fail } from "./errors";
import { reportMetrics } from "./metrics";

/**
 * The function builders every app module uses. Public builders resolve the
 * caller once (no document read: `getAuthUserId` only parses the token), give
 * the handler `ctx.userId`, and wrap `ctx.db` with the row rules of
 * `lib/rules.ts`. Internal builders are the service role: no row rules. Both
 * keep `updatedAt` (see `lib/db.ts`).
 */

/** The signed-in user's id, or an UNAUTHENTICATED error. */
export async function requireUserId(ctx: { auth: Auth }): Promise<Id<"users">> {
  const userId = await getAuthUserId(ctx);
  if (userId === null) fail("UNAUTHENTICATED", "You must be signed in");
  return userId;
}

// A query's db has no write methods; the wrapper only calls them when the
// handler does, and query handlers are typed to see a reader.
const asWriter = (db: unknown) => db as GenericDatabaseWriter<DataModel>;

/** Public query for a signed-in user: `ctx.userId`, row rules on `ctx.db`. */
export const userQuery = customQuery(rawQuery, {
  args: {},
  input: async (ctx) => {
    const userId = await requireUserId(ctx);
    const db: AppDbReader = userDb(asWriter(ctx.db), userId);
    return { ctx: { userId, db }, args: {}, onSuccess: () => reportMetrics(ctx) };
  },
});

/** Public mutation for a signed-in user: `ctx.userId`, row rules on `ctx.db`. */
export const userMutation = customMutation(rawMutation, {
  args: {},
  input: async (ctx) => {
    const userId = await requireUserId(ctx);
    return {
      ctx: { userId, db: userDb(ctx.db, userId) },
      args: {},
      onSuccess: () => reportMetrics(ctx),
    };
  },
});

/** Public action for a signed-in user: `ctx.userId` (actions have no db). */
export const userAction = customAction(rawAction, {
  args: {},
  input: async (ctx) => ({ ctx: { userId: await requireUserId(ctx) }, args: {} }),
});

/**
 * The admin builders: a signed-in caller (UNAUTHENTICATED otherwise) whose
 * role, checked here on the server, is admin (FORBIDDEN otherwise; one index
 * read, paid by admin calls only). The handler gets `ctx.adminId` for the
 * audit and the service-role `ctx.db`: admins see every user's rows, so every
 * admin function decides for itself what it shows and audits what it changes.
 */
export const adminQuery = customQuery(rawQuery, {
  args: {},
  input: async (ctx) => {
    const adminId = await requireUserId(ctx);
    const db = serviceDb(asWriter(ctx.db));
    await requireAdmin({ db }, adminId);
    return { ctx: { adminId, db: db as AppDbReader }, args: {}, onSuccess: () => reportMetrics(ctx) };
  },
});

/** Admin mutation: see `adminQuery`; `updatedAt` kept. */
export const adminMutation = customMutation(rawMutation, {
  args: {},
  input: async (ctx) => {
    const adminId = await requireUserId(ctx);
    const db = serviceDb(ctx.db);
    await requireAdmin({ db }, adminId);
    return { ctx: { adminId, db: db as AppDbWriter }, args: {}, onSuccess: () => reportMetrics(ctx) };
  },
});

/** Admin action: the role is checked by an internal query (actions have no db) before the handler runs. */
export const adminAction = customAction(rawAction, {
  args: {},
  input: async (ctx) => {
    const adminId = await requireUserId(ctx);
    await ctx.runQuery(internal.admin.checkAdmin, { userId: adminId });
    return { ctx: { adminId }, args: {} };
  },
});

/** Service-role query: no row rules. */
export const internalQuery = customQuery(rawInternalQuery, {
  args: {},
  input: async (ctx) => ({
    ctx: { db: serviceDb(asWriter(ctx.db)) as AppDbReader },
    args: {},
    onSuccess: () => reportMetrics(ctx),
  }),
});

/** Service-role mutation: no row rules; `updatedAt` kept. */
export const internalMutation = customMutation(rawInternalMutation, {
  args: {},
  input: async (ctx) => ({
    ctx: { db: serviceDb(ctx.db) as AppDbWriter },
    args: {},
    onSuccess: () => reportMetrics(ctx),
  }),
});

/** Service-role action. */
export const internalAction = rawInternalAction;
