import { vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Backend } from "../testing";
import { RATE_LIMITS } from "../src/limits";
import { chapter, refused, say } from "./story";

type User = { as: ReturnType<Backend["withIdentity"]> };

/** A script hammers notes.create: the bucket refuses it with RATE_LIMITED until tokens come back. */
export async function limitsChapter(ada: User) {
  chapter("Limits: a script creates notes as fast as it can");
  const { capacity } = RATE_LIMITS.createRows;
  const create = (i: number) => ada.as.mutation(api.notes.create, { title: `Spam ${i}`, body: "" });
  let made = 0;
  let retryAfter = 0;
  for (let i = 0; i <= capacity; i++) {
    try {
      await create(i);
      made++;
    } catch (error) {
      const data = (error as { data?: { code?: string; message?: string; retryAfter?: number } }).data;
      say(`after ${made} notes in the same second, the next is refused: ${data?.code} (${data?.message})`);
      retryAfter = data?.retryAfter ?? 0;
      say(`retryAfter: ${retryAfter} ms, when the bucket has a token again`);
    }
  }
  vi.advanceTimersByTime(retryAfter);
  await create(capacity + 1);
  say(`${retryAfter / 1000} seconds later one more passes (30 a minute, src/limits.ts: RATE_LIMITS.createRows)`);
  await refused(
    "listing 1,000 notes in one page",
    ada.as.query(api.notes.list, { paginationOpts: { numItems: 1_000, cursor: null } }),
  );
  return { made };
}
