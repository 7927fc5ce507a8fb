"use client";
import { useQuery } from "convex/react";
import { api } from "convex-saas-backend/api";
import { useCredits } from "convex-saas-backend/react";

export function Credits() {
  const credits = useCredits();
  const profile = useQuery(api.profiles.getProfile, {});
  if (credits === undefined) return <p>Loading…</p>;
  return (
    <p>
      {profile?.fullName ?? "You"} have {credits?.balance ?? 0} credits
    </p>
  );
}
