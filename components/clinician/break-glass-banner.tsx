import { LocalTime } from "@/components/ui/local-time";

export function BreakGlassBanner({ until }: { until: string }) {
  return (
    <div role="alert" className="rounded-md border-2 border-red-700 bg-red-50 px-4 py-3 text-sm text-red-900">
      <strong>Break-glass access.</strong> This patient is outside your care team. Your access is recorded, reviewed by
      an auditor, and ends at <LocalTime iso={until} />. You can end it sooner from your home page.
    </div>
  );
}
