// vendor.mjs - copy the browser files the dashboard uses out of
// node_modules into web/vendor/ (git-ignored), so pcn serve can serve them
// from its web root without following symlinks and nothing is fetched from a
// CDN. The NHS.UK stylesheet's @font-face rules point at assets.nhs.uk; they
// are removed (the design system falls back to Arial), and its icon URLs are
// made relative to the copied stylesheet. Also writes england.json, the
// England register prevalence from data/reference/qof_prevalence_2425.csv.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const nm = join(web, 'node_modules');
const out = join(web, 'vendor');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'nhsuk', 'assets', 'images'), { recursive: true });

const nhsuk = join(nm, 'nhsuk-frontend', 'dist', 'nhsuk');
let css = readFileSync(join(nhsuk, 'nhsuk-frontend.min.css'), 'utf8');
css = css.replace(/@font-face\{[^}]*\}/g, '');
css = css.replace(/url\(\/assets\/images\//g, 'url(assets/images/');
css = css.replace(/\/\*# sourceMappingURL=[^*]*\*\//g, '');
if (/https?:\/\//.test(css.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, ''))) {
  throw new Error('vendor: the NHS.UK stylesheet still refers to an external URL');
}
writeFileSync(join(out, 'nhsuk', 'nhsuk-frontend.min.css'), css);
for (const f of readdirSync(join(nhsuk, 'assets', 'images'))) {
  copyFileSync(join(nhsuk, 'assets', 'images', f), join(out, 'nhsuk', 'assets', 'images', f));
}

const chart = readFileSync(join(nm, 'chart.js', 'dist', 'chart.umd.min.js'), 'utf8');
writeFileSync(join(out, 'chart.umd.min.js'), chart.replace(/\/\/# sourceMappingURL=\S+/g, ''));

// England prevalence: register count over the list of the register's list type.
const listType = { AST: 'list_06OV', RA: 'list_16OV', DM: 'list_17OV', CKD: 'list_18OV',
  DEP: 'list_18OV', EP: 'list_18OV', NDH: 'list_18OV', OB: 'list_18OV', OST: 'list_50OV' };
const lines = readFileSync(join(web, '..', 'data', 'reference', 'qof_prevalence_2425.csv'), 'utf8')
  .trim().split('\n');
const head = lines[0].split(',');
const sums = new Map(head.map((h) => [h, 0]));
for (const line of lines.slice(1)) {
  const cells = line.split(',');
  head.forEach((h, i) => { if (i > 0) sums.set(h, sums.get(h) + Number(cells[i] || 0)); });
}
const england = { source: 'NHS England, Quality and Outcomes Framework 2024-25 (PREVALENCE_2425.csv)',
  practices: lines.length - 1, registers: {} };
for (const h of head.slice(1)) {
  if (h.startsWith('list_')) continue;
  const list = listType[h] || 'list_TOTAL';
  england.registers[h.toLowerCase()] = {
    count: sums.get(h), list: sums.get(list), list_type: list,
    percent: Math.round((sums.get(h) / sums.get(list)) * 10000) / 100,
    // the same count over the whole list: comparable with the engine's
    // register percent, whose population is every registered patient
    percent_all_ages: Math.round((sums.get(h) / sums.get('list_TOTAL')) * 10000) / 100,
  };
}
writeFileSync(join(out, 'england.json'), JSON.stringify(england, null, 1) + '\n');
console.log(`vendor: wrote ${out}`);
