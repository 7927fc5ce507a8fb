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
import type * as auth from "../auth.js";
import type * as credits from "../credits.js";
import type * as crons from "../crons.js";
import type * as http from "../http.js";
import type * as lib_db from "../lib/db.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_functions from "../lib/functions.js";
import type * as lib_metrics from "../lib/metrics.js";
import type * as lib_rules from "../lib/rules.js";
import type * as lib_validate from "../lib/validate.js";
import type * as migrations from "../migrations.js";
import type * as model_credits from "../model/credits.js";
import type * as model_notes from "../model/notes.js";
import type * as model_profiles from "../model/profiles.js";
import type * as model_refills from "../model/refills.js";
import type * as model_reservations from "../model/reservations.js";
import type * as model_subscriptions from "../model/subscriptions.js";
import type * as model_time from "../model/time.js";
import type * as model_users from "../model/users.js";
import type * as notes from "../notes.js";
import type * as profiles from "../profiles.js";
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
  auth: typeof auth;
  credits: typeof credits;
  crons: typeof crons;
  http: typeof http;
  "lib/db": typeof lib_db;
  "lib/errors": typeof lib_errors;
  "lib/functions": typeof lib_functions;
  "lib/metrics": typeof lib_metrics;
  "lib/rules": typeof lib_rules;
  "lib/validate": typeof lib_validate;
  migrations: typeof migrations;
  "model/credits": typeof model_credits;
  "model/notes": typeof model_notes;
  "model/profiles": typeof model_profiles;
  "model/refills": typeof model_refills;
  "model/reservations": typeof model_reservations;
  "model/subscriptions": typeof model_subscriptions;
  "model/time": typeof model_time;
  "model/users": typeof model_users;
  notes: typeof notes;
  profiles: typeof profiles;
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
