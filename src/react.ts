"use client";

// React hooks for client apps. Render them under ConvexAuthProvider (from
// "@convex-dev/auth/react"): the query hooks read its auth state through
// `useConvexAuth`, so they never throw UNAUTHENTICATED into render. Each query
// hook returns `undefined` while loading (the auth check included), `null` when
// nobody is signed in, else the value.
import {
  type ConvexReactClient,
  useAction,
  useConvex,
  useConvexAuth,
  useMutation,
  usePaginatedQuery,
  useQuery,
  type OptionalRestArgsOrSkip,
  type UsePaginatedQueryReturnType,
} from "convex/react";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { useMemo } from "react";
import { api } from "../convex/_generated/api";
import { canAfford, entitlementsOf, type Entitlements } from "./entitlements";
import type { Plan } from "./plans";

/** A signed-in user's query: skipped (not sent) until the server has accepted the user's token. */
function useUserQuery<Query extends FunctionReference<"query">>(
  query: Query,
  ...args: OptionalRestArgsOrSkip<Query>
): FunctionReturnType<Query> | null | undefined {
  const { isLoading, isAuthenticated } = useConvexAuth();
  const result = useQuery(query, ...((isAuthenticated ? args : ["skip"]) as OptionalRestArgsOrSkip<Query>));
  if (isLoading) return undefined;
  return isAuthenticated ? result : null;
}

/** The signed-in user's profile (also null while sign-up has not created it yet). */
export function useProfile() {
  return useUserQuery(api.profiles.getProfile, {});
}

/** Updates the signed-in user's fullName / avatarUrl. */
export function useUpdateProfile() {
  return useMutation(api.profiles.updateProfile);
}

/**
 * The subscription that decides the user's plan (`getSubscription`): the best
 * entitled one (highest plan; active or trialing above past_due; newest among
 * equals); with none entitled, the most recent whatever its status, so a
 * canceled or unpaid subscription can come back here; null if the user never
 * subscribed. To know the plan the user has now, use `usePlan()` or
 * `useEntitlements()`, which apply the status rules (past_due keeps the plan).
 */
export function useSubscription() {
  return useUserQuery(api.subscriptions.getSubscription, {});
}

/**
 * The user's entitlements (`entitlementsOf` in ./entitlements: plan,
 * features, `paymentFailed` for past_due), from the same rules the server's
 * `requireFeature` applies.
 */
export function useEntitlements(): Entitlements | null | undefined {
  const { isAuthenticated } = useConvexAuth();
  const subscription = useSubscription();
  // Signed in, a null subscription is the free plan; signed out, there is no plan.
  return useMemo(
    () => (subscription === undefined ? undefined : isAuthenticated ? entitlementsOf(subscription) : null),
    [subscription, isAuthenticated],
  );
}

/** The plan the user has now (the free plan without a live subscription). */
export function usePlan(): Plan | null | undefined {
  const entitlements = useEntitlements();
  return entitlements ? entitlements.plan : entitlements;
}

/** The signed-in user's credits: balance, monthly allowance, last and next refill. */
export function useCredits() {
  return useUserQuery(api.credits.getCredits, {});
}

// Per client: the idempotency keys of spends sent and not refused. The server
// spends a key once, so a key sent again (a double click, a retry) is not
// dropped from the balance a second time.
const sentKeys = new WeakMap<ConvexReactClient, Set<string>>();

/**
 * Spends the signed-in user's credits: `consume({ amount, reason?, idempotencyKey? })`,
 * a promise of the new balance. The balance every `useCredits()` on the page
 * shows drops at once and comes back if the server refuses; a spend larger
 * than the shown balance is left to the server (it will refuse it), and so is
 * an `idempotencyKey` this page already sent (the server spends a key once).
 */
export function useConsumeCredits() {
  const client = useConvex();
  const consume = useMutation(api.credits.consumeCredits);
  return useMemo(() => {
    const optimistic = consume.withOptimisticUpdate((store, { amount }) => {
      const credits = store.getQuery(api.credits.getCredits, {});
      if (!credits || !canAfford(credits, amount)) return;
      store.setQuery(api.credits.getCredits, {}, { ...credits, balance: credits.balance - amount });
    });
    return async (args: FunctionArgs<typeof api.credits.consumeCredits>) => {
      const key = args.idempotencyKey;
      if (key === undefined) return await optimistic(args);
      let keys = sentKeys.get(client);
      if (keys === undefined) sentKeys.set(client, (keys = new Set()));
      if (keys.has(key)) return await consume(args);
      keys.add(key);
      try {
        return await optimistic(args);
      } catch (error) {
        // Refused: the server spent nothing under this key, so a retry is a new spend.
        keys.delete(key);
        throw error;
      }
    };
  }, [client, consume]);
}

type CreditHistory = UsePaginatedQueryReturnType<typeof api.credits.listCreditHistory>;

/**
 * The signed-in user's credit ledger, newest first, a page at a time
 * (`loadMore(n)`). Signed out: no results and status "Exhausted".
 */
export function useCreditHistory(pageSize = 20): CreditHistory {
  const { isLoading, isAuthenticated } = useConvexAuth();
  const history = usePaginatedQuery(api.credits.listCreditHistory, isAuthenticated ? {} : "skip", {
    initialNumItems: pageSize,
  });
  if (isAuthenticated || isLoading) return history;
  return SIGNED_OUT_HISTORY;
}

// One object, so a signed-out result is stable across renders (as usePaginatedQuery's are).
const SIGNED_OUT_HISTORY: CreditHistory = { results: [], status: "Exhausted", isLoading: false, loadMore: () => {} };

/** Starts Stripe Checkout: `await checkout({ planId, interval })` then go to `url`. */
export function useCheckout() {
  return useAction(api.billing.createCheckoutSession);
}

/** Opens Stripe's customer portal: `await portal({})` then go to `url`. */
export function useBillingPortal() {
  return useAction(api.billing.createPortalSession);
}
