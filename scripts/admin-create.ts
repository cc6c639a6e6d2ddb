/**
 * `npm run admin:create -- --email you@hospital.org [--name "Full Name"] [--role …] [--additional]`: creates
 * the first administrator of an installation (production included: this is how one starts without the demo
 * seed); --role clinician|auditor creates other staff until invitations exist. The role is checked by zod.
 * The password is read from standard input (one line, for automation) or asked for twice at a terminal,
 * never from the command line, where it would land in the shell history and the process list.
 */
import { parseArgs } from "node:util";
import { ZodError } from "zod";
import { DomainError, InvalidInput } from "@/lib/access/errors";
import { disconnectPrisma } from "@/lib/db/client";
import { createAdministrator } from "@/lib/services/admin-bootstrap";
import { withDatabase } from "./with-database";

const usage =
  'usage: npm run admin:create -- --email <address> [--name "Full Name"] [--role admin|clinician|auditor] [--additional]  (password on stdin or at the prompt)';

function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stdout.write(question);
    input.setRawMode(true);
    input.resume();
    let value = "";
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          input.setRawMode(false);
          input.pause();
          input.off("data", onData);
          process.stdout.write("\n");
          return resolve(value);
        }
        if (char === "\u0003") {
          input.setRawMode(false);
          return reject(new Error("cancelled"));
        }
        value = char === "\u007f" || char === "\b" ? value.slice(0, -1) : value + char;
      }
    };
    input.on("data", onData);
  });
}

async function readStdinLine(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk.toString();
  return text.split(/\r?\n/)[0] ?? "";
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readStdinLine();
  console.log("Choose a password of at least 12 characters (a few unrelated words work well).");
  const first = await askHidden("Password: ");
  const second = await askHidden("Repeat it: ");
  if (first !== second) throw new Error("the two passwords differ; nothing was created");
  return first;
}

let values;
try {
  ({ values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string", default: "admin" }, additional: { type: "boolean", default: false } } }));
} catch {
  console.error(usage);
  process.exit(2);
}
if (!values.email) {
  console.error(usage);
  process.exit(2);
}
const { email, name, role, additional } = values;

try {
  const password = await readPassword();
  await withDatabase(async () => {
    try {
      await createAdministrator({ email, displayName: name ?? "Administrator", password, role, additional: additional ?? false });
    } finally {
      await disconnectPrisma();
    }
  });
  console.log(`${role === "admin" ? "Administrator" : `Account (${role})`} ${email} created.`);
  console.log("Sign in at /staff/sign-in. At the first sign-in you will scan a QR code with an authenticator app (TOTP)");
  console.log("and receive recovery codes, shown once: keep them somewhere safe.");
} catch (error) {
  // Words for the person at the terminal: the policy's or the guard's own message, or each invalid field's.
  if (error instanceof ZodError) {
    console.error(`Not created: ${error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")}`);
  } else if (error instanceof InvalidInput || error instanceof DomainError) {
    console.error(`Not created: ${error.userMessage ?? error.message}`);
  } else {
    console.error(`Not created: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
