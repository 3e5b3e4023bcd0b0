#!/usr/bin/env node
// run.mjs - the engine's definitions written as SQL (bench/sql/defs/), run
// on SQLite and DuckDB over a native CSV bundle: the cross-check of the
// engine's counts (tests/integration/crosscheck.sh) and the peers of the
// engine benchmark (bench/peers.sh). docs/internals/engine.md, "Cross-check".
//
//   run.mjs load --bundle DIR --work DIR [--peers sqlite,duckdb] [--defs DIR]
//       tables from the bundle into WORK/peer.sqlite and WORK/peer.duckdb
//   run.mjs run --work DIR --as-of YYYY-MM-DD [--peers ...] [--repeat N]
//       copy the tables into memory, run every output N times (default 1);
//       writes WORK/PEER.counts.csv (name,group,measure,value) and
//       WORK/PEER.times.csv (name,run,wall_ms,cpu_ms)
//   run.mjs outputs            the output names, one a line
//   run.mjs compare REF FILE...
//       compare counts files (ours, or `pcn` CSV kind,name,group,measure,value)
//       on the (name, measure) pairs of REF; exit 1 on any difference
//   run.mjs ratios WORK
//       a Markdown table of WORK/engine.times.csv (bench_engine --peer) against
//       the best run of each output in WORK/sqlite.times.csv and duckdb.times.csv
//
// Exit status: 0 ok, 1 error or difference, 2 usage, 3 DuckDB missing.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCodelists, codelistCsv } from './lib/codelists.mjs';
import { dayFromIso } from './lib/dates.mjs';
import { listsUsed, readDefinitions } from './lib/sqltext.mjs';
import * as sqlite from './lib/sqlite.mjs';
import * as duckdb from './lib/duckdb.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BACKENDS = { sqlite, duckdb };
const BUNDLE_FILES = {
  patients: 'patient_id,date_of_birth,practice,registered_from,registered_to,date_of_death',
  events: 'patient_id,date,code,value',
  medications: 'patient_id,start_date,code',
  immunisations: 'patient_id,date,code',
};

function usage(msg) {
  process.stderr.write(`run.mjs: ${msg}\n(see the comment at the top of bench/sql/run.mjs)\n`);
  process.exit(2);
}

function options(args) {
  const o = { peers: 'sqlite,duckdb', repeat: '1', defs: join(HERE, '../../defs') };
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i].replace(/^--/, '');
    if (!args[i].startsWith('--') || args[i + 1] === undefined) usage(`bad option '${args[i]}'`);
    if (!['bundle', 'work', 'peers', 'defs', 'as-of', 'repeat'].includes(k))
      usage(`unknown option '${args[i]}'`);
    o[k] = args[i + 1];
  }
  o.peerList = o.peers.split(',');
  for (const p of o.peerList) if (!BACKENDS[p]) usage(`unknown peer '${p}'`);
  return o;
}

async function requireDuckdb(peers) {
  if (peers.includes('duckdb') && !(await duckdb.available())) {
    process.stderr.write('run.mjs: @duckdb/node-api is not installed (scripts/install-deps.sh)\n');
    process.exit(3);
  }
  if (peers.includes('sqlite') && !sqlite.available()) throw new Error('no sqlite3 shell on PATH');
}

/* The SQL definitions with their templates filled for as_of (or a placeholder date). */
function definitions(asOf) {
  return readDefinitions(join(HERE, 'defs'), asOf);
}

function fillFiles(text, files) {
  return text.replace(/\{\{([a-z]+)\.csv\}\}/g, (w, name) => {
    if (!files[name]) throw new Error(`no file for ${w}`);
    return files[name];
  });
}

async function cmdLoad(o) {
  if (!o.bundle || !o.work) usage('load needs --bundle and --work');
  await requireDuckdb(o.peerList);
  mkdirSync(o.work, { recursive: true });
  const files = {};
  for (const [name, header] of Object.entries(BUNDLE_FILES)) {
    let path = resolve(o.bundle, `${name}.csv`);
    if (!existsSync(path)) {
      if (name === 'patients') throw new Error(`${path}: no such file`);
      path = resolve(o.work, `empty-${name}.csv`);
      writeFileSync(path, `${header}\n`);
    }
    files[name] = path;
  }
  const lists = loadCodelists(o.defs);
  const d = definitions(0);
  const used = listsUsed([...d.setup, ...d.outputs].map((x) => x.sql), lists);
  files.codelists = resolve(o.work, 'codelists.csv');
  writeFileSync(files.codelists, codelistCsv(lists, used));
  for (const p of o.peerList) {
    const t0 = Date.now();
    const script = fillFiles(readFileSync(join(HERE, 'load', `${p}.sql`), 'utf8'), files);
    await BACKENDS[p].load(resolve(o.work, `peer.${p}`), script);
    process.stderr.write(`${p}: loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

/* Long rows "name,group,measure,value", totals (group "") added by summing practices. */
function longRows(res) {
  const lines = [];
  for (const [name, r] of Object.entries(res)) {
    const total = {};
    for (const row of r.rows) {
      for (const [m, v] of Object.entries(row)) {
        if (m === 'practice') continue;
        const n = v === '' ? 0 : Number(v);
        if (!Number.isInteger(n)) throw new Error(`${name}: measure ${m} is not a count: '${v}'`);
        lines.push(`${name},practice=${row.practice},${m},${n}`);
        total[m] = (total[m] ?? 0) + n;
      }
    }
    for (const [m, n] of Object.entries(total)) lines.push(`${name},,${m},${n}`);
  }
  return lines.sort();
}

async function cmdRun(o) {
  if (!o.work || !o['as-of']) usage('run needs --work and --as-of');
  await requireDuckdb(o.peerList);
  const repeat = Number(o.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) usage('--repeat takes 1..100');
  const d = definitions(dayFromIso(o['as-of']));
  for (const p of o.peerList) {
    const file = resolve(o.work, `peer.${p}`);
    if (!existsSync(file)) throw new Error(`${file}: missing (run.mjs load first)`);
    const res = await BACKENDS[p].run(file, d, repeat);
    writeFileSync(join(o.work, `${p}.counts.csv`), `name,group,measure,value\n${longRows(res).join('\n')}\n`);
    let times = 'name,run,wall_ms,cpu_ms\n';
    for (const [name, r] of Object.entries(res)) {
      r.times.forEach((t, k) => { times += `${name},${k + 1},${t.wall.toFixed(3)},${t.cpu.toFixed(3)}\n`; });
    }
    writeFileSync(join(o.work, `${p}.times.csv`), times);
    process.stderr.write(`${p}: ${d.outputs.length} outputs x ${repeat} run(s)\n`);
  }
}

/* Map "name,group,measure" -> value from a counts file of either layout. */
function readCounts(path) {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  const pcn = lines[0] === 'kind,name,group,measure,value';
  if (!pcn && lines[0] !== 'name,group,measure,value') throw new Error(`${path}: unknown header`);
  const m = new Map();
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    const [name, group, measure, value] = pcn ? f.slice(1) : f;
    m.set(`${name},${group},${measure}`, value);
  }
  return m;
}

function cmdCompare(files) {
  if (files.length < 2) usage('compare needs a reference and at least one other file');
  const ref = readCounts(files[0]);
  const pairs = new Set([...ref.keys()].map((k) => { const f = k.split(','); return `${f[0]},${f[2]}`; }));
  const keep = (m) => new Map([...m].filter(([k, v]) => {
    const f = k.split(',');
    return pairs.has(`${f[0]},${f[2]}`) && v !== '0';
  }));
  const a = keep(ref);
  let bad = 0;
  for (const f of files.slice(1)) {
    const b = keep(readCounts(f));
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(k) !== b.get(k)) {
        if (bad++ < 40) process.stdout.write(`differs: ${k}: ${files[0]} ${a.get(k) ?? 0}, ${f} ${b.get(k) ?? 0}\n`);
      }
    }
  }
  const totals = [...a].filter(([k]) => k.split(',')[1] === '');
  process.stdout.write(`${bad ? 'DIFFERENT' : 'identical'}: ${a.size} non-zero counts of ${pairs.size} measures in ${files.length} files\n`);
  for (const [k, v] of totals) process.stdout.write(`  ${k.replace(',,', ' ')} ${v}\n`);
  return bad ? 1 : 0;
}

/* name -> {wall, cpu}: the best (least) of each over the runs in a times file. */
function bestTimes(path) {
  const best = new Map();
  for (const l of readFileSync(path, 'utf8').split('\n').slice(1)) {
    if (!l) continue;
    const f = l.split(',');
    const [wall, cpu] = [Number(f[f.length - 2]), Number(f[f.length - 1])];
    const name = f.slice(0, f.length - 3).join(',');
    const b = best.get(name) ?? { wall: Infinity, cpu: Infinity };
    best.set(name, { wall: Math.min(b.wall, wall), cpu: Math.min(b.cpu, cpu) });
  }
  return best;
}

function cmdRatios(work) {
  if (!work) usage('ratios needs WORK');
  const eng = bestTimes(join(work, 'engine.times.csv'));
  const peers = ['sqlite', 'duckdb'].filter((p) => existsSync(join(work, `${p}.times.csv`)));
  const pt = Object.fromEntries(peers.map((p) => [p, bestTimes(join(work, `${p}.times.csv`))]));
  const names = [...pt[peers[0]].keys()];
  const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const ratio = (a, b) => `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}x`;
  let head = '| definition | engine wall / CPU ms |';
  let rule = '|---|---:|';
  for (const p of peers) {
    head += ` ${p} wall / CPU ms | ${p} / engine (wall, CPU) |`;
    rule += '---:|---:|';
  }
  const lines = [head, rule];
  const row = (label, e, get) => {
    let l = `| ${label} | ${ms(e.wall)} / ${ms(e.cpu)} |`;
    for (const p of peers) {
      const t = get(p);
      l += ` ${ms(t.wall)} / ${ms(t.cpu)} | ${ratio(t.wall, e.wall)}, ${ratio(t.cpu, e.cpu)} |`;
    }
    lines.push(l);
  };
  const sum = (m, keys) => keys.reduce((a, k) => ({ wall: a.wall + m.get(k).wall, cpu: a.cpu + m.get(k).cpu }),
    { wall: 0, cpu: 0 });
  for (const n of names) {
    if (!eng.has(n)) throw new Error(`engine.times.csv: no time for '${n}'`);
    row(n, eng.get(n), (p) => pt[p].get(n));
  }
  row('all, one by one (sum)', sum(eng, names), (p) => sum(pt[p], names));
  if (eng.has('(all)')) row('all, together (engine) vs sum (peers)', eng.get('(all)'), (p) => sum(pt[p], names));
  if (eng.has('(all; cold)')) row('all, together, cold (engine)', eng.get('(all; cold)'), (p) => sum(pt[p], names));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'load') return cmdLoad(options(args));
  if (cmd === 'run') return cmdRun(options(args));
  if (cmd === 'outputs') {
    for (const o of definitions(0).outputs) process.stdout.write(`${o.name}\n`);
    return 0;
  }
  if (cmd === 'compare') return cmdCompare(args);
  if (cmd === 'ratios') return cmdRatios(args[0]);
  return usage(cmd ? `unknown command '${cmd}'` : 'no command');
}

main().then((rc) => process.exit(rc ?? 0), (e) => {
  process.stderr.write(`run.mjs: ${e.message}\n`);
  process.exit(1);
});
