/** `npm run db:seed`: demo data through the service layer (refused in production). */
import { disconnectPrisma } from "@/lib/db/client";
import { seedDemo } from "@/lib/demo/seed";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  console.log(`demo data: ${await seedDemo(console.log)}`);
  await disconnectPrisma();
});
