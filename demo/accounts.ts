import { api } from "../convex/_generated/api";
import { chapter, refused, say } from "./story";
import { type Backend, signUpWithPassword, startSignUp, stubResend, verifyEmail } from "../testing";

/** Sign-up, e-mail verification, profile, credits, and the row rules keeping users apart. */
export async function accountsChapter(t: Backend) {
  chapter("Sign-up creates a profile and a credits account; free credits wait for a verified e-mail");
  // run.demo.ts sets AUTH_RESEND_KEY, so e-mails go to Resend: here, a fake that keeps them.
  const outbox = stubResend();
  const started = await startSignUp(t, "Ada@Example.com");
  say(`Ada signs up with a password: signed in? ${started.tokens ? "yes" : "no, a code was e-mailed first"}`);
  const waiting = await t.run(async (ctx) => {
    const user = await ctx.db
      .query("users")
      .withIndex("email", (q) => q.eq("email", "ada@example.com"))
      .unique();
    return await ctx.db
      .query("credits")
      .withIndex("by_userId", (q) => q.eq("userId", user!._id))
      .unique();
  });
  say(`before verifying: credits balance ${waiting?.balance} (the account exists, the free allowance waits)`);
  const [email] = outbox.messages;
  say(`Resend was asked to send "${email?.subject}" to ${email?.to.join(", ")}`);
  await refused("a wrong code", verifyEmail(t, "ada@example.com", "00000000"));
  const ada = await verifyEmail(t, "ada@example.com", outbox.codeFor("ada@example.com"));
  say(`Ada enters the code from the e-mail and is signed in; user id ${ada.userId}`);
  const profile = await ada.as.query(api.profiles.getProfile, {});
  say(`profile: email ${profile?.email}, updatedAt ${new Date(profile!.updatedAt).toISOString()}`);
  const credits = await ada.as.query(api.credits.getCredits, {});
  say(
    `credits: balance ${credits?.balance}, monthly allowance ${credits?.monthlyAllowance} (granted once, at verification)`,
  );

  chapter("Ada edits her profile");
  const edited = await ada.as.mutation(api.profiles.updateProfile, {
    fullName: "  Ada Lovelace  ",
    avatarUrl: "https://example.com/ada.png",
  });
  say(`fullName "${edited.fullName}" (trimmed), avatar ${edited.avatarUrl}`);
  await refused("an http: avatar", ada.as.mutation(api.profiles.updateProfile, { avatarUrl: "http://x.test/a.png" }));
  await refused("a weak password at sign-up", signUpWithPassword(t, "weak@example.com", "Passw0rd"));
  await refused(
    "a name of invisible characters",
    ada.as.mutation(api.profiles.updateProfile, { fullName: "\u200b\u3164" }),
  );

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
