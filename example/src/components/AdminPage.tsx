import { appErrorOf } from "convex-saas-backend";
import { api } from "convex-saas-backend/api";
import { useMutation, usePaginatedQuery, useQuery } from "convex/react";
import { Component, type ReactNode } from "react";

/** The admin API (convex/admin.ts): the server checks the role on every call, so the page only shows its answer. */
export function AdminPage() {
  return (
    <Refusal>
      <Stats />
      <Users />
    </Refusal>
  );
}

function Stats() {
  const stats = useQuery(api.admin.stats, {});
  if (stats === undefined) return <p>Loading…</p>;
  return (
    <p data-testid="stats">
      {stats.users} users: {stats.byPlan.free} free, {stats.byPlan.pro} pro, {stats.byPlan.business} business
    </p>
  );
}

function Users() {
  const { results, status, loadMore } = usePaginatedQuery(api.admin.listUsers, {}, { initialNumItems: 20 });
  const adjust = useMutation(api.admin.adjustCredits);
  // One key per click: a retried request is applied once.
  const grant = (userId: string) =>
    adjust({ userId, delta: 100, reason: "Goodwill credits", idempotencyKey: crypto.randomUUID() });
  return (
    <table aria-label="Users">
      <tbody>
        {results.map((user) => (
          <tr key={user.userId}>
            <td>{user.email}</td>
            <td>{user.planId}</td>
            <td>{user.balance}</td>
            <td>
              <button onClick={() => void grant(user.userId)}>+100 credits</button>
            </td>
          </tr>
        ))}
      </tbody>
      {status === "CanLoadMore" && (
        <tfoot>
          <tr>
            <td>
              <button onClick={() => loadMore(20)}>Load more</button>
            </td>
          </tr>
        </tfoot>
      )}
    </table>
  );
}

/** A refused admin query throws into render: shown here as the server's message (FORBIDDEN for non-admins). */
class Refusal extends Component<{ children: ReactNode }, { message: string | null }> {
  state: { message: string | null } = { message: null };
  static getDerivedStateFromError(error: unknown) {
    return { message: appErrorOf(error)?.message ?? "Something went wrong" };
  }
  render() {
    return this.state.message === null ? this.props.children : <p role="alert">{this.state.message}</p>;
  }
}
