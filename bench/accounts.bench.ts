import { expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import { measureOne, writeSection } from "./report";
import { newBackend, seedUser } from "../testing";

test("accounts: documents per call", async () => {
  const t = newBackend(true);
  const { as } = await seedUser(t, "bench@example.com");
  const noteId = await as.mutation(api.notes.create, { title: "n", body: "b" });
  const rows = [
    ["profiles.getProfile", await measureOne(() => as.query(api.profiles.getProfile, {}))],
    ["profiles.updateProfile", await measureOne(() => as.mutation(api.profiles.updateProfile, { fullName: "B" }))],
    ["subscriptions.getSubscription (none)", await measureOne(() => as.query(api.subscriptions.getSubscription, {}))],
    ["notes.create", await measureOne(() => as.mutation(api.notes.create, { title: "t", body: "b" }))],
    ["notes.update", await measureOne(() => as.mutation(api.notes.update, { noteId, title: "t2" }))],
    ["notes.remove", await measureOne(() => as.mutation(api.notes.remove, { noteId }))],
  ] as const;
  // The row rules read nothing of their own: an update reads the row once, and the patch once;
  // every write also reads the users row once (a deleted account's token writes nothing).
  expect(rows[1][1]).toMatchObject({ documentsRead: 3, documentsWritten: 1 });
  writeSection(
    "10-accounts",
    "Accounts and the worked example",
    "One call each, signed in as a user with a profile and credits. Row rules and `updatedAt` add no reads or writes.",
    ["function", "documents read", "documents written"],
    rows.map(([name, c]) => [name, c.documentsRead, c.documentsWritten]),
  );
});
