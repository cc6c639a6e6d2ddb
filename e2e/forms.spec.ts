import { expect, test, type Locator, type Page } from "@playwright/test";
import { signIn } from "./support/auth";
import { timesOnPage } from "./support/text";

// Issue 13, items 2–4: forms empty after success, keep input on error, speak plainly beside the field.

const developerText = /expected|Invalid|pattern|Too (small|big)|received|NaN/;

/** The message announced with a field (aria-describedby), which is where a person looks for it. */
async function messageFor(page: Page, field: Locator): Promise<string> {
  const ids = (await field.getAttribute("aria-describedby")) ?? "";
  const id = ids.split(" ").find((i) => i.endsWith("-error"));
  expect(id, "the field names its error message").toBeTruthy();
  return (await page.locator(`[id="${id}"]`).innerText()).trim();
}

test("a patient's request form: plain message beside the field, then empty after sending", async ({ page }) => {
  await signIn(page, "patient07@custodia.test");
  await page.goto("/patient/requests");
  await page.getByLabel("What would you like?").selectOption("objection");
  const reason = page.getByLabel("Reason", { exact: true });
  await reason.fill("no");
  await page.getByRole("button", { name: "Send request" }).click();
  expect(await messageFor(page, reason)).toBe("Tell us briefly why (at least 5 characters)");
  await expect(reason).toHaveValue("no");

  await reason.fill("x".repeat(1001));
  await page.getByRole("button", { name: "Send request" }).click();
  const tooLong = await messageFor(page, reason);
  expect(tooLong).toBe("Use at most 1,000 characters (this has 1,001).");
  expect(tooLong).not.toMatch(developerText);

  await reason.fill("I do not want my data in research studies.");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByText("Your request has been received.")).toBeVisible();
  await expect(page.locator(`[id="field-reason-error"]`)).toHaveCount(0);
  await expect(page.getByLabel("What would you like?")).toHaveValue("rectification");
  await expect(page.getByLabel("Reason", { exact: true })).toHaveValue("");
});

test("an admin's decision keeps the reason when the server refuses it, and the decided request leaves the queue", async ({ page, browser }) => {
  const patient = await browser.newPage();
  await signIn(patient, "patient08@custodia.test");
  await patient.goto("/patient/requests");
  await patient.getByLabel("What would you like?").selectOption("restriction");
  await patient.getByLabel("Reason", { exact: true }).fill("Forms e2e: please restrict my data");
  await patient.getByRole("button", { name: "Send request" }).click();
  await expect(patient.getByText("Your request has been received.")).toBeVisible();
  await patient.close();

  await signIn(page, "admin@custodia.test");
  await page.goto("/admin/requests");
  const request = page.getByRole("region").filter({ hasText: "Forms e2e: please restrict my data" });
  const reason = request.getByLabel("Reason for the decision");
  // The server refuses a 3-letter reason: the words stay, the message says what to do.
  await reason.fill("ok.");
  await request.getByRole("button", { name: "Reject" }).click();
  await expect(request.getByText("Record the reason for the decision")).toBeVisible();
  await expect(reason).toHaveValue("ok.");
  await reason.fill("Restriction applies under Art. 18(1)(d).");
  await request.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("region").filter({ hasText: "Forms e2e: please restrict my data" })).toHaveCount(0);
  // Decided, it moves to the history with its new state and the reason given.
  const decided = page.getByRole("table", { name: "Decided requests, newest first" }).getByRole("row").nth(1);
  await expect(decided).toContainText("Forms e2e: please restrict my data");
  await expect(decided).toContainText("Done");
  await expect(decided).toContainText("Restriction applies under Art. 18(1)(d).");
  await page.getByLabel("Outcome").selectOption("rejected");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/status=rejected/);
  await expect(page.getByText("Forms e2e: please restrict my data")).toHaveCount(0);
});

test("a clinician's entry form: future date, unlisted value and range refused in words; the form is empty after saving", async ({ page }) => {
  await signIn(page, "clinician3@custodia.test");
  await page.goto("/clinician");
  await page.getByRole("table", { name: "Patients of my care teams" }).getByRole("link").first().click();

  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Add entry" }) });
  const date = form.getByLabel("Date");
  const title = form.getByLabel("Title");
  await date.fill("2030-01-01");
  await form.getByRole("button", { name: "Add entry" }).click();
  expect(await messageFor(page, date)).toBe("This date is in the future. Enter the date it happened.");
  expect(await messageFor(page, title)).toBe("Please fill this in.");

  await date.fill("2026-01-15");
  await form.getByLabel("Kind").selectOption("observation");
  await form.getByLabel("Observation").selectOption({ label: "Heart rate (beats/min)" });
  const value = form.getByLabel("Value (beats/min)");
  await value.fill("-5");
  await form.getByRole("button", { name: "Add entry" }).click();
  expect(await messageFor(page, value)).toBe("Heart rate must be between 20 and 250 beats/min. Check the value.");
  await expect(value).toHaveValue("-5");

  await form.getByLabel("Kind").selectOption("note");
  await form.getByLabel("Title").fill("Forms e2e note");
  const note = form.getByLabel("Note");
  await note.fill("Long note. ".repeat(60).trim());
  await expect(form.getByText("659 / 10,000 characters")).toBeVisible();
  await form.getByRole("button", { name: "Add entry" }).click();
  await expect(form.getByText("Entry added.")).toBeVisible();
  await expect(form.getByLabel("Title")).toHaveValue("");
  await expect(form.getByLabel("Note")).toHaveValue("");

  // The long note is folded in the chart until asked for.
  const entry = page.getByRole("listitem").filter({ hasText: "Forms e2e note" });
  await expect(entry.getByText("Show more")).toBeVisible();
  await entry.getByText("Show more").click();
  await expect(entry.getByText("Show less")).toBeVisible();
});

test("a refusal only the server can make is said once, under its field, and focus goes there (patient registration, MRN taken)", async ({ page }) => {
  await signIn(page, "clinician1@custodia.test");
  await page.goto("/clinician/patients/new");
  const form = page.getByRole("form", { name: "Register a patient" });
  // Sent empty, the date picker's field says what is missing, not which format it wants.
  await form.getByRole("button", { name: "Register and invite" }).click();
  expect(await messageFor(page, form.getByLabel("Date of birth"))).toBe("Enter the date of birth");
  await form.getByLabel("Given name").fill("Tomas");
  await form.getByLabel("Family name").fill("Twice");
  await form.getByLabel("Date of birth").fill("1981-02-03");
  // Patient 03's MRN: well-formed, so only the server can tell it is taken.
  const mrn = form.getByLabel("MRN (optional)");
  await mrn.fill("MRN-123757");
  await form.getByLabel("E-mail").fill(`mrn.taken.${Date.now()}@custodia.test`);
  await form.getByRole("button", { name: "Register and invite" }).click();
  const sentence = "A patient with this MRN is already registered. Search for them instead.";
  await expect.poll(() => messageFor(page, mrn).catch(() => "")).toBe(sentence);
  expect(await timesOnPage(page, "A patient with this MRN is already registered")).toBe(1);
  await expect(form.getByText("Please check the highlighted field.")).toBeVisible();
  await expect(mrn).toBeFocused();
  await expect(mrn).toHaveValue("MRN-123757");
});

test("the account's password form answers a too-long password in words, like every other form", async ({ page }) => {
  // Its client bundle imports only lib/validation/staff.ts, which once did not load the plain messages.
  await signIn(page, "patient12@custodia.test");
  await page.goto("/account");
  const form = page.getByRole("form", { name: "Change password" });
  const current = form.getByLabel("Current password");
  await current.fill("x".repeat(1025));
  await form.getByRole("button", { name: "Change password" }).click();
  const message = await messageFor(page, current);
  expect(message).toBe("Use at most 1,024 characters (this has 1,025).");
  expect(message).not.toMatch(developerText);
});

test("a new entry's date is today where the clinician is, not in UTC", async ({ browser }) => {
  // A zone whose calendar day differs from UTC's right now: UTC-11 before 11:00 UTC, UTC+14 from 10:00 UTC.
  const timezoneId = new Date().getUTCHours() < 10 ? "Pacific/Pago_Pago" : "Pacific/Kiritimati";
  const context = await browser.newContext({ timezoneId });
  const page = await context.newPage();
  await signIn(page, "clinician6@custodia.test");
  await page.getByRole("table", { name: "Patients of my care teams" }).getByRole("link").first().click();
  const localDay = new Intl.DateTimeFormat("en-CA", { timeZone: timezoneId }).format(new Date());
  expect(localDay).not.toBe(new Date().toISOString().slice(0, 10));
  const date = page.locator("form").filter({ has: page.getByRole("button", { name: "Add entry" }) }).getByLabel("Date");
  await expect(date).toHaveValue(localDay);
  await expect(date).toHaveAttribute("max", localDay);
  await context.close();
});

test("an administrator who submits the role a person already has is told so, not that the role changed", async ({ page }) => {
  await signIn(page, "admin@custodia.test");
  await page.goto("/admin/staff");
  const form = page.getByRole("form", { name: "Role of Audrey Auditor" });
  await form.getByRole("button", { name: "Change role" }).click();
  expect(await messageFor(page, form.getByLabel("Role"))).toBe("Audrey Auditor already has this role. Choose another to change it.");
  await expect(page.getByText("Role changed.")).toHaveCount(0);
});
