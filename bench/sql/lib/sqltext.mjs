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
  return located(text).map((x) => x.text);
}

/* The same, each with the number of its first line: [{ text, line }]. */
export function located(text) {
  const out = [];
  let cur = [];
  let first = 1;
  text.split('\n').forEach((line, i) => {
    if (!cur.length) first = i + 1;
    cur.push(line);
    if (/;\s*$/.test(line)) {
      out.push({ text: cur.join('\n'), line: first });
      cur = [];
    }
  });
  if (cur.join('').trim()) out.push({ text: cur.join('\n'), line: first });
  return out;
}

/*
 * { setup: [{ sql, where }], outputs: [{ name, sql, where }] } from every
 * *.sql file of dir, in name order; where is "FILE:LINE" of the statement.
 */
export function readDefinitions(dir, asOf) {
  const setup = [];
  const outputs = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) {
    const path = join(dir, f);
    for (const { text: st, line } of located(readFileSync(path, 'utf8'))) {
      const marker = /^--\s*output:\s*([A-Za-z_][A-Za-z_0-9]*)\s*$/m.exec(st);
      const lines = st.split('\n').filter((l) => !/^\s*--/.test(l));
      const where = `${path}:${line}`;
      const body = expand(lines.join('\n').trim(), asOf, where);
      if (!body) continue;
      if (marker) {
        if (outputs.some((o) => o.name === marker[1]))
          throw new Error(`${where}: output '${marker[1]}' defined twice`);
        outputs.push({ name: marker[1], sql: body, where });
      } else {
        setup.push({ sql: body, where });
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
