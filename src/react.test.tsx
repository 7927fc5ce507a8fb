// @vitest-environment jsdom
// The hooks as an app uses them: the real ConvexReactClient under the real
// ConvexAuthProvider, talking to the real functions (convex-test) through the
// bridge of the test kit. Users sign up through the provider's `signIn`
// (Password), so every identity comes from a token `auth:signIn` issued.
import { memoryStorage } from "../testing/jsdom";
import { ConvexAuthProvider, useAuthActions } from "@convex-dev/auth/react";
import { act, configure, cleanup, render, screen, waitFor } from "@testing-library/react";
import { ConvexReactClient } from "convex/react";
import { Component, useState, type ReactNode } from "react";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import {
  clockAt,
  convexBridge,
  expectConsole,
  MAR_1,
  newBackend,
  sendOk,
  spend,
  stripeCustomer,
  stripeEnv,
  type Backend,
} from "../testing";
import type { Id } from "../convex/_generated/dataModel";
import { isAppError } from "./errors";
import {
  useConsumeCredits,
  useCreditHistory,
  useCredits,
  useEntitlements,
  usePlan,
  useProfile,
  useSubscription,
} from "./react";

// Answers come over the client's socket from the in-memory backend: on a loaded
// CI machine that can take longer than testing-library's default second.
configure({ asyncUtilTimeout: 5_000 });

// Updates come from the client's socket, as in an app, not from act() scopes.
beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

const clients: ConvexReactClient[] = [];
afterEach(async () => {
  cleanup();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** Catches what a hook throws into render, so a test can assert nothing was. */
class Boundary extends Component<{ errors: unknown[]; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  componentDidCatch(error: unknown) {
    this.props.errors.push(error);
  }
  render() {
    return this.state.failed ? <p>crashed</p> : this.props.children;
  }
}

/** Signs up Ada through the provider's real Password flow. */
function SignUp() {
  const { signIn } = useAuthActions();
  const signUp = () => signIn("password", { email: "ada@example.com", password: "correct-horse-1", flow: "signUp" });
  return <button onClick={() => void signUp()}>sign up</button>;
}

/** A fresh backend, a bridge, a client, and `mount` rendering `ui` under the provider. */
function app(t: Backend = newBackend()) {
  const bridge = convexBridge(t);
  const client = new ConvexReactClient(bridge.url, { webSocketConstructor: bridge.webSocketConstructor });
  clients.push(client);
  // The provider refreshes tokens over HTTP (ConvexHttpClient, POST /api/action): to the bridge too.
  const httpCalls: string[] = [];
  vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
    httpCalls.push(new Request(input, init).url);
    return bridge.fetch(input, init);
  });
  const errors: unknown[] = [];
  const mount = (ui: ReactNode) =>
    render(
      <ConvexAuthProvider client={client} storage={memoryStorage()}>
        <Boundary errors={errors}>
          <SignUp />
          {ui}
        </Boundary>
      </ConvexAuthProvider>,
    );
  const signUp = async () => {
    act(() => screen.getByText("sign up").click());
    await waitFor(() => expect(screen.getByTestId("ready").textContent).toBe("yes"), { timeout: 5_000 });
    return await t.run(async (ctx) => (await ctx.db.query("users").first())!._id);
  };
  return { t, bridge, client, errors, httpCalls, mount, signUp };
}

const show = (value: unknown) => (value === undefined ? "loading" : value === null ? "null" : JSON.stringify(value));

/** Renders `useCredits()`'s balance, and records every value it rendered. */
function Balance({ id, seen }: { id: string; seen?: string[] }) {
  const credits = useCredits();
  const text = credits ? String(credits.balance) : show(credits);
  seen?.push(text);
  return <span data-testid={id}>{text}</span>;
}

/** "yes" once the user's credits are loaded (sign-up done, token accepted). */
function Ready() {
  return <span data-testid="ready">{useCredits() ? "yes" : "no"}</span>;
}

const text = (id: string) => screen.getByTestId(id).textContent;

describe("query hooks", () => {
  test("loading, then null signed out, then the value once signed up; nothing thrown", async () => {
    const { bridge, mount, signUp, errors, httpCalls } = app();
    const seen: string[] = [];
    mount(
      <>
        <Balance id="balance" seen={seen} />
        <Ready />
      </>,
    );
    expect(seen[0]).toBe("loading");
    await waitFor(() => expect(text("balance")).toBe("null"));
    await signUp();
    expect(text("balance")).toBe("100");
    // In order: loading (auth), signed out, loading (the query after sign-in), the value.
    expect([...new Set(seen)]).toEqual(["loading", "null", "100"]);
    expect(errors).toEqual([]);
    // Signed in, the provider swaps its first token for a fresh one over HTTP, and stays signed in.
    await waitFor(() => expect(httpCalls).toContain(`${bridge.url}/api/action`));
    await bridge.settled();
    expect(text("balance")).toBe("100");
    // The token swap did not flash the signed-out or loading state once the value was shown.
    expect(seen.slice(seen.indexOf("100"))).toEqual(seen.slice(seen.indexOf("100")).map(() => "100"));
  });

  test("signed out, every query hook renders null: no UNAUTHENTICATED thrown into render", async () => {
    const { mount, errors } = app();
    function All() {
      const history = useCreditHistory(5);
      const values = [useProfile(), useCredits(), useSubscription(), useEntitlements(), usePlan()];
      return <p data-testid="all">{[...values.map(show), history.status, history.results.length].join(" ")}</p>;
    }
    mount(<All />);
    await waitFor(() => expect(text("all")).toBe("null null null null null Exhausted 0"));
    expect(errors).toEqual([]);
  });
});

test("signed out, useCreditHistory's result keeps its identity across renders (safe in effect dependencies)", async () => {
  const { mount } = app();
  const seen = new Set<unknown>();
  const results = new Set<unknown>();
  function History() {
    const history = useCreditHistory(5);
    const [renders, setRenders] = useState(0);
    if (history.status === "Exhausted") {
      seen.add(history);
      results.add(history.results);
    }
    return <button onClick={() => setRenders(renders + 1)}>{`render ${renders}`}</button>;
  }
  mount(<History />);
  await waitFor(() => expect(seen.size).toBe(1));
  act(() => screen.getByText("render 0").click());
  act(() => screen.getByText("render 1").click());
  await screen.findByText("render 2");
  expect([seen.size, results.size]).toEqual([1, 1]);
});

describe("after signing out mid-session", () => {
  test("every hook returns null, not the last user's data; a spend is refused and shows nothing", async () => {
    const { mount, signUp, errors } = app();
    const outcomes: unknown[] = [];
    function Page() {
      const { signOut } = useAuthActions();
      const consume = useConsumeCredits();
      const history = useCreditHistory(5);
      const values = [useProfile(), useCredits(), useSubscription(), useEntitlements(), usePlan()];
      const spendNow = () => consume({ amount: 10 }).then(outcomes.push.bind(outcomes), outcomes.push.bind(outcomes));
      return (
        <>
          <p data-testid="all">{[...values.map((v) => (v ? "value" : show(v))), history.results.length].join(" ")}</p>
          <button onClick={() => void signOut()}>sign out</button>
          <button onClick={() => void spendNow()}>spend</button>
        </>
      );
    }
    mount(
      <>
        <Balance id="balance" />
        <Ready />
        <Page />
      </>,
    );
    await signUp();
    await waitFor(() => expect(text("all")).toBe("value value null value value 1"));
    act(() => screen.getByText("sign out").click());
    await waitFor(() => expect(text("all")).toBe("null null null null null 0"));
    expect(text("balance")).toBe("null");
    const logged = expectConsole("error", "UNAUTHENTICATED");
    act(() => screen.getByText("spend").click());
    await waitFor(() => expect(outcomes).toHaveLength(1));
    expect(isAppError(outcomes[0], "UNAUTHENTICATED")).toBe(true);
    expect(text("balance")).toBe("null");
    expect(logged.messages).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

describe("useConsumeCredits", () => {
  /** Two balances (a badge and a page) and a spend button that records how its promise ended. */
  function Spender({ amount, outcomes }: { amount: number; outcomes: unknown[] }) {
    const consume = useConsumeCredits();
    const onClick = () =>
      consume({ amount, reason: "test" }).then(
        (result) => outcomes.push(result),
        (error: unknown) => outcomes.push(error),
      );
    return <button onClick={() => void onClick()}>{`spend ${amount}`}</button>;
  }

  async function signedInSpender(amount: number) {
    const setup = app();
    const outcomes: unknown[] = [];
    setup.mount(
      <>
        <Balance id="badge" />
        <Balance id="page" />
        <Ready />
        <Spender amount={amount} outcomes={outcomes} />
      </>,
    );
    const userId = await setup.signUp();
    return { ...setup, userId, outcomes };
  }

  const click = (label: string) => act(() => screen.getByText(label).click());

  test("the balance drops everywhere at once, before the server answers, and stays when it agrees", async () => {
    const { bridge, outcomes } = await signedInSpender(30);
    const release = bridge.gate.hold();
    click("spend 30");
    await bridge.gate.arrived();
    // The server has not run the mutation yet; both balances already show it.
    await waitFor(() => expect([text("badge"), text("page")]).toEqual(["70", "70"]));
    expect(bridge.gate.held).toBe(1);
    release();
    await waitFor(() => expect(outcomes).toEqual([{ balance: 70 }]));
    expect([text("badge"), text("page")]).toEqual(["70", "70"]);
  });

  test("rolls back when the server refuses with INSUFFICIENT_CREDITS, then shows the server's balance", async () => {
    const { t, bridge, userId, outcomes } = await signedInSpender(70);
    // Spent elsewhere (another device): the page still shows 100 until it hears of it.
    await spend(t, userId, 50);
    const errors = expectConsole("error", "INSUFFICIENT_CREDITS");
    const release = bridge.gate.hold();
    click("spend 70");
    await bridge.gate.arrived();
    await waitFor(() => expect([text("badge"), text("page")]).toEqual(["30", "30"]));
    release();
    await waitFor(() => expect(outcomes).toHaveLength(1));
    const [error] = outcomes;
    if (!isAppError(error, "INSUFFICIENT_CREDITS"))
      throw new Error(`expected INSUFFICIENT_CREDITS, got ${String(error)}`);
    expect([error.data.balance, error.data.required]).toEqual([50, 70]);
    // Rolled back to what the server last sent; the other device's spend shows once the page hears of it.
    await waitFor(() => expect([text("badge"), text("page")]).toEqual(["100", "100"]));
    await bridge.refresh();
    await waitFor(() => expect([text("badge"), text("page")]).toEqual(["50", "50"]));
    expect(errors.messages).toHaveLength(1);
  });

  test("a spend larger than the shown balance is not applied optimistically", async () => {
    const { bridge, outcomes } = await signedInSpender(101);
    expectConsole("error", "INSUFFICIENT_CREDITS");
    const release = bridge.gate.hold();
    click("spend 101");
    await bridge.gate.arrived();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([text("badge"), text("page")]).toEqual(["100", "100"]);
    release();
    await waitFor(() => expect(outcomes).toHaveLength(1));
    expect(isAppError(outcomes[0], "INSUFFICIENT_CREDITS")).toBe(true);
    expect([text("badge"), text("page")]).toEqual(["100", "100"]);
  });
});

describe("useConsumeCredits with an idempotency key", () => {
  /** A button that spends 30 under one key, however often it is clicked. */
  function KeyedSpender({ outcomes }: { outcomes: unknown[] }) {
    const consume = useConsumeCredits();
    const onClick = () =>
      consume({ amount: 30, idempotencyKey: "order-1" }).then(
        (result) => outcomes.push(result),
        (error: unknown) => outcomes.push(error),
      );
    return <button onClick={() => void onClick()}>spend once</button>;
  }

  test("a key sent again (in flight or already spent) drops the balance once, as the server spends it once", async () => {
    const { bridge, mount, signUp } = app();
    const outcomes: unknown[] = [];
    const seen: string[] = [];
    mount(
      <>
        <Balance id="badge" seen={seen} />
        <Ready />
        <KeyedSpender outcomes={outcomes} />
      </>,
    );
    await signUp();
    const release = bridge.gate.hold();
    act(() => screen.getByText("spend once").click());
    act(() => screen.getByText("spend once").click());
    await bridge.gate.arrived(2);
    await waitFor(() => expect(text("badge")).toBe("70"));
    release();
    await waitFor(() => expect(outcomes).toEqual([{ balance: 70 }, { balance: 70 }]));
    // Once more after the server answered: the server returns the first result and spends nothing.
    const again = bridge.gate.hold();
    act(() => screen.getByText("spend once").click());
    await bridge.gate.arrived();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(text("badge")).toBe("70");
    again();
    await waitFor(() => expect(outcomes).toHaveLength(3));
    expect(text("badge")).toBe("70");
    // Never shown: a second drop the server does not make.
    expect(seen).not.toContain("40");
  });
});

describe("useCreditHistory", () => {
  test("pages through the ledger newest first; a new spend appears on top of the loaded pages", async () => {
    const { t, bridge, mount, signUp } = app();
    function History() {
      const { results, status, loadMore } = useCreditHistory(2);
      return (
        <>
          <p data-testid="history">{[status, ...results.map((e) => `${e.kind}${e.delta}`)].join(" ")}</p>
          <button onClick={() => loadMore(2)}>more</button>
        </>
      );
    }
    function Toggle() {
      const [shown, setShown] = useState(false);
      return shown ? <History /> : <button onClick={() => setShown(true)}>history</button>;
    }
    mount(
      <>
        <Ready />
        <Toggle />
      </>,
    );
    const userId = await signUp();
    for (const amount of [1, 2, 3, 4]) await spend(t, userId, amount);
    await bridge.refresh();
    act(() => screen.getByText("history").click());
    await waitFor(() => expect(text("history")).toBe("CanLoadMore consume-4 consume-3"));
    act(() => screen.getByText("more").click());
    await waitFor(() => expect(text("history")).toBe("CanLoadMore consume-4 consume-3 consume-2 consume-1"));
    act(() => screen.getByText("more").click());
    await waitFor(() => expect(text("history")).toBe("Exhausted consume-4 consume-3 consume-2 consume-1 signup100"));

    // Pages keep their ends (as on a deployment): the first one grows, nothing shifts or repeats.
    await spend(t, userId, 5);
    await bridge.refresh();
    await waitFor(() =>
      expect(text("history")).toBe("Exhausted consume-5 consume-4 consume-3 consume-2 consume-1 signup100"),
    );
  });
});

describe("useEntitlements", () => {
  test("a signed Stripe webhook moves the signed-in user to Pro", async () => {
    stripeEnv();
    clockAt(MAR_1);
    const { t, bridge, mount, signUp } = app();
    function Plan() {
      const entitlements = useEntitlements();
      const plan = usePlan();
      return (
        <p data-testid="plan">
          {entitlements ? `${plan?.name} ${String(entitlements.has("emailSupport"))} ${entitlements.status}` : "-"}
        </p>
      );
    }
    mount(
      <>
        <Ready />
        <Plan />
      </>,
    );
    const userId: Id<"users"> = await signUp();
    await waitFor(() => expect(text("plan")).toBe("Free false null"));

    await sendOk(t, "customer.subscription.created", stripeCustomer({ userId }).subscription(), MAR_1);
    await bridge.refresh();
    await waitFor(() => expect(text("plan")).toBe("Pro true active"));

    const pastDue = stripeCustomer({ userId }).subscription({ status: "past_due" });
    await sendOk(t, "customer.subscription.updated", pastDue, MAR_1 + 1_000);
    await bridge.refresh();
    await waitFor(() => expect(text("plan")).toBe("Pro true past_due"));
  });

  test("signing in as a Pro user, the plan goes from unknown to Pro: never Free while the subscription loads", async () => {
    stripeEnv();
    clockAt(MAR_1);
    const { t, bridge, mount, signUp } = app();
    const seen: string[] = [];
    function Plan() {
      const { signIn, signOut } = useAuthActions();
      const plan = usePlan();
      seen.push(plan ? plan.name : show(plan));
      const again = () => signIn("password", { email: "ada@example.com", password: "correct-horse-1", flow: "signIn" });
      return (
        <>
          <p data-testid="plan">{plan ? plan.name : show(plan)}</p>
          <button onClick={() => void signOut()}>sign out</button>
          <button onClick={() => void again()}>sign in</button>
        </>
      );
    }
    mount(
      <>
        <Ready />
        <Plan />
      </>,
    );
    const userId = await signUp();
    await sendOk(t, "customer.subscription.created", stripeCustomer({ userId }).subscription(), MAR_1);
    await bridge.refresh();
    await waitFor(() => expect(text("plan")).toBe("Pro"));
    act(() => screen.getByText("sign out").click());
    await waitFor(() => expect(text("plan")).toBe("null"));
    seen.length = 0;
    act(() => screen.getByText("sign in").click());
    await waitFor(() => expect(text("plan")).toBe("Pro"), { timeout: 5_000 });
    expect(seen).toContain("loading");
    expect(seen).not.toContain("Free");
  });
});
