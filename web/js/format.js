// format.js - numbers, percentages, dates and small-number suppression as
// text and DOM nodes. The API shows a suppressed count either as a string
// such as "<8" or as null; both render as a muted, explained marker.

const intFmt = new Intl.NumberFormat('en-GB');

export function isSuppressed(v) {
  return v === null || v === undefined || (typeof v === 'string' && v.startsWith('<'));
}

// A count as text: "12,345", "<8", or "suppressed".
export function countText(v) {
  if (typeof v === 'number') return intFmt.format(v);
  if (typeof v === 'string') return v;
  return 'suppressed';
}

export function pctText(v, digits = 1) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'suppressed';
  return v.toFixed(digits) + '%';
}

// A number for charts: suppressed or missing values are null (no point drawn).
export function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function dateText(d) {
  if (!d) return '';
  const [y, m, day] = d.split('-').map(Number);
  if (!y || !m || !day) return d;
  return new Date(Date.UTC(y, m - 1, day)).toLocaleDateString('en-GB', {
    day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
  });
}

// A DOM node for a count or percentage that may be suppressed.
export function figure(v, kind = 'count') {
  const span = document.createElement('span');
  if (kind === 'pct' ? typeof v !== 'number' : isSuppressed(v)) {
    span.className = 'pcn-suppressed';
    span.textContent = typeof v === 'string' ? v : 'suppressed';
    span.title = 'Small number: withheld to protect privacy';
    return span;
  }
  span.textContent = kind === 'pct' ? pctText(v) : countText(v);
  return span;
}

// A group's percentage: "no patients" when the denominator is empty.
export function pctFigure(g, denomKey = 'denominator') {
  if (g && g[denomKey] === 0) {
    const span = document.createElement('span');
    span.className = 'pcn-muted';
    span.textContent = 'no patients';
    return span;
  }
  return figure(g ? g.percent : null, 'pct');
}

export function nhsNumberText(n) {
  return n && n.length === 10 ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : n || '';
}

// Money from the API, exact text such as "-1234.56" (docs/api.md: money is
// never a float), as "£1,234.56" / "-£1,234.56"; "" for null.
export function moneyText(v) {
  if (v === null || v === undefined || v === '') return '';
  const s = String(v);
  const neg = s.startsWith('-');
  const [whole, pence = '00'] = (neg ? s.slice(1) : s).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}£${grouped}.${pence.padEnd(2, '0')}`;
}

// Money or WTE text as a number for charts only (never for sums shown as figures).
export function amount(v) {
  const n = v === null || v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? n : null;
}
