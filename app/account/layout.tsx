import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { navigation } from "@/components/shell/navigation";
import { requireActor } from "@/lib/auth/require-actor";

/** Every signed-in user's own account, inside their own role's shell and menu. */
export default async function AccountLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  return (
    <AppShell role={actor.role} nav={navigation[actor.role]}>
      {children}
    </AppShell>
  );
}
