import { randomBytes } from "node:crypto";
import { open, seal } from "./aead";
import { DecryptError } from "./errors";
import { keyProvider, type KeyProvider } from "./keys";

/**
 * Per-patient data keys (DEK) wrapped by a versioned master key (KEK): `k<version>.<iv>.<wrapped>`.
 * The AAD binds the owner id and version, so a wrapped key copied to another patient does not unwrap.
 * Destroying a patient's wrapped DEK makes all of their ciphertext unreadable (crypto-shredding).
 */
function aad(ownerId: string, version: number): Buffer {
  return Buffer.from(`dek|${ownerId}|${version}`, "utf8");
}

function wrap(provider: KeyProvider, ownerId: string, dek: Buffer): { wrapped: string; kekVersion: number } {
  const { active, keys } = provider.masterKeys();
  const { iv, sealed } = seal(keys.get(active)!, dek, aad(ownerId, active));
  return { wrapped: `k${active}.${iv.toString("base64url")}.${sealed.toString("base64url")}`, kekVersion: active };
}

export function wrappedVersion(wrapped: string): number {
  const match = /^k(\d+)\./.exec(wrapped);
  if (!match) throw new DecryptError("malformed wrapped key");
  return Number(match[1]);
}

export function createDataKey(ownerId: string, provider: KeyProvider = keyProvider()): { dek: Buffer; wrapped: string; kekVersion: number } {
  const dek = randomBytes(32);
  return { dek, ...wrap(provider, ownerId, dek) };
}

function unwrap(provider: KeyProvider, ownerId: string, wrapped: string): Buffer {
  const parts = wrapped.split(".");
  const version = wrappedVersion(wrapped);
  const kek = provider.masterKeys().keys.get(version);
  if (!kek) throw new DecryptError(`master key version ${version} is not available`);
  if (parts.length !== 3) throw new DecryptError("malformed wrapped key");
  return open(kek, Buffer.from(parts[1]!, "base64url"), Buffer.from(parts[2]!, "base64url"), aad(ownerId, version));
}

export function rewrapDataKey(ownerId: string, wrapped: string, provider: KeyProvider = keyProvider()): { wrapped: string; kekVersion: number } {
  const version = wrappedVersion(wrapped);
  if (version === provider.masterKeys().active) return { wrapped, kekVersion: version };
  return wrap(provider, ownerId, unwrap(provider, ownerId, wrapped));
}

// Unwrapped DEKs are cached briefly and boundedly: enough to serve a page without re-deriving per field,
// short enough that a shredded or rotated key does not linger in memory.
const cache = new Map<string, { dek: Buffer; until: number }>();
export const dataKeyCache = { maxEntries: 1000, ttlMs: 5 * 60_000 };

export function unwrapDataKey(ownerId: string, wrapped: string, provider: KeyProvider = keyProvider()): Buffer {
  const key = `${ownerId}|${wrapped}`;
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && hit.until > now) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.dek;
  }
  const dek = unwrap(provider, ownerId, wrapped);
  cache.set(key, { dek, until: now + dataKeyCache.ttlMs });
  while (cache.size > dataKeyCache.maxEntries) cache.delete(cache.keys().next().value!);
  return dek;
}

export function forgetDataKey(ownerId: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${ownerId}|`)) cache.delete(key);
}

export function cachedDataKeys(): number {
  return cache.size;
}

export function clearDataKeyCache(): void {
  cache.clear();
}
