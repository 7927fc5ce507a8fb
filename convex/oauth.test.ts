import { afterEach, describe, expect, test, vi } from "vitest";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { githubUser, googleProfile, type GitHubUser } from "./lib/oauth";
import { type Backend, creditsOf, newBackend, signUpWithPassword } from "../testing";

// An OAuth e-mail counts as verified only when the provider says so
// (convex/lib/oauth.ts). Verification and GitHub are switched on before
// convex/auth.ts loads (each test file has its own module registry).
process.env.AUTH_RESEND_KEY = "re_test_key";
process.env.AUTH_GITHUB_ID = "github-client-id";
process.env.AUTH_GITHUB_SECRET = "github-client-secret";

afterEach(() => {
  vi.unstubAllGlobals();
});

const octocat = (email: string | null): GitHubUser =>
  ({ id: 583231, login: "octocat", name: "The Octocat", avatar_url: "https://github.com/a.png", email }) as GitHubUser;

/** A fake GitHub API: the user, and their e-mail addresses. */
function stubGitHub(user: GitHubUser, emails: { email: string; primary: boolean; verified: boolean }[]) {
  vi.stubGlobal("fetch", async (input: string | URL) =>
    String(input).endsWith("/user/emails") ? Response.json(emails) : Response.json(user),
  );
}

/**
 * What Convex Auth does when GitHub calls back: the provider's `profile` of
 * the user GitHub returned, stored by its `auth:store` mutation (which runs
 * our sign-up callback). Returns the user signed in.
 */
async function gitHubSignIn(t: Backend, user: GitHubUser) {
  // The provider as convex/auth.ts configures it; Convex Auth merges `options` over the defaults.
  type Provider = { id: string; profile: ProfileOf; options?: { profile?: ProfileOf } };
  type ProfileOf = (u: GitHubUser) => Record<string, unknown>;
  // Imported here, not at the top (imports run first), so it loads after the env vars are set.
  const { oauthProviders } = await import("./auth");
  const provider = (oauthProviders as unknown as Provider[]).find((p) => p.id === "github")!;
  const { id, ...profile } = (provider.options?.profile ?? provider.profile)(user);
  await t.run((ctx) => ctx.db.insert("authVerifiers", { signature: "sig" }));
  await t.mutation(internal.auth.store, {
    args: { type: "userOAuth", provider: "github", providerAccountId: String(id), profile, signature: "sig" },
  });
  const account = await t.run((ctx) =>
    ctx.db
      .query("authAccounts")
      .withIndex("providerAndAccountId", (q) => q.eq("provider", "github").eq("providerAccountId", String(id)))
      .unique(),
  );
  return account!.userId as Id<"users">;
}

describe("GitHub: the e-mail is the verified one", () => {
  test("an unverified primary address is passed over for a verified one", async () => {
    stubGitHub(octocat(null), [
      { email: "victim@example.com", primary: true, verified: false },
      { email: "octo@example.com", primary: false, verified: true },
    ]);
    expect(await githubUser("token")).toMatchObject({ email: "octo@example.com", email_verified: true });
  });

  test("with no verified address, the e-mail is not vouched for", async () => {
    stubGitHub(octocat("victim@example.com"), [{ email: "victim@example.com", primary: true, verified: false }]);
    const user = await githubUser("token");
    expect(user).toMatchObject({ email: "victim@example.com", email_verified: false });
  });

  test("an account claiming a verified user's address is not linked to them and gets no free credits", async () => {
    const t = newBackend();
    const victim = await signUpWithPassword(t, "victim@example.com");
    stubGitHub(octocat("victim@example.com"), [{ email: "victim@example.com", primary: true, verified: false }]);
    const attacker = await gitHubSignIn(t, await githubUser("token"));
    expect(attacker).not.toBe(victim.userId);
    const row = await t.run((ctx) => ctx.db.get("users", attacker));
    expect(row?.emailVerificationTime).toBeUndefined();
    expect((await creditsOf(t, attacker)).balance).toBe(0);
    expect((await creditsOf(t, victim.userId)).balance).toBe(100);
  });

  test("a verified GitHub address gets the free credits at once", async () => {
    const t = newBackend();
    stubGitHub(octocat(null), [{ email: "octo@example.com", primary: true, verified: true }]);
    const userId = await gitHubSignIn(t, await githubUser("token"));
    expect((await creditsOf(t, userId)).balance).toBe(100);
  });
});

describe("Google: email_verified decides", () => {
  test("false or missing is not verified; true is", () => {
    const claims = { sub: "1", email: "a@example.com", name: "A", picture: "https://x/p.png" };
    expect(googleProfile({ ...claims, email_verified: false } as never).emailVerified).toBe(false);
    expect(googleProfile(claims as never).emailVerified).toBe(false);
    expect(googleProfile({ ...claims, email_verified: true } as never)).toEqual({
      id: "1",
      name: "A",
      email: "a@example.com",
      image: "https://x/p.png",
      emailVerified: true,
    });
  });
});
