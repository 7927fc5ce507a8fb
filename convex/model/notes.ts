import type { PaginationOptions } from "convex/server";
import type { Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { clean } from "../lib/text";
import { trimmedText } from "../lib/validate";

// The worked example of a user-owned table: copy this file, `convex/notes.ts`,
// the schema entry, the row rule and `convex/notes.test.ts` for a new table.

export type NoteInput = { title: string; body: string };

function checked(raw: Partial<NoteInput>): Partial<NoteInput> {
  // Cleaned first (lib/text.ts), so lengths count what is stored and an invisible-only title is empty.
  const input = {
    title: raw.title === undefined ? undefined : clean(raw.title),
    body: raw.body === undefined ? undefined : clean(raw.body, { multiline: true }),
  };
  const out: Partial<NoteInput> = {};
  if (input.title !== undefined) out.title = trimmedText("title", input.title, 1, 200);
  if (input.body !== undefined) out.body = trimmedText("body", input.body, 0, 20_000);
  return out;
}

/** The user's notes, newest first, a page at a time. */
export async function listNotes(ctx: ReadCtx, userId: Id<"users">, paginationOpts: PaginationOptions) {
  return await ctx.db
    .query("notes")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .paginate(paginationOpts);
}

/** One note; NOT_FOUND when it does not exist or is someone else's (the same answer). */
export async function getNote(ctx: ReadCtx, noteId: Id<"notes">) {
  const note = await ctx.db.get("notes", noteId);
  if (note === null) fail("NOT_FOUND", "No such note");
  return note;
}

export async function createNote(ctx: WriteCtx, userId: Id<"users">, input: NoteInput) {
  const { title, body } = checked(input) as NoteInput;
  return await ctx.db.insert("notes", { userId, title, body });
}

export async function updateNote(ctx: WriteCtx, noteId: Id<"notes">, input: Partial<NoteInput>) {
  const changes = checked(input);
  return await ctx.db.update("notes", await getNote(ctx, noteId), changes);
}

export async function removeNote(ctx: WriteCtx, noteId: Id<"notes">) {
  await getNote(ctx, noteId);
  await ctx.db.delete("notes", noteId);
}
