import { httpRouter } from "convex/server";
import { auth } from "./auth";

const http = httpRouter();

// Sign-in routes for OAuth callbacks and the JWKS that Convex verifies tokens with.
auth.addHttpRoutes(http);

export default http;
