import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { chapter, refused, say } from "./story";
import { type Backend, signUpWithPassword, type TestUser } from "../testing";

/** An operator makes Grace an admin; she adjusts Ada's credits (audited); Bob, not an admin, is refused. */
export async function adminChapter(t: Backend, ada: { userId: Id<"users"> }, bob: TestUser) {
  chapter("Admins: a server-side role and an audited API");
  const grace = await signUpWithPassword(t, "grace@example.com");
  await t.mutation(internal.admin.grantAdmin, { email: "grace@example.com" });
  say(`Grace signs up; the operator runs: npx convex run admin:grantAdmin '{"email":"grace@example.com"}'`);
  const stats = await grace.as.query(api.admin.stats, {});
  say(
    `admin.stats: ${stats.users} users (free ${stats.byPlan.free}, pro ${stats.byPlan.pro}, business ${stats.byPlan.business}), ` +
      `${stats.activeSubscriptions} active subscriptions, summed from the sharded counters`,
  );
  const [row] = (
    await grace.as.query(api.admin.listUsers, {
      paginationOpts: { numItems: 1, cursor: null },
      email: "ada@example.com",
    })
  ).page;
  say(`admin.listUsers by e-mail: ${row!.email}, plan ${row!.planId} (${row!.status}), balance ${row!.balance}`);
  const adjust = {
    userId: ada.userId,
    delta: 50,
    reason: "Support ticket 7: failed export",
    idempotencyKey: "ticket-7",
  };
  const first = await grace.as.mutation(api.admin.adjustCredits, adjust);
  const again = await grace.as.mutation(api.admin.adjustCredits, adjust);
  say(
    `Grace adds 50 credits to Ada's account (key ticket-7): balance ${first.balance}; sent twice, applied once: ${again.balance}`,
  );
  await refused(
    "Bob, not an admin, adjusting Ada's credits",
    bob.as.mutation(api.admin.adjustCredits, { ...adjust, idempotencyKey: "bob" }),
  );
  await refused("Bob reading the stats", bob.as.query(api.admin.stats, {}));
  const audit = await grace.as.query(api.admin.listAudit, { paginationOpts: { numItems: 3, cursor: null } });
  for (const entry of audit.page) {
    const by = entry.actor === grace.userId ? "Grace" : entry.actor;
    say(
      `audit: ${entry.action} by ${by}, about ${entry.target === ada.userId ? "Ada" : entry.target === grace.userId ? "Grace" : entry.target}`,
    );
  }
  return { balance: first.balance };
}
