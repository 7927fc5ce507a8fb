import { expect, test } from "vitest";
import { newBackend } from "../convex/test.setup";
import { accountsChapter } from "./accounts";
import { billingChapter } from "./billing";

test("demo", async () => {
  const t = newBackend();
  const { ada } = await accountsChapter(t);
  expect(ada.userId).toBeTruthy();
  await billingChapter(t, ada);
  console.log("\nThe end: every line above came from the real Convex functions, run in memory.\n");
});
