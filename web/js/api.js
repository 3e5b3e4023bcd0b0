// api.js - the only module that talks to the server. Same-origin fetches to
// /api/v1 with the session cookie; state-changing requests carry the CSRF
// token the server gave at sign-in (double submit). Errors become ApiError
// with the server's {"error": {"code", "message"}} and the HTTP status.

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;
    this.code = code;
    // The whole {"error": {...}} object: some errors say more (the current
    // state of a record on 409, the findings of a refused write).
    this.detail = detail || null;
  }
}

let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token || null;
}

async function errorOf(res) {
  let code = 'http_' + res.status;
  let message = res.statusText || 'request failed';
  let detail = null;
  try {
    const j = await res.json();
    if (j && j.error) {
      code = j.error.code || code;
      message = j.error.message || message;
      detail = j.error;
    }
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(res.status, code, message, detail);
}

// GET or POST /api/v1 + path; returns parsed JSON (or the Response when raw).
export async function api(path, { method = 'GET', body, raw = false } = {}) {
  const headers = { Accept: raw ? '*/*' : 'application/json' };
  const init = { method, credentials: 'same-origin', headers };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch('/api/v1' + path, init);
  if (!res.ok) throw await errorOf(res);
  return raw ? res : res.json();
}

// A query string from an object, skipping empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}
