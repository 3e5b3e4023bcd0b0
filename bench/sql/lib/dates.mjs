// dates.mjs - day numbers (days since 1970-01-01, as in the engine and the
// SQL tables) and month arithmetic that clamps to the month's end, the rule
// of pcn_date_add_months() (src/util/date.c).

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

export function dayFromIso(s) {
  const m = ISO.exec(s);
  if (!m) throw new Error(`'${s}' is not a YYYY-MM-DD date`);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3])
    throw new Error(`'${s}' is not a real date`);
  return ms / 86400000;
}

function ymdOf(day) {
  const d = new Date(day * 86400000);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

/* y * 10000 + m * 100 + d: whole years between two such numbers are their difference / 10000. */
export function ymdNumber(day) {
  const [y, m, d] = ymdOf(day);
  return y * 10000 + m * 100 + d;
}

export function addMonths(day, n) {
  const [y, m, d] = ymdOf(day);
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12;
  const last = new Date(Date.UTC(ny, nm + 1, 0)).getUTCDate();
  return Date.UTC(ny, nm, Math.min(d, last)) / 86400000;
}
