import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { strFromU8, unzipSync } from "fflate";
import { generate } from "otplib";
import { DEMO_PASSWORD } from "../lib/demo/accounts";
import { freshTotp, signIn } from "./support/auth";
import { timesOnPage } from "./support/text";

const mrnOf = (n: number) => `MRN-${String(100_000 + n * 7919).slice(-6)}`;

async function download(page: Page, name: string | RegExp): Promise<Buffer> {
  const pending = page.waitForEvent("download");
  await page.getByRole("link", { name }).click();
  const stream = await (await pending).createReadStream();
  return Buffer.concat(await stream.toArray());
}

/** The erasure form, filled as a patient would: the box ticked or not, a password typed. */
async function eraseWith(page: Page, { confirm, password }: { confirm: boolean; password: string }) {
  await page.getByLabel("What would you like?").selectOption("erasure");
  await page.getByLabel("I understand that my details and my record will be erased").setChecked(confirm);
  await page.getByLabel("Your password").fill(password);
  await page.getByRole("button", { name: "Erase my data" }).click();
}

test("erasure asks for the ticked confirmation and the password again: a wrong password is refused and nothing is requested", async ({ page }) => {
  await signIn(page, "patient21@custodia.test");
  await page.getByRole("link", { name: "Requests", exact: true }).click();
  await eraseWith(page, { confirm: false, password: DEMO_PASSWORD });
  await expect(page.getByText("Tick the box to confirm you understand your data will be erased")).toBeVisible();
  await eraseWith(page, { confirm: true, password: "not my password" });
  await expect(page.locator("#field-password-error")).toHaveText("That password is not correct. Nothing has been changed.");
  await expect(page.getByLabel("Your password")).toBeFocused();
  // Issue 13 item 3: the server's sentence is under the field only; the form's answer points there.
  expect(await timesOnPage(page, "That password is not correct.")).toBe(1);
  await expect(page.getByText("Please check the highlighted field.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("listitem", { name: "erasure request" })).toHaveCount(0);
  // Still signed in, record still there: nothing was changed.
  await page.getByRole("link", { name: "My record", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
});

// patient30 is used by no other spec: it turns on TOTP here, so erasure asks for its code too.
test("a patient with an authenticator app confirms erasure with its code: a wrong code is refused and nothing is requested", async ({ page }) => {
  test.setTimeout(150_000);
  await signIn(page, "patient30@custodia.test");
  await page.goto("/patient/security");
  const secret = (await page.getByTestId("totp-secret").innerText()).trim();
  await page.getByLabel("Code from your app").fill(await freshTotp(secret));
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  // The recovery codes are shown once, on this page, before anything else.
  await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);

  await page.getByRole("link", { name: "Requests", exact: true }).click();
  await page.getByLabel("What would you like?").selectOption("erasure");
  const code = page.getByLabel("Code from your authenticator app");
  // Right password, wrong code (the current one plus one): refused at the code, nothing requested.
  const wrong = String((Number(await generate({ secret })) + 1) % 1_000_000).padStart(6, "0");
  await page.getByLabel("I understand that my details and my record will be erased").check();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await code.fill(wrong);
  await page.getByRole("button", { name: "Erase my data" }).click();
  const refusal = "That code is not correct. Enter the 6-digit code your authenticator app shows now. Nothing has been changed.";
  await expect(page.locator("#field-code-error")).toHaveText(refusal);
  await expect(code).toBeFocused();
  expect(await timesOnPage(page, "That code is not correct.")).toBe(1);
  await page.reload();
  await expect(page.getByRole("listitem", { name: "erasure request" })).toHaveCount(0);

  // The code the app shows now (a new time step: each is accepted once) confirms it.
  await page.getByLabel("What would you like?").selectOption("erasure");
  await page.getByLabel("I understand that my details and my record will be erased").check();
  await page.getByLabel("Your password").fill(DEMO_PASSWORD);
  await code.fill(await freshTotp(secret));
  await page.getByRole("button", { name: "Erase my data" }).click();
  await expect(page.getByText("Your erasure is scheduled. You can still cancel it below until it runs.")).toBeVisible();
  const erasure = page.getByRole("listitem", { name: "erasure request" }).first();
  await expect(erasure).toContainText("Erase my data — scheduled");
  // Cancelled again, so no other spec's "run due erasures" meets it.
  await erasure.getByRole("button", { name: "Cancel this request" }).click();
  await expect(erasure).toContainText("Erase my data — cancelled");
});

test("a patient manages consent, downloads all their data, and sees who accessed the record", async ({ page, browser }) => {
  // A clinician of North Clinic opens patient 11's chart first.
  const clinician = await browser.newPage();
  await signIn(clinician, "clinician2@custodia.test");
  await clinician.getByLabel("MRN").fill(mrnOf(11));
  await clinician.getByRole("button", { name: "Search" }).click();
  await clinician.getByRole("table", { name: "Search results" }).getByRole("link").click();
  await expect(clinician).toHaveURL(/\/clinician\/patients\//);
  await clinician.close();

  await signIn(page, "patient11@custodia.test");
  await page.getByRole("link", { name: "Consent", exact: true }).click();
  const research = page.getByRole("form", { name: "Medical research" });
  await research.getByRole("button", { name: /Give consent/ }).click();
  await expect(research.getByText("Status: given")).toBeVisible();
  // Before a withdrawal the page says what it changes, and asks; keeping it changes nothing.
  await research.getByRole("button", { name: /Withdraw consent/ }).click();
  await expect(research.getByText("left out of every new research dataset")).toBeVisible();
  await expect(research.getByText("Withdraw your consent for medical research?")).toBeFocused();
  await research.getByRole("button", { name: "Keep my consent" }).click();
  await expect(research.getByText("Status: given")).toBeVisible();
  await research.getByRole("button", { name: /Withdraw consent/ }).click();
  await research.getByRole("button", { name: "Yes, withdraw consent" }).click();
  await expect(research.getByText("Status: not given")).toBeVisible();
  await expect(research.locator(":focus")).toContainText("Consent withdrawn.");
  await expect(page.getByText(/your care does not depend on this consent/)).toBeVisible();
  const history = page.getByRole("table", { name: /consent decision/ }).getByRole("row");
  await expect(history).toHaveCount(3);
  await expect(history.nth(1)).toContainText("withdrawn");
  await expect(history.nth(2)).toContainText("granted");

  await page.getByRole("link", { name: "My record", exact: true }).click();
  const name = (await page.locator("dt:has-text('Name') + dd").innerText()).trim();
  const mrn = (await page.locator("dt:has-text('MRN') + dd").innerText()).trim();

  await page.getByRole("link", { name: "Download my data" }).click();
  const json = JSON.parse((await download(page, "JSON (one file)")).toString("utf8"));
  // Progress is shown while it streams, then what arrived; focus is on that status line.
  await expect(page.getByText(/^JSON \(one file\): ready \(\d+ kB\)/)).toBeVisible();
  expect(`${json.identity.givenName} ${json.identity.familyName}`).toBe(name);
  expect(json.records.length).toBeGreaterThan(0);
  const fhir = JSON.parse((await download(page, /FHIR R4 Bundle/)).toString("utf8"));
  expect(fhir.resourceType).toBe("Bundle");
  const patients = fhir.entry.filter((e: { resource: { resourceType: string } }) => e.resource.resourceType === "Patient");
  expect(patients).toHaveLength(1);
  expect(patients[0].resource.identifier[0].value).toBe(mrn);
  const zip = unzipSync(new Uint8Array(await download(page, /Spreadsheets/)));
  expect(strFromU8(zip["Your details.csv"]!)).toContain(mrn);
  expect(Object.keys(zip)).toContain("Measurements and test results.csv");
  // Nobody else's identifiers in any of the three (the seed's MRNs are predictable).
  const everything = JSON.stringify(json) + JSON.stringify(fhir) + Object.values(zip).map((file) => strFromU8(file)).join("");
  for (let n = 1; n <= 50; n++) if (n !== 11) expect(everything).not.toContain(mrnOf(n));

  await page.getByRole("link", { name: "Who accessed my record" }).click();
  const row = page.getByRole("row").filter({ hasText: "Opened your chart" }).first();
  await expect(row).toContainText("Dr. Caleb North");
  await expect(row).toContainText("Clinician");
  // Plain words only: no action codes such as request.decide or break_glass.review.
  await expect(page.getByRole("table")).not.toContainText(/\b[a-z]+(_[a-z]+)*\.[a-z_]+\b/);

  for (const path of ["/patient", "/patient/record", "/patient/consent", "/patient/access-log", "/patient/requests", "/patient/export"]) {
    await page.goto(path);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id), path).toEqual([]);
  }
});

test("a rectification with markup is refused, a valid one is applied and listed; erasure can be cancelled, asked again, and then removes the patient", async ({ page, browser }) => {
  await signIn(page, "patient14@custodia.test");
  await page.getByRole("link", { name: "Requests", exact: true }).click();
  await page.getByLabel("Which detail?").selectOption("phone");
  await page.getByLabel("Correct value").fill("<script>alert(1)</script> ☎️ 😀 Ñoño");
  await page.getByLabel("Reason", { exact: true }).fill("New phone number");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByText("Enter a phone number with digits only, like +44 20 7946 0958.")).toBeVisible();
  await expect(page.getByLabel("Correct value")).toHaveValue("<script>alert(1)</script> ☎️ 😀 Ñoño");
  await page.getByLabel("Correct value").fill("555-0142");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByText("Your correction has been checked and made to your record.")).toBeVisible();
  const correction = page.getByRole("listitem", { name: "rectification request" }).first();
  await expect(correction).toContainText("Correct phone to “555-0142”: New phone number — done");
  await expect(correction).toContainText("Checked and applied to your record (automatically)");

  const admin = await browser.newPage();
  await signIn(admin, "admin@custodia.test");
  await admin.getByRole("link", { name: "Requests", exact: true }).click();
  await expect(admin.getByText("New phone number")).toHaveCount(0);

  await page.getByRole("link", { name: "My record", exact: true }).click();
  await expect(page.locator("dt:has-text('Phone') + dd")).toHaveText("555-0142");
  const mrn = (await page.locator("dt:has-text('MRN') + dd").innerText()).trim();

  await page.getByRole("link", { name: "Requests", exact: true }).click();
  await eraseWith(page, { confirm: true, password: DEMO_PASSWORD });
  const newestErasure = page.getByRole("listitem", { name: "erasure request" }).first();
  await expect(page.getByText("Your erasure is scheduled. You can still cancel it below until it runs.")).toBeVisible();
  await expect(newestErasure).toContainText("Erase my data — scheduled");
  await newestErasure.getByRole("button", { name: "Cancel this request" }).click();
  await expect(newestErasure).toContainText("Erase my data — cancelled");
  await eraseWith(page, { confirm: true, password: DEMO_PASSWORD });
  await expect(page.getByRole("listitem", { name: "erasure request" })).toHaveCount(2);
  await expect(newestErasure).toContainText("Erase my data — scheduled");

  // The e2e server's grace period is 5 seconds; then the admin runs the due erasures.
  await page.waitForTimeout(6_000);
  await admin.reload();
  await admin.getByRole("button", { name: "Run due erasures now" }).click();
  await expect(admin.getByText("1 due erasure executed.")).toBeVisible();
  await admin.close();

  await page.reload();
  await expect(page).toHaveURL(/\/sign-in\?reason=/);
  const clinician = await browser.newPage();
  await signIn(clinician, "clinician1@custodia.test");
  await clinician.getByLabel("MRN").fill(mrn);
  await clinician.getByRole("button", { name: "Search" }).click();
  await expect(clinician.getByText("No patient you may see matches")).toBeVisible();
  await clinician.close();
});
