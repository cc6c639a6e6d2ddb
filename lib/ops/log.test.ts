import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { createLogger, requestFields } from "./log";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (line: string) => void lines.push(line) }) };
}

const MARKERS = ["Query-Jane-1", "Bearer-Tok-2", "Cookie-Sess-3", "Hdr-Ssn-4", "Body-Email-5", "Body-Pass-6", "Body-Mrn-7", "Path-Doe-8", "Err-Name-9"];

function requestWithMarkers(): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = "POST";
  req.url = `/clinician/patients/${MARKERS[7]}/record?q=${MARKERS[0]}&name=${MARKERS[0]}`;
  req.headers = {
    authorization: `Bearer ${MARKERS[1]}`,
    cookie: `__Host-authjs.session-token=${MARKERS[2]}`,
    "x-patient-ssn": MARKERS[3],
    "x-request-id": "6f1c2b9e-0000-4000-8000-000000000001",
    "next-action": "abc",
  };
  return req;
}

describe("the process log", () => {
  it("a request carrying marker strings in query, headers, cookie, path and body leaves none in the log", () => {
    const { lines, logger } = capture();
    const req = requestWithMarkers();
    const body = { email: MARKERS[4], password: MARKERS[5], mrn: MARKERS[6], nested: { patient: { givenName: MARKERS[4], ssn: MARKERS[3] } } };
    // What server.ts writes for every request, and what a careless caller might add.
    logger.info({ ...requestFields(req), status: 200, ms: 12 }, "request");
    logger.warn({ req, headers: req.headers, url: req.url, body, form: [body] }, "careless");
    logger.error({ ...requestFields(req), err: Object.assign(new Error("boom"), { name: "PatientError", detail: { name: MARKERS[8] } }) }, "request failed");
    const output = lines.join("");
    for (const marker of MARKERS) expect(output, marker).not.toContain(marker);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      level: "info",
      requestId: "6f1c2b9e-0000-4000-8000-000000000001",
      method: "POST",
      kind: "action",
      path: "/clinician/patients/:id/record",
      status: 200,
      msg: "request",
    });
    expect(JSON.parse(lines[2]!).err).toMatchObject({ type: "PatientError", message: "boom" });
  });

  it("fields named like personal data are redacted at any depth, other fields are kept", () => {
    const { lines, logger } = capture();
    logger.info({ a: { b: { c: { Email: "x@example.org", count: 3 } } }, family_name: "Doe", route: "/patient" }, "m");
    const line = JSON.parse(lines[0]!);
    expect(line.a.b.c).toEqual({ Email: "[redacted]", count: 3 });
    expect(line.family_name).toBe("[redacted]");
    expect(line.route).toBe("/patient");
  });
});
