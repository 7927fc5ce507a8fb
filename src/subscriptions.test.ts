import { expect, test } from "vitest";
import { PLANS } from "./plans";
import {
  entitledCredits,
  entitledPlanId,
  hasEnded,
  isEntitled,
  isInGoodStanding,
  isRecoveredByPayment,
  SUBSCRIPTION_STATUSES,
} from "./subscriptions";

test("each status rule names exactly the statuses it should", () => {
  const which = (rule: (s: (typeof SUBSCRIPTION_STATUSES)[number]) => boolean) => SUBSCRIPTION_STATUSES.filter(rule);
  expect(which(isEntitled)).toEqual(["trialing", "active", "past_due"]);
  expect(which(isInGoodStanding)).toEqual(["trialing", "active"]);
  expect(which(hasEnded)).toEqual(["incomplete_expired", "canceled"]);
  expect(which(isRecoveredByPayment)).toEqual(["incomplete", "past_due", "unpaid"]);
});

test("a plan entitles only while its status does: a canceled Pro is free, a past-due Pro keeps Pro", () => {
  expect(entitledPlanId({ status: "canceled", planId: "pro" })).toBe("free");
  expect(entitledPlanId({ status: "past_due", planId: "pro" })).toBe("pro");
  expect(entitledCredits({ status: "active", planId: "business" })).toBe(PLANS.business.monthlyCredits);
  expect(entitledCredits({ status: "unpaid", planId: "business" })).toBe(PLANS.free.monthlyCredits);
});
