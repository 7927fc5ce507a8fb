import { useAuthActions } from "@convex-dev/auth/react";
import { Authenticated, AuthLoading, Unauthenticated } from "convex/react";
import { useState } from "react";
import { CreditHistory } from "./components/CreditHistory";
import { CreditsBadge } from "./components/CreditsBadge";
import { PastDueBanner } from "./components/PastDueBanner";
import { PricingTable } from "./components/PricingTable";
import { ProfileForm } from "./components/ProfileForm";
import { SignInForm } from "./components/SignInForm";
import { SpendForm } from "./components/SpendForm";

const PAGES = { credits: "Credits", pricing: "Pricing", profile: "Profile" } as const;
type Page = keyof typeof PAGES;

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
  const [page, setPage] = useState<Page>("credits");
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
      {page === "pricing" && <PricingTable />}
      {page === "profile" && <ProfileForm />}
    </>
  );
}
