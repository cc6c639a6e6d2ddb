import type { ReactNode } from "react";

export function AuthShell({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-12">
      <p className="mb-2 text-sm font-semibold uppercase tracking-wide text-brand-700">Custodia</p>
      <h1 className="mb-6 text-2xl font-bold">{title}</h1>
      <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">{children}</div>
      {footer ? <div className="mt-4 text-sm text-slate-700">{footer}</div> : null}
    </main>
  );
}
