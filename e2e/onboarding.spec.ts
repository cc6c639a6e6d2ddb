import { expect, test, type Browser } from "@playwright/test";
import { signIn } from "./support/auth";

const PASSWORD = "meadow lantern after rain";

async function freshPage(browser: Browser) {
  return (await browser.newContext()).newPage();
}

// Issue 10, items 5 and 6, on the demo (no mail server: the invitation is read from /dev/mailbox).
test("a clinician registers a patient, who opens the account with the link and their birth date; the clinician sees them", async ({ page: clinician, browser }) => {
  const email = `new.patient.${Date.now()}@custodia.test`;
  await signIn(clinician, "clinician1@custodia.test");
  await clinician.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Register a patient" }).click();
  const form = clinician.getByRole("form", { name: "Register a patient" });
  await form.getByLabel("Given name").fill("Wanda");
  await form.getByLabel("Family name").fill("Welcome-Smith");
  await form.getByLabel("Date of birth").fill("1988-03-21");
  await form.getByLabel("Phone (optional)").fill("0207 946 0958");
  await form.getByLabel("E-mail").fill(email);
  await form.getByRole("button", { name: "Register and invite" }).click();
  await expect(form.getByText(/international form/)).toBeVisible();
  await form.getByLabel("Phone (optional)").fill("+44 20 7946 0958");
  await form.getByRole("button", { name: "Register and invite" }).click();
  const done = form.getByRole("status").filter({ hasText: "written to the development mailbox" });
  await expect(done).toBeVisible();
  const mrn = /MRN-\d{6}/.exec((await done.textContent())!)![0];

  const patient = await freshPage(browser);
  await patient.goto("/dev/mailbox");
  await patient.getByRole("article", { name: `Message to ${email}` }).getByRole("link", { name: /\/activate\/patient\// }).click();
  await expect(patient.getByRole("heading", { name: "Open your patient account" })).toBeVisible();
  await patient.getByLabel("Your date of birth").fill("1988-03-12");
  await patient.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await patient.getByLabel("New password again").fill(PASSWORD);
  await patient.getByRole("button", { name: "Open my account" }).click();
  await expect(patient.getByText("This birth date does not match our records")).toBeVisible();
  await patient.getByLabel("Your date of birth").fill("1988-03-21");
  await patient.getByRole("button", { name: "Open my account" }).click();
  await expect(patient).toHaveURL(/\/patient$/);
  // The link is on the portal's public origin (localhost here), where the session cookie now lives.
  await patient.goto(new URL("/patient/record", patient.url()).href);
  await expect(patient.getByText(mrn)).toBeVisible();

  await clinician.goto("/clinician");
  await expect(clinician.getByRole("table", { name: "Patients of my care teams" }).getByText(mrn)).toBeVisible();
});

test("removing a clinician from a care team stops their access on their next request", async ({ page: admin, browser }) => {
  const team = `E2E Ward ${Date.now()}`;
  await signIn(admin, "admin@custodia.test");
  await admin.goto("/admin/care-teams");
  await admin.getByRole("form", { name: "New care team" }).getByLabel("Team name").fill(team);
  await admin.getByRole("form", { name: "New care team" }).getByRole("button", { name: "Create team" }).click();
  const section = admin.getByRole("region", { name: team });
  await expect(section).toBeVisible();
  await section.getByRole("form", { name: `Add a clinician to ${team}` }).getByLabel("Clinician").selectOption({ label: "Dr. Sam South" });
  await section.getByRole("button", { name: "Add to team" }).click();
  await expect(section.getByText("Clinician added.")).toBeVisible();
  // Patient 03 (North Clinic): clinician4 (South Clinic) could not see them before.
  await section.getByLabel("Patient MRN").fill("MRN-123757");
  await section.getByRole("button", { name: "Add patient" }).click();
  await expect(section.getByText(/Patient psn_\S+ added to the team/)).toBeVisible();

  const clinician = await freshPage(browser);
  await signIn(clinician, "clinician4@custodia.test");
  await clinician.getByRole("form", { name: "Find a patient" }).getByLabel("MRN").fill("MRN-123757");
  await clinician.getByRole("form", { name: "Find a patient" }).getByRole("button", { name: "Search" }).click();
  await clinician.getByRole("table", { name: "Search results" }).getByRole("link").first().click();
  await expect(clinician).toHaveURL(/\/clinician\/patients\/[0-9a-f-]{36}$/);
  await expect(clinician.getByText("MRN-123757")).toBeVisible();

  await section.getByRole("form", { name: /^Remove / }).getByRole("button", { name: "Remove" }).click();
  // The member's row, and the form that removed it, are gone from the re-rendered team.
  await expect(section.getByRole("form", { name: "Remove Dr. Sam South" })).toHaveCount(0);
  await clinician.reload();
  await expect(clinician.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("the care team withdraws a patient's invitation and sends a new one from the chart; the old link is dead", async ({ page: clinician, browser }) => {
  const email = `resent.patient.${Date.now()}@custodia.test`;
  await signIn(clinician, "clinician1@custodia.test");
  await clinician.goto("/clinician/patients/new");
  const form = clinician.getByRole("form", { name: "Register a patient" });
  await form.getByLabel("Given name").fill("Rhea");
  await form.getByLabel("Family name").fill("Resend");
  await form.getByLabel("Date of birth").fill("1990-05-05");
  await form.getByLabel("E-mail").fill(email);
  await form.getByRole("button", { name: "Register and invite" }).click();
  await expect(form.getByRole("status").filter({ hasText: "written to the development mailbox" })).toBeVisible();
  await form.getByRole("link", { name: "Open the new patient's chart" }).click();

  const card = clinician.locator("section").filter({ has: clinician.getByRole("heading", { name: "Portal invitation" }) });
  await expect(card.getByText(/^Not activated yet\. The invitation link works until/)).toBeVisible();
  await card.getByRole("button", { name: "Withdraw invitation" }).click();
  await expect(card.getByText("Invitation withdrawn: the link no longer works.")).toBeVisible();
  await expect(card.getByText(/no invitation link works/)).toBeVisible();

  const patient = await freshPage(browser);
  await patient.goto("/dev/mailbox");
  const firstLink = (await patient.getByRole("article", { name: `Message to ${email}` }).getByRole("link", { name: /\/activate\/patient\// }).first().getAttribute("href"))!;

  await card.getByRole("button", { name: "Send a new invitation" }).click();
  await expect(card.getByText("Invitation for the patient written to the development mailbox")).toBeVisible();
  await patient.goto(firstLink);
  await patient.getByLabel("Your date of birth").fill("1990-05-05");
  await patient.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await patient.getByLabel("New password again").fill(PASSWORD);
  await patient.getByRole("button", { name: "Open my account" }).click();
  await expect(patient.getByText(/This link is not valid any more/)).toBeVisible();

  await patient.goto("/dev/mailbox");
  const links = patient.getByRole("article", { name: `Message to ${email}` }).getByRole("link", { name: /\/activate\/patient\// });
  await expect(links).toHaveCount(2);
  const hrefs = await links.evaluateAll((all) => all.map((a) => a.getAttribute("href")!));
  await patient.goto(hrefs.find((h) => h !== firstLink)!);
  await patient.getByLabel("Your date of birth").fill("1990-05-05");
  await patient.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await patient.getByLabel("New password again").fill(PASSWORD);
  await patient.getByRole("button", { name: "Open my account" }).click();
  await expect(patient).toHaveURL(/\/patient$/);
});

test("an administrator renames a team and deletes it only once it is empty, told what blocks it", async ({ page: admin }) => {
  const team = `E2E Rename ${Date.now()}`;
  await signIn(admin, "admin@custodia.test");
  await admin.goto("/admin/care-teams");
  await admin.getByRole("form", { name: "New care team" }).getByLabel("Team name").fill(team);
  await admin.getByRole("form", { name: "New care team" }).getByRole("button", { name: "Create team" }).click();
  let section = admin.getByRole("region", { name: team });
  await section.getByRole("form", { name: `Add a clinician to ${team}` }).getByLabel("Clinician").selectOption({ label: "Dr. Sam South" });
  await section.getByRole("button", { name: "Add to team" }).click();
  await expect(section.getByText("Clinician added.")).toBeVisible();
  await section.getByRole("button", { name: "Delete team" }).click();
  await expect(section.getByText("This team still has 1 clinician. Remove them first, then delete the team.")).toBeVisible();
  await section.getByRole("form", { name: "Remove Dr. Sam South" }).getByRole("button", { name: "Remove" }).click();
  await expect(section.getByRole("form", { name: "Remove Dr. Sam South" })).toHaveCount(0);

  const renamed = `${team} (renamed)`;
  await section.getByRole("form", { name: `Rename ${team}` }).getByLabel("New name").fill(renamed);
  await section.getByRole("form", { name: `Rename ${team}` }).getByRole("button", { name: "Rename" }).click();
  section = admin.getByRole("region", { name: renamed });
  await expect(section).toBeVisible();
  await section.getByRole("button", { name: "Delete team" }).click();
  await expect(admin.getByRole("region", { name: renamed })).toHaveCount(0);
});
