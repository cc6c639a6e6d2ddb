import { expect as baseExpect, test, type Browser, type Page } from "@playwright/test";
import { freshTotp, signIn } from "./support/auth";

// Issue 10, "Done when", second half: the whole identity journey as ONE spec on the demo install, with no mail
// server. It runs against the ordinary e2e server (e2e/support/serve.mjs): CUSTODIA_ENV=test, which is not
// production, so every message is written to the development outbox and read here from the development-only
// mailbox page /dev/mailbox, as a person would open it in their inbox (production serves no mailbox and mails
// through SMTP: e2e/production-journey.spec.ts). In CI's embedded pass (no DATABASE_URL) the server runs on the
// embedded database (PGlite); in the PostgreSQL pass on PostgreSQL: the same journey in both.
// Steps: the admin invites a clinician; the clinician activates (password, then TOTP); the admin puts them on a
// new care team; the clinician registers a patient into it and invites them; the patient activates with the
// link's code, their birth date and a password; the clinician sees the patient, and the patient their record.

// Under load (two cores shared), a first sign-in hashes passwords slowly.
const expect = baseExpect.configure({ timeout: 20_000 });
const PASSWORDS = { clinician: "lantern over the quiet bay", patient: "kettle singing in april" };

async function freshPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

/** Mailbox links use the portal's public origin (localhost here): stay on the origin the page is on. */
async function go(page: Page, path: string): Promise<void> {
  await page.goto(new URL(path, page.url()).href);
}

/** Opens the newest link under `path` in the message to `address` on the development mailbox page. */
async function openMailboxLink(page: Page, address: string, path: string): Promise<void> {
  const message = page.getByRole("article", { name: `Message to ${address}` });
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await baseExpect(message).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await message.first().getByRole("link", { name: new RegExp(path.replaceAll("/", "\\/")) }).first().click();
}

test("development mode, mailbox page: the admin invites a clinician, who activates with TOTP, registers and invites a patient, who activates; the clinician sees the patient", async ({ page: admin, browser }) => {
  test.setTimeout(240_000);
  const stamp = Date.now();
  const clinicianEmail = `journey.clinician.${stamp}@custodia.test`;
  const clinicianName = `Dr Jules Journey ${stamp}`;
  const patientEmail = `journey.patient.${stamp}@custodia.test`;
  const team = `Journey Ward ${stamp}`;

  // 1. The administrator makes a care team and invites the clinician.
  await signIn(admin, "admin@custodia.test");
  await admin.goto("/admin/care-teams");
  await admin.getByRole("form", { name: "New care team" }).getByLabel("Team name").fill(team);
  await admin.getByRole("form", { name: "New care team" }).getByRole("button", { name: "Create team" }).click();
  await expect(admin.getByRole("region", { name: team })).toBeVisible();
  await admin.goto("/admin/staff");
  const invite = admin.getByRole("form", { name: "Invite a staff member" });
  await invite.getByLabel("Name").fill(clinicianName);
  await invite.getByLabel("E-mail").fill(clinicianEmail);
  await invite.getByLabel("Role").selectOption("clinician");
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText(`Invitation for ${clinicianEmail} written to the development mailbox`)).toBeVisible();

  // 2. The clinician opens the link from the mailbox, sets a password and enrols TOTP before any page opens.
  const clinician = await freshPage(browser);
  await openMailboxLink(clinician, clinicianEmail, "/activate/");
  await expect(clinician.getByRole("heading", { name: "Activate your account" })).toBeVisible();
  await clinician.getByLabel("New password", { exact: true }).fill(PASSWORDS.clinician);
  await clinician.getByLabel("New password again").fill(PASSWORDS.clinician);
  await clinician.getByRole("button", { name: "Set password and continue" }).click();
  await expect(clinician).toHaveURL(/\/mfa\/enroll$/);
  await go(clinician, "/clinician");
  await expect(clinician, "no page before the second factor").toHaveURL(/\/mfa\/enroll$/);
  const secret = (await clinician.getByTestId("totp-secret").innerText()).trim();
  await clinician.getByLabel("Code from your app").fill(await freshTotp(secret));
  await clinician.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(clinician.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
  await clinician.getByRole("link", { name: "Continue" }).click();
  await expect(clinician).toHaveURL(/\/clinician$/);

  // 3. The administrator puts the new clinician on the team (admins never read PHI; teams are theirs to run).
  await admin.goto("/admin/care-teams");
  const section = admin.getByRole("region", { name: team });
  await section.getByRole("form", { name: `Add a clinician to ${team}` }).getByLabel("Clinician").selectOption({ label: clinicianName });
  await section.getByRole("button", { name: "Add to team" }).click();
  await expect(section.getByText("Clinician added.")).toBeVisible();

  // 4. The clinician registers a patient into their team and invites them.
  await clinician.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Register a patient" }).click();
  const form = clinician.getByRole("form", { name: "Register a patient" });
  await form.getByLabel("Given name").fill("Juno");
  await form.getByLabel("Family name").fill("Journey");
  await form.getByLabel("Date of birth").fill("1984-09-17");
  await form.getByLabel("E-mail").fill(patientEmail);
  await form.getByRole("button", { name: "Register and invite" }).click();
  const done = form.getByRole("status").filter({ hasText: "written to the development mailbox" });
  await expect(done).toBeVisible();
  const mrn = /MRN-\d{6}/.exec((await done.textContent())!)![0];

  // 5. The patient opens the link (its code), proves their birth date and chooses a password.
  const patient = await freshPage(browser);
  await openMailboxLink(patient, patientEmail, "/activate/patient/");
  await expect(patient.getByRole("heading", { name: "Open your patient account" })).toBeVisible();
  await patient.getByLabel("Your date of birth").fill("1984-09-17");
  await patient.getByLabel("New password", { exact: true }).fill(PASSWORDS.patient);
  await patient.getByLabel("New password again").fill(PASSWORDS.patient);
  await patient.getByRole("button", { name: "Open my account" }).click();
  await expect(patient).toHaveURL(/\/patient$/);
  await go(patient, "/patient/record");
  await expect(patient.getByText(mrn)).toBeVisible();

  // 6. The clinician sees the patient among their care teams' patients.
  await go(clinician, "/clinician");
  await expect(clinician.getByRole("table", { name: "Patients of my care teams" }).getByText(mrn)).toBeVisible();
});
