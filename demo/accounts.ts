import { api } from "../convex/_generated/api";
import { chapter, refused, say } from "./story";
import { type Backend, signUpWithPassword } from "../testing";

/** Sign-up, profile, credits, and the row rules keeping users apart. */
export async function accountsChapter(t: Backend) {
  chapter("Sign-up creates a profile and a credits account");
  const ada = await signUpWithPassword(t, "ada@example.com");
  say(`Ada signs up with a password; user id ${ada.userId}`);
  const profile = await ada.as.query(api.profiles.getProfile, {});
  say(`profile: email ${profile?.email}, updatedAt ${new Date(profile!.updatedAt).toISOString()}`);
  const credits = await ada.as.query(api.credits.getCredits, {});
  say(`credits: balance ${credits?.balance}, monthly allowance ${credits?.monthlyAllowance}`);

  chapter("Ada edits her profile");
  const edited = await ada.as.mutation(api.profiles.updateProfile, {
    fullName: "  Ada Lovelace  ",
    avatarUrl: "https://example.com/ada.png",
  });
  say(`fullName "${edited.fullName}" (trimmed), avatar ${edited.avatarUrl}`);
  await refused("an http: avatar", ada.as.mutation(api.profiles.updateProfile, { avatarUrl: "http://x.test/a.png" }));
  await refused("a weak password at sign-up", signUpWithPassword(t, "weak@example.com", "1234567"));

  chapter("Users reach only their own rows");
  const bob = await signUpWithPassword(t, "bob@example.com");
  const note = await ada.as.mutation(api.notes.create, { title: "Ada's plan", body: "Analytical engine" });
  say(`Ada writes a note (${note}); Bob signs up`);
  say(`Bob's getProfile returns his own: ${(await bob.as.query(api.profiles.getProfile, {}))?.email}`);
  await refused("Bob reading Ada's note", bob.as.query(api.notes.get, { noteId: note }));
  await refused("Bob deleting Ada's note", bob.as.mutation(api.notes.remove, { noteId: note }));
  await refused("an anonymous caller reading credits", t.query(api.credits.getCredits, {}));
  say(`Ada's note is intact: "${(await ada.as.query(api.notes.get, { noteId: note })).title}"`);
  return { ada, bob };
}
