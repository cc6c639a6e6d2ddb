import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { navigation } from "@/components/shell/navigation";
import { requireActor } from "@/lib/auth/require-actor";

export default async function ClinicianLayout({ children }: { children: ReactNode }) {
  await requireActor("clinician");
  return (
    <AppShell role="clinician" nav={navigation.clinician}>
      {children}
    </AppShell>
  );
}
