import "server-only";
import type { RequestMeta } from "@/lib/access/actor";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { withSystem } from "@/lib/db/transaction";
import type { ClinicalContent } from "@/lib/validation/patient";
import { patientCiphers } from "./patient-keys";

export interface ResearchObservation {
  subject: string;
  code: string;
  value: number;
  unit: string;
  year: string;
}

/**
 * A pseudonymized research dataset: observations of patients whose *current* research consent is granted.
 * The consent check and the data read are one statement in one transaction, so a withdrawal that committed
 * before this read began is always honoured (no check-then-read race).
 */
export async function researchDataset(request: RequestMeta): Promise<ResearchObservation[]> {
  return withSystem(request, async ({ tx, audit }) => {
    const rows = await tx.$queryRaw<{ id: string; patient_id: string; content_enc: string }[]>`
      SELECT r.id::text, r.patient_id::text, r.content_enc
      FROM clinical_record r
      WHERE r.kind = 'observation'
        -- Restricted (Art. 18) and erased-but-retained patients are out of every non-treatment use.
        AND NOT EXISTS (SELECT 1 FROM patient_restriction x WHERE x.patient_id = r.patient_id)
        AND (
        SELECT c.decision FROM consent_event c
        WHERE c.patient_id = r.patient_id AND c.purpose = 'research'
        ORDER BY c.created_at DESC, c.id DESC LIMIT 1
      ) = 'granted'`;
    // One key read for all subjects, not one per observation.
    const ciphers = await patientCiphers(tx, [...new Set(rows.map((row) => row.patient_id))]);
    const out: ResearchObservation[] = [];
    for (const row of rows) {
      const cipher = ciphers.get(row.patient_id);
      if (!cipher) continue;
      const content = cipher.openJson<ClinicalContent>("clinical_record", "content_enc", row.id, row.content_enc);
      if (content.kind !== "observation") continue;
      // Year only: exact dates would help re-identify a pseudonymized subject.
      out.push({ subject: pseudonym(row.patient_id), code: content.code, value: content.value, unit: content.unit, year: content.date.slice(0, 4) });
    }
    audit({ action: "research.dataset", details: { subjects: new Set(out.map((o) => o.subject)).size, rows: out.length } });
    return out;
  });
}
