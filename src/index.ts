// What client apps import: the plan catalogue, the subscription status and
// entitlement rules (the same ones the server uses) and the error codes.
// React hooks are in "./react"; the typed function references in
// "../convex/_generated/api".
export * from "./entitlements";
export * from "./errors";
export * from "./limits";
export * from "./plans";
export * from "./subscriptions";
