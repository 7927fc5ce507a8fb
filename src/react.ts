// React hooks for client apps (wrap your app in ConvexAuthProvider from
// "@convex-dev/auth/react"). Each returns `undefined` while loading; queries
// throw UNAUTHENTICATED when nobody is signed in, so render them under
// <Authenticated> from "convex/react".
import { useMutation, useQuery } from "convex/react";
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
