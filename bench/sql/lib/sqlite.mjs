// sqlite.mjs - the SQLite side, through the sqlite3 shell (the peer is
// SQLite itself, so the shell adds nothing to the query time it reports).
// load() builds a database file from a bundle; run() copies that file into
// an in-memory database (.restore: page by page, indexes included), creates
// the views and runs every output `repeat` times with `.timer on`.

import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

function shell(db, script) {
  const r = spawnSync('sqlite3', ['-batch', db], {
    input: script, encoding: 'utf8', maxBuffer: 1 << 30,
  });
  if (r.error) throw new Error(`sqlite3: ${r.error.message}`);
  if (r.status !== 0 || /^(Parse error|Runtime error|Error)/m.test(r.stderr))
    throw new Error(`sqlite3 failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function available() {
  const r = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

export function load(file, loadScript) {
  rmSync(file, { force: true });
  shell(file, `PRAGMA journal_mode = OFF;\nPRAGMA cache_size = -1048576;\n${loadScript}\n`);
}

/* Results: { name: { rows: [{practice, measure: value...}], times: [{wall, cpu}] } } */
export function run(file, defs, repeat) {
  let script = `.bail on\n.restore '${file.replace(/'/g, "''")}'\n`;
  const starts = []; /* [first line in the script, where] of each statement */
  const add = (stmt, prefix) => {
    script += prefix;
    starts.push([script.split('\n').length, stmt.where]);
    script += `${stmt.sql}\n`;
  };
  for (const s of defs.setup) add(s, '');
  script += '.mode csv\n.headers on\n.timer on\n';
  for (let k = 0; k < repeat; k++) {
    for (const o of defs.outputs) add(o, `.print @@output ${o.name}\n`);
  }
  let out;
  try {
    out = shell(':memory:', script);
  } catch (e) {
    /* "... near line N: ..." is a line of the script: name the definition instead */
    const m = /line (\d+)/.exec(e.message);
    const at = m ? starts.filter(([l]) => l <= Number(m[1])).pop() : undefined;
    throw at ? new Error(`${at[1]}: ${e.message}`) : e;
  }
  const res = {};
  let cur = null;
  let header = null;
  for (const line of out.split(/\r?\n/)) {
    const m = /^@@output (\S+)$/.exec(line);
    if (m) {
      res[m[1]] ??= { rows: [], times: [] };
      cur = res[m[1]];
      cur.rows = []; /* the last run's rows are kept */
      header = null;
      continue;
    }
    if (!cur || line === '') continue;
    const t = /^Run Time: real ([\d.]+) user ([\d.]+) sys ([\d.]+)$/.exec(line);
    if (t) {
      cur.times.push({ wall: 1000 * Number(t[1]), cpu: 1000 * (Number(t[2]) + Number(t[3])) });
      continue;
    }
    const f = line.split(',');
    if (!header) {
      header = f;
      continue;
    }
    const row = {};
    header.forEach((h, i) => { row[h] = f[i]; });
    cur.rows.push(row);
  }
  for (const o of defs.outputs) {
    if (!res[o.name] || res[o.name].times.length !== repeat)
      throw new Error(`sqlite3: no complete result for output '${o.name}'`);
  }
  return res;
}
