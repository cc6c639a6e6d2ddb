import "server-only";
import { randomBytes } from "node:crypto";
import { fromBase64url, open, seal } from "./aead";
import { DecryptError } from "./errors";
import { keyProvider, type KeyProvider } from "./keys";

/**
 * Per-patient data keys (DEK) wrapped by a versioned master key (KEK): `k<version>.<iv>.<ciphertext||tag>`
 * (base64url). The AAD `dek|<ownerId>|<version>` binds owner and version, so a wrapped key copied to another
 * patient, or relabelled with another version, does not unwrap. Deleting a patient's wrapped DEK makes all
 * of their ciphertext unreadable (crypto-shredding, GDPR art. 17).
 */
export interface WrappedDataKey {
  wrapped: string;
  kekVersion: number;
}

const WRAPPED = /^k(\d+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

function aad(ownerId: string, version: number): Buffer {
  return Buffer.from(`dek|${ownerId}|${version}`, "utf8");
}

function wrap(provider: KeyProvider, ownerId: string, dek: Buffer): WrappedDataKey {
  const { active, keys } = provider.masterKeys();
  const kek = keys.get(active);
  if (!kek) throw new DecryptError(`active master key ${active} is not available`);
  const { iv, sealed } = seal(kek, dek, aad(ownerId, active));
  return { wrapped: `k${active}.${iv.toString("base64url")}.${sealed.toString("base64url")}`, kekVersion: active };
}

function unwrap(provider: KeyProvider, ownerId: string, wrapped: string): Buffer {
  const match = WRAPPED.exec(wrapped);
  if (!match) throw new DecryptError("malformed wrapped key");
  const version = Number(match[1]);
  const kek = provider.masterKeys().keys.get(version);
  if (!kek) throw new DecryptError(`master key version ${version} is not available`);
  return open(kek, fromBase64url(match[2]!), fromBase64url(match[3]!), aad(ownerId, version));
}

export function createDataKey(ownerId: string, provider: KeyProvider = keyProvider()): WrappedDataKey & { dek: Buffer } {
  if (ownerId === "") throw new TypeError("a data key needs an owner");
  const dek = randomBytes(32);
  return { dek, ...wrap(provider, ownerId, dek) };
}

/** Rotation step: unchanged if already under the active master key, so a resumed run is idempotent. */
export function rewrapDataKey(ownerId: string, wrapped: string, provider: KeyProvider = keyProvider()): WrappedDataKey {
  const active = provider.masterKeys().active;
  if (wrapped.startsWith(`k${active}.`)) return { wrapped, kekVersion: active };
  return wrap(provider, ownerId, unwrap(provider, ownerId, wrapped));
}

// Unwrapped DEKs are cached briefly and boundedly: enough to serve a page without unwrapping per field,
// short enough that a key stays in memory at most ttlMs after its master key is retired.
const cache = new Map<string, { dek: Buffer; until: number }>();
export const dataKeyCache = { maxEntries: 1000, ttlMs: 5 * 60_000 };

export function unwrapDataKey(ownerId: string, wrapped: string, provider: KeyProvider = keyProvider()): Buffer {
  const key = `${ownerId}|${wrapped}`;
  const now = Date.now();
  const hit = cache.get(key);
  cache.delete(key);
  if (hit && hit.until > now) {
    cache.set(key, hit);
    return hit.dek;
  }
  const dek = unwrap(provider, ownerId, wrapped);
  cache.set(key, { dek, until: now + dataKeyCache.ttlMs });
  // Map iteration follows insertion order and hits are re-inserted, so the first key is the least recently used.
  while (cache.size > dataKeyCache.maxEntries) cache.delete(cache.keys().next().value!);
  return dek;
}

/** Crypto-shredding: drop the owner's unwrapped key now rather than when the TTL runs out. */
export function forgetDataKey(ownerId: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${ownerId}|`)) cache.delete(key);
}

export function cachedDataKeys(): number {
  return cache.size;
}

export function clearDataKeyCache(): void {
  cache.clear();
}
