import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect as baseExpect, test, type Browser, type Page } from "@playwright/test";
import pg from "pg";
import { linkIn, startSmtpServer } from "../tests/helpers/smtp";
import { freshTotp } from "./support/auth";

// Issue 10, "Done when": a production-mode install on an empty database, as a hospital would run it. Its own
// database, real production keys generated into a temporary folder, the compiled server (`node dist/server.js`)
// behind a TLS-terminating reverse proxy (production serves only its https:// PUBLIC_ORIGIN), a runtime login
// role that is not the owner, and a real SMTP server in this process from which every link is read.

// A production server freshly started on a shared machine answers its first requests slowly (argon2, cold pages).
const expect = baseExpect.configure({ timeout: 30_000 });

const ADMIN = "ada.admin@hospital.test";
const CLINICIAN = "carl.clinician@hospital.test";
const PATIENT = "pia.patient@home.test";
const PASSWORDS = { admin: "copper kettle under snow", clinician: "harbour lights at midnight", patient: "violet garden by the sea" };
const DATABASE = `${process.env.E2E_DATABASE ?? "custodia_e2e"}_production`;
const RUNTIME_ROLE = "custodia_runtime_e2e";

const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const dbUrl = (user?: string) => {
  const url = new URL(serverUrl!);
  url.pathname = `/${DATABASE}`;
  if (user) url.username = user;
  return url.toString();
};

async function ownerSql(connectionString: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The reverse proxy in front of the portal: TLS here, one X-Forwarded-For entry appended (TRUST_PROXY=1). */
function tlsProxy(dir: string, appPort: number): Server {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { cwd: dir, stdio: "ignore" });
  return createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (req, res) => {
    const headers = { ...req.headers, "x-forwarded-for": req.socket.remoteAddress ?? "127.0.0.1", "x-forwarded-proto": "https", "x-forwarded-host": req.headers.host };
    const upstream = httpRequest({ host: "127.0.0.1", port: appPort, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
}

let dir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | undefined;
let proxy: Server | undefined;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let origin: string;

test.skip(!serverUrl, "needs a PostgreSQL server (DATABASE_URL): the production journey runs on a database of its own there");

test.beforeAll(async () => {
  test.setTimeout(300_000);
  dir = mkdtempSync(join(tmpdir(), "custodia-production-"));
  smtp = await startSmtpServer();
  const [appPort, proxyPort] = [await freePort(), await freePort()];
  origin = `https://127.0.0.1:${proxyPort}`;
  // Real production keys, generated as the README says, kept in a file of this run's own.
  const keys = execFileSync("npx", ["tsx", "scripts/keys-generate.ts"], { encoding: "utf8" });
  writeFileSync(join(dir, "production.env"), keys, { mode: 0o600 });
  const keyEnv = Object.fromEntries(keys.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  await ownerSql(serverUrl!, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await ownerSql(serverUrl!, `CREATE DATABASE ${DATABASE}`);
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...keyEnv,
    NODE_ENV: "production",
    CUSTODIA_ENV: "production",
    MIGRATION_DATABASE_URL: dbUrl(),
    DATABASE_URL: dbUrl(RUNTIME_ROLE),
    DATABASE_ALLOW_LOCAL_PLAINTEXT: "1",
    PUBLIC_ORIGIN: origin,
    TRUST_PROXY: "1",
    PORT: String(appPort),
    SMTP_URL: smtp.url,
    MAIL_FROM: "Custodia <portal@hospital.test>",
    CUSTODIA_JOBS: "0",
    CUSTODIA_DATA_DIR: join(dir, "data"),
    CUSTODIA_CHECKPOINT_DIR: join(dir, "checkpoints"),
    CUSTODIA_ERASURE_LEDGER: join(dir, "erasure-ledger.jsonl"),
  };
  // The owner migrates; the portal connects as a login role that is neither owner nor superuser.
  const migrate = spawnSync("npm", ["run", "db:migrate"], { env: { ...env, DATABASE_URL: dbUrl() }, encoding: "utf8", timeout: 180_000 });
  expect(migrate.status, migrate.stderr).toBe(0);
  await ownerSql(serverUrl!, `DO $$ BEGIN CREATE ROLE ${RUNTIME_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  await ownerSql(serverUrl!, `GRANT custodia_app TO ${RUNTIME_ROLE}`);

  const created = spawnSync("npm", ["run", "admin:create", "--", "--email", ADMIN, "--name", "Ada Admin"], {
    env,
    input: `${PASSWORDS.admin}\n`,
    encoding: "utf8",
    timeout: 180_000,
  });
  expect(created.status, created.stdout + created.stderr).toBe(0);

  // Its own process group, so stopping it stops everything it started.
  server = spawn(process.execPath, ["--enable-source-maps", "dist/server.js"], { env, detached: true, stdio: "inherit" });
  proxy = tlsProxy(dir, appPort);
  await new Promise<void>((resolve) => proxy!.listen(proxyPort, "127.0.0.1", resolve));
  await expect(async () => {
    const res = await fetch(`http://127.0.0.1:${appPort}/staff/sign-in`);
    expect(res.status).toBe(200);
  }).toPass({ timeout: 120_000 });
});

test.afterAll(async () => {
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  proxy?.close();
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (serverUrl) await ownerSql(serverUrl, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
});

async function portalPage(browser: Browser): Promise<Page> {
  // The proxy's certificate is this run's own; the browser would otherwise refuse it.
  return (await browser.newContext({ ignoreHTTPSErrors: true, baseURL: origin })).newPage();
}

async function enrolTotp(page: Page, home: RegExp): Promise<void> {
  await expect(page).toHaveURL(/\/mfa\/enroll$/);
  const secret = (await page.getByTestId("totp-secret").innerText()).trim();
  await page.getByLabel("Code from your app").fill(await freshTotp(secret));
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page).toHaveURL(home);
}

async function linkFor(address: string, path: string): Promise<string> {
  const link = linkIn(await smtp.next(address, 30_000), path);
  expect(link.startsWith(`${origin}${path}`)).toBe(true);
  return link;
}

test("production, empty database: admin:create, the admin invites a clinician, who registers a patient; both activate from e-mailed links and the clinician sees the patient", async ({ browser }) => {
  test.setTimeout(480_000);
  const admin = await portalPage(browser);
  await admin.goto("/staff/sign-in");
  await admin.getByLabel("Email").fill(ADMIN);
  await admin.getByLabel("Password").fill(PASSWORDS.admin);
  await admin.getByRole("button", { name: "Sign in" }).click();
  await enrolTotp(admin, /\/admin$/);

  const team = "Cardiology";
  await admin.goto("/admin/care-teams");
  await admin.getByRole("form", { name: "New care team" }).getByLabel("Team name").fill(team);
  await admin.getByRole("form", { name: "New care team" }).getByRole("button", { name: "Create team" }).click();
  await expect(admin.getByRole("region", { name: team })).toBeVisible();

  await admin.goto("/admin/staff");
  const invite = admin.getByRole("form", { name: "Invite a staff member" });
  await invite.getByLabel("Name").fill("Dr Carl Clinician");
  await invite.getByLabel("E-mail").fill(CLINICIAN);
  await invite.getByLabel("Role").selectOption("clinician");
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText(`Invitation sent to ${CLINICIAN}`)).toBeVisible();

  const clinician = await portalPage(browser);
  await clinician.goto(await linkFor(CLINICIAN, "/activate/"));
  await clinician.getByLabel("New password", { exact: true }).fill(PASSWORDS.clinician);
  await clinician.getByLabel("New password again").fill(PASSWORDS.clinician);
  await clinician.getByRole("button", { name: "Set password and continue" }).click();
  await enrolTotp(clinician, /\/clinician$/);

  // The administrator puts the new clinician on the team: the patients they register join it.
  await admin.goto("/admin/care-teams");
  const section = admin.getByRole("region", { name: team });
  await section.getByRole("form", { name: `Add a clinician to ${team}` }).getByLabel("Clinician").selectOption({ label: "Dr Carl Clinician" });
  await section.getByRole("button", { name: "Add to team" }).click();
  await expect(section.getByText("Clinician added.")).toBeVisible();

  await clinician.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Register a patient" }).click();
  const form = clinician.getByRole("form", { name: "Register a patient" });
  await form.getByLabel("Given name").fill("Pia");
  await form.getByLabel("Family name").fill("Patient");
  await form.getByLabel("Date of birth").fill("1979-11-02");
  await form.getByLabel("E-mail").fill(PATIENT);
  await form.getByRole("button", { name: "Register and invite" }).click();
  const done = form.getByRole("status").filter({ hasText: `Invitation sent to ${PATIENT}` });
  await expect(done).toBeVisible();
  const mrn = /MRN-\d{6}/.exec((await done.textContent())!)![0];

  const patient = await portalPage(browser);
  await patient.goto(await linkFor(PATIENT, "/activate/patient/"));
  await patient.getByLabel("Your date of birth").fill("1979-11-02");
  await patient.getByLabel("New password", { exact: true }).fill(PASSWORDS.patient);
  await patient.getByLabel("New password again").fill(PASSWORDS.patient);
  await patient.getByRole("button", { name: "Open my account" }).click();
  // PATIENT_MFA is "required" by default in production: no PHI before the second factor.
  await enrolTotp(patient, /\/patient$/);
  await patient.goto("/patient/record");
  await expect(patient.getByText(mrn)).toBeVisible();

  await clinician.goto("/clinician");
  await expect(clinician.getByRole("table", { name: "Patients of my care teams" }).getByText(mrn)).toBeVisible();

  // Nothing of the demo exists here; every account was made by the journey itself.
  const accounts = new pg.Client({ connectionString: dbUrl() });
  await accounts.connect();
  try {
    const { rows } = await accounts.query<{ role: string; demo: boolean }>("SELECT role, is_demo AS demo FROM app_user ORDER BY created_at");
    expect(rows).toEqual([
      { role: "admin", demo: false },
      { role: "clinician", demo: false },
      { role: "patient", demo: false },
    ]);
  } finally {
    await accounts.end();
  }
});
