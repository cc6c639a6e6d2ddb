import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, demoTotpSecret } from "../lib/demo/accounts";
import { freshTotp } from "./support/auth";
import { query } from "./support/db";
import { idleServer } from "./support/settings";

// Runs on the second e2e server, configured with BULK_ACCESS_MAX_PATIENTS=10.
const BASE = idleServer();

test("a clinician opening more distinct patients than allowed gets HTTP 429 and auditors get an alert", async ({ page }) => {
  const email = "clinician6@custodia.test";
  await page.goto(`${BASE}/staff/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Authentication code").fill(await freshTotp(demoTotpSecret(email)));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(`${BASE}/clinician`);

  const patients = await query<{ id: string }>(
    "SELECT p.patient_id::text AS id FROM care_team_patient p JOIN care_team t ON t.id = p.team_id WHERE t.name = 'South Clinic' ORDER BY 1 LIMIT 12",
  );
  const statuses: number[] = [];
  for (const { id } of patients) statuses.push((await page.request.get(`${BASE}/api/clinician/patients/${id}`)).status());
  expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
  const body = await (await page.request.get(`${BASE}/api/clinician/patients/${patients[11]!.id}`)).json();
  expect(body.error).toContain("Too many patient records");
  expect(await query("SELECT id FROM alert WHERE kind = 'bulk_access'")).toHaveLength(1);
  // Re-reading a chart already opened in the window is still allowed.
  expect((await page.request.get(`${BASE}/api/clinician/patients/${patients[0]!.id}`)).status()).toBe(200);
});
