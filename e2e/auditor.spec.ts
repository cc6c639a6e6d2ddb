import { expect, test } from "@playwright/test";
import { demoTotpSecret } from "../lib/demo/accounts";
import { freshTotp, signIn } from "./support/auth";
import { auditEventsSince, lastAuditSeq } from "./support/db";

const mrn = `MRN-${String(100_000 + 12 * 7919).slice(-6)}`;

test("an auditor filters by patient and action, opens an event, and exports CSV", async ({ page, browser }) => {
  // A clinician reads patient 12's chart, so there is something to find.
  const clinician = await browser.newPage();
  await signIn(clinician, "clinician3@custodia.test");
  await clinician.getByLabel("MRN").fill(mrn);
  await clinician.getByRole("button", { name: "Search" }).click();
  await clinician.getByRole("table", { name: "Search results" }).getByRole("link").click();
  await expect(clinician).toHaveURL(/\/clinician\/patients\//);
  await clinician.close();

  await signIn(page, "auditor1@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Events", exact: true }).click();
  await page.getByLabel("Patient (MRN or pseudonym)").fill(mrn);
  await page.getByLabel("Action").fill("chart.read");
  const since = await lastAuditSeq();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/patient=psn_/);
  expect(page.url()).not.toContain(mrn);
  const rows = page.getByRole("table", { name: /Audit events/ }).getByRole("row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText("chart.read");

  await rows.nth(1).getByRole("link").click();
  await expect(page.getByRole("heading", { name: /Event \d+/ })).toBeVisible();
  await expect(page.getByText("clinician", { exact: false }).first()).toBeVisible();
  await page.goBack();

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = await (await (await download).createReadStream()).toArray();
  const text = Buffer.concat(csv).toString("utf8");
  const lines = text.trim().split("\n");
  expect(lines[0]).toContain("seq,occurredAt,actorId");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain("chart.read");
  expect(text).not.toContain(mrn);

  await page.getByRole("link", { name: "Dashboard", exact: true }).click();
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByText(/Verified: \d+ events intact/)).toBeVisible({ timeout: 30_000 });

  const actions = (await auditEventsSince(since)).map((e) => e.action);
  expect(actions).toEqual(expect.arrayContaining(["audit.read", "audit.export", "audit.verify"]));
});

test("a break-glass use reaches the auditor as an alert to acknowledge and a use to review", async ({ page, browser }) => {
  const clinician = await browser.newPage();
  await signIn(clinician, "clinician1@custodia.test");
  await clinician.goto("/clinician/break-glass");
  await clinician.getByLabel("Patient MRN").fill(`MRN-${String(100_000 + 40 * 7919).slice(-6)}`);
  await clinician.getByLabel("Reason for emergency access").fill("Auditor journey: patient transferred unconscious from South Clinic.");
  await clinician.getByLabel("Authentication code").fill(await freshTotp(demoTotpSecret("clinician1@custodia.test")));
  await clinician.getByRole("button", { name: "Break the glass" }).click();
  await expect(clinician).toHaveURL(/\/clinician\/patients\//);
  await clinician.close();

  await signIn(page, "auditor2@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Alerts", level: 1 })).toBeVisible();
  const open = page.getByRole("row").filter({ hasText: "Break-glass use" }).filter({ has: page.getByRole("button", { name: /Acknowledge/ }) });
  await expect(open.first()).toBeVisible();
  const before = await open.count();
  expect(before).toBeGreaterThan(0);
  await open.first().getByRole("button", { name: /Acknowledge/ }).click();
  await expect(open).toHaveCount(before - 1);

  await page.getByRole("link", { name: "Break-glass", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Break-glass review" })).toBeVisible();
  const use = page.locator("section").filter({ hasText: "Auditor journey: patient transferred unconscious" });
  await use.getByLabel("Review comment").fill("Justified: emergency documented in the ED record.");
  await use.getByRole("button", { name: "Approve" }).click();
  await expect(use.getByText("approved: Justified: emergency documented")).toBeVisible();
});

test("an auditor finds staff by name; a wrong filter keeps what was typed and says what is wrong", async ({ page, browser }) => {
  const clinician = await browser.newPage();
  await signIn(clinician, "clinician3@custodia.test");
  await clinician.close();

  await signIn(page, "auditor1@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Events", exact: true }).click();
  await page.getByLabel("From", { exact: true }).fill("2026-05-02");
  await page.getByLabel("To", { exact: true }).fill("2026-05-01");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByText("“To” must be on or after “From”")).toBeVisible();
  await expect(page.getByLabel("From", { exact: true })).toHaveValue("2026-05-02");

  await page.getByLabel("From", { exact: true }).fill("");
  await page.getByLabel("To", { exact: true }).fill("");
  await page.getByLabel("Patient (MRN or pseudonym)").fill("MRN-000000");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByText("No patient has this MRN: check the number, or use the pseudonym")).toBeVisible();
  await expect(page.getByLabel("Patient (MRN or pseudonym)")).toHaveValue("MRN-000000");

  await page.getByLabel("Patient (MRN or pseudonym)").fill("");
  await page.getByLabel("Staff name").fill("nia north");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/staff=nia\+north/);
  const rows = page.getByRole("table", { name: /Audit events/ }).getByRole("row");
  await expect(rows.nth(1)).toContainText("Nurse Nia North (clinician)");
  await expect(page.getByLabel("Staff name")).toHaveValue("nia north");
});

test("an auditor reads each control with its evidence and downloads the matrix as CSV", async ({ page }) => {
  await signIn(page, "auditor1@custodia.test");
  await page.getByRole("link", { name: "Compliance", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Compliance evidence" })).toBeVisible();
  const control = page.locator("#hipaa-164-312-b");
  await expect(control.getByRole("heading", { name: "164.312(b) Audit controls" })).toBeVisible();
  await control.getByText("Implementation and evidence").click();
  await expect(control.getByText("tests/audit-tamper.test.ts")).toBeVisible();
  await expect(page.locator("#gdpr-art-34").getByText("What is missing:")).toBeVisible();

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download as CSV" }).click();
  const text = Buffer.concat(await (await (await download).createReadStream()).toArray()).toString("utf8");
  expect(text.split("\n")[0]).toBe("id,framework,ref,title,status,gap,implementation,evidence");
  expect(text).toContain("hipaa-164-312-b,HIPAA Security Rule,164.312(b),Audit controls,");
});

test("the compliance matrix is for auditors: a clinician is refused it, and the refusal is recorded", async ({ page }) => {
  await signIn(page, "clinician3@custodia.test");
  const since = await lastAuditSeq();
  const response = await page.request.get("/api/auditor/compliance");
  expect(response.status()).toBe(403);
  const denials = (await auditEventsSince(since)).filter(
    (event) => event.action === "access.denied" && event.details.permission === "area.auditor",
  );
  expect(denials).toHaveLength(1);
});
