// charts.js - the dashboard's charts on Chart.js (loaded as a classic
// script: window.Chart). Every chart is a canvas with role="img" and a text
// summary; the figures are always also in a table next to it. Animations
// are off: the data should appear at once and screenshots are stable.

import { h } from './dom.js';

export const colours = {
  blue: '#005eb8', darkBlue: '#003087', pink: '#ae2573', green: '#007f3b',
  purple: '#330072', aqua: '#00a499', orange: '#ed8b00', grey: '#425563',
  yellow: '#ffb81c', red: '#d5281b', lightBlue: '#41b6e6',
};
export const series = [colours.blue, colours.pink, colours.green, colours.orange,
  colours.purple, colours.aqua, colours.darkBlue, colours.red, colours.grey, colours.lightBlue];

const live = new Set();
let pending = [];

export function destroyCharts() {
  for (const c of live) c.destroy();
  live.clear();
  pending = [];
}

// Draw the charts whose canvas is now in the document (Chart.js sizes and
// draws synchronously then, with animations off) and drop charts whose
// canvas has been replaced. Pages call this after inserting a chart box;
// the router calls it once a page is in place.
export function drawCharts() {
  for (const c of live) {
    if (!c.canvas || !c.canvas.isConnected) {
      c.destroy();
      live.delete(c);
    }
  }
  const later = [];
  for (const p of pending) {
    if (!p.canvas.isConnected) later.push(p);
    else if (window.Chart) live.add(new window.Chart(p.canvas, p.config));
  }
  pending = later;
}

function chartBox(summary, tall) {
  const canvas = h('canvas', { role: 'img', 'aria-label': summary });
  canvas.appendChild(document.createTextNode(summary));
  const box = h('div', { class: 'pcn-chart' + (tall ? ' pcn-chart--tall' : '') }, canvas);
  return { box, canvas };
}

function make(canvas, config) {
  pending.push({ canvas, config });
}

const base = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { labels: { color: '#212b32' } } },
};

const intFmt = new Intl.NumberFormat('en-GB');

// Population pyramid: bands [{sex, age_from, patients}], females to the left.
export function pyramid(bands, summary) {
  const ages = [...new Set(bands.map((b) => b.age_from))].sort((a, b) => b - a);
  const value = (sex, age) => {
    const b = bands.find((x) => x.sex === sex && x.age_from === age);
    return b && typeof b.patients === 'number' ? b.patients : 0;
  };
  const label = (a) => (a >= 95 ? '95+' : `${a}-${a + 4}`);
  const { box, canvas } = chartBox(summary, true);
  make(canvas, {
    type: 'bar',
    data: {
      labels: ages.map(label),
      datasets: [
        { label: 'Female', data: ages.map((a) => -value('F', a)), backgroundColor: colours.pink },
        { label: 'Male', data: ages.map((a) => value('M', a)), backgroundColor: colours.blue },
      ],
    },
    options: {
      ...base,
      indexAxis: 'y',
      scales: {
        x: { stacked: true, ticks: { color: '#212b32', callback: (v) => intFmt.format(Math.abs(v)) },
          title: { display: true, text: 'Registered patients', color: '#212b32' } },
        y: { stacked: true, ticks: { color: '#212b32' },
          title: { display: true, text: 'Age band (years)', color: '#212b32' } },
      },
      plugins: {
        ...base.plugins,
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${intFmt.format(Math.abs(c.raw))}` } },
      },
    },
  });
  return box;
}

// Bars: labels, datasets [{label, data, colour, type?}], options {horizontal, stacked, yTitle, xTitle, percent}.
export function bars(labels, datasets, summary, opts = {}) {
  const { box, canvas } = chartBox(summary, opts.tall);
  const valueAxis = {
    stacked: !!opts.stacked, beginAtZero: true,
    ticks: { color: '#212b32', callback: (v) => (opts.percent ? `${v}%` : intFmt.format(v)) },
    title: { display: !!opts.valueTitle, text: opts.valueTitle || '', color: '#212b32' },
  };
  const catAxis = { stacked: !!opts.stacked, ticks: { color: '#212b32', autoSkip: false },
    title: { display: !!opts.catTitle, text: opts.catTitle || '', color: '#212b32' } };
  make(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: datasets.map((d, i) => ({
        label: d.label, data: d.data, type: d.type || 'bar',
        backgroundColor: d.colour || series[i % series.length],
        borderColor: d.colour || series[i % series.length],
        pointStyle: d.pointStyle, pointRadius: d.type === 'line' ? 0 : undefined,
        borderDash: d.dash, borderWidth: d.type === 'line' ? 2 : 0, spanGaps: true,
        order: d.type === 'line' ? 0 : 1,
      })),
    },
    options: {
      ...base,
      indexAxis: opts.horizontal ? 'y' : 'x',
      scales: opts.horizontal ? { x: valueAxis, y: catAxis } : { x: catAxis, y: valueAxis },
    },
  });
  return box;
}

// Funnel plot: points [{label, n, pct}] against the network mean p (percent)
// with 95% and 99.8% binomial control limits (normal approximation).
export function funnel(points, meanPct, summary) {
  const { box, canvas } = chartBox(summary, true);
  const p = meanPct / 100;
  const maxN = Math.max(10, ...points.map((x) => x.n || 0)) * 1.1;
  const steps = 60;
  // Zoom the y axis on the points and the limits at the smallest practice.
  const minN = Math.max(1, Math.min(...points.map((x) => x.n || 1)));
  const wide = 3.2 * Math.sqrt((p * (1 - p)) / minN) * 100;
  const ys = points.map((x) => x.pct).concat([meanPct - wide, meanPct + wide]);
  const yMin = Math.max(0, Math.floor((Math.min(...ys) - 2) / 5) * 5);
  const yMax = Math.min(100, Math.ceil((Math.max(...ys) + 2) / 5) * 5);
  const limit = (z, sign) => {
    const out = [];
    for (let i = 1; i <= steps; i++) {
      const n = (maxN * i) / steps;
      const v = (p + sign * z * Math.sqrt((p * (1 - p)) / n)) * 100;
      out.push({ x: n, y: Math.max(0, Math.min(100, v)) });
    }
    return out;
  };
  const line = (label, data, colour, dash) => ({
    type: 'line', label, data, borderColor: colour, backgroundColor: colour, borderWidth: 2,
    borderDash: dash, pointRadius: 0, fill: false, showLine: true,
  });
  make(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'Practice', data: points.map((x) => ({ x: x.n, y: x.pct, label: x.label })),
          backgroundColor: colours.blue, borderColor: colours.darkBlue, pointRadius: 7,
          pointHoverRadius: 9 },
        line('Network average', [{ x: 0, y: meanPct }, { x: maxN, y: meanPct }], colours.grey),
        line('95% limits', limit(1.96, 1), colours.orange, [6, 4]),
        line('95% limits (lower)', limit(1.96, -1), colours.orange, [6, 4]),
        line('99.8% limits', limit(3.09, 1), colours.red, [2, 3]),
        line('99.8% limits (lower)', limit(3.09, -1), colours.red, [2, 3]),
      ],
    },
    options: {
      ...base,
      scales: {
        x: { type: 'linear', min: 0, max: Math.ceil(maxN), ticks: { color: '#212b32' },
          title: { display: true, text: 'Denominator (patients)', color: '#212b32' } },
        y: { min: yMin, max: yMax, ticks: { color: '#212b32', callback: (v) => `${v}%` },
          title: { display: true, text: 'Achievement', color: '#212b32' } },
      },
      plugins: {
        legend: { labels: { color: '#212b32', filter: (i) => !i.text.includes('(lower)') } },
        tooltip: { callbacks: { label: (c) => (c.raw.label
          ? `${c.raw.label}: ${c.raw.y.toFixed(1)}% of ${intFmt.format(c.raw.x)}`
          : `${c.dataset.label}: ${c.raw.y.toFixed(1)}%`) } },
      },
    },
  });
  return box;
}
