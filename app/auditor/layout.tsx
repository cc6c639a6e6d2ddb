import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { navigation } from "@/components/shell/navigation";
import { requireActor } from "@/lib/auth/require-actor";

export default async function AuditorLayout({ children }: { children: ReactNode }) {
  await requireActor("auditor");
  return (
    <AppShell role="auditor" nav={navigation.auditor}>
      {children}
    </AppShell>
  );
}
