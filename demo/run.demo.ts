import { expect, test } from "vitest";
import { newBackend } from "../convex/test.setup";
import { accountsChapter } from "./accounts";
import { creditsChapter } from "./credits";

test("demo", async () => {
  const t = newBackend();
  const { ada } = await accountsChapter(t);
  expect(ada.userId).toBeTruthy();
  const credits = await creditsChapter(t, ada);
  expect(credits.balance).toBe(credits.monthlyAllowance);
  console.log("\nThe end: every line above came from the real Convex functions, run in memory.\n");
});
