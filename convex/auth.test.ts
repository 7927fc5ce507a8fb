import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { expectConsole, newBackend } from "../testing";

// OAuth providers are enabled by their env vars, read when convex/auth.ts is
// first loaded. This file sets GitHub's before anything loads it; Google's
// stays unset. (Each test file has its own module registry.)
process.env.AUTH_GITHUB_ID = "github-client-id";
process.env.AUTH_GITHUB_SECRET = "github-client-secret";
delete process.env.AUTH_GOOGLE_ID;

describe("OAuth providers follow their env vars", () => {
  test("GitHub, configured, starts a sign-in redirect", async () => {
    const t = newBackend();
    const result = await t.action(api.auth.signIn, { provider: "github", params: {} });
    expect(result.redirect).toMatch(/\/api\/auth\/signin\/github\?code=/);
    expect(result.verifier).toEqual(expect.any(String));
  });

  test("Google, not configured, is refused and creates nothing", async () => {
    const t = newBackend();
    const errors = expectConsole("error", "Provider `google` is not configured");
    await expect(t.action(api.auth.signIn, { provider: "google", params: {} })).rejects.toThrow(/google/i);
    expect(errors.messages).toEqual([
      "Provider `google` is not configured, available providers are `password`, `github`.",
    ]);
    expect(await t.run((ctx) => ctx.db.query("authVerifiers").collect())).toEqual([]);
  });
});
