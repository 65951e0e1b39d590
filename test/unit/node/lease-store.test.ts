// The registry's lease rules: term and fence token increase on every acquisition (never on renewal),
// a held lease is refused to others until it expires or is released, and a restarted registry
// continues above the highest term and token its candidates have seen.
import { describe, expect, it } from "vitest";
import { LeaseStore } from "../../../node/leadership/lease-store.ts";

describe("lease store", () => {
  it("fences: term and token grow per acquisition, renewals keep them", () => {
    let now = 0;
    const store = new LeaseStore(() => now);
    const a = store.acquire("global-control", "a", 8000);
    expect(a).toMatchObject({ granted: true, token: { leaderId: "a", term: 1, fenceToken: 1 }, previous: null });
    expect(store.acquire("global-control", "b", 8000)).toMatchObject({ granted: false, token: { leaderId: "a" } });
    now = 5000;
    expect(store.acquire("global-control", "a", 8000, { renewFence: 1 })).toMatchObject({ granted: true, token: { term: 1, fenceToken: 1 } });
    now = 12_999;
    expect(store.acquire("global-control", "b", 8000).granted).toBe(false);
    now = 13_001;
    expect(store.acquire("global-control", "b", 8000)).toMatchObject({
      granted: true,
      token: { leaderId: "b", term: 2, fenceToken: 2 },
      previous: { leaderId: "a", reason: "expired", endedAgoMs: 1 },
    });
    expect(store.release("global-control", "b", 1)).toBe(false);
    expect(store.release("global-control", "b", 2)).toBe(true);
    expect(store.acquire("global-control", "c", 8000)).toMatchObject({ token: { term: 3, fenceToken: 3 }, previous: { reason: "released" } });
  });

  it("a restarted holder (same id, no token) gets a new term", () => {
    const store = new LeaseStore(() => 0);
    store.acquire("global-control", "a", 8000);
    expect(store.acquire("global-control", "a", 8000).token).toMatchObject({ leaderId: "a", term: 2, fenceToken: 2 });
  });

  it("a restarted registry continues above what candidates have seen", () => {
    const store = new LeaseStore(() => 0);
    expect(store.acquire("global-control", "a", 8000, { term: 7, fence: 41 }).token).toMatchObject({ term: 8, fenceToken: 42 });
  });
});
