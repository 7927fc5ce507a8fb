#!/usr/bin/env node
// Generates the RS256 key pair @convex-dev/auth signs sessions with, and prints
// the `npx convex env set` lines to install it on a deployment. Nothing is
// written to disk: the private key goes straight to your deployment's env.
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";

const keys = await generateKeyPair("RS256", { extractable: true });
const privateKey = await exportPKCS8(keys.privateKey);
const publicKey = await exportJWK(keys.publicKey);
const jwks = JSON.stringify({ keys: [{ use: "sig", ...publicKey }] });

// convex env set takes one line; the PEM's newlines become spaces, which
// @convex-dev/auth reads back as a valid key.
const quote = (value) => `'${value.replaceAll("'", "'\\''")}'`;
console.log("# Run these against your deployment (add --prod for production):");
console.log(`npx convex env set JWT_PRIVATE_KEY -- ${quote(privateKey.trimEnd().replace(/\n/g, " "))}`);
console.log(`npx convex env set JWKS -- ${quote(jwks)}`);
console.log("npx convex env set SITE_URL -- 'http://localhost:5173'   # your app's URL");
