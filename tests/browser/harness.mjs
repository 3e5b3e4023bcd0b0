// harness.mjs - what the browser tests share: a temporary database with a
// generated twin of a real network and one user per role, the real
// pcn serve on a free loopback port, an API client (bearer tokens), and
// chromium through playwright-core with the flags this closed network
// needs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'web', 'package.json'));
const { chromium } = require('playwright-core');
export const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const pcn = process.env.PCN_BIN || join(root, 'build', 'src', 'cli', 'pcn');
export const outDir = process.env.PCN_BROWSER_OUT || join(root, 'test-output', 'browser');
export const network = process.env.PCN_TEST_NETWORK || 'U18986';

export const roles = ['admin', 'clinical_director', 'practice_manager', 'clinician', 'link_worker',
  'ppg_member', 'analyst'];
export const passwordOf = (role) => `browser-test-${role}-pw`;

// The binary that prepares the database (PCN_PREP_BIN, default the same pcn),
// so a server build without 'generate' can still be tried by hand.
const prep = process.env.PCN_PREP_BIN || pcn;

function run(args, input) {
  const r = spawnSync(prep, args, { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`pcn ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

// Standard output of a pcn command (to compare the CLI's tables with the API's).
export function pcnOut(args) {
  return run(args).stdout;
}

// Generate the network, add the users, start the server; returns the context.
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'pcn-browser-'));
  const db = join(dir, 'dash.db');
  const t0 = Date.now();
  const gen = run(['generate', '--db', db, '--pcn', network, '--seed', '1']);
  const genMs = Date.now() - t0;
  const csv = run(['practice', 'list', '--db', db, '--network', network, '--format', 'csv']).stdout;
  const firstPractice = csv.trim().split('\n')[1].split(',')[0];
  for (const role of roles) {
    const extra = role === 'practice_manager' ? ['--practice', firstPractice] : [];
    run(['user', 'add', '--db', db, '--role', role, ...extra, role], passwordOf(role) + '\n');
  }
  const child = spawn(pcn, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', join(root, 'web'),
    '--network', network], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const base = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]); else reject(new Error(`unexpected first line from pcn serve: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`pcn serve exited (${code}): ${log}`)));
  });
  return {
    dir, db, base, child, firstPractice, genSummary: (gen.stderr.trim() || gen.stdout.trim()), genMs,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      writeFileSync(join(outDir, 'server.log'), log);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.PCN_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh browser context signed in as role, on its home page.
export async function signIn(browser, base, role, viewport = { width: 1366, height: 900 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // Failed fetches (401 before sign-in, 404 for routes a server lacks) are
  // handled by the app; anything else on the console is a problem.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await serveAxe(page, base);
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`); });
  await page.goto(`${base}/#/signin`);
  await page.waitForSelector('body[data-page-ready="signin"]');
  await page.getByLabel('User name').fill(role);
  await page.getByLabel('Password').fill(passwordOf(role));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('body[data-page-ready]:not([data-page-ready="signin"])');
  return { context, page, problems };
}

// Go to #/hash inside the app; returns the Performance API measure of the
// page (navigation start to data drawn) in milliseconds.
export async function visit(page, hash) {
  const name = hash.split('/')[0];
  await page.evaluate(() => { delete document.body.dataset.pageReady; });
  await page.evaluate((h) => {
    if (location.hash === '#/' + h) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = '#/' + h;
  }, hash);
  await page.waitForSelector(`body[data-page-ready]`, { timeout: 10000 });
  const ready = await page.evaluate(() => document.body.dataset.pageReady);
  const ms = await page.evaluate((n) => {
    const e = performance.getEntriesByName(`page:${n}`, 'measure');
    return e.length ? e[e.length - 1].duration : null;
  }, ready);
  return { ready, ms, name };
}

// axe-core is injected as a same-origin script served by the test itself,
// so the dashboard's Content-Security-Policy stays in force.
export async function serveAxe(page, base) {
  await page.route(`${base}/__test__/axe.min.js`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: axeSource }));
}

export async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) {
    const base = new URL(page.url()).origin;
    await page.addScriptTag({ url: `${base}/__test__/axe.min.js` });
  }
  const r = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
}
