import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD } from "../lib/demo/accounts";
import { formReply, postAction } from "./support/actions";
import { signIn, signOut } from "./support/auth";
import { auditEventsSince, lastAuditSeq } from "./support/db";
import { idleServer } from "./support/settings";

// Two instances of the compiled server share one database (playwright.config.ts): A on baseURL, B on the
// second port. Nothing that matters may live in one process: sessions, revocation and lockouts are rows.
const B = idleServer();

test("a session opened on instance A is honoured on B, and signing out on B ends it on A", async ({ page, baseURL }) => {
  await signIn(page, "patient41@custodia.test");
  // Same browser, same cookie (cookies are per host, not per port): B has never seen this sign-in.
  await page.goto(`${B}/patient`);
  await expect(page).toHaveURL(`${B}/patient`);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

  await signOut(page);
  await page.goto(`${baseURL}/patient`);
  await expect(page).toHaveURL(/\/sign-in/);
});

test("parallel wrong passwords split over A and B lock the account at the same limit as on one instance", async ({ baseURL }) => {
  const email = "patient42@custodia.test";
  const since = await lastAuditSeq();
  const attempt = (base: string, password: string, i: number) =>
    postAction({
      base,
      path: "/sign-in",
      action: "signInAction",
      // B trusts one proxy hop: each attempt there comes from its own address, so only the account can lock.
      headers: { origin: base, "x-forwarded-for": `198.51.100.${i + 1}` },
      ...formReply({ portal: "patient", email, password }),
    });
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(i % 2 === 0 ? baseURL! : B, `${DEMO_PASSWORD}-wrong-${i}`, i)));
  expect(answers.every((a) => a.status === 200)).toBe(true);

  // The right password, on either instance, is now refused.
  for (const base of [baseURL!, B]) {
    const right = await attempt(base, DEMO_PASSWORD, 50);
    expect(right.text).toContain("Too many failed attempts");
  }

  const events = await auditEventsSince(since);
  const signIns = events.filter((e) => e.action === "auth.sign_in");
  expect(signIns).toHaveLength(14);
  expect(new Set(signIns.map((e) => e.actor_id)).size).toBe(1);
  expect(signIns.every((e) => e.outcome === "denied")).toBe(true);
  // Exactly the limit (five) of passwords were checked across both instances, and the account locked once.
  expect(signIns.filter((e) => e.details.reason === "wrong-password")).toHaveLength(5);
  const lockouts = events.filter((e) => e.action === "auth.lockout" && e.details.scope === "account");
  expect(lockouts.map((e) => e.actor_id)).toEqual([signIns[0]!.actor_id]);
});
