import "server-only";
import type { RequestMeta } from "@/lib/access/actor";
import { openSystem } from "@/lib/crypto/secret";
import type { Prisma } from "@/lib/db/generated/client";
import { withSystem } from "@/lib/db/transaction";
import { staffRoleSchema } from "@/lib/validation/staff";

/**
 * Staff display names (staff identities are not PHI), for "who and when" beside a record or an audit event.
 * Names are sealed under the system key and not every reader may read the accounts table, so a system lookup
 * maps ids to names. Call it outside any open transaction: the embedded database serializes them.
 */
export async function staffNamesById(request: RequestMeta, ids: string[]): Promise<Map<string, string>> {
  const now = Date.now();
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const hit = nameCache.get(id);
    if (hit && hit.until > now) found.set(id, hit.name);
    else missing.push(id);
  }
  if (missing.length > 0) {
    // Staff only: a patient account's name is under the patient's data key (lib/services/patient-text.ts), and an
    // author_id forged to a patient's account id must not print that patient's name in a chart.
    for (const [id, name] of await staffNames(request, { id: { in: missing }, role: { in: staffRoleSchema.options } })) {
      found.set(id, name);
      nameCache.set(id, { name, until: now + NAME_TTL_MS });
    }
    // Oldest first in insertion order: enough to keep the cache bounded without an LRU's bookkeeping.
    while (nameCache.size > NAME_CACHE_MAX) nameCache.delete(nameCache.keys().next().value!);
  }
  return found;
}

/**
 * A chart names its authors on every read; a second transaction per read for names that are written once at
 * account creation (never renamed) doubled the chart's round trips (issue 9). Kept briefly, per process: a
 * removed account's name lingers at most NAME_TTL_MS, and names are not PHI.
 */
const nameCache = new Map<string, { name: string; until: number }>();
const NAME_TTL_MS = 5 * 60_000;
const NAME_CACHE_MAX = 5000;

/** Ids of the staff whose name contains the text, ignoring case and accents ("jose" finds "José"). */
export async function staffIdsMatching(request: RequestMeta, text: string): Promise<string[]> {
  const wanted = folded(text);
  const names = await staffNames(request, { role: { in: staffRoleSchema.options } });
  return [...names].filter(([, name]) => folded(name).includes(wanted)).map(([id]) => id);
}

function folded(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().trim();
}

async function staffNames(request: RequestMeta, where: Prisma.UserWhereInput): Promise<Map<string, string>> {
  return withSystem(request, async ({ tx }) => {
    const users = await tx.user.findMany({ where, select: { id: true, displayNameEnc: true } });
    return new Map(users.map((u) => [u.id, openSystem(u.displayNameEnc, { table: "app_user", column: "display_name_enc", rowId: u.id })]));
  });
}
