// The dead-man switch: every fault has a lease, and a fault whose lease ran out is reverted by the
// agent itself. The check runs every 250 ms, so with a fast mechanism a fault is gone well within
// TTL + 1 s even if the client that applied it died without a word.

export const leaseCheckIntervalMs = 250;

export interface Leased {
  readonly id: string;
  readonly leaseExpiresAtMs: number;
}

export class LeaseWatch {
  readonly #expired: (id: string) => void;
  readonly #leased: () => Iterable<Leased>;
  #timer: NodeJS.Timeout | null = null;

  /** `expired` is called once per tick for each fault past its lease; it must tolerate repeats. */
  constructor(leased: () => Iterable<Leased>, expired: (id: string) => void) {
    this.#leased = leased;
    this.#expired = expired;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      const now = Date.now();
      for (const f of this.#leased()) if (f.leaseExpiresAtMs <= now) this.#expired(f.id);
    }, leaseCheckIntervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
