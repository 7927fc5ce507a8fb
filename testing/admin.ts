// Admins in tests: a user made admin the way an operator does it
// (`npx convex run admin:grantAdmin`), and the stats as admins see them.
import { internal } from "../convex/_generated/api";
import { seedUser, type Backend, type TestUser } from "./backend";

/** A signed-up user made admin through `internal.admin.grantAdmin`. */
export async function seedAdmin(t: Backend, email = "admin@example.com"): Promise<TestUser> {
  const admin = await seedUser(t, email);
  await t.mutation(internal.admin.grantAdmin, { email });
  return admin;
}
