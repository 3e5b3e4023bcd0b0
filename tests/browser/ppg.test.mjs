// ppg.test.mjs - the patient partnership pages in a real browser against the
// real server and the generated twin's PPGs: the group against its
// population (figures and gaps equal to the API's, charts drawn), the ladder
// and co-production record, the "you said, we did" board, recording and
// answering feedback through the forms (with a conflict shown when someone
// else changed the item), the ppg_member role's reach, the public page
// without signing in, axe-core and a tablet-width layout. Screenshots go to
// OUTDIR.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, launchBrowser, network, serveAxe, shot, signIn, startServer, visit } from './harness.mjs';

let srv;
let browser;
const sessions = {};

async function session(role) {
  if (!sessions[role]) sessions[role] = await signIn(browser, srv.base, role);
  return sessions[role];
}

// The API from inside role's signed-in page (cookie and CSRF token, as the app).
async function call(role, method, path, body) {
  const { page } = await session(role);
  return page.evaluate(async ([m, p, b]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const init = { method: m, headers: { 'X-CSRF-Token': me.csrf_token || '' } };
    if (b !== null) {
      init.body = JSON.stringify(b);
      init.headers['Content-Type'] = 'application/json';
    }
    const r = await fetch('/api/v1' + p, init);
    return { status: r.status, body: await r.json() };
  }, [method, path, body === undefined ? null : body]);
}

const texts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  for (const s of Object.values(sessions)) await s.context.close();
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('patient groups: the group against its population, figures and gaps equal the API', async () => {
  const { page } = await session('clinical_director');
  const groups = (await call('clinical_director', 'GET', '/ppg/groups')).body;
  assert.ok(groups.rows.length >= 2, 'the twin has PPGs');
  const g0 = groups.rows[0];
  const rep = (await call('clinical_director', 'GET', `/ppg/representativeness?group=${g0.id}`)).body.groups[0];
  const r = await visit(page, `ppg/${g0.id}`);
  assert.equal(r.ready, 'ppg');
  assert.deepEqual(await texts(page, '#ppg-gaps li'), rep.gaps.map((x) => x.text));
  const cards = await texts(page, '.pcn-card__value');
  assert.ok(cards.includes(`${rep.index} of 100`), `index card ${rep.index}: ${cards}`);
  const age = rep.dimensions.find((d) => d.name === 'age');
  const rows = await page.$$eval('table', (ts) => ts.filter((t) => t.caption && t.caption.textContent.startsWith('Age:'))
    .map((t) => [...t.querySelectorAll('tbody tr')].map((tr) => tr.lastElementChild.textContent.trim()))[0]);
  assert.deepEqual(rows, age.categories.map((c) => `${c.population_pct.toFixed(1)}%`), 'the list\u2019s age shares');
  assert.ok((await page.$$('#page-ppg canvas')).length >= 4, 'charts drawn');
  assert.ok(await page.$('#ppg-members'), 'the clinical director sees the members');
  await shot(page, 'ppg-groups');
  assert.deepEqual(await axe(page), [], 'axe on the groups page');
});

test('engagement: the ladder per year and the co-production record equal the API', async () => {
  const { page } = await session('clinical_director');
  const ladder = (await call('clinical_director', 'GET', '/ppg/ladder')).body;
  const cop = (await call('clinical_director', 'GET', '/ppg/coproduction')).body;
  assert.equal((await visit(page, 'engagement')).ready, 'engagement');
  assert.deepEqual(await texts(page, '#ppg-ladder tbody th'), ladder.rows.map((r) => r.year));
  assert.deepEqual(await texts(page, '#ppg-ladder tbody td:nth-child(7)'),
    ladder.rows.map((r) => new Intl.NumberFormat('en-GB').format(r.people)));
  const fromStart = cop.rows.filter((x) => x.from_start).length;
  assert.match(await page.textContent('#ppg-from-start'), new RegExp(`^${fromStart} of ${cop.rows.length} service changes`));
  assert.deepEqual(await texts(page, '#ppg-coproduction tbody th'), cop.rows.map((x) => x.title));
  assert.ok(await page.$('#page-engagement canvas'), 'ladder chart drawn');
  await shot(page, 'ppg-engagement');
  assert.deepEqual(await axe(page), [], 'axe on the engagement page');
});

test('you said, we did: the board by outcome equals the API', async () => {
  const { page } = await session('clinical_director');
  const fb = (await call('clinical_director', 'GET', '/ppg/feedback?limit=500')).body;
  assert.equal((await visit(page, 'you-said-we-did')).ready, 'you-said-we-did');
  for (const o of ['open', 'in_progress', 'done', 'not_possible']) {
    const n = fb.rows.filter((f) => f.outcome === o).length;
    assert.match(await page.textContent(`#col-${o}`), new RegExp(`\\(${n}\\)$`), o);
  }
  assert.match(await page.getAttribute('#ppg-public-link', 'href'), new RegExp(`public\\.html\\?network=${network}$`));
  await shot(page, 'ppg-you-said-we-did');
  assert.deepEqual(await axe(page), [], 'axe on the board');
});

test('ppg_member: records feedback for its own group, cannot publish, sees its own members briefly', async () => {
  const { page } = await session('ppg_member');
  const groups = (await call('ppg_member', 'GET', '/ppg/groups')).body;
  assert.ok(groups.own_group, 'the ppg_member speaks for a group');
  assert.equal((await visit(page, 'you-said-we-did')).ready, 'you-said-we-did');
  const form = page.locator('#ppg-feedback-form');
  await form.getByLabel('What was said or recommended').fill('Please add a bench by the bus stop');
  await form.getByLabel('Received').fill('2026-06-20');
  await page.evaluate(() => { delete document.body.dataset.pageReady; });
  await form.getByRole('button', { name: 'Record the feedback' }).click();
  await page.waitForFunction(() => document.querySelector('#col-open').parentElement.textContent.includes('bench by the bus stop'));
  const mine = (await call('ppg_member', 'GET', '/ppg/feedback')).body.rows.find((f) => f.said.includes('bench'));
  assert.equal(mine.group_id, groups.own_group);
  const item = page.locator(`li[data-id="${mine.id}"]`);
  await item.locator('summary').click();
  assert.equal(await item.getByLabel('Publish on the public page').count(), 0, 'no publishing for the role');
  await shot(page, 'ppg-board-ppg-member');
  assert.equal((await visit(page, `ppg/${groups.own_group}`)).ready, 'ppg');
  assert.ok(await page.$('#ppg-members'), 'its own group\u2019s members');
  assert.doesNotMatch(await page.innerText('#ppg-members'), /@/, 'no contact details');
  const other = groups.rows.find((g) => g.id !== groups.own_group);
  await visit(page, `ppg/${other.id}`);
  assert.match(await page.innerText('main'), /does not see this group's members/);
  assert.deepEqual(await axe(page), [], 'axe as a ppg_member');
  assert.deepEqual(sessions.ppg_member.problems, []);
});

test('staff answer and publish; a stale answer shows the conflict; the public page shows it without signing in', async () => {
  const { page } = await session('clinical_director');
  const fb = (await call('clinical_director', 'GET', '/ppg/feedback?limit=500')).body;
  const item = fb.rows.find((f) => f.said.includes('bench'));
  assert.equal((await visit(page, 'you-said-we-did')).ready, 'you-said-we-did');
  const li = page.locator(`li[data-id="${item.id}"]`);
  await li.locator('summary').click();
  // someone else answers first: the page's form still holds version 1
  const other = await call('practice_manager', 'POST', `/ppg/feedback/${item.id}`,
    { response: 'The council will look at it', outcome: 'in_progress', version: item.version });
  assert.equal(other.status, 200);
  await li.getByLabel('What we did (or will do)').fill('A bench was installed in June');
  await li.getByLabel('Outcome', { exact: true }).selectOption('done');
  await li.getByRole('button', { name: 'Save the response' }).click();
  await page.waitForSelector('.nhsuk-error-summary');
  assert.match(await page.textContent('.nhsuk-error-summary'), /changed by someone else/);
  await shot(page, 'ppg-conflict');
  // answer again on the fresh page, and publish
  await page.waitForFunction((id) => document.querySelector(`#col-in_progress`).parentElement.querySelector(`li[data-id="${id}"]`), item.id);
  const fresh = page.locator(`li[data-id="${item.id}"]`);
  await fresh.locator('summary').click();
  await fresh.getByLabel('What we did (or will do)').fill('A bench was installed in June');
  await fresh.getByLabel('Outcome', { exact: true }).selectOption('done');
  await fresh.getByLabel('Publish on the public page').check();
  await fresh.getByRole('button', { name: 'Save the response' }).click();
  await page.waitForFunction((id) => document.querySelector('#col-done').parentElement.querySelector(`li[data-id="${id}"] .nhsuk-tag--green`), item.id);
  const pub = await page.evaluate(async (n) => (await fetch(`/api/v1/public/${n}/you-said-we-did?limit=500`)).json(), network);
  assert.equal(pub.rows[0].response, 'A bench was installed in June');
  // the public page, in a fresh browser context with no session
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  const anon = await context.newPage();
  await serveAxe(anon, srv.base);
  await anon.goto(`${srv.base}/public.html?network=${network}`);
  await anon.waitForSelector('body[data-page-ready="public"]');
  const items = await anon.$$('#public-items li');
  assert.equal(items.length, pub.rows.length);
  assert.match(await anon.textContent('#public-items'), /A bench was installed in June/);
  assert.doesNotMatch(await anon.innerText('body'), /@|01632/, 'no contact details on the public page');
  assert.deepEqual(await axe(anon), [], 'axe on the public page');
  await shot(anon, 'ppg-public');
  await anon.goto(`${srv.base}/public.html`);
  await anon.waitForSelector('body[data-page-ready="public"]');
  assert.match(await anon.textContent('#public-status'), /network\u2019s code/);
  await context.close();
});

test('roles: admin cannot open the patient partnership pages; tablet width fits', async () => {
  const { page } = await session('admin');
  assert.equal((await visit(page, 'ppg')).ready, 'forbidden');
  const cd = await session('clinical_director');
  await cd.page.setViewportSize({ width: 768, height: 1024 });
  try {
    for (const hash of ['ppg', 'engagement', 'you-said-we-did']) {
      await visit(cd.page, hash);
      const [sw, w] = await cd.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(sw <= w, `${hash}: ${sw} px wide in ${w}`);
      await shot(cd.page, `ppg-tablet-${hash}`);
    }
  } finally {
    await cd.page.setViewportSize({ width: 1366, height: 900 });
  }
  assert.deepEqual(cd.problems, []);
});
