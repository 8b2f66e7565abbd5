/** A hand-written SVG line chart: latency percentiles per second of the steady phase. */

export interface Series {
  label: string;
  color: string;
  dashed: boolean;
  /** y value per x (seconds); NaN = no sample. */
  points: number[];
}

const W = 760;
const H = 360;
const M = { left: 60, right: 170, top: 36, bottom: 44 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function latencyChart(title: string, series: Series[], targetMs: number | null): string {
  const xs = Math.max(1, ...series.map((s) => s.points.length));
  const finite = series.flatMap((s) => s.points.filter((v) => Number.isFinite(v)));
  const yMax = niceMax(Math.max(1, ...finite, targetMs !== null && targetMs <= 2 * Math.max(1, ...finite) ? targetMs : 0));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (i: number) => M.left + (xs <= 1 ? 0 : (i / (xs - 1)) * pw);
  const y = (v: number) => M.top + ph - (Math.min(v, yMax) / yMax) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = (yMax * k) / 5;
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  const step = Math.max(1, Math.ceil(xs / 10));
  for (let i = 0; i < xs; i += step) out.push(`<text x="${x(i)}" y="${M.top + ph + 16}" text-anchor="middle">${i}</text>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle">second of the steady phase (by send time)</text>`);
  out.push(`<text x="14" y="${M.top + ph / 2}" transform="rotate(-90 14 ${M.top + ph / 2})" text-anchor="middle">change-to-friend latency (ms)</text>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  if (targetMs !== null && targetMs <= yMax) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y(targetMs)}" y2="${y(targetMs)}" stroke="#d00" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${M.left + pw - 4}" y="${y(targetMs) - 4}" text-anchor="end" fill="#d00">p99 target ${targetMs} ms</text>`);
  }
  series.forEach((s, n) => {
    const d = s.points
      .map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : null))
      .filter((p): p is string => p !== null)
      .join(' ');
    out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    const ly = M.top + 10 + n * 18;
    out.push(`<line x1="${W - M.right + 12}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${W - M.right + 46}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
