/**
 * A small SVG bar chart. Hand-drawn on purpose: chart libraries render `style` attributes, which the
 * nonce-based CSP (no 'unsafe-inline' for styles) blocks; SVG presentation attributes are allowed.
 */
export interface Series {
  label: string;
  color: string;
  values: number[];
}

export function BarChart({ title, labels, series }: { title: string; labels: string[]; series: Series[] }) {
  const width = 720;
  const height = 200;
  const max = Math.max(1, ...labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)));
  const slot = labels.length > 0 ? width / labels.length : width;
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height + 40}`} role="img" aria-label={title} className="w-full">
        {labels.map((label, i) => {
          let y = height;
          return (
            <g key={label}>
              {series.map((s) => {
                const h = ((s.values[i] ?? 0) / max) * height;
                y -= h;
                return <rect key={s.label} x={i * slot + 4} y={y} width={Math.max(slot - 8, 2)} height={h} fill={s.color} />;
              })}
              <text x={i * slot + slot / 2} y={height + 16} fontSize="10" textAnchor="middle" fill="#334155">
                {label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-1 flex gap-4 text-xs text-slate-700">
        {series.map((s) => (
          <span key={s.label} className="flex items-center gap-1">
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" fill={s.color} />
            </svg>
            {s.label}
          </span>
        ))}
      </figcaption>
      <table className="sr-only">
        <caption>{title}</caption>
        <tbody>
          {labels.map((label, i) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {series.map((s) => (
                <td key={s.label}>
                  {s.label}: {s.values[i] ?? 0}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
