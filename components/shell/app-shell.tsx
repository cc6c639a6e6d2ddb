import Link from "next/link";
import type { ReactNode } from "react";
import { roleLabel, type Role } from "@/lib/access/roles";
import { SignOutButton } from "./sign-out-button";

export interface NavItem {
  href: string;
  label: string;
}

export function AppShell({ role, nav, children }: { role: Role; nav: NavItem[]; children: ReactNode }) {
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
          <div className="flex items-center gap-3">
            <span className="font-bold text-brand-700">Custodia</span>
            <span className="rounded bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-900">{roleLabel[role]}</span>
          </div>
          <nav aria-label="Main">
            <ul className="flex items-center gap-4 text-sm">
              {nav.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} className="hover:underline">
                    {item.label}
                  </Link>
                </li>
              ))}
              <li>
                <SignOutButton />
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
