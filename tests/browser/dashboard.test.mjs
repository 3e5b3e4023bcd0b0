// dashboard.test.mjs - the dashboard in a real browser against the real
// server: sign-in and navigation per role, figures equal to the API's,
// worklist CSV download, patient view for clinical roles only, no NHS
// numbers for aggregate-only roles, axe-core, keyboard use, tablet width,
// and page timings (Performance API measures written to OUTDIR).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { axe, launchBrowser, outDir, pcnOut, roles, serveAxe, shot, signIn, startServer, visit } from './harness.mjs';

const fmt = new Intl.NumberFormat('en-GB');
const NHS_NUMBER = /\b(\d{3} \d{3} \d{4}|\d{10})\b/;
const PAGE_BUDGET_MS = 1000;

let srv;
let browser;
const sessions = {};
const timings = [];
let served = { reports: false, worklists: false };

const SP = ['Community directory', 'Social prescribing'];
const ppgPages = ['Patient groups', 'Engagement', 'You said, we did'];
const navFor = {
  admin: ['Administration'],
  clinical_director: ['Network overview', 'Population health', 'Indicators', 'Worklists', 'Caseload', ...SP, 'Workforce', 'Finance', ...ppgPages],
  practice_manager: ['Network overview', 'Population health', 'Indicators', 'Worklists', 'Caseload', ...SP, 'Workforce', 'Finance', ...ppgPages],
  clinician: ['Network overview', 'Population health', 'Indicators', 'Worklists', ...SP, 'Workforce', ...ppgPages],
  link_worker: ['Network overview', 'Population health', 'Indicators', 'Caseload', ...SP, 'Workforce', ...ppgPages],
  ppg_member: ['Network overview', 'Population health', 'Indicators', ...SP, 'Workforce', ...ppgPages],
  analyst: ['Network overview', 'Population health', 'Indicators', ...SP, 'Workforce', ...ppgPages],
};
const roleLabel = {
  admin: 'Administrator', clinical_director: 'Clinical director', practice_manager: 'Practice manager',
  clinician: 'Clinician', link_worker: 'Link worker', ppg_member: 'PPG member', analyst: 'Analyst (ICB)',
};

// GET or POST /api/v1 + path from inside role's signed-in page: {status, body}
// (text: the body as text; POST sends the session's CSRF token).
const api = new Proxy({}, { get: (_, role) => ({
  get: (path) => sessions[role].page.evaluate(async (p) => {
    const r = await fetch('/api/v1' + p);
    return { status: r.status, body: await r.json() };
  }, path),
  text: (path) => sessions[role].page.evaluate(async (p) => {
    const r = await fetch('/api/v1' + p);
    return { status: r.status, body: await r.text() };
  }, path),
  post: (path, body) => sessions[role].page.evaluate(async ([p, b]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch('/api/v1' + p, { method: 'POST', body: JSON.stringify(b),
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token } });
    return { status: r.status, body: await r.json() };
  }, [path, body]),
}) });

// Money as the pages show it: "1234.56" -> "£1,234.56"; null -> "".
const money = (v) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  const neg = s.startsWith('-');
  const [w, p] = (neg ? s.slice(1) : s).split('.');
  return `${neg ? '-' : ''}£${w.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${p}`;
};

async function session(role) {
  if (!sessions[role]) sessions[role] = await signIn(browser, srv.base, role);
  return sessions[role];
}

async function timed(role, page, hash) {
  const r = await visit(page, hash);
  assert.notEqual(r.ready, 'error', `${hash} as ${role}: ${r.ready === 'error' ? await page.innerText('main') : ''}`);
  const n = timings.filter((t) => t.role === role && t.page === r.name).length;
  timings.push({ role, page: r.name, visit: n === 0 ? 'first' : 'again', ms: r.ms, ready: r.ready });
  return r;
}

const cellTexts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
  // One sign-in per role (Argon2id makes each take a while on a busy machine);
  // the API figures to compare with are fetched inside the same session.
  for (const role of roles) await session(role);
  served = {
    reports: (await api.clinical_director.get('/reports/registers?by=practice')).status === 200,
    worklists: (await api.clinical_director.get('/worklists/smr_priority?limit=1')).status === 200,
  };
  console.log(`# network ${srv.genSummary} (${srv.genMs} ms); server ${srv.base}; reports served: ${served.reports}; worklists served: ${served.worklists}`);
});

after(async () => {
  writeFileSync(join(outDir, 'timings.json'), JSON.stringify({ network: srv && srv.genSummary, timings }, null, 1));
  // A markdown summary for docs/PERFORMANCE.md, per page: the very first
  // visit (cold server cache), then the median, best and worst of the later
  // visits by every role.
  const ok = timings.filter((t) => t.ready === t.page && typeof t.ms === 'number');
  const pages = [...new Set(ok.map((t) => t.page))];
  const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '-');
  const md = ['| page | first visit (cold cache) | later visits | median | best | worst |', '|---|---|---|---|---|---|',
    ...pages.map((p) => {
      const all = ok.filter((t) => t.page === p);
      const later = all.slice(1).map((t) => t.ms).sort((a, b) => a - b);
      return `| ${p} | ${ms(all[0].ms)} | ${later.length} | ${ms(later[Math.floor(later.length / 2)])} | ${ms(later[0])} | ${ms(later[later.length - 1])} |`;
    })];
  writeFileSync(join(outDir, 'timings.md'), md.join('\n') + '\n');
  for (const s of Object.values(sessions)) await s.context.close();
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('sign in as each role: the role is shown and the navigation holds only its pages', async () => {
  for (const role of roles) {
    const { page } = await session(role);
    assert.equal((await page.textContent('#user-role')).trim(), roleLabel[role], role);
    assert.deepEqual(await cellTexts(page, '#nav-list a'), navFor[role], `navigation of ${role}`);
    await shot(page, `home-${role}`);
  }
});

test('a wrong password is refused with an error message', async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  await serveAxe(page, srv.base);
  await page.goto(`${srv.base}/#/signin`);
  await page.waitForSelector('body[data-page-ready="signin"]');
  await page.getByLabel('User name').fill('clinician');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('.nhsuk-error-summary');
  assert.match(await page.textContent('.nhsuk-error-summary'), /user name or password is wrong/);
  assert.equal(await page.isVisible('#main-nav'), false);
  assert.deepEqual(await axe(page), [], 'axe on the sign-in page');
  await shot(page, 'signin-error');
  await context.close();
});

test('network overview: practices, list sizes, pyramid and key figures equal the API', async () => {
  const { page } = await session('clinical_director');
  await timed('clinical_director', page, 'overview');
  const net = (await api.clinical_director.get('/network')).body;
  assert.equal((await page.textContent('h1')).trim().toLowerCase(), net.name.toLowerCase());
  assert.match(await page.textContent('#size-status'), new RegExp(fmt.format(net.patients)));
  // GET /network carries the "practices" result table that `pcn practice list` prints
  assert.equal(net.practices.kind, 'practices');
  const listed = JSON.parse(pcnOut(['practice', 'list', '--db', srv.db, '--network', net.code, '--format', 'json']));
  assert.deepEqual(net.practices.rows, listed.rows, 'one table for the API and the CLI');
  const rows = await page.$$('#practices-table tbody tr');
  assert.equal(rows.length, net.practices.rows.length);
  const sizes = await cellTexts(page, '#practices-table tbody tr td:nth-child(4)');
  assert.deepEqual(sizes, net.practices.rows.map((p) => fmt.format(p.patients)));
  const sum = net.pyramid.reduce((s, b) => s + b.patients, 0);
  assert.equal(sum, net.patients, 'the pyramid adds up to the list size');
  assert.ok(await page.$('#page-overview canvas'), 'charts are drawn');
  if (served.reports) assert.ok(await page.$('#imd-table'), 'deprivation profile shown');
  await shot(page, 'overview');
});

test('population health: every register with the API prevalence, frailty, segments, inequalities', async (t) => {
  const { page } = await session('clinical_director');
  await timed('clinical_director', page, 'population');
  await shot(page, 'population');
  if (!served.reports) { t.skip('the server does not serve /api/v1/reports yet'); return; }
  const rep = (await api.clinical_director.get('/reports/registers?by=practice')).body;
  const regs = rep.results.filter((r) => r.kind === 'register');
  const shown = await cellTexts(page, '#registers-table tbody tr td:nth-child(3)');
  assert.equal(shown.length, regs.length, 'one row per register');
  assert.deepEqual(shown, regs.map((r) => `${r.groups[0].percent.toFixed(1)}%`));
  for (const id of ['#frailty-table', '#multimorbidity-table', '#b2h-table', '#imd-prevalence-table']) {
    assert.ok(await page.$(id), `${id} shown`);
  }
});

test('indicators: achievement, numerator and denominator per practice equal the API; funnel plot drawn', async (t) => {
  const { page } = await session('clinical_director');
  await timed('clinical_director', page, 'indicators');
  await shot(page, 'indicators');
  if (!served.reports) { t.skip('the server does not serve /api/v1/reports yet'); return; }
  const rep = (await api.clinical_director.get('/reports/indicators?by=practice')).body;
  const inds = rep.results.filter((r) => r.kind === 'indicator');
  const nums = await cellTexts(page, '#indicators-table tbody tr td:nth-child(2)');
  assert.deepEqual(nums, inds.map((i) => fmt.format(i.groups[0].numerator)));
  const dens = await cellTexts(page, '#indicators-table tbody tr td:nth-child(3)');
  assert.deepEqual(dens, inds.map((i) => fmt.format(i.groups[0].denominator)));
  const first = inds[0].groups.filter((g) => g.key.practice);
  const pr = await cellTexts(page, '#indicator-practice-table tbody tr td:nth-child(5)');
  assert.deepEqual(pr, first.map((g) => (g.denominator === 0 ? 'no patients' : `${g.percent.toFixed(1)}%`)));
  assert.ok(await page.$('#page-indicators canvas'), 'funnel plot drawn');
});

test('worklists: filter, sort, page, download CSV, open a patient', async (t) => {
  const { page } = await session('clinical_director');
  await timed('clinical_director', page, 'worklists');
  await shot(page, 'worklists');
  if (!served.worklists) { t.skip('the server does not serve /api/v1/worklists yet'); return; }
  const name = await page.$eval('#page-worklists select', (s) => s.value);
  const first = (await api.clinical_director.get(`/worklists/${name}?limit=1`)).body;
  const total = first.total;
  assert.match(await page.textContent('#worklist-status'), new RegExp(`of ${total} patients`));
  // filter by the first practice, then download: the CSV has exactly the filtered rows
  await page.getByLabel('Practice').selectOption(srv.firstPractice);
  // the server filters: wait for its answer
  await page.waitForSelector('#worklist-body[aria-busy="false"]');
  const status = await page.textContent('#worklist-status');
  const filtered = Number(status.match(/of (\d+) patients/)[1]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r\n/);
  writeFileSync(join(outDir, 'worklist.csv'), csv.join('\n') + '\n');
  assert.equal(csv.length - 1, filtered, 'CSV rows equal the filtered list');
  assert.match(csv[0], /^key,patient_id,practice,/);
  assert.ok(csv.slice(1).every((l) => l.includes(`,${srv.firstPractice},`)), 'only the chosen practice');
  // sort by the first data column, descending on the second click
  const column = (await page.$$eval('#worklist-table thead th button', (b) => b.map((x) => x.textContent)))[2];
  await page.locator('#worklist-table thead th button').nth(2).click();
  await page.waitForSelector('#worklist-body[aria-busy="false"]');
  await page.locator('#worklist-table thead th button').nth(2).click();
  await page.waitForSelector('#worklist-body[aria-busy="false"]');
  const sorted = await page.$eval('#worklist-table thead th[aria-sort="descending"]', (e) => e.textContent);
  assert.ok(sorted.startsWith(column.trim()), `sorted by ${column}, descending`);
  if (filtered > 25) {
    await page.click('#page-next');
    await page.waitForSelector('#worklist-body[aria-busy="false"]');
    assert.match(await page.textContent('#worklist-status'), /Showing 26 to/);
  }
  // open the first patient
  const link = page.locator('#worklist-table tbody a').first();
  const key = (await link.getAttribute('href')).split('/').pop();
  await Promise.all([page.waitForSelector('body[data-page-ready="patient"]'), link.click()]);
  const view = (await api.clinical_director.get(`/patients/${key}?limit=25`)).body;
  assert.equal((await page.textContent('h1')).trim(), [view.patient.given_name, view.patient.family_name].filter(Boolean).join(' ') || view.patient.patient_id);
  const nhs = view.patient.nhs_number;
  assert.match(await page.textContent('#patient-summary'), new RegExp(`${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`));
  await shot(page, 'patient');
});

test('patient view: demographics, measurements and timeline equal the API (clinician)', async () => {
  const { page } = await session('clinician');
  const view = (await api.clinician.get('/patients/1?limit=25')).body;
  await timed('clinician', page, 'patient/1');
  assert.equal(await page.evaluate(() => document.body.dataset.pageReady), 'patient');
  assert.match(await page.textContent('#patient-summary'), new RegExp(view.patient.patient_id));
  const rows = await page.$$('#timeline-table tbody tr');
  assert.equal(rows.length, view.timeline.length);
  const meas = await page.$$('#measurements-table tbody tr');
  assert.equal(meas.length, view.latest_measurements.length);
  // each entry shows the server's term, with its code beside it as secondary text
  const shown = await page.$$eval('#timeline-table tbody tr td:nth-child(3)', (tds) => tds.map((td) => ({
    text: td.textContent, code: (td.querySelector('.pcn-code') || {}).textContent || null })));
  assert.ok(view.timeline.some((e) => e.term), 'the generated twin has terms');
  view.timeline.forEach((e, i) => {
    if (e.term) {
      assert.ok(shown[i].text.startsWith(e.term), `timeline row ${i}: term first (${shown[i].text})`);
      assert.ok(shown[i].code && shown[i].code.endsWith(e.code), `timeline row ${i}: code secondary`);
    } else {
      assert.ok(shown[i].text.endsWith(e.code), `timeline row ${i}: the code when there is no term`);
    }
  });
  const measured = await cellTexts(page, '#measurements-table tbody th');
  view.latest_measurements.forEach((m, i) => assert.ok(measured[i].startsWith(m.term || ''), measured[i]));
  if (view.medications.length) {
    const meds = await cellTexts(page, '#medications-table tbody th');
    view.medications.forEach((m, i) => assert.ok(meds[i].includes(m.code) && meds[i].startsWith(m.term || ''), meds[i]));
  }
});

test('practice manager: worklists start at their practice; other practices\' patients are refused', async () => {
  const { page } = await session('practice_manager');
  const net = (await api.practice_manager.get('/network')).body;
  const other = net.practices.rows.find((p) => p.code !== srv.firstPractice);
  // find a patient of another practice through the clinical director's view of the store keys
  let key = null;
  for (let k = 1; k < 200000 && !key; k += 997) {
    const r = await api.clinical_director.get(`/patients/${k}?limit=1`);
    if (r.status === 200 && r.body.patient.practice === other.code) key = k;
  }
  assert.ok(key, 'a patient of another practice');
  // refused exactly as a key that names nobody, so keys cannot count other practices' patients
  await timed('practice_manager', page, `patient/${key}`);
  assert.match(await page.textContent('h1'), /Patient not found/);
  assert.equal((await api.practice_manager.get(`/patients/${key}`)).status, 404);
  if (served.worklists) {
    await timed('practice_manager', page, 'worklists');
    assert.equal(await page.getByLabel('Practice').inputValue(), srv.firstPractice);
  }
});

for (const role of ['ppg_member', 'analyst']) {
  test(`${role}: aggregates only, no patient pages, no NHS numbers`, async () => {
    const { page } = await session(role);
    for (const hash of ['worklists', 'patient/1']) {
      const r = await timed(role, page, hash);
      assert.equal(r.ready, 'forbidden', `${hash} is refused`);
    }
    assert.equal((await api[role].get('/patients/1')).status, 403);
    for (const hash of ['overview', 'population', 'indicators']) {
      await timed(role, page, hash);
      const text = await page.innerText('main');
      assert.doesNotMatch(text, NHS_NUMBER, `no NHS number on ${hash}`);
      assert.equal(await page.$$eval('a[href^="#/patient/"]', (a) => a.length), 0, `no patient links on ${hash}`);
      await shot(page, `${hash}-${role}`);
    }
  });
}

test('link worker: aggregates, no worklists or patients', async () => {
  const { page } = await session('link_worker');
  assert.equal((await timed('link_worker', page, 'worklists')).ready, 'forbidden');
  assert.equal((await timed('link_worker', page, 'overview')).ready, 'overview');
});

test('workforce: WTE by role and practice equal the API and the CLI; the register for finance roles only', async () => {
  const { page } = await session('clinical_director');
  await timed('clinical_director', page, 'workforce');
  const byRole = (await api.clinical_director.get('/workforce/summary?by=role')).body;
  const cli = JSON.parse(pcnOut(['workforce', 'report', '--db', srv.db, '--network', byRole.network,
    '--as-of', byRole.as_of, '--format', 'json']));
  assert.deepEqual([cli.kind, cli.columns, cli.rows], [byRole.kind, byRole.columns, byRole.rows], 'one table for the API and the CLI');
  assert.deepEqual(await cellTexts(page, '#wte-role-table tbody td:nth-child(3)'), byRole.rows.map((r) => r.wte));
  const total = byRole.rows.find((r) => r.key === 'total');
  assert.ok(Number(total.wte) > 0, 'the twin has staff from the census');
  const byPractice = (await api.clinical_director.get('/workforce/summary?by=practice')).body;
  assert.deepEqual(await cellTexts(page, '#wte-practice-table tbody td:nth-child(3)'), byPractice.rows.map((r) => r.wte));
  const staff = (await api.clinical_director.get('/workforce')).body;
  assert.equal((await page.$$('#staff-table tbody tr')).length, staff.rows.length);
  assert.ok(await page.$('#compare-table'), 'comparison shown');
  assert.ok(await page.$('#page-workforce canvas'), 'charts drawn');
  await shot(page, 'workforce');
  for (const role of ['clinician', 'ppg_member']) {
    const s = await session(role);
    assert.equal((await timed(role, s.page, 'workforce')).ready, 'workforce');
    assert.equal(await s.page.$('#staff-table'), null, `${role} sees no register`);
    assert.equal((await api[role].get('/workforce')).status, 403);
    assert.equal((await timed(role, s.page, 'finance')).ready, 'forbidden', `${role}: finance refused`);
  }
  // aggregate-only roles: head counts under the threshold withheld
  const ppg = (await api.ppg_member.get('/workforce/summary?by=role')).body;
  assert.ok(ppg.rows.filter((r) => r.key !== 'total').every((r) => r.people === null || r.people >= 8));
  await shot(sessions.ppg_member.page, 'workforce-ppg_member');
});

test('workforce: a post added and ended through the forms; a stale end shows the current state', async () => {
  const { page } = await session('practice_manager');
  await timed('practice_manager', page, 'workforce');
  await page.getByText('Add a post').click();
  await page.getByLabel('Person (staff number)', { exact: true }).fill('BT-1');
  await page.getByLabel('Role', { exact: true }).selectOption('paramedic');
  await page.getByLabel('Band', { exact: true }).fill('7');
  await page.getByLabel('WTE', { exact: true }).fill('0.5');
  await page.getByLabel('Employer', { exact: true }).selectOption('network');
  await page.getByLabel('Start', { exact: true }).fill('2026-07-01');
  await page.getByLabel('Cost a year (£)', { exact: true }).fill('30000');
  await page.click('#add-post');
  await page.waitForSelector('#register-note');
  assert.match(await page.textContent('#register-note'), /added for BT-1/);
  const staff = (await api.practice_manager.get('/workforce')).body;
  const post = staff.rows.find((r) => r.person === 'BT-1');
  assert.ok(post && post.wte === '0.5' && post.version === 1, 'the post as the server has it');
  // someone else ends it first; the page still shows version 1
  const first = await api.practice_manager.post(`/workforce/${post.id}/end`, { end: '2026-09-30', version: 1 });
  assert.equal(first.status, 200);
  await page.getByText('End a post').click();
  await page.getByLabel('Post', { exact: true }).selectOption(String(post.id));
  await page.getByLabel('Last day', { exact: true }).fill('2026-08-31');
  await page.click('#end-post');
  await page.waitForSelector('#end-post-message .nhsuk-error-summary');
  assert.match(await page.textContent('#end-post-message'), /version 2/);
  // a refused add says why (the page was drawn again after the first add: the form is closed)
  await page.getByText('Add a post').click();
  await page.getByLabel('Person (staff number)', { exact: true }).fill('BT-2');
  await page.getByLabel('Role', { exact: true }).selectOption('paramedic');
  await page.getByLabel('WTE', { exact: true }).fill('1.5');
  await page.getByLabel('Employer', { exact: true }).selectOption('network');
  await page.getByLabel('Start', { exact: true }).fill('2026-07-01');
  await page.getByLabel('Cost a year (£)', { exact: true }).fill('30000');
  await page.click('#add-post');
  await page.waitForSelector('#add-post-message .nhsuk-error-summary');
  assert.match(await page.textContent('#add-post-message'), /outside 0-1.0/);
  await shot(page, 'workforce-forms');
});

test('finance: budget, months, income, distribution and claims equal the API; the ICB claim CSV downloads', async () => {
  const { page } = await session('clinical_director');
  await timed('clinical_director', page, 'finance');
  const fin = (await api.clinical_director.get('/finance')).body;
  assert.equal((await page.textContent('h1')).trim(), `Finance ${fin.year}`);
  const cli = JSON.parse(pcnOut(['finance', 'income', '--db', srv.db, '--network', fin.network,
    '--as-of', fin.as_of, '--format', 'json']));
  assert.deepEqual(cli.rows, fin.income.rows, 'one income table for the API and the CLI');
  assert.deepEqual(await cellTexts(page, '#income-table tbody td:nth-child(3)'),
    fin.income.rows.map((l) => (l.known || l.line.startsWith('total') ? money(l.amount) : 'Not known')));
  const months = fin.months.rows.filter((m) => m.budget === 'arrs');
  assert.deepEqual(await cellTexts(page, '#months-table tbody td:nth-child(3)'), months.map((m) => money(m.cumulative)));
  const claims = (await api.clinical_director.get(`/finance/claims?year=${fin.year}`)).body;
  assert.deepEqual(await cellTexts(page, '#claims-table tbody td:nth-child(8)'), claims.rows.map((c) => money(c.claim)));
  const dist = (await api.clinical_director.get(`/finance/distribution?year=${fin.year}`)).body;
  const totals = dist.rows.filter((r) => r.line === 'total').map((r) => money(r.amount));
  assert.deepEqual(await cellTexts(page, '#distribution-table tbody td:last-child'), totals);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-claim')]);
  const csv = readFileSync(await download.path(), 'utf8');
  writeFileSync(join(outDir, 'arrs-claim.csv'), csv);
  assert.equal(csv, (await api.clinical_director.text(`/finance/claims/export?year=${fin.year}`)).body);
  assert.match(csv, /^pcn_code,pcn_name,claim_month,staff_id,/);
  await shot(page, 'finance');
  // another year
  await page.getByLabel('Contract year').selectOption('2024-25');
  await page.waitForFunction(() => document.querySelector('h1') && document.querySelector('h1').textContent.includes('2024-25'));
  await page.waitForSelector('body[data-page-ready="finance"]');
  // what if: the API's figures in the sentence
  const wi = (await api.clinical_director.get('/finance/what-if?year=2024-25&role=paramedic&wte=1&start=2025-01-01')).body;
  await page.getByLabel('Role', { exact: true }).selectOption('paramedic');
  await page.getByLabel('WTE', { exact: true }).fill('1');
  await page.getByLabel('From', { exact: true }).fill('2025-01-01');
  await page.click('#what-if-go');
  await page.waitForSelector('#what-if-summary');
  assert.match(await page.textContent('#what-if-summary'), new RegExp(money(wi.rows[0].added).replace(/[£.]/g, '\\$&')));
  await shot(page, 'finance-2024-25');
});

test('social prescribing: a link worker\'s caseload, a referral\'s timeline and forms, a stale change reloaded, the directory by distance', async () => {
  // the twin's referrals belong to its own link workers: give three open ones to the link_worker user
  const open = (await api.clinical_director.get('/sp/referrals?open=1&limit=3')).body.rows;
  assert.equal(open.length, 3, 'the twin has open referrals');
  for (const r of open) {
    const a = await api.clinical_director.post(`/sp/referrals/${r.id}/assign`, { version: r.version, link_worker: 'link_worker' });
    assert.equal(a.status, 200, JSON.stringify(a.body));
  }
  const { page } = await session('link_worker');
  await timed('link_worker', page, 'caseload');
  const mine = (await api.link_worker.get('/sp/caseload')).body;
  assert.equal(mine.total, 3);
  assert.equal((await page.$$('#caseload-table tbody tr')).length, 3, 'one row per open case');
  assert.match(await page.textContent('#caseload-cards'), /Open cases\s*3/);
  await shot(page, 'caseload');
  // a referral's timeline equals the API's
  const link = page.locator('#caseload-table tbody a').first();
  const id = Number((await link.getAttribute('href')).split('/').pop());
  await Promise.all([page.waitForSelector('body[data-page-ready="referral"]'), link.click()]);
  const view = (await api.link_worker.get(`/sp/referrals/${id}`)).body;
  assert.equal((await page.$$('#timeline-table tbody tr')).length, view.rows.length);
  assert.equal(await page.$eval('#page-referral', (e) => e.dataset.version), String(view.referral.version));
  await shot(page, 'referral');
  // someone else changes it first: the link worker's plan is refused and the page reloads
  const moved = await api.clinical_director.post(`/sp/referrals/${id}/plan`, { version: view.referral.version, what_matters: 'Changed by the director' });
  assert.equal(moved.status, 200);
  await page.click('#plan-form >> xpath=ancestor::details/summary');
  await page.fill('#plan-form textarea', 'Seeing my grandchildren');
  await page.evaluate(() => { delete document.body.dataset.pageReady; });
  await page.click('#plan-form button[type=submit]');
  await page.waitForSelector('body[data-page-ready="referral"]');
  assert.match(await page.textContent('#referral-flash'), /changed by someone else/);
  assert.equal(await page.$eval('#page-referral', (e) => e.dataset.version), String(moved.body.version));
  // a contact recorded through the form appears on the timeline
  const before = (await page.$$('#timeline-table tbody tr')).length;
  await page.click('#contact-form >> xpath=ancestor::details/summary');
  await page.fill('#contact-form input[name=minutes]', '15');
  await page.evaluate(() => { delete document.body.dataset.pageReady; });
  await page.click('#contact-form button[type=submit]');
  await page.waitForSelector('body[data-page-ready="referral"]');
  assert.match(await page.textContent('#referral-flash'), /saved/);
  assert.equal((await page.$$('#timeline-table tbody tr')).length, before + 1);
  // the person's record and the directory measured from their home
  if (view.referral.patient_key) {
    assert.equal((await timed('link_worker', page, `patient/${view.referral.patient_key}`)).ready, 'patient');
    assert.doesNotMatch(await page.textContent('h1'), /cannot see/);
    await timed('link_worker', page, `directory/patient/${view.referral.patient_key}`);
    const km = await cellTexts(page, '#directory-table tbody tr td:nth-child(2)');
    const d = km.filter(Boolean).map((x) => parseFloat(x));
    assert.deepEqual(d, d.slice().sort((a, b) => a - b), 'nearest first');
    await shot(page, 'directory-patient');
  }
  // the directory: the same assets as the API, and a search by category narrows it
  await timed('link_worker', page, 'directory');
  const all = (await api.link_worker.get('/sp/assets?limit=50')).body;
  assert.match(await page.textContent('#directory-status'), new RegExp(`^${all.total} assets`));
  await page.getByLabel('Category').selectOption('loneliness');
  await page.click('#directory-go');
  const lonely = (await api.link_worker.get('/sp/assets?category=loneliness&limit=50')).body;
  await page.waitForFunction((n) => document.querySelector('#directory-status').textContent.startsWith(`${n} asset`), lonely.total);
  await shot(page, 'directory');
});

test('social prescribing overview: activity, outcomes with their pairs and the gaps equal the API', async () => {
  const { page } = await session('clinical_director');
  await timed('clinical_director', page, 'socialrx');
  const out = (await api.clinical_director.get('/sp/outcomes')).body.rows.filter((r) => r.group === 'all');
  assert.deepEqual(await cellTexts(page, '#outcomes-table tbody tr td:nth-child(2)'), out.map((r) => fmt.format(r.pairs)));
  const act = (await api.clinical_director.get('/sp/reports/activity')).body.rows;
  assert.equal((await page.$$('#activity-table tbody tr')).length, act.length);
  const rates = (await api.clinical_director.get('/sp/reports/rates')).body.rows;
  assert.equal((await page.$$('#rates-table tbody tr')).length, rates.length);
  assert.ok(await page.$('#categories-table'), 'categories asked for against the directory');
  assert.ok(await page.$('#page-socialrx canvas'), 'activity chart drawn');
  await shot(page, 'socialrx');
  // aggregate-only roles: small numbers withheld, no caseload, no patients
  const ppg = await session('ppg_member');
  await timed('ppg_member', ppg.page, 'socialrx');
  assert.doesNotMatch(await ppg.page.innerText('main'), NHS_NUMBER);
  assert.equal((await timed('ppg_member', ppg.page, 'caseload')).ready, 'forbidden');
  assert.equal((await api.ppg_member.get('/sp/referrals')).status, 403);
});

test('admin: users and the audit chain, no network data', async () => {
  const { page } = await session('admin');
  await timed('admin', page, 'admin');
  const users = await cellTexts(page, '#users-table tbody th');
  assert.deepEqual(users.sort(), roles.slice().sort());
  assert.match(await page.textContent('#audit-status'), /verifies/);
  assert.equal((await timed('admin', page, 'overview')).ready, 'forbidden');
  await visit(page, 'admin');
  await shot(page, 'admin');
});

test('axe-core: no serious or critical violations on any page', async () => {
  const pages = { clinical_director: ['overview', 'population', 'indicators', 'worklists', 'patient/1', 'caseload',
    'directory', 'socialrx', 'workforce', 'finance'],
  ppg_member: ['overview', 'population', 'indicators', 'worklists', 'directory', 'socialrx', 'workforce'], admin: ['admin'],
  link_worker: ['caseload', 'directory'] };
  for (const [role, hashes] of Object.entries(pages)) {
    const { page } = await session(role);
    for (const hash of hashes) {
      await timed(role, page, hash);
      assert.deepEqual(await axe(page), [], `axe on ${hash} as ${role}`);
    }
  }
});

test('keyboard: skip link, navigation and controls work without a mouse', async () => {
  const { page } = await session('clinician');
  await page.goto(`${srv.base}/?keyboard=1#/overview`);
  await page.waitForSelector('body[data-page-ready="overview"]');
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement.textContent.trim());
  assert.equal(first, 'Skip to main content');
  let found = false;
  for (let i = 0; i < 12 && !found; i++) {
    await page.keyboard.press('Tab');
    found = (await page.evaluate(() => document.activeElement.textContent.trim())) === 'Indicators';
  }
  assert.ok(found, 'the Indicators link is reachable by Tab');
  await page.evaluate(() => { delete document.body.dataset.pageReady; });
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-page-ready="indicators"]');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the new page heading');
});

test('tablet width (768 px): every page fits without horizontal scrolling', async () => {
  const { page } = await session('clinical_director');
  await page.setViewportSize({ width: 768, height: 1024 });
  try {
    for (const hash of ['overview', 'population', 'indicators', 'worklists', 'patient/1', 'caseload', 'directory', 'socialrx', 'workforce', 'finance']) {
      await visit(page, hash);
      const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(sw <= w, `${hash}: page is ${sw} px wide in a ${w} px window`);
      await shot(page, `tablet-${hash.replace('/', '-')}`);
    }
  } finally {
    await page.setViewportSize({ width: 1366, height: 900 });
  }
});

test('page timings: each page\'s data arrives and is drawn within 1 second once the server has the results', async () => {
  // The first request for a report makes the server build its population
  // snapshot and evaluate the definitions (then cached by data version);
  // those cold visits are recorded in timings.json but not held to the
  // budget. Each page is then visited three more times; the best of those
  // (the machine is shared, so single visits are noisy) must be within it.
  const best = {};
  const visits = { clinician: ['overview', 'population', 'indicators', 'worklists', 'patient/1', 'workforce', 'directory', 'socialrx'],
    clinical_director: ['finance'] };
  for (const [role, hashes] of Object.entries(visits)) {
    const { page } = await session(role);
    for (const hash of hashes) {
      await timed(role, page, hash);
      for (let i = 0; i < 3; i++) {
        const r = await timed(role, page, hash);
        best[r.name] = Math.min(best[r.name] ?? Infinity, r.ms ?? Infinity);
      }
    }
  }
  const slow = Object.entries(best).filter(([, ms]) => !(ms <= PAGE_BUDGET_MS));
  assert.deepEqual(slow, [], 'pages over the budget');
});

test('no page errors and nothing fetched from outside the server', () => {
  for (const [role, s] of Object.entries(sessions)) assert.deepEqual(s.problems, [], role);
});

test('sign out ends the session on the server', async () => {
  const { page } = await session('link_worker');
  await page.evaluate(() => { delete document.body.dataset.pageReady; });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForSelector('body[data-page-ready="signin"]');
  assert.equal(await page.isVisible('#main-nav'), false);
  assert.equal((await api.link_worker.get('/me')).status, 401);
  await page.evaluate(() => { location.hash = '#/overview'; });
  await page.waitForSelector('body[data-page-ready="signin"]');
});
