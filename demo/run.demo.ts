import { afterAll, expect, test, vi } from "vitest";
import { accountsChapter } from "./accounts";
import { adminChapter } from "./admin";
import { billingChapter } from "./billing";
import { creditsChapter } from "./credits";
import { limitsChapter } from "./limits";
import { operationsChapter } from "./operations";
import { api } from "../convex/_generated/api";
import { newBackend } from "../testing";

// E-mail verification on, as in production: sign-ups enter the code from the
// e-mail (a fake Resend keeps it) before they are signed in and get free credits.
process.env.AUTH_RESEND_KEY = "re_demo";

test("demo", async () => {
  // A clock the story can move: a month has to pass for the refill, and the
  // billing chapter goes on from there.
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"], now: Date.now() });
  const t = newBackend();
  const { ada, bob } = await accountsChapter(t);
  expect(ada.userId).toBeTruthy();
  const credits = await creditsChapter(t, ada);
  expect(credits.balance).toBe(credits.monthlyAllowance);
  await billingChapter(t, ada);
  expect((await limitsChapter(ada)).made).toBe(30);
  expect((await operationsChapter(t)).ok).toBe(true);
  const before = (await ada.as.query(api.credits.getCredits, {}))!.balance;
  expect((await adminChapter(t, ada, bob)).balance).toBe(before + 50);
  console.log("\nThe end: every line above came from the real Convex functions, run in memory.\n");
});

afterAll(() => {
  vi.useRealTimers();
});
