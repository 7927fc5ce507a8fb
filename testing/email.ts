// A fake Resend for tests of e-mail verification: every e-mail the backend
// sends through Resend's HTTP API is kept, so a test reads the one-time code
// from the message as the user would (see `stubResend`, `signUpWithPassword`).
import { vi } from "vitest";

export type SentEmail = { from: string; to: string[]; subject: string; text: string; apiKey: string };

export type Outbox = {
  messages: SentEmail[];
  /** The code in the latest e-mail to `email` (throws when none was sent). */
  codeFor(email: string): string;
};

let current: Outbox | null = null;

/** The outbox of the latest `stubResend`, or null. */
export function currentOutbox(): Outbox | null {
  return current;
}

/**
 * Replaces `fetch` with a fake Resend that accepts every e-mail and keeps it.
 * Any other host fails the call. Undo with `vi.unstubAllGlobals()`.
 */
export function stubResend(): Outbox {
  const messages: SentEmail[] = [];
  vi.stubGlobal("fetch", async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== "api.resend.com") throw new Error(`unexpected fetch to ${url.hostname}`);
    const body = JSON.parse(String(init?.body)) as Omit<SentEmail, "apiKey">;
    const apiKey = new Headers(init?.headers as HeadersInit).get("authorization")?.replace(/^Bearer /, "") ?? "";
    messages.push({ ...body, apiKey });
    return new Response(JSON.stringify({ id: `email_${messages.length}` }), {
      headers: { "content-type": "application/json" },
    });
  });
  current = {
    messages,
    codeFor(email) {
      const message = messages.findLast((m) => m.to.includes(email));
      const code = /\b(\d{8})\b/.exec(message?.text ?? "")?.[1];
      if (code === undefined) throw new Error(`no verification code was sent to ${email}`);
      return code;
    },
  };
  return current;
}
