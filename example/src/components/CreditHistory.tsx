import { useCreditHistory } from "convex-saas-backend/react";

/** The ledger, newest first, a page at a time. */
export function CreditHistory() {
  const { results, status, loadMore } = useCreditHistory(10);
  return (
    <section>
      <h2>History</h2>
      <ul aria-label="Credit history">
        {results.map((entry) => (
          <li key={entry._id}>
            <time>{new Date(entry._creationTime).toLocaleString()}</time> {entry.delta > 0 ? "+" : ""}
            {entry.delta} {entry.reason ?? entry.kind} → {entry.balanceAfter}
          </li>
        ))}
      </ul>
      {status === "CanLoadMore" && <button onClick={() => loadMore(10)}>Load more</button>}
    </section>
  );
}
