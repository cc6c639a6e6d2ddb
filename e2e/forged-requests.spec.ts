import { expect, test, type Page } from "@playwright/test";
import { DEMO_PASSWORD } from "../lib/demo/accounts";
import { cookieHeader, formReply, postAction } from "./support/actions";
import { signIn } from "./support/auth";
import { auditEventsSince, lastAuditSeq, query } from "./support/db";
import { idleServer } from "./support/settings";

// Raw requests against the production build, as an attacker or a broken client would send them.
const restriction = { kind: "restriction", reason: "Please restrict processing of my data." };

async function requestCount(): Promise<number> {
  const [row] = await query<{ n: number }>("SELECT count(*)::int AS n FROM data_request");
  return row!.n;
}

async function patientCookie(page: Page, email: string): Promise<string> {
  await signIn(page, email);
  return cookieHeader(page.context());
}

test.describe("a state-changing server action", () => {
  let base: string;
  let cookie: string;
  test.beforeEach(async ({ page, baseURL }) => {
    base = baseURL!;
    cookie = await patientCookie(page, "patient11@custodia.test");
  });

  const submit = (headers: Record<string, string>, reply = formReply(restriction)) =>
    postAction({ base, path: "/patient/requests", action: "submitRequestAction", cookie, headers, ...reply });

  test("from the portal's own page is accepted (the control case)", async () => {
    const before = await requestCount();
    expect((await submit({ origin: base })).status).toBe(200);
    expect(await requestCount()).toBe(before + 1);
  });

  for (const [name, headers] of [
    ["without Origin", {}],
    ["without Origin, from another site", { "sec-fetch-site": "cross-site" }],
    ["with a foreign Origin", { origin: "https://evil.example" }],
    ["with a foreign Origin and a spoofed X-Forwarded-Host", { origin: "https://evil.example", "x-forwarded-host": "evil.example" }],
    ["with a foreign Origin and a matching Host", { origin: "http://evil.example", host: "evil.example" }],
  ] as const) {
    test(`${name} is refused with 403, changes nothing, and the attempt is recorded`, async () => {
      const before = await requestCount();
      const since = await lastAuditSeq();
      const response = await submit(headers);
      expect(response.status).toBe(403);
      expect(response.text).toContain("did not come from the portal's own pages");
      expect(await requestCount()).toBe(before);
      const events = await auditEventsSince(since);
      expect(events.map((e) => [e.action, e.outcome])).toEqual([["request.refused", "denied"]]);
      expect(events[0]!.details).toMatchObject({ reason: "cross-origin", method: "POST" });
    });
  }

  test("with a 2 MB body is refused with 413 and changes nothing", async () => {
    const before = await requestCount();
    const since = await lastAuditSeq();
    const response = await submit({ origin: base }, formReply({ ...restriction, reason: "x".repeat(2 * 1024 * 1024) }));
    expect(response.status).toBe(413);
    expect(await requestCount()).toBe(before);
    expect(await auditEventsSince(since)).toEqual([]);
  });

  test("with a malformed or non-form body gets a 4xx, never a 500, and changes nothing", async () => {
    const before = await requestCount();
    const since = await lastAuditSeq();
    const truncated = formReply(restriction);
    const bodies = [
      { body: "garbage", contentType: "multipart/form-data; boundary=xyz", status: 400 },
      { body: truncated.body.slice(0, 120), contentType: truncated.contentType, status: 400 },
      { body: '--b1\r\nContent-Disposition: form-data; name="0"\r\n\r\n[1,2\r\n--b1--\r\n', contentType: "multipart/form-data; boundary=b1", status: 400 },
      { body: '["restriction","Please restrict processing of my data."]', contentType: "text/plain;charset=UTF-8", status: 415 },
      { body: JSON.stringify(restriction), contentType: "application/json", status: 415 },
    ];
    for (const { body, contentType, status } of bodies) {
      const response = await submit({ origin: base }, { body, contentType });
      expect(response.status, body.slice(0, 40)).toBe(status);
    }
    // A well-formed reply whose last argument is not the form (the action would get a string, not FormData).
    const boundary = "b0";
    const notAForm = `--${boundary}\r\nContent-Disposition: form-data; name="0"\r\n\r\n[{"ok":false},"kind=restriction"]\r\n--${boundary}--\r\n`;
    expect((await submit({ origin: base }, { body: notAForm, contentType: `multipart/form-data; boundary=${boundary}` })).status).toBe(400);
    expect(await requestCount()).toBe(before);
    expect(await auditEventsSince(since)).toEqual([]);
  });
});

test("cancelling another patient's request answers 404 and leaves it open", async ({ page, browser, baseURL }) => {
  const owner = await patientCookie(page, "patient12@custodia.test");
  expect((await postAction({ base: baseURL!, path: "/patient/requests", action: "submitRequestAction", cookie: owner, headers: { origin: baseURL! }, ...formReply(restriction) })).status).toBe(200);
  const [request] = await query<{ id: string }>("SELECT id::text FROM data_request ORDER BY created_at DESC LIMIT 1");

  const other = await browser.newContext();
  const attacker = await patientCookie(await other.newPage(), "patient13@custodia.test");
  const since = await lastAuditSeq();
  for (const requestId of [request!.id, "not-a-uuid"]) {
    const response = await postAction({
      base: baseURL!,
      path: "/patient/requests",
      action: "cancelRequestAction",
      cookie: attacker,
      headers: { origin: baseURL! },
      ...formReply({ requestId }, []),
    });
    expect(response.status, requestId).toBe(404);
  }
  await other.close();
  const [after] = await query<{ status: string }>("SELECT status FROM data_request WHERE id = $1", [request!.id]);
  expect(after!.status).toBe("pending");
  expect((await auditEventsSince(since)).filter((e) => e.action === "request.cancel")).toEqual([]);
});

test("a patient calling a clinician's action gets 403 and exactly one denial is recorded", async ({ page, baseURL }) => {
  const cookie = await patientCookie(page, "patient14@custodia.test");
  const since = await lastAuditSeq();
  const response = await postAction({
    base: baseURL!,
    path: "/clinician",
    action: "searchPatientsAction",
    cookie,
    headers: { origin: baseURL! },
    ...formReply({ query: "MRN-000001" }),
  });
  expect(response.status).toBe(403);
  const denials = (await auditEventsSince(since)).filter((e) => e.action === "access.denied");
  expect(denials).toHaveLength(1);
  expect(denials[0]!.details).toMatchObject({ permission: "area.clinician" });
});

async function failedSignIn(base: string, email: string, forwardedFor: string): Promise<string | null> {
  const since = await lastAuditSeq();
  const response = await postAction({
    base,
    path: "/sign-in",
    action: "signInAction",
    headers: { origin: base, "x-forwarded-for": forwardedFor },
    ...formReply({ portal: "patient", email, password: `${DEMO_PASSWORD}-wrong` }),
  });
  expect(response.status).toBe(200);
  const [event] = (await auditEventsSince(since)).filter((e) => e.action === "auth.sign_in");
  expect(event!.outcome).toBe("denied");
  return event!.ip;
}

test("without a trusted proxy, a client-sent X-Forwarded-For does not choose the audit address", async ({ baseURL }) => {
  expect(await failedSignIn(baseURL!, "patient15@custodia.test", "203.0.113.99")).toBe("127.0.0.1");
});

test("behind one trusted proxy, only the entry the proxy appended is believed", async () => {
  // The second server runs with TRUST_PROXY=1: the rightmost X-Forwarded-For entry is its proxy's view.
  expect(await failedSignIn(idleServer(), "patient16@custodia.test", "203.0.113.99, 198.51.100.20")).toBe("198.51.100.20");
});
