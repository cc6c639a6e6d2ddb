import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBase64url, open, sealWithFixedIvForKnownAnswerTests } from "./aead";
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
  it("round-trips any string, including empty, astral and combining Unicode", () => {
    for (const unit of ["binary", "grapheme"] as const) {
      fc.assert(fc.property(fc.string({ unit }), (text) => decryptField(key, encryptField(key, "d", text, at), at) === text));
    }
    expect(decryptField(key, encryptField(key, "d", "", at), at)).toBe("");
  });

  it("round-trips JSON documents", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(decryptJson(key, encryptJson(key, "d", value, at), at)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it("refuses input it could not give back unchanged", () => {
    expect(() => encryptField(key, "d", "half a pair \ud800", at)).toThrow(TypeError);
    expect(() => encryptJson(key, "d", undefined, at)).toThrow(TypeError);
  });

  it("refuses locations that would not bind the ciphertext to one row", () => {
    expect(() => encryptField(key, "d", "x", { ...at, rowId: "" })).toThrow(TypeError);
    expect(() => encryptField(key, "d", "x", { ...at, column: "a|b" })).toThrow(TypeError);
    expect(() => encryptField(key, "D.", "x", at)).toThrow(TypeError);
  });

  it("accepts only a lowercase alphanumeric key reference, which the header can carry unambiguously", () => {
    for (const keyRef of ["", "D", "Dd", "dD", "d.", "d|x", "d d"]) {
      expect(() => encryptField(key, keyRef, "x", at), JSON.stringify(keyRef)).toThrow(TypeError);
    }
    expect(decryptField(key, encryptField(key, "s1", "x", at), at)).toBe("x");
  });

  it("refuses a key that is not 256 bits rather than using it", () => {
    expect(() => encryptField(randomBytes(16), "d", "x", at)).toThrow(/32-byte/);
    expect(() => decryptField(randomBytes(16), encryptField(key, "d", "x", at), at)).toThrow(/32-byte/);
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

  it("rejects truncated, extended or re-spelled ciphertext", () => {
    const ciphertext = encryptField(key, "d", "Alice", at);
    expect(() => decryptField(key, ciphertext.slice(0, -1), at)).toThrow(DecryptError);
    expect(() => decryptField(key, `${ciphertext}A`, at)).toThrow(DecryptError);
    expect(() => decryptField(key, `${ciphertext}!`, at)).toThrow(DecryptError);
    expect(() => decryptField(key, `${ciphertext}.x`, at)).toThrow(DecryptError);
  });

  it("rejects a junk character inside the body, and any character in place of the dot after the IV", () => {
    // 6 bytes + tag = 30 characters; Node's decoder would skip the "!" and yield the same bytes.
    const ciphertext = encryptField(key, "d", "Alice1", at);
    expect(() => decryptField(key, `${ciphertext.slice(0, -10)}!${ciphertext.slice(-10)}`, at)).toThrow(DecryptError);
    const ivEnd = "v1.d.".length + 16;
    expect(ciphertext[ivEnd]).toBe(".");
    for (const c of ["A", "-", "!"]) {
      expect(() => decryptField(key, `${ciphertext.slice(0, ivEnd)}${c}${ciphertext.slice(ivEnd + 1)}`, at), c).toThrow(DecryptError);
    }
  });

  it("rejects another spelling of the same bytes (non-zero unused bits in the last base64url character)", () => {
    // 6 bytes + 16-byte tag = 22 bytes: 30 characters, the last one carrying 4 unused bits.
    const ciphertext = encryptField(key, "d", "Alice1", at);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(ciphertext.at(-1)!);
    const respelled = `${ciphertext.slice(0, -1)}${alphabet[last | 1]}`;
    expect(Buffer.from(respelled.split(".")[3]!, "base64url")).toEqual(Buffer.from(ciphertext.split(".")[3]!, "base64url"));
    expect(() => decryptField(key, respelled, at)).toThrow(DecryptError);
    expect(decryptField(key, ciphertext, at)).toBe("Alice1");
  });

  it("rejects a spelling with a character beyond ASCII that Node would read by its low byte", () => {
    const ciphertext = encryptField(key, "d", "Alice1", at);
    const body = ciphertext.split(".")[3]!;
    const i = [...body].findIndex((c) => c >= "A" && c <= "Z" || c >= "a" && c <= "z");
    // U+0100 + code: the same low byte, so the decoder yields the same bytes.
    const twin = String.fromCharCode(0x100 + body.charCodeAt(i));
    const respelled = ciphertext.slice(0, ciphertext.length - body.length) + body.slice(0, i) + twin + body.slice(i + 1);
    expect(Buffer.from(respelled.split(".")[3]!, "base64url")).toEqual(Buffer.from(body, "base64url"));
    expect(() => decryptField(key, respelled, at)).toThrow(DecryptError);
  });

  it("rejects ciphertext moved to another row, column or table, or with an edited header", () => {
    const ciphertext = encryptField(key, "d", "Alice", at);
    expect(() => decryptField(key, ciphertext, { ...at, rowId: "0b5c7d1e-1111-4222-8333-444455556667" })).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext, { ...at, column: "family_name_enc" })).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext, { ...at, table: "clinical_record" })).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext.replace("v1.d.", "v1.s."), at)).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext.replace("v1.d.", "v1.d|x."), at)).toThrow(DecryptError);
    expect(() => decryptField(key, ciphertext.replace("v1.", "v2."), at)).toThrow(DecryptError);
    expect(() => decryptField(randomBytes(32), ciphertext, at)).toThrow(DecryptError);
    expect(() => decryptField(key, "garbage", at)).toThrow(DecryptError);
  });
});

describe("canonical base64url", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  it("accepts one spelling per byte string: a last character with unused bits set is refused", () => {
    // Two characters carry one byte (4 unused bits), three carry two bytes (2 unused bits).
    for (const [i, c] of [...alphabet].entries()) {
      const two = () => fromBase64url(`A${c}`);
      const three = () => fromBase64url(`AA${c}`);
      if (i % 16 === 0) expect(two(), c).toEqual(Buffer.from(`A${c}`, "base64url"));
      else expect(two, c).toThrow(DecryptError);
      if (i % 4 === 0) expect(three(), c).toEqual(Buffer.from(`AA${c}`, "base64url"));
      else expect(three, c).toThrow(DecryptError);
    }
  });

  it("refuses the other alphabet's characters, padding and a dangling character that Node would accept", () => {
    expect(fromBase64url("-_-_")).toEqual(Buffer.from("+/+/", "base64"));
    for (const text of ["+_-_", "-/-_", "-_-_==", "AAAAA", "AA=A", "A A="]) {
      expect(() => fromBase64url(text), text).toThrow(DecryptError);
    }
  });
});

describe("AES-256-GCM primitive", () => {
  const hex = (s: string) => Buffer.from(s, "hex");
  const zeros = Buffer.alloc(32);
  const zeroIv = Buffer.alloc(12);

  it("matches the GCM specification's test cases 13 and 14 (256-bit zero key, no AAD)", () => {
    const empty = sealWithFixedIvForKnownAnswerTests(zeros, zeroIv, Buffer.alloc(0), Buffer.alloc(0));
    expect(empty.sealed.toString("hex")).toBe("530f8afbc74536b9a963b4f1c4cb738b");
    const block = sealWithFixedIvForKnownAnswerTests(zeros, zeroIv, Buffer.alloc(16), Buffer.alloc(0));
    expect(block.sealed.toString("hex")).toBe("cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919");
  });

  it("matches the GCM specification's test case 16 (256-bit key, AAD, 96-bit IV)", () => {
    const k = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const iv = hex("cafebabefacedbaddecaf888");
    const plaintext = hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const expected =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" +
      "76fc6ece0f4e1768cddf8853bb2d551b";
    const { sealed } = sealWithFixedIvForKnownAnswerTests(k, iv, plaintext, aad);
    expect(sealed.toString("hex")).toBe(expected);
    expect(open(k, iv, sealed, aad).equals(plaintext)).toBe(true);
    expect(() => open(k, iv, sealed, hex("feedfacedeadbeeffeedfacedeadbeefabaddad3"))).toThrow(DecryptError);
  });

  it("uses only 96-bit IVs (GCM would otherwise derive the counter by hashing) and refuses short input as DecryptError", () => {
    expect(() => sealWithFixedIvForKnownAnswerTests(zeros, Buffer.alloc(8), Buffer.alloc(16), Buffer.alloc(0))).toThrow(/96-bit/);
    expect(() => sealWithFixedIvForKnownAnswerTests(zeros, Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(0))).toThrow(/96-bit/);
    const { sealed } = sealWithFixedIvForKnownAnswerTests(zeros, zeroIv, Buffer.alloc(16), Buffer.alloc(0));
    expect(() => open(zeros, Buffer.alloc(8), sealed, Buffer.alloc(0))).toThrow(DecryptError);
    expect(() => open(zeros, zeroIv, sealed.subarray(0, 15), Buffer.alloc(0))).toThrow(DecryptError);
  });
});
