import { PLANS } from "convex-saas-backend";
import { Credits } from "./Credits";

// A server component: it may import the plan catalogue ("."), and renders the
// client component that uses the hooks ("./react").
export default function Page() {
  return (
    <main>
      <h1>Plans: {Object.keys(PLANS).join(", ")}</h1>
      <Credits />
    </main>
  );
}
