// Credits from a test's side: the account and its ledger, spending, and many
// due accounts for the sweep. Everything goes through model/ledger.ts, the
// module that owns the tables, so tests set state the way the package does.
import type { Id } from "../convex/_generated/dataModel";
import { serviceDb } from "../convex/lib/db";
import { changeBalance, getAccount, insertAccount, latestEntries } from "../convex/model/ledger";
import { addMonths } from "../convex/model/time";
import type { Backend } from "./backend";

/**
 * The user's account, their ledger (oldest first, up to 10,000 entries), its
 * balance and the sum of the ledger's deltas: the two must always be equal.
 */
export async function creditsOf(t: Backend, userId: Id<"users">) {
  return await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const account = await getAccount({ db }, userId);
    const ledger = (await latestEntries({ db }, userId, 10_000)).reverse();
    return {
      account,
      ledger,
      balance: account?.balance ?? 0,
      ledgerSum: ledger.reduce((sum, entry) => sum + entry.delta, 0),
    };
  });
}

/** Spends `amount` credits the way every spend does (one patch, one `consume` entry), without the API's checks. */
export async function spend(t: Backend, userId: Id<"users">, amount: number) {
  await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const account = await getAccount({ db }, userId);
    await changeBalance({ db }, account!, { delta: -amount, kind: "consume", reason: "test" });
  });
}

/**
 * `n` free users who signed up a month before `dueAt` with 7 credits, so a
 * refill at `dueAt` is visible. No profiles; written in chunks of `chunk`
 * users (3 writes each, no reads) to fit the transaction limits.
 */
export async function seedDueUsers(t: Backend, n: number, dueAt: number, chunk = 2_000) {
  const openedAt = addMonths(dueAt, -1);
  if (addMonths(openedAt, 1) !== dueAt) throw new Error(`seedDueUsers: no sign-up date is due at ${dueAt}`);
  for (let done = 0; done < n; done += chunk) {
    await t.run(async (ctx) => {
      const db = serviceDb(ctx.db);
      for (let i = done; i < Math.min(n, done + chunk); i++) {
        const userId = await db.insert("users", { email: `user${i}@example.com` });
        await insertAccount({ db }, userId, { openedAt, balance: 7 });
      }
    });
  }
}
