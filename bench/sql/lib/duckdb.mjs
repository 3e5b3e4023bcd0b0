// duckdb.mjs - the DuckDB side, in process through @duckdb/node-api.
// load() builds a database file from a bundle; run() copies its tables
// into an in-memory database, creates the views and runs every output
// `repeat` times, timing wall clock and the process's CPU (all of DuckDB's
// threads).

import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { statements } from './sqltext.mjs';

async function api() {
  try {
    return await import('@duckdb/node-api');
  } catch (e) {
    return null;
  }
}

export async function available() {
  return (await api()) !== null;
}

export async function load(file, loadScript) {
  const { DuckDBInstance } = await api();
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
  const db = await DuckDBInstance.create(file);
  const c = await db.connect();
  for (const s of statements(loadScript)) {
    if (s.split('\n').some((l) => l.trim() && !l.trim().startsWith('--'))) await c.run(s);
  }
  await c.run('CHECKPOINT');
  c.closeSync();
  db.closeSync();
}

/* Run f; a DuckDB error names the definition's file and line. */
async function located(stmt, f) {
  try {
    return await f();
  } catch (e) {
    throw new Error(`${stmt.where}: DuckDB: ${e.message}`);
  }
}

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function run(file, defs, repeat) {
  const { DuckDBInstance } = await api();
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`ATTACH '${file.replace(/'/g, "''")}' AS f (READ_ONLY)`);
  for (const t of ['patient', 'record', 'code', 'codelist'])
    await c.run(`CREATE TABLE ${t} AS SELECT * FROM f.${t}`);
  await c.run('DETACH f');
  for (const s of defs.setup) await located(s, () => c.run(s.sql));
  const res = {};
  for (let k = 0; k < repeat; k++) {
    for (const o of defs.outputs) {
      const w0 = performance.now();
      const c0 = cpuMs();
      const reader = await located(o, () => c.runAndReadAll(o.sql));
      const cpu = cpuMs() - c0;
      const wall = performance.now() - w0;
      res[o.name] ??= { rows: [], times: [] };
      res[o.name].times.push({ wall, cpu });
      res[o.name].rows = reader.getRowObjects().map((r) => {
        const row = {};
        for (const [key, v] of Object.entries(r)) row[key] = v === null ? '' : String(v);
        return row;
      });
    }
  }
  c.closeSync();
  db.closeSync();
  return res;
}
