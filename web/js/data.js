// data.js - reading the API's result kinds. Reports follow the engine's
// result schema (docs/definitions.md "Result JSON schema"): results[] of
// {kind, name, title, groups[{key, ...}]}, the first group the total. Lists
// are result tables shared with the CLI (docs/api.md "Result tables"):
// {kind, columns[{name, type}], rows[{column: value}]}.

import { api, ApiError, qs } from './api.js';

export class Unavailable extends Error {}

// GET /reports/NAME?by=...; a missing route becomes Unavailable so a page
// can say so instead of failing.
export async function report(name, by) {
  try {
    return await api(`/reports/${encodeURIComponent(name)}${qs({ by })}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405) && e.code !== 'not_found_definition') {
      throw new Unavailable(`The server does not provide the ${name} report (${e.message}).`);
    }
    throw e;
  }
}

// Settle a promise to {ok, value} or {ok: false, error} (for optional panels).
export async function settle(p) {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

export function results(rep, kind) {
  return ((rep && rep.results) || []).filter((r) => !kind || r.kind === kind);
}

export function total(result) {
  return (result.groups || []).find((g) => !g.key || Object.keys(g.key).length === 0) || null;
}

// The groups of one dimension, as a Map from key value to group.
export function byKey(result, dim) {
  const m = new Map();
  for (const g of result.groups || []) {
    if (g.key && g.key[dim] !== undefined && Object.keys(g.key).length === 1) m.set(String(g.key[dim]), g);
  }
  return m;
}

let englandPromise = null;
export function england() {
  if (!englandPromise) {
    englandPromise = fetch('vendor/england.json').then((r) => (r.ok ? r.json() : null)).catch(() => null);
  }
  return englandPromise;
}

export function network() {
  return api('/network');
}

// The rows of a result table (docs/api.md "Result tables"); [] when absent.
export function rows(table) {
  return (table && Array.isArray(table.rows)) ? table.rows : [];
}

// The network's current practices: the "practices" result table of GET /network.
export function practicesOf(net) {
  return rows(net && net.practices);
}

export const imdLabels = {
  1: '1 (most deprived)', 2: '2', 3: '3', 4: '4', 5: '5 (least deprived)', unknown: 'Unknown',
};
export const imdOrder = ['1', '2', '3', '4', '5', 'unknown'];
export const ethnicityOrder = ['White', 'Mixed', 'Asian', 'Black', 'Other', 'Unknown'];

export function practiceName(net, code) {
  const p = practicesOf(net).find((x) => x.code === code);
  return p ? p.name : code;
}

export function titleCase(s) {
  return String(s || '').toLowerCase().replace(/\b([a-z])/g, (m) => m.toUpperCase())
    .replace(/\bPcn\b/g, 'PCN').replace(/\bIcb\b/g, 'ICB').replace(/\bNhs\b/g, 'NHS');
}
