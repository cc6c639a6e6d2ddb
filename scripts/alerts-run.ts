/**
 * `npm run alerts:run`: one pass of the alert jobs by hand (the job runner runs them every minute): records
 * schema changes, runs every detection rule, then sends due alerts to the configured SIEM targets.
 */
import { deliverAlerts } from "@/lib/alerts/delivery/outbox";
import { runAlertRules } from "@/lib/alerts/run";
import { disconnectPrisma } from "@/lib/db/client";
import { withDatabase } from "./with-database";

await withDatabase(async () => {
  try {
    const rules = await runAlertRules();
    console.log(`schema changes recorded: ${rules.schemaChangesRecorded}`);
    for (const [rule, raised] of Object.entries(rules.raised)) console.log(`${rule}: ${raised} new alert(s)`);
    const sent = await deliverAlerts();
    console.log(`SIEM: ${sent.delivered} delivered, ${sent.retrying} to retry, ${sent.failed} given up`);
  } finally {
    await disconnectPrisma();
  }
});
