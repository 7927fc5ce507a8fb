import { describe, expect, test } from "vitest";
import { type FunctionKind, httpRoutes, registeredFunctions } from "../testing";

// The API allowlist. Every function the deployed modules register, with its
// visibility, and every HTTP route, compared with the committed lists below:
// a function that appears, disappears or turns public fails this file until
// the list changes with it, so the change shows in review. Anonymous access to
// each public function is tested in access.test.ts.

const FUNCTIONS: Record<string, FunctionKind> = {
  // Admin: public, behind the server-side role check of the admin builders; roles are granted by operators only.
  "admin:adjustCredits": "public mutation",
  "admin:checkAdmin": "internal query",
  "admin:getUser": "public query",
  "admin:grantAdmin": "internal mutation",
  "admin:listAudit": "public query",
  "admin:listEvents": "public query",
  "admin:listUsers": "public query",
  "admin:replayEvent": "public action",
  "admin:revokeAdmin": "internal mutation",
  "admin:stats": "public query",
  // @convex-dev/auth: how users sign in (store is its internal mutation).
  "auth:isAuthenticated": "public query",
  "auth:signIn": "public action",
  "auth:signOut": "public action",
  "auth:store": "internal mutation",
  // Billing: the two actions users call; the rest is the actions' and operators' plumbing.
  "billing:billingState": "internal query",
  "billing:createCheckoutSession": "public action",
  "billing:createPortalSession": "public action",
  "billing:doctor": "internal action",
  "billing:linkCustomer": "internal mutation",
  "billing:reconcile": "internal action",
  "billing:recordCheckout": "internal mutation",
  "billing:spendStripeCall": "internal mutation",
  // Credits: users read, spend and reserve; grants, refills and corrections are internal.
  "credits:adjustCredits": "internal mutation",
  "credits:commitReservation": "public mutation",
  "credits:consumeCredits": "public mutation",
  "credits:expireReservation": "internal mutation",
  "credits:getCredits": "public query",
  "credits:listCreditHistory": "public query",
  "credits:refillDue": "internal mutation",
  "credits:releaseReservation": "public mutation",
  "credits:reserveCredits": "public mutation",
  "migrations:backfillPaidThrough": "internal mutation",
  "migrations:normalizeProfileEmails": "internal mutation",
  "migrations:runAll": "internal mutation",
  "notes:create": "public mutation",
  "notes:get": "public query",
  "notes:list": "public query",
  "notes:remove": "public mutation",
  "notes:update": "public mutation",
  "profiles:getProfile": "public query",
  "profiles:updateProfile": "public mutation",
  // Retention: daily crons only.
  "retention:deleteEndedReservations": "internal mutation",
  "retention:reduceStripePayloads": "internal mutation",
  // Stripe events: only the signed webhook route reaches them.
  "stripeEvents:ingest": "internal mutation",
  "stripeEvents:list": "internal query",
  "stripeEvents:payloadOf": "internal query",
  "stripeEvents:recordFailure": "internal mutation",
  "stripeEvents:recordReplay": "internal mutation",
  "stripeEvents:replay": "internal action",
  "stripeEvents:webhook": "http action",
  "stripeOps:applyReconcilePage": "internal mutation",
  "stripeOps:doctor": "internal action",
  "stripeOps:inboxHealth": "internal query",
  "stripeOps:reconcile": "internal action",
  "subscriptions:getSubscription": "public query",
  // Users: sign-up work; account deletion (the one public entry, then batches and the Stripe cancellation).
  "users:cancelSubscription": "internal action",
  "users:continueDeletion": "internal mutation",
  "users:createProfile": "internal mutation",
  "users:deleteAccount": "public mutation",
  "users:deleteUser": "internal mutation",
  "users:expireCheckout": "internal action",
  "users:recordCancellation": "internal mutation",
};

const ROUTES = ["GET /.well-known/jwks.json", "GET /.well-known/openid-configuration", "POST /stripe/webhook"];

// What must never be public: anything that grants or refills credits, sets a
// plan or subscription, applies or replays Stripe events, links customers,
// does sign-up work or migrates data. Matched on the export's name, and whole
// modules that are operator or webhook plumbing.
const PRIVILEGED_NAME =
  /grant|revoke|role|refill|adjust|plan|allowance|setSubscription|sync|ingest|replay|apply|reconcile|link|record|webhook|signUp|createProfile|migrat|expire|backfill|payload/i;
const PRIVILEGED_MODULES = ["stripeEvents", "stripeOps", "migrations", "users", "retention"];
// The one public function of a privileged module: it deletes the caller's own
// account (its builder's `ctx.userId`), and takes no arguments.
const PUBLIC_BY_DESIGN = ["users:deleteAccount"];

// The one exception: the admin module's public functions adjust credits and
// replay events for admins, behind the role check of the admin builders
// (admin.test.ts: every one refuses a signed-in non-admin).
const ADMIN_MODULE = "admin";

const isPublic = (kind: FunctionKind) => kind.startsWith("public");

describe("the API allowlist", () => {
  test("every registered function is in the committed list, with the same visibility and kind", async () => {
    expect(await registeredFunctions()).toEqual(FUNCTIONS);
  });

  test("every HTTP route is in the committed list", async () => {
    expect(await httpRoutes()).toEqual(ROUTES);
  });

  test("nothing that grants, refills, sets plans or applies Stripe events is public", async () => {
    const exposed = Object.entries(await registeredFunctions())
      .filter(([, kind]) => isPublic(kind))
      .map(([name]) => name)
      .filter((name) => {
        if (PUBLIC_BY_DESIGN.includes(name)) return false;
        const [module, fn] = name.split(":") as [string, string];
        if (module === ADMIN_MODULE) return false;
        return PRIVILEGED_NAME.test(fn) || PRIVILEGED_MODULES.includes(module);
      });
    expect(exposed).toEqual([]);
    // The check has teeth: the functions it is about exist, and each is internal.
    for (const name of [
      "credits:adjustCredits",
      "credits:refillDue",
      "stripeEvents:ingest",
      "stripeEvents:replay",
      "billing:linkCustomer",
      "users:createProfile",
      "admin:grantAdmin",
      "admin:revokeAdmin",
    ]) {
      expect(PRIVILEGED_NAME.test(name.split(":")[1]!) || PRIVILEGED_MODULES.includes(name.split(":")[0]!)).toBe(true);
      expect(FUNCTIONS[name], name).toMatch(/^internal /);
    }
  });
});
