import "server-only";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { outboxDir, type OutboxMessage } from "./send";

const recordSchema = z.object({ id: z.string(), to: z.string(), subject: z.string(), text: z.string(), sentAt: z.string() });

/** The development outbox, newest first (the mailbox page; never read in production). */
export async function readOutbox(limit = 50): Promise<OutboxMessage[]> {
  const names = await readdir(outboxDir()).catch(() => [] as string[]);
  const recent = names.filter((n) => n.endsWith(".json")).sort().reverse().slice(0, limit);
  const messages = await Promise.all(recent.map(async (name) => recordSchema.safeParse(JSON.parse(await readFile(join(outboxDir(), name), "utf8")))));
  return messages.flatMap((m) => (m.success ? [m.data] : []));
}
