// Small SVG charts drawn from data: a line chart of one metric across model versions and a
// sparkline for a training curve. No library; the SVG scales with its container.
import { s } from './dom.js';

/** A rounded axis range and its ticks around [lo, hi]. */
export function niceScale(lo, hi, ticks = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / (ticks - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= raw) ?? raw;
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const values = [];
  for (let v = start; v <= end + step / 2; v += step) values.push(Number(v.toPrecision(12)));
  return { lo: start, hi: end, ticks: values };
}

/**
 * A line chart: one point per label, in order.
 * @param {{ points: Array<{ label: string, value: number | null, highlight?: boolean }>, format: (v: number) => string, title: string }} spec
 */
export function lineChart({ points, format, title, width = 640 }) {
  const height = width < 480 ? 240 : 260;
  const pad = { top: 26, right: 36, bottom: 64, left: 72 };
  const values = points.map((p) => p.value).filter((v) => typeof v === 'number' && Number.isFinite(v));
  const scale = niceScale(Math.min(...values), Math.max(...values));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (i) => pad.left + (points.length <= 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v) => pad.top + plotH - ((v - scale.lo) / (scale.hi - scale.lo || 1)) * plotH;
  const described = points.map((p) => `${p.label}: ${p.value === null ? 'not measured' : format(p.value)}`).join('; ');
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${title}. ${described}`, preserveAspectRatio: 'xMidYMid meet' });
  for (const tick of scale.ticks) {
    svg.append(
      s('line', { class: 'chart-grid', x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick) }),
      s('text', { class: 'chart-tick', x: pad.left - 8, y: y(tick) + 4, 'text-anchor': 'end' }, format(tick)),
    );
  }
  svg.append(s('line', { class: 'chart-axis', x1: pad.left, x2: width - pad.right, y1: pad.top + plotH, y2: pad.top + plotH }));
  const step = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % step !== 0 && i !== points.length - 1) return;
    const label = p.label.length > 16 ? `${p.label.slice(0, 15)}…` : p.label;
    // Rotated labels end at their point; upright ones are centred, but the last of several ends at
    // its point so a long version name is not cut at the right edge.
    const anchor = points.length > 4 || (points.length > 1 && i === points.length - 1) ? 'end' : 'middle';
    svg.append(s('text', { class: 'chart-label', x: x(i), y: pad.top + plotH + 18, 'text-anchor': anchor, transform: points.length > 4 ? `rotate(-25 ${x(i)} ${pad.top + plotH + 18})` : null }, label));
  });
  // The line, broken where a version has no value for this metric.
  let d = '';
  let pen = false;
  points.forEach((p, i) => {
    if (typeof p.value !== 'number' || !Number.isFinite(p.value)) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  });
  if (d) svg.append(s('path', { class: 'chart-line', d: d.trim() }));
  points.forEach((p, i) => {
    if (typeof p.value !== 'number' || !Number.isFinite(p.value)) return;
    const dot = s('circle', { class: p.highlight ? 'chart-dot chart-dot-highlight' : 'chart-dot', cx: x(i), cy: y(p.value), r: p.highlight ? 6 : 4 }, s('title', {}, `${p.label}: ${format(p.value)}`));
    svg.append(dot);
    if (points.length <= 12) svg.append(s('text', { class: 'chart-value', x: x(i), y: y(p.value) - 10, 'text-anchor': 'middle' }, format(p.value)));
  });
  return svg;
}

/** A tiny line of a series (a training loss curve), lowest value at the bottom. */
export function sparkline(values, { width = 120, height = 28, label = 'trend' } = {}) {
  const clean = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  const svg = s('svg', { class: 'sparkline', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': clean.length ? `${label}: from ${clean[0].toFixed(3)} to ${clean[clean.length - 1].toFixed(3)}` : `${label}: no data` });
  if (clean.length < 2) return svg;
  const lo = Math.min(...clean);
  const hi = Math.max(...clean);
  const px = (i) => 2 + (i * (width - 4)) / (clean.length - 1);
  const py = (v) => 2 + (height - 4) * (1 - (v - lo) / (hi - lo || 1));
  svg.append(s('path', { class: 'sparkline-line', d: clean.map((v, i) => `${i ? 'L' : 'M'}${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ') }));
  svg.append(s('circle', { class: 'sparkline-end', cx: px(clean.length - 1), cy: py(clean[clean.length - 1]), r: 2.5 }));
  return svg;
}
