import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { navigation } from "@/components/shell/navigation";
import { requireActor } from "@/lib/auth/require-actor";

export default async function PatientLayout({ children }: { children: ReactNode }) {
  await requireActor("patient");
  return (
    <AppShell role="patient" nav={navigation.patient}>
      {children}
    </AppShell>
  );
}
