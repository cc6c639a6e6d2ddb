import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cachedDataKeys, clearDataKeyCache, createDataKey, dataKeyCache, forgetDataKey, rewrapDataKey, unwrapDataKey } from "./envelope";
import { DecryptError } from "./errors";
import { FileKeyProvider, type KeyProvider } from "./keys";

const provider = () => new FileKeyProvider(mkdtempSync(join(tmpdir(), "custodia-envelope-")));

afterEach(() => {
  clearDataKeyCache();
  vi.useRealTimers();
});

describe("envelope keys", () => {
  it("unwraps a data key only for the patient it was made for", () => {
    const p = provider();
    const { dek, wrapped, kekVersion } = createDataKey("patient-a", p);
    expect(kekVersion).toBe(1);
    expect(wrapped).toMatch(/^k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{64}$/);
    expect(unwrapDataKey("patient-a", wrapped, p).equals(dek)).toBe(true);
    expect(() => unwrapDataKey("patient-b", wrapped, p)).toThrow(DecryptError);
  });

  it("rejects a wrapped key under another master key, relabelled, or malformed", () => {
    const p = provider();
    const { wrapped } = createDataKey("patient-a", p);
    expect(() => unwrapDataKey("patient-a", wrapped, provider())).toThrow(DecryptError);
    p.addMasterKeyVersion();
    expect(() => unwrapDataKey("patient-a", wrapped.replace(/^k1\./, "k2."), p)).toThrow(DecryptError);
    expect(() => unwrapDataKey("patient-a", wrapped.replace(/^k1\./, "k9."), p)).toThrow(DecryptError);
    expect(() => unwrapDataKey("patient-a", `${wrapped}!`, p)).toThrow(DecryptError);
    expect(() => unwrapDataKey("patient-a", "k1.", p)).toThrow(DecryptError);
    expect(() => unwrapDataKey("patient-a", `x${wrapped}`, p)).toThrow(DecryptError);
  });

  it("unwraps keys under master key version 10 and later", () => {
    const p = provider();
    for (let v = 2; v <= 10; v++) expect(p.addMasterKeyVersion()).toBe(v);
    const { dek, wrapped, kekVersion } = createDataKey("patient-a", p);
    expect(kekVersion).toBe(10);
    expect(wrapped.startsWith("k10.")).toBe(true);
    clearDataKeyCache();
    expect(unwrapDataKey("patient-a", wrapped, p).equals(dek)).toBe(true);
  });

  it("refuses to wrap when the active master key is missing", () => {
    const p = provider();
    const broken: KeyProvider = {
      secret: (purpose) => p.secret(purpose),
      auditSigningKey: () => p.auditSigningKey(),
      masterKeys: () => ({ ...p.masterKeys(), active: 2 }),
    };
    expect(() => createDataKey("patient-a", broken)).toThrow(DecryptError);
  });

  it("forgets every unwrapped key when the cache is cleared", () => {
    const p = provider();
    const { wrapped } = createDataKey("patient-a", p);
    unwrapDataKey("patient-a", wrapped, p);
    p.addMasterKeyVersion();
    p.retireMasterKeyVersion(1);
    clearDataKeyCache();
    expect(cachedDataKeys()).toBe(0);
    expect(() => unwrapDataKey("patient-a", wrapped, p)).toThrow(DecryptError);
  });

  it("refuses to make a data key with no owner, which would bind it to no patient", () => {
    expect(() => createDataKey("", provider())).toThrow(TypeError);
  });

  it("evicts the least recently used key, not the oldest one", () => {
    const p = provider();
    const before = dataKeyCache.maxEntries;
    dataKeyCache.maxEntries = 2;
    try {
      const a = createDataKey("patient-a", p);
      const b = createDataKey("patient-b", p);
      const c = createDataKey("patient-c", p);
      unwrapDataKey("patient-a", a.wrapped, p);
      unwrapDataKey("patient-b", b.wrapped, p);
      unwrapDataKey("patient-a", a.wrapped, p);
      unwrapDataKey("patient-c", c.wrapped, p);
      // With the master key gone, only cached keys still unwrap.
      p.addMasterKeyVersion();
      p.retireMasterKeyVersion(1);
      expect(unwrapDataKey("patient-a", a.wrapped, p).equals(a.dek)).toBe(true);
      expect(() => unwrapDataKey("patient-b", b.wrapped, p)).toThrow(DecryptError);
    } finally {
      dataKeyCache.maxEntries = before;
    }
  });

  it("rewraps under a new master key and keeps the data key; a retired key no longer unwraps old wraps", () => {
    const p = provider();
    const { dek, wrapped } = createDataKey("patient-a", p);
    const straggler = createDataKey("patient-b", p);
    expect(p.addMasterKeyVersion()).toBe(2);
    const rewrapped = rewrapDataKey("patient-a", wrapped, p);
    expect(rewrapped.kekVersion).toBe(2);
    expect(rewrapped.wrapped.startsWith("k2.")).toBe(true);
    clearDataKeyCache();
    expect(unwrapDataKey("patient-a", rewrapped.wrapped, p).equals(dek)).toBe(true);
    expect(unwrapDataKey("patient-a", wrapped, p).equals(dek)).toBe(true);
    expect(rewrapDataKey("patient-a", rewrapped.wrapped, p)).toEqual(rewrapped);
    p.retireMasterKeyVersion(1);
    expect(() => unwrapDataKey("patient-b", straggler.wrapped, p)).toThrow(DecryptError);
    expect(() => rewrapDataKey("patient-b", straggler.wrapped, p)).toThrow(DecryptError);
    expect(() => p.retireMasterKeyVersion(2)).toThrow();
  });

  it("keeps the unwrapped-key cache bounded and forgets a shredded patient", () => {
    const p = provider();
    const before = dataKeyCache.maxEntries;
    dataKeyCache.maxEntries = 5;
    try {
      for (let i = 0; i < 12; i++) {
        const { wrapped } = createDataKey(`patient-${i}`, p);
        unwrapDataKey(`patient-${i}`, wrapped, p);
      }
      expect(cachedDataKeys()).toBe(5);
      forgetDataKey("patient-11");
      expect(cachedDataKeys()).toBe(4);
    } finally {
      dataKeyCache.maxEntries = before;
    }
  });

  it("serves a cached key only until its TTL, so a retired master key stops working", () => {
    vi.useFakeTimers();
    const p = provider();
    const { wrapped } = createDataKey("patient-a", p);
    unwrapDataKey("patient-a", wrapped, p);
    p.addMasterKeyVersion();
    p.retireMasterKeyVersion(1);
    expect(() => unwrapDataKey("patient-a", wrapped, p)).not.toThrow();
    vi.advanceTimersByTime(dataKeyCache.ttlMs + 1);
    expect(() => unwrapDataKey("patient-a", wrapped, p)).toThrow(DecryptError);
  });

  it("keeps a cached key at most ttlMs, not a moment longer", () => {
    vi.useFakeTimers();
    const p = provider();
    const { wrapped } = createDataKey("patient-a", p);
    unwrapDataKey("patient-a", wrapped, p);
    p.addMasterKeyVersion();
    p.retireMasterKeyVersion(1);
    vi.advanceTimersByTime(dataKeyCache.ttlMs - 1);
    expect(() => unwrapDataKey("patient-a", wrapped, p)).not.toThrow();
    vi.advanceTimersByTime(1);
    expect(() => unwrapDataKey("patient-a", wrapped, p)).toThrow(DecryptError);
  });
});
