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

type Fetch = typeof globalThis.fetch;
/** The platform's fetch, as it was before any test stubbed it. */
const realFetch: Fetch = globalThis.fetch;
let current: { outbox: Outbox; fetch: Fetch } | null = null;

/**
 * Replaces `fetch` with a fake Resend that accepts every e-mail and keeps it.
 * Requests to other hosts go to the fetch stubbed before it (e.g. `stubStripe`'s),
 * or fail when there was none. Undo with `vi.unstubAllGlobals()`.
 */
export function stubResend(): Outbox {
  const previous = globalThis.fetch;
  const messages: SentEmail[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== "api.resend.com") {
      if (previous === realFetch) throw new Error(`unexpected fetch to ${url.hostname}`);
      return await previous(input, init);
    }
    const body = JSON.parse(String(init?.body)) as Omit<SentEmail, "apiKey">;
    const apiKey = new Headers(init?.headers as HeadersInit).get("authorization")?.replace(/^Bearer /, "") ?? "";
    messages.push({ ...body, apiKey });
    return new Response(JSON.stringify({ id: `email_${messages.length}` }), {
      headers: { "content-type": "application/json" },
    });
  };
  vi.stubGlobal("fetch", fake);
  const outbox: Outbox = {
    messages,
    codeFor(email) {
      const message = messages.findLast((m) => m.to.includes(email));
      const code = /\b(\d{8})\b/.exec(message?.text ?? "")?.[1];
      if (code === undefined) throw new Error(`no verification code was sent to ${email}`);
      return code;
    },
  };
  current = { outbox, fetch: fake };
  return outbox;
}

/** The fake Resend `fetch` goes to now, installing one (over whatever is stubbed) if it is not. */
export function ensureResend(): Outbox {
  return current !== null && globalThis.fetch === current.fetch ? current.outbox : stubResend();
}
