// Admins in tests: a user made admin the way an operator does it
// (`npx convex run admin:grantAdmin`), and the stats as admins see them.
import { internal } from "../convex/_generated/api";
import { serviceDb } from "../convex/lib/db";
import * as Stats from "../convex/model/stats";
import { seedUser, type Backend, type TestUser } from "./backend";

/** A signed-up user made admin through `internal.admin.grantAdmin`. */
export async function seedAdmin(t: Backend, email = "admin@example.com"): Promise<TestUser> {
  const admin = await seedUser(t, email);
  await t.mutation(internal.admin.grantAdmin, { email });
  return admin;
}

/** The stats counters summed over their shards, as `admin:stats` reports them. */
export async function statsOf(t: Backend) {
  return await t.run((ctx) => Stats.read({ db: serviceDb(ctx.db) }));
}

/** Every stats shard present (as in a deployment that has run a while), so each count change patches one: steady figures for benches. */
export async function fillStatsShards(t: Backend) {
  await t.run(async (ctx) => {
    const db = serviceDb(ctx.db);
    const present = new Set((await db.query("statsShards").take(Stats.SHARDS)).map((row) => row.shard));
    for (let shard = 0; shard < Stats.SHARDS; shard++) {
      if (present.has(shard)) continue;
      await db.insert("statsShards", { shard, users: 0, free: 0, pro: 0, business: 0, activeSubscriptions: 0 });
    }
  });
}
