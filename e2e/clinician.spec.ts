import { expect, test } from "@playwright/test";
import { demoTotpSecret } from "../lib/demo/accounts";
import { freshTotp, signIn, pageAlert } from "./support/auth";
import { auditEventsSince, lastAuditSeq, query } from "./support/db";

// The seed's MRN rule (lib/demo/seed.ts): North Clinic has patients 01–25, South Clinic 26–50.
const northMrn = `MRN-${String(100_000 + 3 * 7919).slice(-6)}`;
const southMrn = `MRN-${String(100_000 + 30 * 7919).slice(-6)}`;

test("a clinician searches by MRN, opens the chart, adds a note, and is refused another team's patient", async ({ page }) => {
  await signIn(page, "clinician1@custodia.test");
  await expect(page.getByRole("heading", { name: /My patients \(25\)/ })).toBeVisible();

  // A typo is not an emergency: no break-glass offered. The six digits alone find the patient.
  await page.getByLabel("MRN").fill(northMrn.slice(4, 9));
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("Check what you typed")).toBeVisible();
  await expect(page.getByRole("link", { name: "request break-glass access" })).toHaveCount(0);
  await page.getByLabel("MRN").fill(northMrn.slice(4));
  await page.getByRole("button", { name: "Search" }).click();
  const result = page.getByRole("table", { name: "Search results" }).getByRole("link");
  await expect(result).toHaveCount(1);
  await result.click();
  await expect(page).toHaveURL(/\/clinician\/patients\/[0-9a-f-]{36}$/);
  await expect(page.getByText(northMrn)).toBeVisible();

  await page.getByLabel("Kind").selectOption("note");
  await page.getByLabel("Title").fill("E2E follow-up");
  await page.getByLabel("Note").fill("Patient doing well after e2e test.");
  await page.getByRole("button", { name: "Add entry" }).click();
  await expect(page.getByText("E2E follow-up: Patient doing well after e2e test.")).toBeVisible();

  await page.goto("/clinician");
  await page.getByLabel("MRN").fill(southMrn);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No patient you may see matches")).toBeVisible();
  await expect(page.getByRole("link", { name: "request break-glass access" })).toBeVisible();

  const [south] = await query<{ patient_id: string }>(
    "SELECT p.patient_id::text FROM care_team_patient p JOIN care_team t ON t.id = p.team_id WHERE t.name = 'South Clinic' LIMIT 1",
  );
  const since = await lastAuditSeq();
  const response = await page.goto(`/clinician/patients/${south!.patient_id}`);
  expect(response?.status()).toBe(404);
  const denied = (await auditEventsSince(since)).filter((e) => e.action === "access.denied");
  expect(denied).toHaveLength(1);
});

test("break-glass opens one outside patient with a banner, alerts auditors, and ends at expiry", async ({ page }) => {
  // The e2e servers run with BREAK_GLASS_MINUTES=0.1 (6 seconds).
  await signIn(page, "clinician2@custodia.test");
  await page.goto("/clinician/break-glass");
  await page.getByLabel("Patient MRN").fill(southMrn);
  await page.getByLabel("Reason for emergency access").fill("too short");
  await page.getByLabel("Authentication code").fill("123456");
  await page.getByRole("button", { name: "Break the glass" }).click();
  await expect(page.getByText("at least 20 characters")).toBeVisible();

  await page.getByLabel("Reason for emergency access").fill("Patient collapsed in our waiting room; allergy history needed now.");
  await page.getByLabel("Authentication code").fill(await freshTotp(demoTotpSecret("clinician2@custodia.test")));
  const since = await lastAuditSeq();
  await page.getByRole("button", { name: "Break the glass" }).click();
  await expect(page).toHaveURL(/\/clinician\/patients\//);
  await expect(pageAlert(page)).toContainText("Break-glass access");
  const chartUrl = page.url();
  const events = await auditEventsSince(since);
  expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["break_glass.grant", "chart.read"]));
  const alerts = await query("SELECT * FROM alert WHERE kind = 'break_glass'");
  expect(alerts.length).toBeGreaterThanOrEqual(1);

  await page.waitForTimeout(7_000);
  const after = await page.goto(chartUrl);
  expect(after?.status()).toBe(404);
});

test("the amend page reads and records only the entry amended, and the amendment becomes its next version", async ({ page }) => {
  await signIn(page, "clinician2@custodia.test");
  const [north] = await query<{ patient_id: string }>(
    "SELECT p.patient_id::text FROM care_team_patient p JOIN care_team t ON t.id = p.team_id WHERE t.name = 'North Clinic' ORDER BY p.patient_id LIMIT 1",
  );
  await page.goto(`/clinician/patients/${north!.patient_id}`);
  await page.getByLabel("Kind").selectOption("note");
  await page.getByLabel("Title").fill("To amend");
  await page.getByLabel("Note").fill("First wording.");
  await page.getByRole("button", { name: "Add entry" }).click();
  const item = page.getByRole("listitem").filter({ hasText: "To amend: First wording." });
  await expect(item).toBeVisible();

  const since = await lastAuditSeq();
  await item.getByRole("link", { name: /^Amend/ }).click();
  await expect(page.getByRole("heading", { name: /^Amend note for / })).toBeVisible();
  await expect(page.getByLabel("Note")).toHaveValue("First wording.");
  // One event for the one entry shown: not a chart read, and none of the chart's other entries.
  const read = (await auditEventsSince(since)).filter((e) => e.actor_id !== null);
  expect(read.map((e) => e.action)).toEqual(["record.read"]);

  // No change, or no reason: refused with a plain message, nothing saved.
  await page.getByLabel("Why are you amending this entry?").fill("Clarified the wording");
  await page.getByRole("button", { name: "Save amendment" }).click();
  await expect(page.getByText("Nothing has changed. Edit the entry before saving, or leave this page.")).toBeVisible();
  await page.getByLabel("Note").fill("Second wording.");
  await page.getByLabel("Why are you amending this entry?").fill("");
  await page.getByRole("button", { name: "Save amendment" }).click();
  await expect(page.getByText("Say why you are amending this entry (at least 5 characters).")).toBeVisible();
  await page.getByLabel("Why are you amending this entry?").fill("Clarified the wording");
  await page.getByRole("button", { name: "Save amendment" }).click();
  await expect(page).toHaveURL(new RegExp(`/clinician/patients/${north!.patient_id}$`));
  await expect(page.getByText("To amend: Second wording.")).toBeVisible();
  const amended = page.getByRole("listitem").filter({ hasText: "To amend: Second wording." });
  await amended.getByText(/^Version 2; 1 earlier version/).click();
  await expect(amended.getByText(/amended by Dr\. Caleb North, .*\. Reason: Clarified the wording/)).toBeVisible();
});

test("a clinician ends their break-glass access early from their home page", async ({ page }) => {
  await signIn(page, "clinician3@custodia.test");
  await page.goto("/clinician/break-glass");
  // The six digits alone name the MRN here too.
  await page.getByLabel("Patient MRN").fill(southMrn.slice(4));
  await page.getByLabel("Reason for emergency access").fill("Patient collapsed in the corridor; medication list needed now.");
  await page.getByLabel("Authentication code").fill(await freshTotp(demoTotpSecret("clinician3@custodia.test")));
  await page.getByRole("button", { name: "Break the glass" }).click();
  await expect(page).toHaveURL(/\/clinician\/patients\//);
  const chartUrl = page.url();

  await page.goto("/clinician");
  const access = page.locator("section").filter({ has: page.getByRole("heading", { name: "Your emergency access" }) });
  await expect(access).toContainText(southMrn);
  await expect(access).toContainText("min left");
  const since = await lastAuditSeq();
  await access.getByRole("button", { name: /^End access now/ }).click();
  await expect(page.getByRole("heading", { name: "Your emergency access" })).toHaveCount(0);
  expect((await auditEventsSince(since)).map((e) => e.action)).toContain("break_glass.end");
  expect((await page.goto(chartUrl))?.status()).toBe(404);
});

test("a chart reads by kind: allergies above everything, a trend per observation, each kind newest first", async ({ page }) => {
  await signIn(page, "clinician2@custodia.test");
  const [north] = await query<{ patient_id: string }>(
    "SELECT p.patient_id::text FROM care_team_patient p JOIN care_team t ON t.id = p.team_id WHERE t.name = 'North Clinic' ORDER BY p.patient_id DESC LIMIT 1",
  );
  await page.goto(`/clinician/patients/${north!.patient_id}`);
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Add entry" }) });
  for (const [date, value] of [["2026-02-01", "18"], ["2026-02-03", "22"]] as const) {
    await form.getByLabel("Kind").selectOption("observation");
    await form.getByLabel("Date").fill(date);
    await form.getByLabel("Observation").selectOption({ label: "Respiratory rate (breaths/min)" });
    await form.getByLabel("Value (breaths/min)").fill(value);
    await form.getByRole("button", { name: "Add entry" }).click();
    await expect(form.getByText("Entry added.")).toBeVisible();
  }
  await form.getByLabel("Kind").selectOption("allergy");
  await form.getByLabel("Date").fill("2026-02-02");
  await form.getByLabel("Substance").fill("Sulfonamides");
  await form.getByRole("button", { name: "Add entry" }).click();
  await expect(form.getByText("Entry added.")).toBeVisible();

  const headings = await page.getByRole("heading", { level: 2 }).allInnerTexts();
  const order = ["Allergies", "Medications", "Observations", "Notes", "Encounters"].map((h) => headings.indexOf(h));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(order[0]).toBe(headings.indexOf("Identity") + 1);
  await expect(page.getByRole("region", { name: "Allergies" })).toContainText("Sulfonamides");
  const series = page.getByRole("listitem", { name: "Respiratory rate" });
  await expect(series).toContainText("Respiratory rate: 22 breaths/min on 2026-02-03");
  await expect(series.getByRole("img", { name: "Respiratory rate trend: 18, 22 breaths/min" })).toBeVisible();
});
