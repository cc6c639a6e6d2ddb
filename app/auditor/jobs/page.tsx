import { JobRuns } from "@/components/jobs/job-runs";
import { requireActor } from "@/lib/auth/require-actor";
import { jobSchedule, recentJobRuns } from "@/lib/services/job-history";

export const metadata = { title: "Scheduled jobs" };

export default async function AuditorJobsPage() {
  const actor = await requireActor("auditor");
  return <JobRuns schedule={await jobSchedule(actor)} runs={await recentJobRuns(actor)} />;
}
