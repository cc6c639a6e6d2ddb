import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { navigation } from "@/components/shell/navigation";
import { requireActor } from "@/lib/auth/require-actor";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireActor("admin");
  return (
    <AppShell role="admin" nav={navigation.admin}>
      {children}
    </AppShell>
  );
}
