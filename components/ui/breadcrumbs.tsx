import Link from "next/link";

export interface Crumb {
  href: string;
  label: string;
}

/** Where a nested page sits (issue 13 item 10): the way back up, then this page, marked as current. */
export function Breadcrumbs({ trail, current }: { trail: Crumb[]; current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-slate-700">
      <ol className="flex flex-wrap items-center gap-1">
        {trail.map((c) => (
          <li key={c.href} className="flex items-center gap-1">
            <Link className="underline" href={c.href}>
              {c.label}
            </Link>
            <span aria-hidden="true">›</span>
          </li>
        ))}
        <li aria-current="page" className="min-w-0 break-words font-medium text-slate-900">
          {current}
        </li>
      </ol>
    </nav>
  );
}
