"use client";

// React hooks for client apps (wrap your app in ConvexAuthProvider from
// "@convex-dev/auth/react"). Each returns `undefined` while loading; queries
// throw UNAUTHENTICATED when nobody is signed in, so render them under
// <Authenticated> from "convex/react".
import { useAction, useMutation, usePaginatedQuery, useQuery } from "convex/react";
import { api } from "../convex/_generated/api";

/** The signed-in user's profile (null until sign-up has created it). */
export function useProfile() {
  return useQuery(api.profiles.getProfile, {});
}

/** Updates the signed-in user's fullName / avatarUrl. */
export function useUpdateProfile() {
  return useMutation(api.profiles.updateProfile);
}

/** The subscription that decides the user's access, or null on the free plan. */
export function useSubscription() {
  return useQuery(api.subscriptions.getSubscription, {});
}

/** The signed-in user's credits. */
export function useCredits() {
  return useQuery(api.credits.getCredits, {});
}

/** Spends the signed-in user's credits: `consume({ amount, reason?, idempotencyKey? })`. */
export function useConsumeCredits() {
  return useMutation(api.credits.consumeCredits);
}

/** The signed-in user's credit ledger, newest first, loaded a page at a time. */
export function useCreditHistory(pageSize = 20) {
  return usePaginatedQuery(api.credits.listCreditHistory, {}, { initialNumItems: pageSize });
}

/** Starts Stripe Checkout: `await checkout({ planId, interval })` then go to `url`. */
export function useCheckout() {
  return useAction(api.billing.createCheckoutSession);
}

/** Opens Stripe's customer portal: `await portal({})` then go to `url`. */
export function useBillingPortal() {
  return useAction(api.billing.createPortalSession);
}
