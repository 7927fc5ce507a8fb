import { appErrorOf, isAppError } from "convex-saas-backend";
import { useConsumeCredits } from "convex-saas-backend/react";
import { useState, type FormEvent } from "react";

/** Spends credits; a refusal (not enough credits, say) is shown with the server's message. */
export function SpendForm() {
  const consume = useConsumeCredits();
  const [amount, setAmount] = useState(10);
  const [error, setError] = useState<string | null>(null);

  async function spend(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    try {
      await consume({ amount, reason: "Used the app" });
    } catch (e) {
      // The error's details are typed by its code.
      if (isAppError(e, "INSUFFICIENT_CREDITS"))
        setError(`Not enough credits: this needs ${e.data.required}, you have ${e.data.balance}.`);
      else setError(appErrorOf(e)?.message ?? "Something went wrong");
    }
  }

  return (
    <form onSubmit={(event) => void spend(event)}>
      <input
        aria-label="Amount"
        type="number"
        min={1}
        value={amount}
        onChange={(event) => setAmount(event.target.valueAsNumber)}
      />
      <button type="submit">Spend</button>
      {error !== null && <p role="alert">{error}</p>}
    </form>
  );
}
