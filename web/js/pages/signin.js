// signin.js - the sign-in form. Posts {name, password, client: "browser"}
// to /login; the server answers with an HttpOnly session cookie and the
// CSRF token for later writes.

import { api } from '../api.js';
import { h, errorSummary } from '../dom.js';

export function render(ctx) {
  const err = h('div', {});
  const name = h('input', { class: 'nhsuk-input', id: 'signin-name', name: 'username', type: 'text',
    autocomplete: 'username', spellcheck: 'false', required: true });
  const password = h('input', { class: 'nhsuk-input', id: 'signin-password', name: 'password',
    type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { class: 'nhsuk-button', type: 'submit', 'data-module': 'nhsuk-button' }, 'Sign in');
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    if (!name.value || !password.value) {
      err.replaceChildren(errorSummary('There is a problem', 'Enter your user name and password'));
      err.firstChild.focus();
      return;
    }
    button.disabled = true;
    try {
      await api('/login', { method: 'POST', body: { name: name.value, password: password.value, client: 'browser' } });
      password.value = '';
      await ctx.signedIn();
    } catch (e) {
      const msg = e.status === 401 ? 'The user name or password is wrong'
        : e.status === 429 ? 'Too many failed sign-ins: try again later' : e.message;
      err.replaceChildren(errorSummary('There is a problem', msg));
      err.firstChild.focus();
    } finally {
      button.disabled = false;
    }
  } },
  h('div', { class: 'nhsuk-form-group' },
    h('label', { class: 'nhsuk-label', for: 'signin-name' }, 'User name'), name),
  h('div', { class: 'nhsuk-form-group' },
    h('label', { class: 'nhsuk-label', for: 'signin-password' }, 'Password'), password),
  button);
  return h('div', { class: 'nhsuk-grid-row' },
    h('div', { class: 'nhsuk-grid-column-two-thirds' },
      h('h1', {}, 'Sign in to OpenPCN'),
      h('p', { class: 'nhsuk-lede-text' }, 'Population health, indicators and worklists for your Primary Care Network.'),
      err, form));
}
