/**
 * `npm run reseal:patient-text`: moves text about patients that older versions sealed under the system key (account
 * e-mail and name, data-request text, break-glass reasons) under each patient's data key (docs/decisions/0013).
 * Run once after deploying this version, before the next backup; safe to run again (it only moves what is left).
 */
import { disconnectPrisma } from "@/lib/db/client";
import { resealPatientText } from "@/lib/services/reseal-patient-text";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  console.log(`moved under patient keys: ${await resealPatientText()} values`);
  await disconnectPrisma();
});
