// codelists.mjs - the code lists of the standard library, read the way the
// engine reads them (docs/definitions.md, "Code lists"), so the SQL tables
// hold the same codes: every `codelist NAME = ...` statement of defs/*.pcn
// (file paths, `column "X"`, codes(...), unions of earlier lists). Only
// the statements are parsed; everything else in the files is skipped.

import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { parseCsv } from './csv.mjs';

const CODE_COLUMNS = ['code', 'snomedcode', 'snomed_code', 'ctv3code', 'ctv3_id', 'ctv3id',
  'dmd_id', 'dmd', 'id'];

/* Tokens of a .pcn file: strings, names, and single punctuation characters. */
function tokens(text, file) {
  const out = [];
  let line = 1;
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '"') {
      let s = '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        s += text[i];
      }
      if (i >= text.length) throw new Error(`${file}:${line}: unterminated string`);
      out.push({ kind: 'str', text: s, line });
      i++;
    } else if (/[A-Za-z_0-9.]/.test(ch)) {
      let s = '';
      while (i < text.length && /[A-Za-z_0-9.\-]/.test(text[i])) s += text[i++];
      out.push({ kind: 'word', text: s, line });
    } else {
      out.push({ kind: 'punct', text: ch, line });
      i++;
    }
  }
  return out;
}

function readCodeFile(path, column, where) {
  const codes = [];
  if (path.endsWith('.txt')) {
    for (const l of readFileSync(path, 'utf8').split('\n')) {
      const code = l.split(/[\t,\r\n ]/)[0];
      if (code) codes.push(code);
    }
  } else {
    const rows = parseCsv(readFileSync(path, 'utf8'));
    if (!rows.length) throw new Error(`${where}: code list '${path}' has no header`);
    const header = rows[0];
    let col;
    if (column !== undefined) {
      col = header.indexOf(column);
      if (col < 0) throw new Error(`${where}: code list '${path}' has no column '${column}'`);
    } else if (header.includes('code')) {
      col = header.indexOf('code');
    } else {
      col = header.findIndex((h) => CODE_COLUMNS.includes(h.toLowerCase()));
      if (col < 0) col = 0;
    }
    for (const r of rows.slice(1)) {
      const code = col < r.length ? r[col].replace(/^ +| +$/g, '') : '';
      if (code) codes.push(code);
    }
  }
  if (!codes.length) throw new Error(`${where}: code list '${path}' has no codes`);
  return codes;
}

/* Map of code list name -> Set of codes, from every *.pcn file of dir. */
export function loadCodelists(dir) {
  const lists = new Map();
  const files = readdirSync(dir).filter((f) => f.endsWith('.pcn')).sort();
  for (const f of files) {
    const path = join(dir, f);
    const t = tokens(readFileSync(path, 'utf8'), path);
    for (let i = 0; i < t.length; i++) {
      if (t[i].kind !== 'word' || t[i].text !== 'codelist') continue;
      const name = t[i + 1].text;
      const where = `${path}:${t[i].line}`;
      if (t[i + 2]?.text !== '=') throw new Error(`${where}: expected '=' after the name`);
      const codes = new Set();
      let k = i + 3;
      for (;;) {
        const term = t[k];
        if (term?.kind === 'str') {
          let column;
          if (t[k + 1]?.text === 'column' && t[k + 2]?.kind === 'str') {
            column = t[k + 2].text;
            k += 2;
          }
          for (const c of readCodeFile(join(dirname(path), term.text), column, where)) codes.add(c);
          k++;
        } else if (term?.text === 'codes' && t[k + 1]?.text === '(') {
          for (k += 2; t[k] && t[k].text !== ')'; k++) {
            if (t[k].kind === 'str') codes.add(t[k].text);
          }
          k++;
        } else if (term?.kind === 'word' && lists.has(term.text)) {
          for (const c of lists.get(term.text)) codes.add(c);
          k++;
        } else {
          throw new Error(`${where}: cannot read the definition of code list '${name}'`);
        }
        if (t[k]?.text !== '+') break;
        k++;
      }
      lists.set(name, codes);
      i = k - 1;
    }
  }
  return lists;
}

/* The lists as CSV text "list,code" (codes hold no commas or quotes). */
export function codelistCsv(lists, names) {
  let out = 'list,code\n';
  for (const name of names) {
    if (!lists.has(name)) throw new Error(`unknown code list '${name}'`);
    for (const c of lists.get(name)) {
      if (/[",\n\r]/.test(c)) throw new Error(`code list '${name}': code '${c}' needs quoting`);
      out += `${name},${c}\n`;
    }
  }
  return out;
}
