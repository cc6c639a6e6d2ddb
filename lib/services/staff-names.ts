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
export function staffNamesById(request: RequestMeta, ids: string[]): Promise<Map<string, string>> {
  return staffNames(request, { id: { in: [...new Set(ids)] } });
}

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
