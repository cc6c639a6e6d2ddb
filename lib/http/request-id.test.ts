import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { proxy } from "@/proxy";

/** What proxy.ts hands the app (and so the audit log) as the request id, read from Next's forwarding header. */
async function forwardedId(headers: Record<string, string>): Promise<string | null> {
  const response = await proxy(new NextRequest("http://localhost:3000/patient", { headers }));
  return response.headers.get("x-middleware-request-x-request-id");
}

describe("request id through proxy.ts", () => {
  it("keeps the id server.ts assigned, so the log line and the audit events share it", async () => {
    const id = "0d5c7a4e-3f6b-4c1d-9a2e-8b7f6e5d4c3b";
    expect(await forwardedId({ "x-request-id": id })).toBe(id);
  });

  it("replaces a missing or malformed id with a fresh one: a client cannot write arbitrary text into the audit log", async () => {
    for (const headers of [{}, { "x-request-id": "<script>Jane Doe</script>" }] as Record<string, string>[]) {
      const id = await forwardedId(headers);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
