import { describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES, clientAddress, isServerActionRequest, originAllowed, screenActionBody, screenHeaders } from "./edge";

describe("clientAddress: X-Forwarded-For trusted only for the configured proxy hops", () => {
  it("without a trusted proxy, X-Forwarded-For is ignored: the TCP peer is the client", () => {
    expect(clientAddress("198.51.100.9", "203.0.113.66", 0)).toBe("198.51.100.9");
    expect(clientAddress("198.51.100.9", undefined, 0)).toBe("198.51.100.9");
  });

  it("behind one proxy, the rightmost entry (the proxy's own view) wins over client-written left entries", () => {
    expect(clientAddress("10.0.0.2", "203.0.113.7", 1)).toBe("203.0.113.7");
    // The attacker sends "X-Forwarded-For: 1.2.3.4"; nginx appends the real address.
    expect(clientAddress("10.0.0.2", "1.2.3.4, 203.0.113.7", 1)).toBe("203.0.113.7");
    expect(clientAddress("10.0.0.2", "1.2.3.4, 5.6.7.8,203.0.113.7", 1)).toBe("203.0.113.7");
  });

  it("behind two proxies, the second entry from the right", () => {
    expect(clientAddress("10.0.0.3", "1.2.3.4, 203.0.113.7, 10.0.0.2", 2)).toBe("203.0.113.7");
    expect(clientAddress("10.0.0.3", "203.0.113.7, 10.0.0.2", 2)).toBe("203.0.113.7");
  });

  it("with fewer entries than hops, the leftmost, which a trusted proxy still wrote", () => {
    expect(clientAddress("10.0.0.3", "203.0.113.7", 2)).toBe("203.0.113.7");
    expect(clientAddress("10.0.0.3", "203.0.113.7", 3)).toBe("203.0.113.7");
  });

  it("repeated header lines are one list, in order", () => {
    expect(clientAddress("10.0.0.2", ["1.2.3.4", "203.0.113.7"], 1)).toBe("203.0.113.7");
  });

  it("an unparseable, empty or missing entry falls back to the TCP peer, never to a client-written entry", () => {
    expect(clientAddress("10.0.0.2", "1.2.3.4, not-an-ip", 1)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", "1.2.3.4, 203.0.113.7:5555", 1)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", " , ", 1)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", "", 1)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", undefined, 1)).toBe("10.0.0.2");
    expect(clientAddress(undefined, undefined, 1)).toBeNull();
  });

  it("keeps IPv6 clients and unwraps IPv4-mapped peers", () => {
    expect(clientAddress("10.0.0.2", "2001:db8::1", 1)).toBe("2001:db8::1");
    expect(clientAddress("::ffff:203.0.113.7", undefined, 0)).toBe("203.0.113.7");
  });
});

const origins = ["https://portal.example.org"];

describe("originAllowed: CSRF", () => {
  it("lets reads through whatever their origin", () => {
    expect(originAllowed("GET", { origin: "https://evil.example" }, origins)).toBe(true);
    expect(originAllowed("HEAD", {}, origins)).toBe(true);
  });

  it("accepts a state-changing request from the portal's own origin", () => {
    expect(originAllowed("POST", { origin: "https://portal.example.org" }, origins)).toBe(true);
    expect(originAllowed("POST", { origin: "HTTPS://PORTAL.EXAMPLE.ORG" }, origins)).toBe(true);
  });

  it("refuses a foreign, look-alike, other-scheme, other-port or opaque origin", () => {
    for (const origin of ["https://evil.example", "https://portal.example.org.evil.example", "http://portal.example.org", "https://portal.example.org:8443", "null"]) {
      expect(originAllowed("POST", { origin }, origins), origin).toBe(false);
    }
    expect(originAllowed("DELETE", { origin: "https://evil.example" }, origins)).toBe(false);
  });

  it("without Origin, only a browser's same-origin Sec-Fetch-Site is accepted", () => {
    expect(originAllowed("POST", {}, origins)).toBe(false);
    expect(originAllowed("POST", { "sec-fetch-site": "cross-site" }, origins)).toBe(false);
    expect(originAllowed("POST", { "sec-fetch-site": "same-site" }, origins)).toBe(false);
    expect(originAllowed("POST", { "sec-fetch-site": "none" }, origins)).toBe(false);
    expect(originAllowed("POST", { "sec-fetch-site": "same-origin" }, origins)).toBe(true);
  });

  it("a forwarded host header does not make a foreign origin acceptable", () => {
    expect(originAllowed("POST", { origin: "https://evil.example", "x-forwarded-host": "evil.example", host: "evil.example" }, origins)).toBe(false);
  });
});

const form = "multipart/form-data; boundary=b";
// Next's action ids start with a byte that says which parameters the action uses (see argumentCount).
const id = (infoByte: string) => `${infoByte}${"3f".repeat(20)}`;
const oneArgument = id("40"); // cancelRequestAction(form)
const twoArguments = id("60"); // submitRequestAction(state, form)
const noArguments = id("00"); // signOutAction()
const action = { origin: origins[0], "next-action": twoArguments, "content-type": form };

describe("screenHeaders", () => {
  it("refuses a foreign origin before anything else", () => {
    expect(screenHeaders("POST", { ...action, origin: "https://evil.example", "content-length": "9999999" }, origins)).toBe("cross-origin");
  });

  it("refuses a declared body over the limit with body-too-large (413)", () => {
    expect(screenHeaders("POST", { ...action, "content-length": String(BODY_LIMIT_BYTES + 1) }, origins)).toBe("body-too-large");
    expect(screenHeaders("POST", { ...action, "content-length": String(BODY_LIMIT_BYTES) }, origins)).toBeNull();
  });

  it("lets a same-origin form post and any read through", () => {
    expect(screenHeaders("POST", { ...action, "content-length": "300" }, origins)).toBeNull();
    expect(screenHeaders("GET", { "content-length": "99999999" }, origins)).toBeNull();
  });
});

function multipart(fields: Record<string, string>): ArrayBuffer {
  const text = Object.entries(fields)
    .map(([name, value]) => `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    .join("");
  return bytes(`${text}--b--\r\n`);
}

function bytes(text: string): ArrayBuffer {
  return new TextEncoder().encode(text).buffer as ArrayBuffer;
}

describe("screenActionBody", () => {
  it("accepts what React sends for a form action: as many arguments as the action uses, ending with the form", async () => {
    expect(await screenActionBody(action, multipart({ _1_kind: "erasure", "0": '[{"ok":false},"$K1"]' }))).toBeNull();
    expect(await screenActionBody({ ...action, "next-action": oneArgument }, multipart({ "0": '["$K1"]' }))).toBeNull();
    expect(await screenActionBody({ ...action, "next-action": id("70") }, multipart({ "0": '["a6d0","$undefined","$K1f"]' }))).toBeNull();
    expect(await screenActionBody({ ...action, "next-action": noArguments, "content-type": "text/plain;charset=UTF-8" }, bytes("[]"))).toBeNull();
  });

  it("refuses a body that is not form data with unsupported-body (415)", async () => {
    for (const type of ["text/plain;charset=UTF-8", "application/json", "application/x-www-form-urlencoded", undefined]) {
      expect(await screenActionBody({ ...action, "content-type": type }, bytes('["a","b"]')), String(type)).toBe("unsupported-body");
    }
    expect(await screenActionBody({ ...action, "next-action": noArguments }, multipart({ "0": "[]" }))).toBe("unsupported-body");
  });

  it("refuses bytes that are not multipart, or a truncated form", async () => {
    expect(await screenActionBody(action, bytes("garbage"))).toBe("malformed-body");
    expect(await screenActionBody(action, bytes('--b\r\nContent-Disposition: form-data; name="0"\r\n\r\n["$K1"]'))).toBe("malformed-body");
    expect(await screenActionBody({ ...action, "content-type": "multipart/form-data" }, multipart({ "0": '[{},"$K1"]' }))).toBe("malformed-body");
  });

  it("refuses an argument list that is missing, not JSON, of the wrong length, or not ending with a form", async () => {
    expect(await screenActionBody(action, multipart({ _1_kind: "erasure" }))).toBe("malformed-body");
    expect(await screenActionBody(action, multipart({ "0": "{not json" }))).toBe("malformed-body");
    expect(await screenActionBody(action, multipart({ "0": '{"0":{},"1":"$K1"}' }))).toBe("malformed-body");
    expect(await screenActionBody(action, multipart({ "0": '["a","b"]' }))).toBe("malformed-body");
    // A one-argument action sent (state, form): it would receive the state where it expects the form.
    expect(await screenActionBody({ ...action, "next-action": oneArgument }, multipart({ "0": '[{"ok":false},"$K1"]' }))).toBe("malformed-body");
    expect(await screenActionBody(action, multipart({ "0": '["$K1"]' }))).toBe("malformed-body");
    expect(await screenActionBody({ ...action, "next-action": noArguments, "content-type": "text/plain" }, bytes('["x"]'))).toBe("malformed-body");
    expect(await screenActionBody({ ...action, "next-action": noArguments, "content-type": "text/plain" }, bytes("[1,"))).toBe("malformed-body");
  });

  it("refuses a body over the limit even when no length was declared", async () => {
    expect(await screenActionBody(action, new ArrayBuffer(BODY_LIMIT_BYTES + 1))).toBe("body-too-large");
  });

  it("leaves an id that no build could have issued to Next, which answers it as an unknown action", async () => {
    expect(await screenActionBody({ ...action, "next-action": "not-an-action" }, bytes("anything"))).toBeNull();
  });

  it("checks only the form encoding of a post without JavaScript (no Next-Action header)", async () => {
    const plain = { origin: origins[0], "content-type": form };
    expect(isServerActionRequest("POST", plain)).toBe(true);
    expect(await screenActionBody(plain, multipart({ [`$ACTION_ID_${oneArgument}`]: "", requestId: "x" }))).toBeNull();
    expect(await screenActionBody(plain, bytes("garbage"))).toBe("malformed-body");
  });

  it("is not applied to ordinary requests", () => {
    expect(isServerActionRequest("GET", action)).toBe(false);
    expect(isServerActionRequest("POST", { "content-type": "application/json" })).toBe(false);
  });
});
