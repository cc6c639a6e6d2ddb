import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, type JsonValue } from "./canonical";

const json: fc.Arbitrary<JsonValue> = fc.jsonValue() as fc.Arbitrary<JsonValue>;

function shuffleKeys(value: JsonValue, seed: number): JsonValue {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  const order = seed % 2 === 0 ? keys.reverse() : keys;
  return Object.fromEntries(order.map((k) => [k, shuffleKeys(value[k] as JsonValue, seed + 1)]));
}

describe("canonicalJson", () => {
  it("does not depend on key order", () => {
    fc.assert(fc.property(json, fc.nat(), (value, seed) => canonicalJson(value) === canonicalJson(shuffleKeys(value, seed))));
  });

  it("round-trips through JSON.parse to an equal value", () => {
    fc.assert(fc.property(json, (value) => {
      expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    }));
  });

  it("has no whitespace and sorted keys", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"] })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it("refuses numbers JSON cannot carry, instead of hashing them as null", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => canonicalJson(bad)).toThrow(/non-finite/);
      expect(() => canonicalJson({ amount: bad })).toThrow(/non-finite/);
    }
  });

  it("hashes a field left undefined the same as an absent one, as JSON.stringify stores it", () => {
    const withUndefined = { a: 1, b: undefined } as unknown as JsonValue;
    expect(canonicalJson(withUndefined)).toBe('{"a":1}');
    expect(canonicalJson(withUndefined)).toBe(canonicalJson({ a: 1 }));
  });
});
