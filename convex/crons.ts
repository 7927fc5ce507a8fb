import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Hourly, so each user is refilled within the hour of their own anniversary
// (Convex picks the minute, off the busy top of the hour). A sweep with nobody
// due reads nothing; see model/refills.ts.
crons.interval("refill due credits", { hours: 1 }, internal.credits.refillDue, {});

export default crons;
