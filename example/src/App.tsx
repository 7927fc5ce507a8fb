import { useAuthActions } from "@convex-dev/auth/react";
import { Authenticated, AuthLoading, Unauthenticated } from "convex/react";
import { useState } from "react";
import { AdminPage } from "./components/AdminPage";
import { CreditHistory } from "./components/CreditHistory";
import { CreditsBadge } from "./components/CreditsBadge";
import { PastDueBanner } from "./components/PastDueBanner";
import { PricingTable } from "./components/PricingTable";
import { ProfileForm } from "./components/ProfileForm";
import { SignInForm } from "./components/SignInForm";
import { SpendForm } from "./components/SpendForm";
import { SupportLink } from "./components/SupportLink";

const PAGES = { credits: "Credits", billing: "Plans", profile: "Profile", admin: "Admin" } as const;
type Page = keyof typeof PAGES;

// Stripe sends users back to <SITE_URL>/billing (after Checkout or the portal).
const returnedFromStripe = location.pathname === "/billing";
const checkoutDone = new URLSearchParams(location.search).get("checkout") === "success";

/** The whole app: a sign-in form, or the signed-in user's pages. */
export function App() {
  return (
    <main>
      <AuthLoading>
        <p>Loading…</p>
      </AuthLoading>
      <Unauthenticated>
        <h1>Welcome</h1>
        <SignInForm />
      </Unauthenticated>
      <Authenticated>
        <SignedIn />
      </Authenticated>
    </main>
  );
}

function SignedIn() {
  const { signOut } = useAuthActions();
  const [page, setPage] = useState<Page>(returnedFromStripe ? "billing" : "credits");
  return (
    <>
      <header>
        <nav>
          {(Object.keys(PAGES) as Page[]).map((id) => (
            <button key={id} aria-current={id === page ? "page" : undefined} onClick={() => setPage(id)}>
              {PAGES[id]}
            </button>
          ))}
        </nav>
        <CreditsBadge />
        <button onClick={() => void signOut()}>Sign out</button>
      </header>
      <PastDueBanner />
      <h1>{PAGES[page]}</h1>
      {page === "credits" && (
        <>
          <SpendForm />
          <CreditHistory />
        </>
      )}
      {page === "billing" && checkoutDone && <p role="status">Payment received: your plan updates in a moment.</p>}
      {page === "billing" && (
        <>
          <PricingTable />
          <SupportLink />
        </>
      )}
      {page === "profile" && <ProfileForm />}
      {page === "admin" && <AdminPage />}
    </>
  );
}
