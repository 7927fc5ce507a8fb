import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Hourly, so each user is refilled within the hour of their own anniversary
// (Convex picks the minute, off the busy top of the hour). A sweep with nobody
// due reads nothing; see model/refills.ts.
crons.interval("refill due credits", { hours: 1 }, internal.credits.refillDue, {});

// Webhooks are the fast path, not the only one: once a day, subscriptions
// with anything dated in the last two days are compared with Stripe and
// repaired; once a week, all of them (a mid-period plan switch carries no
// date). See billing:reconcile.
crons.daily("reconcile recent Stripe subscriptions", { hourUTC: 4, minuteUTC: 17 }, internal.billing.reconcile, {
  sinceDays: 2,
});
crons.weekly(
  "reconcile all Stripe subscriptions",
  { dayOfWeek: "sunday", hourUTC: 5, minuteUTC: 17 },
  internal.billing.reconcile,
  {},
);

// Retention (README: "Data we keep"): once a day, in batches that schedule the next.
crons.daily("delete ended reservations", { hourUTC: 3, minuteUTC: 7 }, internal.retention.deleteEndedReservations, {});
crons.daily("reduce old Stripe payloads", { hourUTC: 3, minuteUTC: 27 }, internal.retention.reduceStripePayloads, {});

export default crons;
