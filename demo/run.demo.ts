import { afterAll, expect, test, vi } from "vitest";
import { accountsChapter } from "./accounts";
import { billingChapter } from "./billing";
import { creditsChapter } from "./credits";
import { deletionChapter } from "./deletion";
import { limitsChapter } from "./limits";
import { operationsChapter } from "./operations";
import { newBackend } from "../testing";

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
  expect((await limitsChapter(ada)).made).toBe(30);
  expect((await operationsChapter(t)).ok).toBe(true);
  expect((await deletionChapter(t)).canceled).toBe(true);
  console.log("\nThe end: every line above came from the real Convex functions, run in memory.\n");
});

afterAll(() => {
  vi.useRealTimers();
});
