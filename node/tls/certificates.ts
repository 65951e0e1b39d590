// PEM files by path, re-read when a file's mtime changes (that is how rotation and cert-expiry faults
// reach a running node). A half-written set (key not matching the certificate) keeps the previous one.
import { readFileSync, statSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import * as tls from "node:tls";
import type { TlsFiles } from "../config.ts";

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** notAfter of the leaf certificate, Unix seconds. */
  readonly notAfterSeconds: number;
}

export interface CertificateSource {
  current(): TlsMaterial;
  onChange(listener: (m: TlsMaterial) => void): void;
  close(): void;
}

function stamp(files: TlsFiles): string {
  return [files.certPath, files.keyPath, files.caPath]
    .map((p) => {
      const s = statSync(p);
      return `${s.mtimeMs}:${s.size}`;
    })
    .join("|");
}

function read(files: TlsFiles): TlsMaterial {
  const cert = readFileSync(files.certPath, "utf8");
  const key = readFileSync(files.keyPath, "utf8");
  const ca = readFileSync(files.caPath, "utf8");
  // Throws when the key does not match the certificate or a PEM is malformed.
  tls.createSecureContext({ cert, key, ca });
  const notAfterSeconds = Math.floor(new Date(new X509Certificate(cert).validTo).getTime() / 1000);
  return { cert, key, ca, notAfterSeconds };
}

export class CertificateLoadError extends Error {}

export function watchCertificates(files: TlsFiles, pollMs = 1000, onError?: (e: Error) => void): CertificateSource {
  let material: TlsMaterial;
  let last: string;
  try {
    last = stamp(files);
    material = read(files);
  } catch (e) {
    throw new CertificateLoadError(
      `cannot load TLS files (cert ${files.certPath}, key ${files.keyPath}, ca ${files.caPath}): ${(e as Error).message}`,
    );
  }
  const listeners: ((m: TlsMaterial) => void)[] = [];
  const timer = setInterval(() => {
    try {
      const now = stamp(files);
      if (now === last) return;
      const next = read(files);
      last = now;
      material = next;
      for (const l of listeners) l(next);
    } catch (e) {
      onError?.(e as Error);
    }
  }, pollMs);
  timer.unref();
  return {
    current: () => material,
    onChange: (l) => listeners.push(l),
    close: () => clearInterval(timer),
  };
}

export const secureContextOf = (m: TlsMaterial) => tls.createSecureContext({ cert: m.cert, key: m.key, ca: m.ca });

/** Error codes of a failed TLS handshake as seen by a client. */
export function isHandshakeError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  const text = `${typeof code === "string" ? code : ""} ${(e as Error)?.message ?? ""}`;
  return /CERT|SSL|TLS|UNABLE_TO_VERIFY|SELF_SIGNED|alert|handshake/i.test(text);
}
