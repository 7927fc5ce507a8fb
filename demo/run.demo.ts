import { afterAll, expect, test, vi } from "vitest";
import { accountsChapter } from "./accounts";
import { billingChapter } from "./billing";
import { creditsChapter } from "./credits";
import { operationsChapter } from "./operations";
import { newBackend } from "../testing";

// E-mail verification on, as in production: sign-ups enter the code from the
// e-mail (a fake Resend keeps it) before they are signed in and get free credits.
process.env.AUTH_RESEND_KEY = "re_demo";

test("demo", async () => {
  // A clock the story can move: a month has to pass for the refill, and the
  // billing chapter goes on from there.
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"], now: Date.now() });
  const t = newBackend();
  const { ada } = await accountsChapter(t);
  expect(ada.userId).toBeTruthy();
  const credits = await creditsChapter(t, ada);
  expect(credits.balance).toBe(credits.monthlyAllowance);
  await billingChapter(t, ada);
  expect((await operationsChapter(t)).ok).toBe(true);
  console.log("\nThe end: every line above came from the real Convex functions, run in memory.\n");
});

afterAll(() => {
  vi.useRealTimers();
});
