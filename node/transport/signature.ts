// Response signatures of the data plane: HMAC-SHA256 keyed by the run CA, so any member can check any
// other. An integrity check that the invalid-signature chaos toggle can break, not an authenticity
// guarantee beyond the TLS layer.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const signatureHeader = "x-omnirelay-signature";

export const signingKey = (caPem: string): Buffer => createHash("sha256").update(caPem).digest();

export const sign = (key: Buffer, body: string): string => createHmac("sha256", key).update(body).digest("base64url");

export function verify(key: Buffer, body: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const a = Buffer.from(sign(key, body));
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A signature that will not verify. */
export const corrupt = (signature: string): string => `${signature.slice(0, -4)}AAAA`;
