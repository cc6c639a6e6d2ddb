"use client";

import { usePathname } from "next/navigation";
import { useEffect, useRef, type ReactNode } from "react";

/**
 * The phone menu is a native disclosure (details/summary): it opens and closes by keyboard and screen reader
 * with no script. The only script closes it after a client-side navigation, when the layout (and so the open
 * menu) would otherwise stay in place over the new page.
 */
export function PhoneMenu({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const pathname = usePathname();
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [pathname]);
  return (
    <details ref={ref} className="group md:hidden">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium [&::-webkit-details-marker]:hidden">
        <span aria-hidden="true" className="text-base leading-none">
          ☰
        </span>
        Menu
      </summary>
      <div className="absolute inset-x-0 z-20 mt-3 border-b border-slate-200 bg-white px-4 py-3 shadow-md">{children}</div>
    </details>
  );
}
