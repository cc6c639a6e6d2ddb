import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { pageAlert, signIn, submitPassword } from "./support/auth";
import { auditEventsSince, lastAuditSeq, query } from "./support/db";

// A patient account no other journey signs in with: the burst locks it for 15 minutes.
const target = "patient44@custodia.test";

async function fitsPhone(page: Page) {
  await page.setViewportSize({ width: 390, height: 844 });
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth}px wide on a ${innerWidth}px screen`).toBeLessThanOrEqual(innerWidth);
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}

test("a failed-login burst becomes an alert, the auditor opens an incident from it, assesses it, and the 72-hour clock counts down", async ({ page, browser }) => {
  const since = await lastAuditSeq();
  const attacker = await browser.newPage();
  for (let i = 0; i < 5; i++) await submitPassword(attacker, target, `guess-${i}-wrong`);
  await expect(pageAlert(attacker)).toContainText("Too many failed attempts");
  await attacker.close();
  const [alert] = await query<{ id: string }>("SELECT id::text FROM alert WHERE kind = 'lockout' ORDER BY created_at DESC LIMIT 1");

  await signIn(page, "auditor1@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts", exact: true }).click();
  const openFromAlert = page.locator(`a[href="/auditor/incidents/new?alert=${alert!.id}"]`);
  await expect(openFromAlert).toBeVisible();
  await openFromAlert.click();

  await expect(page.getByRole("heading", { name: "Open an incident" })).toBeVisible();
  await expect(page.getByRole("checkbox", { checked: true })).toHaveCount(1);
  await page.getByLabel("Title").fill("Password guessing on a patient account");
  await page.getByLabel("What happened").fill("Five wrong passwords in a row locked a patient's account.");
  await fitsPhone(page);
  await page.getByRole("button", { name: "Open incident" }).click();

  await expect(page).toHaveURL(/\/auditor\/incidents\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Password guessing on a patient account" })).toBeVisible();
  const clocks = page.getByRole("table", { name: "Notification clocks" });
  const authority = clocks.getByRole("row", { name: /Supervisory authority/ });
  await expect(authority).toContainText(/7[01] h \d+ min left/);
  await expect(clocks.getByRole("row", { name: /Patients \(HIPAA/ })).toContainText(/59 days \d+ h left|60 days 0 h left/);

  await page.getByLabel("1. Nature and extent of the health information").fill("No health information: the password was never guessed.");
  await page.getByLabel("2. Who used it or received it").fill("Nobody: the account was locked.");
  await page.getByLabel("3. Was it acquired or viewed?").selectOption("neither");
  await page.getByLabel("How you know").fill("The audit log shows no successful sign-in.");
  await page.getByLabel("4. How far the risk was mitigated").fill("The lockout held; the patient was told to change the password.");
  await page.getByLabel("HIPAA conclusion").selectOption("low_probability");
  await page.getByLabel("GDPR: risk to people").selectOption("risk");
  await page.getByRole("button", { name: "Record assessment" }).click();
  await expect(page.getByText("Risk assessment recorded.")).toBeVisible();
  await expect(page.getByText("Low probability of compromise: no HIPAA notification")).toBeVisible();

  // The GDPR clock still runs (a risk to people); HIPAA's are set aside by the low-probability conclusion.
  await expect(authority).toContainText(/7[01] h \d+ min left/);
  await expect(clocks.getByRole("row", { name: /Patients \(HIPAA/ })).toContainText("Not required");
  expect(await seriousViolations(page)).toEqual([]);
  await fitsPhone(page);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Incidents", exact: true }).click();
  const row = page.getByRole("row", { name: /Password guessing on a patient account/ });
  await expect(row).toContainText(/Supervisory authority: 7[01] h \d+ min left/);
  await fitsPhone(page);

  const actions = (await auditEventsSince(since)).map((e) => e.action);
  expect(actions).toEqual(expect.arrayContaining(["auth.lockout", "incident.open", "incident.assess", "incident.read", "incident.list"]));
});

test("an admin opens an incident by hand, finds the patients a clinician reached, and prints their letters (audited)", async ({ page, browser }) => {
  const mrn = `MRN-${String(100_000 + 13 * 7919).slice(-6)}`;
  const clinician = await browser.newPage();
  await signIn(clinician, "clinician2@custodia.test");
  await clinician.getByLabel("MRN").fill(mrn);
  await clinician.getByRole("button", { name: "Search" }).click();
  await clinician.getByRole("table", { name: "Search results" }).getByRole("link").click();
  await expect(clinician).toHaveURL(/\/clinician\/patients\//);
  await clinician.close();
  const [read] = await query<{ actor_id: string; patient_pseudonym: string }>(
    "SELECT actor_id::text, patient_pseudonym FROM audit_event WHERE action = 'chart.read' ORDER BY seq DESC LIMIT 1",
  );

  await signIn(page, "admin@custodia.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Incidents", exact: true }).click();
  await page.getByRole("link", { name: "Open an incident" }).click();
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await page.getByLabel("Title").fill("Chart opened by a shared login");
  await page.getByLabel("What happened").fill("A clinician reported that their login was used at another desk.");
  await page.getByRole("button", { name: "Open incident" }).click();
  await expect(page).toHaveURL(/\/admin\/incidents\/[0-9a-f-]{36}$/);

  await page.getByLabel("Account id whose activity to search").fill(read!.actor_id);
  await page.getByRole("button", { name: "Recompute from the audit log" }).click();
  await expect(page.getByText("Affected patients recomputed from the audit log.")).toBeVisible();
  await expect(page.getByText(/patients? found in the audit log/)).toContainText(/^[1-9]\d* patients? found/);
  await page.getByText("Pseudonyms").click();
  await expect(page.getByText(read!.patient_pseudonym)).toBeVisible();
  await expect(page.getByText(mrn)).toHaveCount(0);
  await fitsPhone(page);

  // Letters are due once someone other than the printing administrator concludes a breach: an auditor does.
  await expect(page.getByRole("link", { name: "Print notification letters" })).toHaveCount(0);
  const incidentId = page.url().split("/").pop()!;
  const auditor = await browser.newPage();
  await signIn(auditor, "auditor2@custodia.test");
  await auditor.goto(`/auditor/incidents/${incidentId}`);
  await auditor.getByLabel("1. Nature and extent of the health information").fill("Names, birth dates and the chart of one patient.");
  await auditor.getByLabel("2. Who used it or received it").fill("A person at another desk using the clinician's login.");
  await auditor.getByLabel("3. Was it acquired or viewed?").selectOption("viewed");
  await auditor.getByLabel("How you know").fill("The audit log shows the chart was opened.");
  await auditor.getByLabel("4. How far the risk was mitigated").fill("The login was disabled and its sessions ended.");
  await auditor.getByLabel("HIPAA conclusion").selectOption("breach");
  await auditor.getByLabel("GDPR: risk to people").selectOption("risk");
  await auditor.getByRole("button", { name: "Record assessment" }).click();
  await expect(auditor.getByText("Risk assessment recorded.")).toBeVisible();
  await auditor.close();
  await page.reload();

  const since = await lastAuditSeq();
  await page.getByRole("link", { name: "Print notification letters" }).click();
  await expect(page.getByRole("heading", { name: /Notification letters: Chart opened by a shared login/ })).toBeVisible();
  const letters = page.getByRole("article");
  expect(await letters.count()).toBeGreaterThanOrEqual(1);
  await expect(letters.first()).toContainText("What information was involved");
  await fitsPhone(page);
  const events = (await auditEventsSince(since)).filter((e) => e.action === "incident.letter");
  expect(events).toHaveLength(await letters.count());
  for (const e of events) expect(e.actor_id).not.toBeNull();
  const [printed] = await query<{ severity: string }>("SELECT severity FROM alert WHERE kind = 'incident_letters' ORDER BY created_at DESC LIMIT 1");
  expect(printed).toEqual({ severity: "high" });
});
