// sqltext.mjs - the SQL definitions (bench/sql/defs/*.sql): reading them
// into setup statements and named outputs, and filling in {{...}}.
//
// A file is SQL statements ended by ';' at the end of a line. A comment
// line "-- output: NAME" makes the next statement an output: a SELECT
// with a `practice` column and one column per measure (count,
// denominator, ...), one row per practice. Every other statement is
// setup (views), run once before the outputs.
//
// {{as_of}}, {{as_of_ymd}}, {{YYYY-MM-DD}} and {{as_of - N days|months|years}}
// (also {{YYYY-MM-DD - N ...}}) become integer literals: day numbers, or
// y * 10000 + m * 100 + d for as_of_ymd. Both SQLite and DuckDB then see
// only integer arithmetic, so one text serves both.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { addMonths, dayFromIso, ymdNumber } from './dates.mjs';

const TERM = /^(as_of|\d{4}-\d{2}-\d{2})(?:\s*-\s*(\d+)\s*(days?|months?|years?))?$/;

export function expand(text, asOf, where) {
  return text.replace(/\{\{([^}]*)\}\}/g, (whole, inner) => {
    const s = inner.trim();
    if (s === 'as_of_ymd') return String(ymdNumber(asOf));
    const m = TERM.exec(s);
    if (!m) throw new Error(`${where}: cannot read ${whole}`);
    let day = m[1] === 'as_of' ? asOf : dayFromIso(m[1]);
    if (m[2] !== undefined) {
      const n = Number(m[2]);
      if (m[3].startsWith('day')) day -= n;
      else if (m[3].startsWith('month')) day = addMonths(day, -n);
      else day = addMonths(day, -12 * n);
    }
    return String(day);
  });
}

/* Split a script into statements ended by ';' at the end of a line. */
export function statements(text) {
  const out = [];
  let cur = [];
  for (const line of text.split('\n')) {
    cur.push(line);
    if (/;\s*$/.test(line)) {
      out.push(cur.join('\n'));
      cur = [];
    }
  }
  if (cur.join('').trim()) out.push(cur.join('\n'));
  return out;
}

/* { setup: [sql], outputs: [{ name, sql }] } from every *.sql file of dir, in name order. */
export function readDefinitions(dir, asOf) {
  const setup = [];
  const outputs = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) {
    const path = join(dir, f);
    for (const st of statements(readFileSync(path, 'utf8'))) {
      const marker = /^--\s*output:\s*([A-Za-z_][A-Za-z_0-9]*)\s*$/m.exec(st);
      const lines = st.split('\n').filter((l) => !/^\s*--/.test(l));
      const body = expand(lines.join('\n').trim(), asOf, path);
      if (!body) continue;
      if (marker) {
        if (outputs.some((o) => o.name === marker[1]))
          throw new Error(`${path}: output '${marker[1]}' defined twice`);
        outputs.push({ name: marker[1], sql: body });
      } else {
        setup.push(body);
      }
    }
  }
  if (!outputs.length) throw new Error(`${dir}: no '-- output: NAME' statements`);
  return { setup, outputs };
}

/* Every quoted name of the SQL that is a code list name. */
export function listsUsed(sqls, lists) {
  const used = new Set();
  for (const s of sqls) {
    for (const m of s.matchAll(/'([A-Za-z_][A-Za-z_0-9]*)'/g)) {
      if (lists.has(m[1])) used.add(m[1]);
    }
  }
  return [...used].sort();
}
