/**
 * The report's plots as inline SVG strings (pure; no DOM, no scripts, no fonts to fetch). Every
 * data mark carries `data-mark`, so a browser can check that marks were laid out.
 */

export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

/** 1234 → 1.23k, 4.5e6 → 4.5M: short token counts for axes. */
export function formatCount(x: number): string {
  const abs = Math.abs(x);
  const trim = (v: number) => String(Number(v.toPrecision(3)));
  if (abs >= 1e9) return `${trim(x / 1e9)}G`;
  if (abs >= 1e6) return `${trim(x / 1e6)}M`;
  if (abs >= 1e3) return `${trim(x / 1e3)}k`;
  return trim(x);
}

/** Dollars with enough digits to tell small costs apart. */
export function formatUsd(x: number): string {
  if (x === 0) return "$0";
  const abs = Math.abs(x);
  if (abs >= 100) return `$${x.toFixed(0)}`;
  if (abs >= 1) return `$${x.toFixed(2)}`;
  return `$${Number(x.toPrecision(2))}`;
}

export const formatPercent = (x: number) => `${Number((x * 100).toFixed(1))}%`;

/** Shortens a label to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const FONT = 'font-family="sans-serif" font-size="12"';

interface Scale {
  (v: number): number;
  ticks: number[];
}

function linearScale(domain: [number, number], range: [number, number], tickCount = 5): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale;
  scale.ticks = niceTicks(d0, d1, tickCount);
  return scale;
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`;
}

function xAxis(scale: Scale, y: number, top: number, format: (v: number) => string, label: string): string {
  const parts = scale.ticks.map((t) => {
    const x = scale(t).toFixed(1);
    return `<line x1="${x}" x2="${x}" y1="${top}" y2="${y}" stroke="#e3e3e3"/><text x="${x}" y="${y + 16}" text-anchor="middle" ${FONT}>${escapeXml(format(t))}</text>`;
  });
  const [r0, r1] = [scale(scale.ticks[0] ?? 0), scale(scale.ticks.at(-1) ?? 0)];
  return `<g class="axis x">${parts.join("")}<line x1="${Math.min(r0, r1)}" x2="${Math.max(r0, r1)}" y1="${y}" y2="${y}" stroke="#555"/><text x="${((r0 + r1) / 2).toFixed(1)}" y="${y + 34}" text-anchor="middle" ${FONT} font-weight="bold">${escapeXml(label)}</text></g>`;
}

function yAxis(scale: Scale, x: number, right: number, format: (v: number) => string, label: string): string {
  const parts = scale.ticks.map((t) => {
    const y = scale(t).toFixed(1);
    return `<line x1="${x}" x2="${right}" y1="${y}" y2="${y}" stroke="#e3e3e3"/><text x="${x - 6}" y="${y}" dy="4" text-anchor="end" ${FONT}>${escapeXml(format(t))}</text>`;
  });
  const ys = scale.ticks.map((t) => scale(t));
  const mid = ((Math.min(...ys) + Math.max(...ys)) / 2).toFixed(1);
  return `<g class="axis y">${parts.join("")}<line x1="${x}" x2="${x}" y1="${Math.min(...ys)}" y2="${Math.max(...ys)}" stroke="#555"/><text transform="translate(${x - 48},${mid}) rotate(-90)" text-anchor="middle" ${FONT} font-weight="bold">${escapeXml(label)}</text></g>`;
}

function legend(entries: { label: string; color: string }[], x: number, y: number): string {
  return `<g class="legend">${entries
    .map(
      (e, i) =>
        `<rect x="${x}" y="${y + i * 18}" width="12" height="12" fill="${e.color}"/><text x="${x + 18}" y="${y + i * 18 + 10}" ${FONT}>${escapeXml(e.label)}</text>`,
    )
    .join("")}</g>`;
}

export interface ScatterPoint {
  label: string;
  /** The legend group (the selection method); points of one group share a colour. */
  group: string;
  x: number;
  y: number;
  onFront: boolean;
}

/**
 * pass@1 (y) against spend (x), one point per setting, coloured by selection method; the Pareto
 * front's points are ringed and joined by a staircase line.
 */
export function paretoScatterSvg(
  points: readonly ScatterPoint[],
  options: { xLabel: string; formatX: (v: number) => string; title: string },
): string {
  const groups = [...new Set(points.map((p) => p.group))];
  const color = (g: string) => PALETTE[groups.indexOf(g) % PALETTE.length] as string;
  const legendWidth = 260;
  const width = 760;
  const height = Math.max(420, 80 + groups.length * 18);
  const m = { top: 20, right: legendWidth, bottom: 50, left: 70 };
  const xMax = Math.max(0, ...points.map((p) => p.x));
  const x = linearScale([0, xMax > 0 ? xMax * 1.08 : 1], [m.left, width - m.right]);
  const y = linearScale([0, 1], [height - m.bottom, m.top]);
  const front = points.filter((p) => p.onFront).sort((a, b) => a.x - b.x || b.y - a.y);
  const step: string[] = [];
  front.forEach((p, i) => {
    const prev = front[i - 1];
    if (prev) step.push(`${x(p.x).toFixed(1)},${y(prev.y).toFixed(1)}`);
    step.push(`${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`);
  });
  const frontLine =
    step.length > 1
      ? `<polyline class="pareto-front" points="${step.join(" ")}" fill="none" stroke="#222" stroke-width="1.5" stroke-dasharray="5 3"/>`
      : "";
  const marks = points
    .map((p) => {
      const cx = x(p.x).toFixed(1);
      const cy = y(p.y).toFixed(1);
      const ring = p.onFront
        ? `<circle cx="${cx}" cy="${cy}" r="9" fill="none" stroke="#222" stroke-width="1.5"/>`
        : "";
      return `<g class="point${p.onFront ? " front" : ""}">${ring}<circle data-mark="point" cx="${cx}" cy="${cy}" r="5.5" fill="${color(p.group)}"><title>${escapeXml(`${p.label}: pass@1 ${formatPercent(p.y)}, ${options.formatX(p.x)}`)}</title></circle></g>`;
    })
    .join("");
  const legendEntries = [
    ...groups.map((g) => ({ label: clip(g, 34), color: color(g) })),
    { label: "○ on the Pareto front", color: "#ffffff" },
  ];
  return [
    svgOpen(width, height, options.title),
    xAxis(x, height - m.bottom, m.top, options.formatX, options.xLabel),
    yAxis(y, m.left, width - m.right, formatPercent, "pass@1"),
    `<g class="data">${frontLine}${marks}</g>`,
    legend(legendEntries, width - m.right + 20, m.top),
    "</svg>",
  ].join("");
}

/** Horizontal bars, one row per category, each split into stacked segments (e.g. tokens by stage). */
export function stackedBarsSvg(
  categories: readonly string[],
  segments: readonly string[],
  /** values[category][segment] */
  values: readonly (readonly number[])[],
  options: { xLabel: string; formatX: (v: number) => string; title: string },
): string {
  const rowHeight = 26;
  const width = 760;
  const m = { top: 16, right: 170, bottom: 50, left: 230 };
  const height = m.top + m.bottom + Math.max(1, categories.length) * rowHeight;
  const totals = values.map((row) => row.reduce((s, v) => s + v, 0));
  const maxTotal = Math.max(0, ...totals);
  const x = linearScale([0, maxTotal > 0 ? maxTotal * 1.05 : 1], [m.left, width - m.right]);
  const color = (i: number) => PALETTE[i % PALETTE.length] as string;
  const rows = categories
    .map((c, ci) => {
      const top = m.top + ci * rowHeight + 4;
      let start = 0;
      const bars = segments
        .map((s, si) => {
          const v = values[ci]?.[si] ?? 0;
          if (v <= 0) return "";
          const x0 = x(start);
          start += v;
          return `<rect data-mark="bar" x="${x0.toFixed(1)}" y="${top}" width="${Math.max(0.5, x(start) - x0).toFixed(1)}" height="${rowHeight - 8}" fill="${color(si)}"><title>${escapeXml(`${c} · ${s}: ${options.formatX(v)}`)}</title></rect>`;
        })
        .join("");
      return `<text x="${m.left - 8}" y="${top + (rowHeight - 8) / 2}" dy="4" text-anchor="end" ${FONT}>${escapeXml(clip(c, 34))}<title>${escapeXml(c)}</title></text>${bars}`;
    })
    .join("");
  return [
    svgOpen(width, height, options.title),
    xAxis(x, height - m.bottom, m.top, options.formatX, options.xLabel),
    `<g class="data">${rows}</g>`,
    legend(
      segments.map((s, i) => ({ label: s, color: color(i) })),
      width - m.right + 20,
      m.top,
    ),
    "</svg>",
  ].join("");
}

export interface BarGroup {
  /** e.g. the budget setting `n=16,r=3`. */
  label: string;
  bars: { label: string; value: number }[];
  /** A reference value drawn across the group (the oracle's pass@N), when known. */
  reference?: { label: string; value: number };
}

/** Horizontal grouped bars on a 0–100% axis (pass@1 per selection method, grouped by budget). */
export function groupedBarsSvg(
  groups: readonly BarGroup[],
  options: { title: string; xLabel: string },
): string {
  const rowHeight = 22;
  const groupGap = 18;
  const width = 760;
  const m = { top: 16, right: 60, bottom: 50, left: 300 };
  const rowsTotal = groups.reduce((s, g) => s + g.bars.length, 0);
  const height = m.top + m.bottom + Math.max(1, rowsTotal) * rowHeight + groups.length * groupGap;
  const x = linearScale([0, 1], [m.left, width - m.right]);
  const methods = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.label)))];
  const color = (label: string) => PALETTE[methods.indexOf(label) % PALETTE.length] as string;
  let top = m.top;
  const parts = groups.map((g) => {
    const groupTop = top;
    const header = `<text x="8" y="${groupTop + 12}" ${FONT} font-weight="bold">${escapeXml(g.label)}</text>`;
    top += groupGap;
    const bars = g.bars
      .map((b) => {
        const y0 = top;
        top += rowHeight;
        return `<text x="${m.left - 8}" y="${y0 + rowHeight / 2}" dy="2" text-anchor="end" ${FONT}>${escapeXml(clip(b.label, 44))}<title>${escapeXml(b.label)}</title></text><rect data-mark="bar" x="${m.left}" y="${y0 + 3}" width="${Math.max(0, x(b.value) - m.left).toFixed(1)}" height="${rowHeight - 6}" fill="${color(b.label)}"><title>${escapeXml(`${b.label}: ${formatPercent(b.value)}`)}</title></rect><text x="${(x(b.value) + 4).toFixed(1)}" y="${y0 + rowHeight / 2}" dy="2" ${FONT}>${formatPercent(b.value)}</text>`;
      })
      .join("");
    const ref = g.reference
      ? `<line class="reference" x1="${x(g.reference.value).toFixed(1)}" x2="${x(g.reference.value).toFixed(1)}" y1="${groupTop + groupGap - 2}" y2="${top}" stroke="#222" stroke-dasharray="4 3"><title>${escapeXml(`${g.reference.label}: ${formatPercent(g.reference.value)}`)}</title></line><text x="${(x(g.reference.value) + 4).toFixed(1)}" y="${groupTop + 12}" ${FONT} fill="#444">${escapeXml(`${g.reference.label} ${formatPercent(g.reference.value)}`)}</text>`
      : "";
    return header + bars + ref;
  });
  return [
    svgOpen(width, height, options.title),
    xAxis(x, height - m.bottom, m.top, formatPercent, options.xLabel),
    `<g class="data">${parts.join("")}</g>`,
    "</svg>",
  ].join("");
}
