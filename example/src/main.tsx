import { ConvexAuthProvider } from "@convex-dev/auth/react";
import { ConvexReactClient } from "convex/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./index.css";

// `npm run dev` talks to your deployment (VITE_CONVEX_URL in example/.env.local);
// `npm run demo:web` serves an in-memory backend from this same dev server, so
// the client connects back to the page's own origin.
const url = import.meta.env.MODE === "demo" ? location.origin : (import.meta.env.VITE_CONVEX_URL as string);
const convex = new ConvexReactClient(url);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvexAuthProvider client={convex}>
      <App />
    </ConvexAuthProvider>
  </StrictMode>,
);
