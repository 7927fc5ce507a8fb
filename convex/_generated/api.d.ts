/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as admin from "../admin.js";
import type * as auth from "../auth.js";
import type * as billing from "../billing.js";
import type * as credits from "../credits.js";
import type * as crons from "../crons.js";
import type * as http from "../http.js";
import type * as lib_db from "../lib/db.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_fields from "../lib/fields.js";
import type * as lib_functions from "../lib/functions.js";
import type * as lib_metrics from "../lib/metrics.js";
import type * as lib_oauth from "../lib/oauth.js";
import type * as lib_passwords from "../lib/passwords.js";
import type * as lib_resendOtp from "../lib/resendOtp.js";
import type * as lib_results from "../lib/results.js";
import type * as lib_rules from "../lib/rules.js";
import type * as lib_stripe from "../lib/stripe.js";
import type * as lib_text from "../lib/text.js";
import type * as lib_validate from "../lib/validate.js";
import type * as lib_validators from "../lib/validators.js";
import type * as migrations from "../migrations.js";
import type * as model_accountDeletion from "../model/accountDeletion.js";
import type * as model_admins from "../model/admins.js";
import type * as model_audit from "../model/audit.js";
import type * as model_authRecords from "../model/authRecords.js";
import type * as model_checkouts from "../model/checkouts.js";
import type * as model_credits from "../model/credits.js";
import type * as model_customers from "../model/customers.js";
import type * as model_entitlements from "../model/entitlements.js";
import type * as model_ledger from "../model/ledger.js";
import type * as model_notes from "../model/notes.js";
import type * as model_operators from "../model/operators.js";
import type * as model_profiles from "../model/profiles.js";
import type * as model_rateLimits from "../model/rateLimits.js";
import type * as model_reconcile from "../model/reconcile.js";
import type * as model_refills from "../model/refills.js";
import type * as model_reservations from "../model/reservations.js";
import type * as model_stats from "../model/stats.js";
import type * as model_stripeBody from "../model/stripeBody.js";
import type * as model_stripeDoctor from "../model/stripeDoctor.js";
import type * as model_stripeHandlers from "../model/stripeHandlers.js";
import type * as model_stripeInbox from "../model/stripeInbox.js";
import type * as model_stripeObjects from "../model/stripeObjects.js";
import type * as model_stripeOutcome from "../model/stripeOutcome.js";
import type * as model_stripeScrub from "../model/stripeScrub.js";
import type * as model_subscriptionSync from "../model/subscriptionSync.js";
import type * as model_subscriptions from "../model/subscriptions.js";
import type * as model_time from "../model/time.js";
import type * as model_users from "../model/users.js";
import type * as notes from "../notes.js";
import type * as profiles from "../profiles.js";
import type * as retention from "../retention.js";
import type * as stripeEvents from "../stripeEvents.js";
import type * as stripeOps from "../stripeOps.js";
import type * as subscriptions from "../subscriptions.js";
import type * as users from "../users.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  admin: typeof admin;
  auth: typeof auth;
  billing: typeof billing;
  credits: typeof credits;
  crons: typeof crons;
  http: typeof http;
  "lib/db": typeof lib_db;
  "lib/errors": typeof lib_errors;
  "lib/fields": typeof lib_fields;
  "lib/functions": typeof lib_functions;
  "lib/metrics": typeof lib_metrics;
  "lib/oauth": typeof lib_oauth;
  "lib/passwords": typeof lib_passwords;
  "lib/resendOtp": typeof lib_resendOtp;
  "lib/results": typeof lib_results;
  "lib/rules": typeof lib_rules;
  "lib/stripe": typeof lib_stripe;
  "lib/text": typeof lib_text;
  "lib/validate": typeof lib_validate;
  "lib/validators": typeof lib_validators;
  migrations: typeof migrations;
  "model/accountDeletion": typeof model_accountDeletion;
  "model/admins": typeof model_admins;
  "model/audit": typeof model_audit;
  "model/authRecords": typeof model_authRecords;
  "model/checkouts": typeof model_checkouts;
  "model/credits": typeof model_credits;
  "model/customers": typeof model_customers;
  "model/entitlements": typeof model_entitlements;
  "model/ledger": typeof model_ledger;
  "model/notes": typeof model_notes;
  "model/operators": typeof model_operators;
  "model/profiles": typeof model_profiles;
  "model/rateLimits": typeof model_rateLimits;
  "model/reconcile": typeof model_reconcile;
  "model/refills": typeof model_refills;
  "model/reservations": typeof model_reservations;
  "model/stats": typeof model_stats;
  "model/stripeBody": typeof model_stripeBody;
  "model/stripeDoctor": typeof model_stripeDoctor;
  "model/stripeHandlers": typeof model_stripeHandlers;
  "model/stripeInbox": typeof model_stripeInbox;
  "model/stripeObjects": typeof model_stripeObjects;
  "model/stripeOutcome": typeof model_stripeOutcome;
  "model/stripeScrub": typeof model_stripeScrub;
  "model/subscriptionSync": typeof model_subscriptionSync;
  "model/subscriptions": typeof model_subscriptions;
  "model/time": typeof model_time;
  "model/users": typeof model_users;
  notes: typeof notes;
  profiles: typeof profiles;
  retention: typeof retention;
  stripeEvents: typeof stripeEvents;
  stripeOps: typeof stripeOps;
  subscriptions: typeof subscriptions;
  users: typeof users;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
