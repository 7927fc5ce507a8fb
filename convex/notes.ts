import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { userMutation, userQuery } from "./lib/functions";
import * as Notes from "./model/notes";
import * as RateLimits from "./model/rateLimits";
import * as V from "./lib/validators";

/** The caller's notes, newest first; `numItems` 1..100 (INVALID_ARGUMENT otherwise). */
export const list = userQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(V.noteDoc),
  handler: (ctx, { paginationOpts }) => Notes.listNotes(ctx, ctx.userId, paginationOpts),
});

/** One of the caller's notes; NOT_FOUND for a missing note or someone else's. */
export const get = userQuery({
  args: { noteId: v.id("notes") },
  returns: V.noteDoc,
  handler: (ctx, { noteId }) => Notes.getNote(ctx, noteId),
});

/**
 * Creates a note (title 1 to 200 characters, body at most 10,000: QUOTAS in
 * src/limits.ts). At most 1,000 notes per user (LIMIT_REACHED) and 30
 * creations a minute (RATE_LIMITED): every public mutation that creates rows
 * without spending credits spends from the `createRows` bucket.
 */
export const create = userMutation({
  args: { title: v.string(), body: v.string() },
  returns: v.id("notes"),
  handler: async (ctx, args) => {
    await RateLimits.spend(ctx, "createRows", ctx.userId);
    return await Notes.createNote(ctx, ctx.userId, args);
  },
});

/** Changes a note's title and/or body. */
export const update = userMutation({
  args: { noteId: v.id("notes"), title: v.optional(v.string()), body: v.optional(v.string()) },
  returns: V.noteDoc,
  handler: (ctx, { noteId, ...changes }) => Notes.updateNote(ctx, noteId, changes),
});

/** Deletes a note. */
export const remove = userMutation({
  args: { noteId: v.id("notes") },
  returns: v.null(),
  handler: async (ctx, { noteId }) => {
    await Notes.removeNote(ctx, noteId);
    return null;
  },
});
