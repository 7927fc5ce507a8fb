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
