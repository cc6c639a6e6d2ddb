import { defineConfig } from "prisma/config";

// Migrations are plain SQL applied by lib/db/migrate.ts (the Prisma CLI's schema engine cannot be
// downloaded here); this config only serves `prisma generate`.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
