import type { SelectHTMLAttributes } from "react";
import { controlClass, describedBy, FieldShell } from "./field-shell";

export function Select({
  label,
  name,
  options,
  error,
  ...rest
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; name: string; options: { value: string; label: string }[]; error?: string }) {
  const id = rest.id ?? `field-${name}`;
  return (
    <FieldShell id={id} label={label} error={error}>
      <select name={name} className={controlClass} {...rest} {...describedBy(id, undefined, error)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}
