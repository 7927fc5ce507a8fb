import { useAuthActions } from "@convex-dev/auth/react";
import { appErrorOf } from "convex-saas-backend";
import { useState, type FormEvent } from "react";

/** Sign-up and sign-in with email and password (the Password provider of convex/auth.ts). */
export function SignInForm() {
  const { signIn } = useAuthActions();
  const [flow, setFlow] = useState<"signUp" | "signIn">("signUp");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    form.set("flow", flow);
    setError(null);
    try {
      await signIn("password", form);
    } catch (e) {
      // Our checks (email, password strength) send their message; a wrong
      // password is a plain error from Convex Auth.
      setError(appErrorOf(e)?.message ?? "Could not sign in: check your email and password");
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)}>
      <input name="email" type="email" placeholder="Email" autoComplete="email" required />
      <input name="password" type="password" placeholder="Password" autoComplete="current-password" required />
      <button type="submit">{flow === "signUp" ? "Sign up" : "Sign in"}</button>
      <button type="button" onClick={() => setFlow(flow === "signUp" ? "signIn" : "signUp")}>
        {flow === "signUp" ? "I have an account" : "Create an account"}
      </button>
      {error !== null && <p role="alert">{error}</p>}
    </form>
  );
}
