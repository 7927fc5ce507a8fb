// GitHub and Google sign-in, with the e-mail counted as verified only when the
// provider says it is. Convex Auth otherwise treats every OAuth e-mail as
// verified (`allowDangerousEmailAccountLinking` defaults to on): it sets
// `emailVerificationTime`, which grants the free credits, and links the
// sign-in to an existing user with that verified e-mail. GitHub returns a
// primary e-mail that may be unverified and Google's `email_verified` can be
// false, so an account claiming someone else's address would take over their
// user. Here such an e-mail is kept but not vouched for: a separate user, no
// link, no free credits while verification is on.
import GitHub, { type GitHubProfile } from "@auth/core/providers/github";
import Google, { type GoogleProfile } from "@auth/core/providers/google";

/** What Convex Auth reads from a provider's `profile`: `emailVerified` decides linking and verification. */
type OAuthProfile = { id: string; name?: string; email?: string; image?: string; emailVerified: boolean };

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Google's ID token claims: the e-mail is verified only with `email_verified: true`. */
export function googleProfile(claims: GoogleProfile): OAuthProfile {
  return defined({
    id: claims.sub,
    name: claims.name ?? undefined,
    email: claims.email ?? undefined,
    image: claims.picture ?? undefined,
    emailVerified: claims.email_verified === true,
  });
}

type GitHubEmail = { email: string; primary: boolean; verified: boolean };
export type GitHubUser = GitHubProfile & { email_verified?: boolean };

/**
 * GitHub's user, with `email` the primary verified address (else any verified
 * one) from `/user/emails` and `email_verified` saying whether one was found.
 * Auth.js's own request takes the public e-mail or the primary one, verified
 * or not.
 */
export async function githubUser(accessToken: string, userUrl = "https://api.github.com/user"): Promise<GitHubUser> {
  const headers = { Authorization: `Bearer ${accessToken}`, "User-Agent": "convex-saas-backend" };
  const user = (await (await fetch(userUrl, { headers })).json()) as GitHubProfile;
  const response = await fetch(`${userUrl}/emails`, { headers });
  const emails = response.ok ? ((await response.json()) as GitHubEmail[]) : [];
  const verified = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
  return { ...user, email: verified?.email ?? user.email, email_verified: verified !== undefined };
}

export function githubProfile(user: GitHubUser): OAuthProfile {
  return defined({
    id: String(user.id),
    name: user.name ?? user.login,
    email: user.email ?? undefined,
    image: user.avatar_url,
    emailVerified: user.email_verified === true,
  });
}

/** The GitHub provider (AUTH_GITHUB_ID/SECRET), with `githubUser` and `githubProfile`. */
export const github = () =>
  GitHub({
    userinfo: {
      request: ({ tokens, provider }: { tokens: { access_token?: string }; provider: { userinfo?: { url?: URL } } }) =>
        githubUser(tokens.access_token ?? "", provider.userinfo?.url?.toString()),
    },
    profile: githubProfile as never,
  });

/** The Google provider (AUTH_GOOGLE_ID/SECRET), with `googleProfile`. */
export const google = () => Google({ profile: googleProfile as never });
