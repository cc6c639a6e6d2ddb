/**
 * Overhead of our field format (lib/crypto/field.ts: UTF-8 and well-formedness check, AAD built from the
 * location, base64url header, canonical-encoding check on read) over the bare AES-256-GCM it wraps.
 * The baseline calls node:crypto directly on prepared Buffers with the same key and the same AAD bytes,
 * so the ratio is the format's cost, not the cipher's.
 * Run: npm run bench -- field-cipher
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { decryptField, encryptField, type FieldLocation } from "@/lib/crypto/field";
import { opsPerSecondPair, printTable, rate, ratio, scaled, type SummaryRow } from "./support";

const key = randomBytes(32);
const at: FieldLocation = { table: "clinical_record", column: "content_enc", rowId: randomUUID() };
// ~100 bytes: the size of a typical identity field or short observation.
const text = '{"kind":"observation","date":"2026-01-01","code":"8867-4","display":"Heart rate","value":72,"unit":"/m"}';
const plaintext = Buffer.from(text, "utf8");
const aad = Buffer.from(`v1|d|${at.table}|${at.column}|${at.rowId}`, "utf8");

function rawSeal(): { iv: Buffer; body: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, body, tag: cipher.getAuthTag() };
}

function rawOpen(sealed: { iv: Buffer; body: Buffer; tag: Buffer }): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv, { authTagLength: 16 });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.body), decipher.final()]);
}

export async function run(): Promise<SummaryRow[]> {
  const ours = encryptField(key, "d", text, at);
  const raw = rawSeal();
  // Both sides must really round-trip, or we would be timing an exception path.
  if (decryptField(key, ours, at) !== text || !rawOpen(raw).equals(plaintext)) throw new Error("field-cipher: round trip failed");

  const shape = { batch: 1000, batches: scaled(200, 20) };
  const [encOurs, encRaw] = opsPerSecondPair(() => encryptField(key, "d", text, at), rawSeal, shape);
  const [decOurs, decRaw] = opsPerSecondPair(() => decryptField(key, ours, at), () => rawOpen(raw), shape);

  console.log(`\nfield-cipher: ${Buffer.byteLength(text)}-byte field, ${shape.batches} batches of ${shape.batch} (median batch rate)`);
  const us = (opsPerSecond: number) => `${(1e6 / opsPerSecond).toFixed(2)} µs/op`;
  printTable(
    ["operation", "encryptField/decryptField", "raw AES-256-GCM", "slowdown (raw ops/s ÷ ours)"],
    [
      ["encrypt", `${rate(encOurs)} (${us(encOurs)})`, `${rate(encRaw)} (${us(encRaw)})`, ratio(encRaw / encOurs)],
      ["decrypt", `${rate(decOurs)} (${us(decOurs)})`, `${rate(decRaw)} (${us(decRaw)})`, ratio(decRaw / decOurs)],
    ],
  );
  return [
    { benchmark: "field-cipher", measure: "encrypt ~100 B", ours: rate(encOurs), baseline: rate(encRaw), ratio: encRaw / encOurs },
    { benchmark: "field-cipher", measure: "decrypt ~100 B", ours: rate(decOurs), baseline: rate(decRaw), ratio: decRaw / decOurs },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
