// Formatting of numbers, scores, times and durations for display.

const numberFormat = new Intl.NumberFormat('en');

export function count(n) {
  return typeof n === 'number' && Number.isFinite(n) ? numberFormat.format(n) : '—';
}

/** A similarity score with three decimals. */
export function score(n) {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(3) : '—';
}

/** A metric value: a share (0..1) as a percentage with one decimal, else a plain number. */
export function metric(name, n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  if (/latency|ms\b|Ms$|_ms$/i.test(name)) return `${n.toFixed(n < 10 ? 2 : 0)} ms`;
  if (n >= 0 && n <= 1 && /acc|recall|precision|share|group|exact|map|ndcg|hit/i.test(name)) return `${(n * 100).toFixed(1)} %`;
  return Math.abs(n) >= 100 ? numberFormat.format(Math.round(n)) : n.toFixed(3);
}

/** A time given as epoch milliseconds or an ISO string; null when absent or invalid. */
export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", or the date for older times. */
export function ago(value, now = Date.now()) {
  const date = toDate(value);
  if (!date) return '—';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(seconds, 'second');
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
  return date.toLocaleDateString('en', { year: 'numeric', month: 'short', day: 'numeric' });
}

/** The full timestamp, for a title attribute. */
export function stamp(value) {
  const date = toDate(value);
  return date ? date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '';
}

export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function percent(share) {
  return typeof share === 'number' && Number.isFinite(share) ? `${Math.round(share * 100)} %` : '—';
}
