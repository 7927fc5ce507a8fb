// E-mail verification for password sign-up: an 8-digit one-time code sent
// through Resend's HTTP API (the provider Convex Auth documents), switched on
// by AUTH_RESEND_KEY. Plain `fetch`, so no SDK joins the bundle and tests stub
// `fetch` to read the code (testing/email.ts).
import { Email } from "@convex-dev/auth/providers/Email";

export const RESEND_API = "https://api.resend.com/emails";
/** Who the code comes from unless AUTH_EMAIL_FROM says otherwise (Resend's test sender, fine for development). */
export const DEFAULT_FROM = "My App <onboarding@resend.dev>";
/** How long a code is valid. */
export const CODE_MAX_AGE_SECONDS = 20 * 60;
const CODE_DIGITS = 8;

/** `CODE_DIGITS` random digits from the platform's CSPRNG (rejection sampling: no digit more likely than another). */
export function randomCode(): string {
  const digits: number[] = [];
  const buffer = new Uint8Array(16);
  while (digits.length < CODE_DIGITS) {
    crypto.getRandomValues(buffer);
    for (const byte of buffer) if (byte < 250 && digits.length < CODE_DIGITS) digits.push(byte % 10);
  }
  return digits.join("");
}

/**
 * The `verify` provider of Password. Convex Auth's `Email` (not Auth.js's
 * Resend) because its `authorize` checks the code against the e-mail it was
 * sent to, so a short code cannot be spent on another address.
 */
export function ResendOTP(apiKey: string, from = DEFAULT_FROM) {
  return Email({
    id: "resend-otp",
    maxAge: CODE_MAX_AGE_SECONDS,
    generateVerificationToken: async () => randomCode(),
    async sendVerificationRequest({ identifier: email, token }) {
      const response = await fetch(RESEND_API, {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          from,
          to: [email],
          subject: `Your sign-in code: ${token}`,
          text: `Your code is ${token}. It expires in ${CODE_MAX_AGE_SECONDS / 60} minutes. If you did not sign up, ignore this e-mail.`,
        }),
      });
      // The sign-up action fails (and says why in the logs) rather than leaving the user waiting for nothing.
      if (!response.ok)
        throw new Error(`Resend refused the verification e-mail: ${response.status} ${await response.text()}`);
    },
  });
}
