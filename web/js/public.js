// public.js - the public "you said, we did" page (public.html?network=CODE):
// no sign-in, read-only, the items a network has chosen to publish, newest
// first, from GET /api/v1/public/{network}/you-said-we-did. A practice links
// to it from its website. After drawing it sets body[data-page-ready=public]
// for the browser tests.

import { h } from './dom.js';
import { dateText } from './format.js';

const main = () => document.getElementById('main-content');
const statusLine = () => document.getElementById('public-status');

function item(f) {
  return h('li', { class: `pcn-public-item pcn-public-item--${f.outcome}` },
    h('h2', { class: 'nhsuk-heading-s' }, 'You said'),
    h('p', { class: 'nhsuk-body' }, f.said),
    h('h2', { class: 'nhsuk-heading-s' }, 'We did'),
    h('p', { class: 'nhsuk-body' }, f.response),
    f.reason ? h('p', { class: 'nhsuk-body' }, h('strong', {}, 'Why: '), f.reason) : null,
    h('p', { class: 'nhsuk-body-s' },
      h('strong', { class: 'nhsuk-tag' + (f.outcome === 'done' ? ' nhsuk-tag--green' : f.outcome === 'not_possible' ? ' nhsuk-tag--grey' : ' nhsuk-tag--yellow') },
        f.outcome_label),
      ` ${f.group ? `${f.group} · ` : ''}raised ${dateText(f.received)}, answered ${dateText(f.responded)}`));
}

async function show() {
  const network = new URLSearchParams(location.search).get('network') || '';
  if (!/^U[0-9]{5}$/.test(network)) {
    statusLine().textContent = 'Open this page with the network\u2019s code, for example public.html?network=U12345.';
    return;
  }
  const res = await fetch(`/api/v1/public/${network}/you-said-we-did?limit=500`, { headers: { Accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    statusLine().textContent = res.status === 404 ? 'There is no such network.'
      : res.status === 429 ? 'Too many requests from your connection: please try again in a minute.'
        : `The page could not be loaded (${(body && body.error && body.error.message) || res.status}).`;
    return;
  }
  document.getElementById('network-name').textContent = body.network.name;
  document.title = `You said, we did - ${body.network.name}`;
  statusLine().textContent = body.rows.length
    ? `${body.total} things patients told us, and what we did about them.`
    : 'Nothing has been published yet.';
  main().appendChild(h('ul', { class: 'nhsuk-list', id: 'public-items' }, body.rows.map(item)));
}

show().catch((e) => { statusLine().textContent = `The page could not be loaded: ${e.message}`; })
  .finally(() => { document.body.dataset.pageReady = 'public'; });
