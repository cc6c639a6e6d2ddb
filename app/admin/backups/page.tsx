import { BackupList } from "@/components/backups/backup-list";
import { requireActor } from "@/lib/auth/require-actor";
import { backupsOverview } from "@/lib/services/backups";

export const metadata = { title: "Backups" };

export default async function AdminBackupsPage() {
  const actor = await requireActor("admin");
  return <BackupList overview={await backupsOverview(actor)} />;
}
