import "server-only";
import { noRequest } from "@/lib/access/actor";
import { openSystem } from "@/lib/crypto/secret";
import { withSystem } from "@/lib/db/transaction";
import { patientCiphers } from "./patient-keys";

/**
 * Text about a patient written before it moved under the patient's data key (lib/services/patient-text.ts) is
 * still under the system key, so an old dump would keep it readable after the patient's erasure. This moves it,
 * batch by batch, each batch one audited transaction; a row is only replaced if it still holds what was read,
 * so a run killed at any point loses nothing and a second run finishes the rest. Identifiers below are fixed.
 */
interface Column {
  table: string;
  column: string;
  /** The row's key column (the AAD's row id), and where the patient comes from when the table lacks it. */
  key: string;
  from: string;
}

const own = (table: string, column: string): Column => ({ table, column, key: "id", from: `${table} WHERE patient_id IS NOT NULL AND` });

const COLUMNS: Column[] = [
  own("app_user", "email_enc"),
  own("app_user", "display_name_enc"),
  own("data_request", "details_enc"),
  own("data_request", "decision_reason_enc"),
  own("data_request", "extended_reason_enc"),
  own("break_glass_grant", "reason_enc"),
  { table: "break_glass_review", column: "comment_enc", key: "grant_id", from: "break_glass_review JOIN break_glass_grant g ON g.id = grant_id WHERE" },
];

export async function resealPatientText(batchSize = 200): Promise<number> {
  let moved = 0;
  for (const { table, column, key, from } of COLUMNS) {
    for (;;) {
      const done = await withSystem(noRequest, async ({ tx, audit }) => {
        const rows = await tx.$queryRawUnsafe<{ id: string; patient_id: string; ct: string }[]>(
          `SELECT ${key}::text AS id, patient_id::text, ${column} AS ct FROM ${from} ${column} LIKE 'v1.s.%' LIMIT $1`,
          batchSize,
        );
        const ciphers = await patientCiphers(tx, [...new Set(rows.map((r) => r.patient_id))]);
        let count = 0;
        for (const r of rows) {
          const cipher = ciphers.get(r.patient_id);
          if (!cipher) continue;
          const plain = openSystem(r.ct, { table, column, rowId: r.id });
          count += await tx.$executeRawUnsafe(
            `UPDATE ${table} SET ${column} = $1 WHERE ${key} = $2::uuid AND ${column} = $3`,
            cipher.seal(table, column, r.id, plain),
            r.id,
            r.ct,
          );
        }
        if (count > 0) audit({ action: "keys.reseal_patient_text", details: { table, column, count } });
        return count;
      });
      moved += done;
      if (done === 0) break;
    }
  }
  return moved;
}
