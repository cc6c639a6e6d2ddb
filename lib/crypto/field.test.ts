import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { open, seal } from "./aead";
import { DecryptError } from "./errors";
import { decryptField, decryptJson, encryptField, encryptJson, type FieldLocation } from "./field";

const key = randomBytes(32);
const at: FieldLocation = { table: "patient_identity", column: "given_name_enc", rowId: "0b5c7d1e-1111-4222-8333-444455556666" };

function flipBit(ciphertext: string, bit: number): string {
  const [v, ref, iv, body] = ciphertext.split(".") as [string, string, string, string];
  const bytes = Buffer.concat([Buffer.from(iv, "base64url"), Buffer.from(body, "base64url")]);
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return `${v}.${ref}.${bytes.subarray(0, 12).toString("base64url")}.${bytes.subarray(12).toString("base64url")}`;
}

describe("field cipher", () => {
  it("round-trips any string, including empty and astral Unicode", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (text) => decryptField(key, encryptField(key, "d", text, at), at) === text));
    expect(decryptField(key, encryptField(key, "d", "", at), at)).toBe("");
  });

  it("round-trips JSON documents", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(decryptJson(key, encryptJson(key, "d", value, at), at)).toEqual(JSON.parse(JSON.stringify(value)));
    }));
  });

  it("uses a fresh IV each time, so equal plaintexts do not look equal at rest", () => {
    expect(encryptField(key, "d", "same", at)).not.toBe(encryptField(key, "d", "same", at));
  });

  it("rejects every single-bit flip of IV, ciphertext and tag with a typed error", () => {
    const ciphertext = encryptField(key, "d", "Alice", at);
    const bits = (12 + 5 + 16) * 8;
    for (let bit = 0; bit < bits; bit++) {
      expect(() => decryptField(key, flipBit(ciphertext, bit), at), `bit ${bit}`).toThrow(DecryptError);
    }
  });

  it("rejects ciphertext moved to another row, column or table, or with an edited header", () => {
    const ciphertext = encryptField(key, "d", "Alice", at);
    expect(() => decryptField(key, ciphertext, { ...at, rowId: "0b5c7d1e-1111-4222-8333-444455556667" })).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext, { ...at, column: "family_name_enc" })).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext, { ...at, table: "clinical_record" })).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext.replace("v1.d.", "v1.s."), at)).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext.replace("v1.", "v2."), at)).toThrow(DecryptError);
    expect(() => decryptField(randomBytes(32), ciphertext, at)).toThrow(DecryptError);
    expect(() => decryptField(key, "garbage", at)).toThrow(DecryptError);
  });
});

describe("AES-256-GCM primitive", () => {
  it("matches the GCM specification's test case 16 (256-bit key, AAD, 96-bit IV)", () => {
    const k = Buffer.from("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "hex");
    const iv = Buffer.from("cafebabefacedbaddecaf888", "hex");
    const plaintext = Buffer.from(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
      "hex",
    );
    const aad = Buffer.from("feedfacedeadbeeffeedfacedeadbeefabaddad2", "hex");
    const expected =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" +
      "76fc6ece0f4e1768cddf8853bb2d551b";
    const { sealed } = seal(k, plaintext, aad, iv);
    expect(sealed.toString("hex")).toBe(expected);
    expect(open(k, iv, sealed, aad).equals(plaintext)).toBe(true);
  });
});
