// The test kit: what this package's own tests, demo and bench use, and what an
// app built on it imports to test its own functions (`convex-saas-backend/testing`,
// or `../testing` in a clone). Never deployed: it lives outside `convex/`.
export * from "./admin";
export * from "./backend";
export * from "./clock";
export * from "./console";
export * from "./credits";
export * from "./db";
export * from "./email";
export * from "./fakeStripe";
export * from "./functions";
export * from "./stripe";
export * from "./stripeAccount";
export * from "./stripeInvoices";
export * from "./stripeSessions";
export { sec } from "./stripeShapes";
export * from "./stripeSubscriptions";
// The in-process deployment for the real clients (hook tests); ./bridge/serve.ts puts it on a port.
export * from "./bridge";
