/** `npm run db:seed`: demo data through the service layer (refused in production). */
import { disconnectPrisma } from "@/lib/db/client";
import { seedDemo } from "@/lib/demo/seed";

const result = await seedDemo(console.log);
console.log(`demo data: ${result}`);
await disconnectPrisma();
