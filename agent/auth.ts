// Bearer-token check for every endpoint but health. Both sides are hashed first so the comparison
// takes the same time whatever the length or content of the presented token.

import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly detail: string };

export function bearerChecker(token: string): (authorization: string | undefined) => AuthResult {
  const expected = digest(token);
  return (authorization) => {
    const m = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? "");
    if (!m?.[1]) return { ok: false, detail: "send Authorization: Bearer <token> (the run's MESHKIT_AGENT_TOKEN)" };
    return timingSafeEqual(digest(m[1]), expected) ? { ok: true } : { ok: false, detail: "the bearer token does not match this run's token" };
  };
}
