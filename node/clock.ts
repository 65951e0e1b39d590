// The process's notion of wall-clock time. Everything the node stamps or judges by the wall clock
// (`generatedAt`, `lastSeen`, lease `issuedAt`/`expiresAt`, which leases it still reports, event times)
// reads it here, so the `clock-skew` chaos toggle can shift it: libfaketime cannot move the clock of a
// process that is already running, and a container cannot set its own CLOCK_REALTIME without
// CAP_SYS_TIME (which would shift the host's clock too). Timers and lease fencing use the monotonic clock
// (`performance.now()`), which a skewed wall clock does not move, as on a real machine. Logs keep real
// time so that they line up with the agent's and the runner's timeline.

let offsetMs = 0;

export const clock = {
  /** Wall-clock time as this node sees it, in Unix milliseconds. */
  now(): number {
    return Date.now() + offsetMs;
  },
  iso(at: number = clock.now()): string {
    return new Date(at).toISOString();
  },
  offsetMs(): number {
    return offsetMs;
  },
  setOffset(ms: number): void {
    offsetMs = ms;
  },
};
