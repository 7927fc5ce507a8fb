// Holds the bridge's mutations and actions before they run, so a test can look
// at the client while the server has not answered (an optimistic update), then
// let them through.

export class Gate {
  private closed: Promise<void> | null = null;
  private open = () => {};
  private waiting = 0;
  private arrivals: (() => void)[] = [];

  /** Holds every mutation and action from now on; call the returned function to let them (and later ones) run. */
  hold(): () => void {
    if (this.closed === null) this.closed = new Promise((resolve) => (this.open = resolve));
    return () => {
      this.closed = null;
      this.open();
    };
  }

  /** How many requests are waiting at the gate. */
  get held(): number {
    return this.waiting;
  }

  /** Resolves once `n` requests are waiting at the gate. */
  async arrived(n = 1): Promise<void> {
    while (this.waiting < n) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  /** Where each request waits while the gate is held. */
  async pass(): Promise<void> {
    while (this.closed !== null) {
      this.waiting++;
      for (const notify of this.arrivals.splice(0)) notify();
      try {
        await this.closed;
      } finally {
        this.waiting--;
      }
    }
  }
}
