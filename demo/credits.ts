import { vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Backend } from "../testing";
import { chapter, refused, say } from "./story";

type User = { as: ReturnType<Backend["withIdentity"]> };
const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** Spending, a refused overspend, reservations, a refill after time passes, and the history. */
export async function creditsChapter(t: Backend, ada: User) {
  {
    const balance = async () => (await ada.as.query(api.credits.getCredits, {}))!;

    chapter("Ada spends credits");
    const start = await balance();
    say(`balance ${start.balance} of a monthly ${start.monthlyAllowance}; next refill ${day(start.nextRefillAt)} UTC`);
    const spent = await ada.as.mutation(api.credits.consumeCredits, {
      amount: 30,
      reason: "Summarise a PDF",
      idempotencyKey: "pdf-1",
    });
    say(`consumeCredits 30 ("Summarise a PDF", key pdf-1): balance ${spent.balance}`);
    const retried = await ada.as.mutation(api.credits.consumeCredits, {
      amount: 30,
      reason: "Summarise a PDF",
      idempotencyKey: "pdf-1",
    });
    say(`the client retries with the same key: balance ${retried.balance} (spent once, first result returned)`);
    const data = await refused("spending 500", ada.as.mutation(api.credits.consumeCredits, { amount: 500 }));
    say(
      `the refusal carries the balance (${String((data as { balance?: number } | undefined)?.balance)}); nothing was spent`,
    );
    await refused("spending 2.5 credits", ada.as.mutation(api.credits.consumeCredits, { amount: 2.5 }));

    chapter("A reservation for a long AI call");
    const held = await ada.as.mutation(api.credits.reserveCredits, { amount: 40, ttlSeconds: 120 });
    say(`reserveCredits 40 for 2 minutes: balance ${held.balance} while the call runs`);
    const done = await ada.as.mutation(api.credits.commitReservation, {
      reservationId: held.reservationId,
      amount: 25,
    });
    say(
      `the call used 25: commitReservation charges ${done.charged}, returns ${done.returned}; balance ${done.balance}`,
    );
    await refused(
      "committing it again",
      ada.as.mutation(api.credits.commitReservation, { reservationId: held.reservationId }),
    );
    const forgotten = await ada.as.mutation(api.credits.reserveCredits, { amount: 10, ttlSeconds: 60 });
    say(`another reservation of 10 is never committed: balance ${forgotten.balance}`);
    vi.advanceTimersByTime(60_000);
    await t.finishInProgressScheduledFunctions();
    say(`a minute later its scheduled expiry has released it: balance ${(await balance()).balance}`);

    chapter("A month passes: the refill");
    const before = await balance();
    vi.setSystemTime(before.nextRefillAt);
    const sweep = await t.mutation(internal.credits.refillDue, {});
    const after = await balance();
    say(
      `${day(before.nextRefillAt)} UTC, Ada's own anniversary: the hourly sweep refills ${sweep.refilled} account(s) due now, Ada's among them`,
    );
    say(`balance ${before.balance} -> ${after.balance}: a refill SETS the allowance, it does not add to it`);
    say(
      `next refill ${day(after.nextRefillAt)} UTC; a second sweep refills ${(await t.mutation(internal.credits.refillDue, {})).refilled}`,
    );

    chapter("The history, newest first");
    const history = await ada.as.query(api.credits.listCreditHistory, {
      paginationOpts: { numItems: 20, cursor: null },
    });
    for (const e of history.page) {
      const delta = e.delta > 0 ? `+${e.delta}` : `${e.delta}`;
      say(`${e.kind.padEnd(8)} ${delta.padStart(5)} -> ${String(e.balanceAfter).padStart(3)}  ${e.reason ?? ""}`);
    }
    return after;
  }
}
