import type { PaginationOptions } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { ReadCtx, WriteCtx } from "../lib/db";
import { fail } from "../lib/errors";
import { clean } from "../lib/text";
import { pageOptions, trimmedText } from "../lib/validate";
import { QUOTAS } from "../../src/limits";

// The worked example of a user-owned table: copy this file, `convex/notes.ts`,
// the schema entry, the row rule and `convex/notes.test.ts` for a new table.
// It shows the limits every user-owned table needs (README, "Limits"): a
// bounded page size, a quota on rows per user kept in a counter row (one read,
// not a scan), a maximum length per field, and a rate limit on creation (in
// `convex/notes.ts`).

export type NoteInput = { title: string; body: string };

function checked(raw: Partial<NoteInput>): Partial<NoteInput> {
  // Cleaned first (lib/text.ts), so lengths count what is stored and an invisible-only title is empty.
  const input = {
    title: raw.title === undefined ? undefined : clean(raw.title),
    body: raw.body === undefined ? undefined : clean(raw.body, { multiline: true }),
  };
  const out: Partial<NoteInput> = {};
  if (input.title !== undefined) out.title = trimmedText("title", input.title, 1, QUOTAS.noteTitleLength);
  if (input.body !== undefined) out.body = trimmedText("body", input.body, 0, QUOTAS.noteBodyLength);
  return out;
}

/** The user's notes, newest first, a page at a time. */
export async function listNotes(ctx: ReadCtx, userId: Id<"users">, paginationOpts: PaginationOptions) {
  return await ctx.db
    .query("notes")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .order("desc")
    .paginate(pageOptions(paginationOpts));
}

/** One note; NOT_FOUND when it does not exist or is someone else's (the same answer). */
export async function getNote(ctx: ReadCtx, noteId: Id<"notes">) {
  const note = await ctx.db.get("notes", noteId);
  if (note === null) fail("NOT_FOUND", "No such note");
  return note;
}

/** Creates a note; LIMIT_REACHED (with `limit`) when the user already keeps QUOTAS.notes. */
export async function createNote(ctx: WriteCtx, userId: Id<"users">, input: NoteInput) {
  const { title, body } = checked(input) as NoteInput;
  const counter = await noteCount(ctx, userId);
  if (counter.count >= QUOTAS.notes) {
    fail("LIMIT_REACHED", `You can keep at most ${QUOTAS.notes} notes: delete some first`, { limit: QUOTAS.notes });
  }
  await setNoteCount(ctx, userId, counter, counter.count + 1);
  return await ctx.db.insert("notes", { userId, title, body });
}

export async function updateNote(ctx: WriteCtx, noteId: Id<"notes">, input: Partial<NoteInput>) {
  const changes = checked(input);
  return await ctx.db.update("notes", await getNote(ctx, noteId), changes);
}

export async function removeNote(ctx: WriteCtx, noteId: Id<"notes">) {
  const note = await getNote(ctx, noteId);
  // Counted before the delete: a first count (no counter row yet) includes this note.
  const counter = await noteCount(ctx, note.userId);
  await ctx.db.delete("notes", noteId);
  await setNoteCount(ctx, note.userId, counter, Math.max(0, counter.count - 1));
}

type NoteCounter = { row: Doc<"noteCounts"> | null; count: number };

/**
 * How many notes the user keeps, from their counter row. A user without one
 * (notes made before the quota existed) is counted once, through the index,
 * and the row is written by the same call; the count never needs more than
 * QUOTAS.notes rows, since reaching it is all the quota asks.
 */
async function noteCount(ctx: WriteCtx, userId: Id<"users">): Promise<NoteCounter> {
  const row = await ctx.db
    .query("noteCounts")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
  if (row !== null) return { row, count: row.count };
  const notes = await ctx.db
    .query("notes")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .take(QUOTAS.notes);
  return { row: null, count: notes.length };
}

async function setNoteCount(ctx: WriteCtx, userId: Id<"users">, counter: NoteCounter, count: number) {
  if (counter.row === null) await ctx.db.insert("noteCounts", { userId, count });
  else await ctx.db.update("noteCounts", counter.row, { count });
}

/** Deletes a user's note counter (account deletion deletes their notes too). */
export async function deleteNoteCount(ctx: WriteCtx, userId: Id<"users">) {
  const row = await ctx.db
    .query("noteCounts")
    .withIndex("by_userId", (q) => q.eq("userId", userId))
    .unique();
  if (row !== null) await ctx.db.delete("noteCounts", row._id);
}
