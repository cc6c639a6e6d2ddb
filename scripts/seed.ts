/** `npm run db:seed`: demo data through the service layer (refused in production). */
import { disconnectPrisma } from "@/lib/db/client";
import { seedDemo } from "@/lib/demo/seed";
import { resealPatientText } from "@/lib/services/reseal-patient-text";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  console.log(`demo data: ${await seedDemo(console.log)}`);
  // A database seeded by an older version: its patients' account and request text moves under their data keys.
  const moved = await resealPatientText();
  if (moved > 0) console.log(`moved under patient keys: ${moved} values`);
  await disconnectPrisma();
});
