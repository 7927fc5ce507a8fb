#!/usr/bin/env node
// Generates the RS256 key pair @convex-dev/auth signs sessions with, and prints
// the `npx convex env set` lines to install it on a deployment. Nothing is
// written to disk: the private key goes straight to your deployment's env.
//
//   npm run generate-keys                          # the dev deployment of `npx convex dev`
//   npm run generate-keys -- --prod                # production: lines with --prod
//   npm run generate-keys -- --deployment staging  # any deployment the CLI can name
//
// The deployment flags go before the variable's name: after `--` every word is
// a value, so `... -- 'value' --prod` fails with "too many arguments".
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";

const target = process.argv.slice(2);
const production = target.includes("--prod");

const keys = await generateKeyPair("RS256", { extractable: true });
const privateKey = await exportPKCS8(keys.privateKey);
const publicKey = await exportJWK(keys.publicKey);
const jwks = JSON.stringify({ keys: [{ use: "sig", ...publicKey }] });

// convex env set takes one line; the PEM's newlines become spaces, which
// @convex-dev/auth reads back as a valid key.
const quote = (value) => `'${value.replaceAll("'", "'\\''")}'`;
const flags = target.map((arg) => (/^[\w./:=-]+$/.test(arg) ? arg : quote(arg)));
const set = (name, value) => ["npx convex env set", ...flags, name, "--", quote(value)].join(" ");

console.log(
  target.length === 0
    ? "# Run these for the dev deployment of `npx convex dev` (production: npm run generate-keys -- --prod):"
    : `# Run these for the deployment ${target.join(" ")} selects (each deployment gets its own key pair):`,
);
console.log(set("JWT_PRIVATE_KEY", privateKey.trimEnd().replace(/\n/g, " ")));
console.log(set("JWKS", jwks));
console.log(
  `${set("SITE_URL", production ? "https://your-app.example.com" : "http://localhost:5173")}   # your app's URL`,
);
