/**
 * The load benchmark's side of HTTP: the production build started on a fresh seeded database, and demo users
 * signed in the way a browser does it (the sign-in and TOTP server actions), their cookies kept for reuse.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "otplib";
import { DEMO_PASSWORD, demoAccount } from "@/lib/demo/accounts";

export interface Portal {
  base: string;
  /** CPU seconds (user + system) the server process has used so far; undefined where /proc is absent. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

// Clock ticks per second of /proc/<pid>/stat on Linux (USER_HZ, 100 on every mainstream kernel build).
const USER_HZ = 100;

function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

function ensureBuild(): void {
  if (existsSync(".next/BUILD_ID") && existsSync("dist/server.js")) return;
  const build = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (build.status !== 0) throw new Error("npm run build failed");
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The compiled server (dist/server.js) as a deployment runs it (NODE_ENV=production) with CUSTODIA_ENV=test, so the demo accounts the
 * seed writes may sign in. Its output goes to a log file, shown only if it fails to come up.
 * BENCH_SERVER_NODE_ARGS adds node flags to the server alone, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to
 * profile it under the load (node refuses --cpu-prof in NODE_OPTIONS, and that would also profile the clients).
 */
export async function startPortal(databaseUrl: string): Promise<Portal> {
  ensureBuild();
  const port = await freePort();
  const files = mkdtempSync(join(tmpdir(), "custodia-bench-load-"));
  const logPath = join(files, "server.log");
  const log = createWriteStream(logPath);
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "dist/server.js"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      CUSTODIA_ENV: "test",
      CUSTODIA_SEED: "1",
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      CUSTODIA_CHECKPOINT_DIR: join(files, "checkpoints"),
      CUSTODIA_ERASURE_LEDGER: join(files, "erasure-ledger.jsonl"),
    },
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    rmSync(files, { recursive: true, force: true });
  };
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) break;
    const up = await fetch(`${base}/sign-in`).then((r) => r.ok, () => false);
    if (up) return { base, cpuSeconds: () => cpuSecondsOf(child.pid), stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  const tail = readFileSync(logPath, "utf8").split("\n").slice(-20).join("\n");
  await stop();
  throw new Error(`the portal did not start:\n${tail}`);
}

/** Cookies as a browser keeps them for one user: the latest Set-Cookie per name, removals honoured. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

type ActionHelpers = typeof import("@/e2e/support/actions");
// Loaded after the build exists: it reads the build's server-action manifest when imported.
let helpers: ActionHelpers | undefined;
async function actions(): Promise<ActionHelpers> {
  helpers ??= await import("@/e2e/support/actions");
  return helpers;
}

/** A server action posted as React posts it, with the Origin a browser adds (the gate refuses POSTs without). */
export async function callAction(base: string, path: string, action: string, fields: Record<string, string>, jar: CookieJar): Promise<Response> {
  const { actionId, formReply } = await actions();
  const { body, contentType } = formReply(fields);
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "next-action": actionId(action), accept: "text/x-component", "content-type": contentType, origin: base, cookie: jar.header() },
    body,
  });
  jar.take(response);
  return response;
}

/**
 * Password, then the TOTP code when the account has one. A TOTP step is accepted once per account, so each
 * user signs in once per run and its virtual users share the session.
 */
export async function signIn(base: string, email: string): Promise<CookieJar> {
  const account = demoAccount(email);
  if (!account) throw new Error(`not a demo account: ${email}`);
  const jar = new CookieJar();
  const staff = account.role !== "patient";
  await (await callAction(base, staff ? "/staff/sign-in" : "/sign-in", "signInAction", { portal: staff ? "staff" : "patient", email, password: DEMO_PASSWORD }, jar)).arrayBuffer();
  if (account.totpSecret) {
    const code = await generate({ secret: account.totpSecret, epoch: Math.floor(Date.now() / 1000) });
    await (await callAction(base, "/mfa", "verifyMfaAction", { code }, jar)).arrayBuffer();
  }
  const home = await fetch(`${base}/${account.role}`, { redirect: "manual", headers: { cookie: jar.header() } });
  await home.arrayBuffer();
  if (home.status !== 200) throw new Error(`signing in ${email} failed: its home page answered ${home.status}`);
  return jar;
}
