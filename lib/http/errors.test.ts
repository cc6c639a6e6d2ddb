import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AccessDenied, Conflict, InvalidInput, NotFound, TooManyRequests } from "@/lib/access/errors";
import { errorTable } from "./error-table";
import { describeError, formError, jsonError } from "./errors";

describe("the error table", () => {
  it("answers every refusal with a 4xx and a plain sentence", () => {
    for (const [code, { status, message }] of Object.entries(errorTable)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(500);
      expect(message, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("maps each domain error to its status through the table", () => {
    expect(describeError(new AccessDenied("audit.read"))).toEqual({ status: 403, message: errorTable["access-denied"].message });
    expect(describeError(new NotFound("open request"))).toEqual({ status: 404, message: errorTable["not-found"].message });
    expect(describeError(new TooManyRequests("bulk-access-limit"))?.status).toBe(429);
    expect(describeError(new TooManyRequests("export-limit"))?.status).toBe(429);
  });

  it("tells each 429 by its cause: only the bulk-access guard says an auditor was alerted", () => {
    const bulk = describeError(new TooManyRequests("bulk-access-limit"))!.message;
    const exports = describeError(new TooManyRequests("export-limit"))!.message;
    const signIn = errorTable["sign-in-locked"].message;
    expect(bulk).toContain("auditor has been alerted");
    expect(exports).not.toContain("auditor");
    expect(exports).toContain("export");
    expect(signIn).not.toContain("auditor");
    expect(new Set([bulk, exports, signIn]).size).toBe(3);
  });

  it("shows a service's own words only where it wrote them for the person", () => {
    expect(describeError(new Conflict("You already have an erasure request in progress."))).toEqual({
      status: 409,
      message: "You already have an erasure request in progress.",
    });
    expect(describeError(new InvalidInput("The authentication code is not valid", { code: ["Enter a new code"] }))).toEqual({
      status: 400,
      message: "The authentication code is not valid",
      errors: { code: ["Enter a new code"] },
    });
    // The permission name and the record kind are internal: never shown.
    expect(describeError(new AccessDenied("keys.rotate"))!.message).not.toContain("keys.rotate");
    expect(describeError(new NotFound("patient record"))!.message).not.toContain("patient record");
  });

  it("turns a schema failure into 400 with its field errors", () => {
    const failure = z.object({ requestId: z.uuid() }).safeParse({ requestId: "x" }).error;
    expect(describeError(failure)).toMatchObject({ status: 400, message: errorTable["invalid-input"].message, errors: { requestId: [expect.any(String)] } });
  });

  it("a form refusal that names a field says its sentence under the field only, and the answer points there", () => {
    const wrong = "The current password is not correct.";
    const state = formError(new InvalidInput(wrong, { currentPassword: [wrong] }));
    expect(state).toEqual({ ok: false, message: "Please check the highlighted field.", errors: { currentPassword: [wrong] } });
    expect(JSON.stringify(state).split(wrong)).toHaveLength(2);
    const schema = z.object({ a: z.string().min(1), b: z.string().min(1) }).safeParse({}).error;
    expect(formError(schema).message).toBe("Please check the highlighted fields.");
    // A refusal that names no field keeps its own words.
    expect(formError(new InvalidInput("Nothing has changed."))).toEqual({ ok: false, message: "Nothing has changed." });
  });

  it("treats anything else as a bug: it propagates instead of being dressed up as a 4xx", async () => {
    const bug = new TypeError("x is undefined");
    expect(describeError(bug)).toBeNull();
    expect(() => formError(bug)).toThrow(bug);
    expect(() => jsonError(bug)).toThrow(bug);
  });

  it("route handlers answer with the table's status and message", async () => {
    const response = jsonError(new TooManyRequests("export-limit"));
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ error: errorTable["export-limit"].message });
  });
});
