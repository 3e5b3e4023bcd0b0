// app.js - the single-page dashboard: session, role-aware navigation and a
// hash router (#/overview, #/patient/KEY, ...). Each page is a module
// exporting render(ctx, args) -> Node. After a page's data has arrived and
// been drawn, the router records a Performance API measure "page:NAME"
// from the navigation start and sets body[data-page-ready=NAME] (the
// browser tests wait on it and read the measure).

import { api, ApiError, setCsrf } from './api.js';
import { destroyCharts, drawCharts } from './charts.js';
import { h, errorSummary } from './dom.js';
import * as overview from './pages/overview.js';
import * as population from './pages/population.js';
import * as indicators from './pages/indicators.js';
import * as worklists from './pages/worklists.js';
import * as patient from './pages/patient.js';
import * as workforce from './pages/workforce.js';
import * as finance from './pages/finance.js';
import * as admin from './pages/admin.js';
import * as caseload from './pages/caseload.js';
import * as referral from './pages/referral.js';
import * as directory from './pages/directory.js';
import * as socialrx from './pages/socialrx.js';
import * as ppg from './pages/ppg.js';
import * as engagement from './pages/engagement.js';
import * as feedback from './pages/feedback.js';
import * as signin from './pages/signin.js';

const can = (me, what) => !!(me && me.can && me.can[what]);

// Every page, who may open it, and whether it is in the navigation.
const pages = [
  { name: 'overview', title: 'Network overview', nav: true, allow: (me) => can(me, 'aggregates'), mod: overview },
  { name: 'population', title: 'Population health', nav: true, allow: (me) => can(me, 'aggregates'), mod: population },
  { name: 'indicators', title: 'Indicators', nav: true, allow: (me) => can(me, 'aggregates'), mod: indicators },
  { name: 'worklists', title: 'Worklists', nav: true, allow: (me) => can(me, 'patient_level'), mod: worklists },
  { name: 'patient', title: 'Patient', nav: false, allow: (me) => can(me, 'patient_level') || can(me, 'caseload'), mod: patient },
  { name: 'caseload', title: 'Caseload', nav: true, allow: (me) => can(me, 'caseload'), mod: caseload },
  { name: 'referral', title: 'Referral', nav: false, allow: (me) => can(me, 'caseload') || can(me, 'patient_level'), mod: referral },
  { name: 'directory', title: 'Community directory', nav: true, allow: (me) => can(me, 'aggregates'), mod: directory },
  { name: 'socialrx', title: 'Social prescribing', nav: true, allow: (me) => can(me, 'aggregates'), mod: socialrx },
  { name: 'workforce', title: 'Workforce', nav: true, allow: (me) => can(me, 'workforce'), mod: workforce },
  { name: 'finance', title: 'Finance', nav: true, allow: (me) => can(me, 'finance'), mod: finance },
  { name: 'ppg', title: 'Patient groups', nav: true, allow: (me) => can(me, 'aggregates'), mod: ppg },
  { name: 'engagement', title: 'Engagement', nav: true, allow: (me) => can(me, 'aggregates'), mod: engagement },
  { name: 'you-said-we-did', title: 'You said, we did', nav: true, allow: (me) => can(me, 'aggregates'), mod: feedback },
  { name: 'admin', title: 'Administration', nav: true, allow: (me) => can(me, 'admin'), mod: admin },
];

const roleLabels = {
  admin: 'Administrator', clinical_director: 'Clinical director', practice_manager: 'Practice manager',
  clinician: 'Clinician', link_worker: 'Link worker', ppg_member: 'PPG member', analyst: 'Analyst (ICB)',
};

const state = { me: null, seq: 0, first: true };
const main = () => document.getElementById('main-content');

function homeOf(me) {
  const p = pages.find((x) => x.nav && x.allow(me));
  return p ? p.name : 'signin';
}

function renderChrome(current) {
  const me = state.me;
  document.getElementById('user-box').hidden = !me;
  document.getElementById('main-nav').hidden = !me;
  if (!me) return;
  document.getElementById('user-name').textContent = me.name + (me.practice ? ` (${me.practice})` : '');
  document.getElementById('user-role').textContent = roleLabels[me.role] || me.role;
  const list = document.getElementById('nav-list');
  list.replaceChildren(...pages.filter((p) => p.nav && p.allow(me)).map((p) =>
    h('li', {}, h('a', { href: `#/${p.name}`, 'aria-current': p.name === current ? 'page' : null },
      p.title))));
}

async function loadMe() {
  try {
    state.me = await api('/me');
    setCsrf(state.me.csrf_token);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    state.me = null;
    setCsrf(null);
  }
}

const ctx = {
  get me() { return state.me; },
  can: (what) => can(state.me, what),
  go: (hash) => { location.hash = hash; },
  async signedIn() {
    await loadMe();
    location.hash = `#/${homeOf(state.me)}`;
  },
};

function finish(seq, name, title, nodes) {
  if (seq !== state.seq) return;
  document.title = `${title} - OpenPCN`;
  main().replaceChildren(...nodes);
  renderChrome(name);
  drawCharts();
  requestAnimationFrame(() => {
    if (seq !== state.seq) return;
    performance.measure(`page:${name}`, `nav:${seq}`);
    document.body.dataset.pageReady = name;
    if (!state.first) {
      const h1 = main().querySelector('h1');
      if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
    }
    state.first = false;
  });
}

async function route() {
  const seq = ++state.seq;
  performance.mark(`nav:${seq}`);
  delete document.body.dataset.pageReady;
  destroyCharts();
  const [name, ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (state.me === null && state.first) await loadMe();
    if (!state.me) {
      if (name !== 'signin') { location.replace('#/signin'); return; }
      finish(seq, 'signin', 'Sign in', [signin.render(ctx)]);
      return;
    }
    if (name === 'signin' || !name) { location.replace(`#/${homeOf(state.me)}`); return; }
    const page = pages.find((p) => p.name === name);
    if (!page) {
      finish(seq, 'notfound', 'Page not found', [h('h1', {}, 'Page not found'),
        h('p', {}, h('a', { href: `#/${homeOf(state.me)}` }, 'Go to your home page'))]);
      return;
    }
    if (!page.allow(state.me)) {
      finish(seq, 'forbidden', 'Not available', [h('h1', {}, 'Not available to your role'),
        h('p', {}, `Your role (${roleLabels[state.me.role] || state.me.role}) cannot open this page.`),
        h('p', {}, h('a', { href: `#/${homeOf(state.me)}` }, 'Go to your home page'))]);
      return;
    }
    main().replaceChildren(h('h1', {}, page.title), h('p', { class: 'nhsuk-body', role: 'status' }, 'Loading…'));
    renderChrome(name);
    const node = await page.mod.render(ctx, args);
    finish(seq, name, page.title, [node]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      state.me = null;
      setCsrf(null);
      location.replace('#/signin');
      return;
    }
    finish(seq, 'error', 'Error', [h('h1', {}, 'Something went wrong'),
      errorSummary('The page could not be shown', e.message || String(e))]);
  }
}

async function signOut() {
  try {
    await api('/logout', { method: 'POST' });
  } catch (e) {
    // 401: the session had already ended; anything else is worth a trace.
    if (!(e instanceof ApiError) || e.status !== 401) console.warn(`sign out: ${e.message}`);
  }
  state.me = null;
  setCsrf(null);
  location.hash = '#/signin';
}

document.getElementById('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
route();
