import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { userMutation, userQuery } from "./lib/functions";
import * as Notes from "./model/notes";
import * as V from "./lib/validators";

/** The caller's notes, newest first. */
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

/** Creates a note (title 1 to 200 characters, body at most 20,000). */
export const create = userMutation({
  args: { title: v.string(), body: v.string() },
  returns: v.id("notes"),
  handler: (ctx, args) => Notes.createNote(ctx, ctx.userId, args),
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
