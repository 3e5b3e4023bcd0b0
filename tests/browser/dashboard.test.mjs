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

const ppgPages = ['Patient groups', 'Engagement', 'You said, we did'];
const navFor = {
  admin: ['Administration'],
  clinical_director: ['Network overview', 'Population health', 'Indicators', 'Worklists', ...ppgPages],
  practice_manager: ['Network overview', 'Population health', 'Indicators', 'Worklists', ...ppgPages],
  clinician: ['Network overview', 'Population health', 'Indicators', 'Worklists', ...ppgPages],
  link_worker: ['Network overview', 'Population health', 'Indicators', ...ppgPages],
  ppg_member: ['Network overview', 'Population health', 'Indicators', ...ppgPages],
  analyst: ['Network overview', 'Population health', 'Indicators', ...ppgPages],
};
const roleLabel = {
  admin: 'Administrator', clinical_director: 'Clinical director', practice_manager: 'Practice manager',
  clinician: 'Clinician', link_worker: 'Link worker', ppg_member: 'PPG member', analyst: 'Analyst (ICB)',
};

// GET /api/v1 + path from inside role's signed-in page: {status, body}.
const api = new Proxy({}, { get: (_, role) => ({
  get: (path) => sessions[role].page.evaluate(async (p) => {
    const r = await fetch('/api/v1' + p);
    return { status: r.status, body: await r.json() };
  }, path),
}) });

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
  const pages = { clinical_director: ['overview', 'population', 'indicators', 'worklists', 'patient/1'],
    ppg_member: ['overview', 'population', 'indicators', 'worklists'], admin: ['admin'] };
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
    for (const hash of ['overview', 'population', 'indicators', 'worklists', 'patient/1']) {
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
  const { page } = await session('clinician');
  const best = {};
  for (const hash of ['overview', 'population', 'indicators', 'worklists', 'patient/1']) {
    await timed('clinician', page, hash);
    for (let i = 0; i < 3; i++) {
      const r = await timed('clinician', page, hash);
      best[r.name] = Math.min(best[r.name] ?? Infinity, r.ms ?? Infinity);
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
