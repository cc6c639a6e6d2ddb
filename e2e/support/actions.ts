import { readFileSync } from "node:fs";
import type { BrowserContext } from "@playwright/test";

/**
 * Server actions called the way an attacker would: a raw POST with the action's id, a hand-built body and
 * whatever headers the test chooses (no browser adds Origin or Sec-Fetch-* for us).
 */
const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
  node: Record<string, { exportedName?: string }>;
};

export function actionId(name: string): string {
  const entry = Object.entries(manifest.node).find(([, action]) => action.exportedName === name);
  if (!entry) throw new Error(`no server action named ${name} in this build`);
  return entry[0];
}

/**
 * React's encoding of a call with the arguments `leading` and then a form (by default, as useActionState
 * calls an action: the previous state, then the form): the form's fields, then the argument list naming it.
 */
export function formReply(fields: Record<string, string>, leading: unknown[] = [{ ok: false }]): { body: string; contentType: string } {
  const boundary = "----e2e" + Math.random().toString(16).slice(2);
  const args = [...leading, "$K1"];
  const parts = [...Object.entries(fields).map(([name, value]) => [`_1_${name}`, value]), ["0", JSON.stringify(args)]];
  const body = parts.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join("") + `--${boundary}--\r\n`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface RawAction {
  base: string;
  path: string;
  action: string;
  body: string;
  contentType: string;
  cookie?: string;
  headers?: Record<string, string>;
}

export async function postAction({ base, path, action, body, contentType, cookie, headers = {} }: RawAction): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "next-action": actionId(action), accept: "text/x-component", "content-type": contentType, ...(cookie ? { cookie } : {}), ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

export async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
}
