import Link from "next/link";
import type { ReactNode } from "react";
import { roleLabel, type Role } from "@/lib/access/roles";
import { PhoneMenu } from "./phone-menu";
import { SignOutButton } from "./sign-out-button";

export interface NavItem {
  href: string;
  label: string;
}

function NavList({ nav, className }: { nav: NavItem[]; className: string }) {
  return (
    <ul className={className}>
      {nav.map((item) => (
        <li key={item.href}>
          <Link href={item.href} className="block py-2 hover:underline md:py-0">
            {item.label}
          </Link>
        </li>
      ))}
      <li className="py-2 md:py-0">
        <SignOutButton />
      </li>
    </ul>
  );
}

/**
 * Every signed-in page's frame. Below the md breakpoint the links fold into a disclosure menu; from md up
 * they show in a row that wraps rather than widening the page. Only one of the two lists is displayed at a
 * time, so assistive technology meets the links once.
 */
export function AppShell({ role, nav, children }: { role: Role; nav: NavItem[]; children: ReactNode }) {
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="relative border-b border-slate-200 bg-white print:hidden">
        <div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
          <div className="flex items-center gap-3">
            <span className="font-bold text-brand-700">Custodia</span>
            <span className="rounded bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-900">{roleLabel[role]}</span>
          </div>
          <nav aria-label="Main">
            <PhoneMenu>
              <NavList nav={nav} className="divide-y divide-slate-100 text-sm" />
            </PhoneMenu>
            <NavList nav={nav} className="hidden flex-wrap items-center justify-end gap-x-4 gap-y-1 text-sm md:flex" />
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8 break-words">
        {children}
      </main>
    </div>
  );
}
