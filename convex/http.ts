import { httpRouter } from "convex/server";
import { auth } from "./auth";
import { webhook as stripeWebhook } from "./stripeEvents";

const http = httpRouter();

// Sign-in routes for OAuth callbacks and the JWKS that Convex verifies tokens with.
auth.addHttpRoutes(http);

// Stripe's webhook endpoint: https://<deployment>.convex.site/stripe/webhook
http.route({ path: "/stripe/webhook", method: "POST", handler: stripeWebhook });

export default http;
