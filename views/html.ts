// Stage: views. The space-time diagram as one self-contained HTML page (no network; it opens from disk):
// the model as JSON, the renderer of views/render.ts and a small script. The page draws only the rows
// in sight (a run of 10⁵ events scrolls as fast as one of 10), can fold the local rules away, has a
// cursor that steps forward and back or jumps to any row, shows the event under the cursor (tick, rule,
// source line, payload) and the configuration there (nodes up or down, committed entity states, locks,
// messages in flight), and opens a counterexample at its violation with the witness highlighted.

import type { EventMark, VizEvent, VizModel } from './model.ts';
import { layout, renderWindow } from './render.ts';

/** The model as the page carries it: events as arrays with their places and rules in tables (a third of the size). */
interface PackedModel extends Omit<VizModel, 'events'> {
  readonly places: readonly string[];
  readonly rules: readonly string[];
  readonly marks: readonly EventMark[];
  /** [tick, lane, place, rule, line, detail, txn, mark] per event. */
  readonly packed: readonly (readonly [number, number, number, number, string, string, number, number])[];
}

export function packModel(model: VizModel): PackedModel {
  const tables = { places: new Map<string, number>(), rules: new Map<string, number>(), marks: new Map<string, number>() };
  const index = (table: Map<string, number>, key: string): number => {
    let found = table.get(key);
    if (found === undefined) {
      found = table.size;
      table.set(key, found);
    }
    return found;
  };
  const packed = model.events.map((event: VizEvent) => [
    event.tick, event.lane, index(tables.places, event.place), index(tables.rules, event.rule), event.line, event.detail, event.txn,
    index(tables.marks, event.mark),
  ] as const);
  const { events: _events, ...rest } = model;
  return {
    ...rest, places: [...tables.places.keys()], rules: [...tables.rules.keys()], marks: [...tables.marks.keys()] as EventMark[], packed,
  };
}

/** The JSON of the page's data, safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderHtml(model: VizModel): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(model.title)}</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(model.title)}</h1>
  <div class="settings">${escapeHtml(model.settings)}</div>
  <div class="controls">
    <button id="first" title="first row (Home)">« first</button>
    <button id="back" title="one step back (← or k)">◀</button>
    <button id="forward" title="one step forward (→ or j)">▶</button>
    <button id="last" title="last row (End)">last »</button>
    <label>row <input id="goto" type="number" min="0" value="0"> of <span id="count"></span></label>
    <label>show <select id="fold">
      <option value="all">every step</option>
      <option value="rules">every step but L-LetCont</option>
      <option value="protocol">protocol steps (local rules folded)</option>
    </select></label>
    <button id="violation" hidden>go to the violation</button>
  </div>
</header>
<main>
  <div id="scroll"><div id="spacer"></div><div id="canvas"></div></div>
  <aside>
    <section id="focus" hidden></section>
    <section><h2>Event</h2><div id="event">Click an event, or move the cursor.</div></section>
    <section><h2>Configuration at the cursor</h2><div id="config"></div></section>
    <section><h2>Transactions</h2><div id="legend"></div></section>
    <section class="key"><h2>Key</h2>◆ submit · ● step · ○ answer · ■✓ commit · □✕ abort · ✕ crash (lane hatched while down) · ▲ recover ·
      → message · ✕ at an arrow's end: dropped, or lost at a node that was down · dotted: a duplicate copy · dashed with a clock: delayed · a loop on a lane: a message a node sends itself, or one woken from a lock</section>
  </aside>
</main>
<script type="application/json" id="ent-data">${scriptJson(packModel(model))}</script>
<script>
"use strict";
${renderWindow.toString()}
const geometry = ${JSON.stringify(layout)};
${script}
</script>
</body>
</html>
`;
}

const style = `
body { margin: 0; font: 13px/1.4 sans-serif; color: #222; display: flex; flex-direction: column; height: 100vh; }
header { padding: 6px 12px; border-bottom: 1px solid #ccc; background: #f7f7f7; }
h1 { font-size: 16px; margin: 0 0 2px; }
h2 { font-size: 13px; margin: 0 0 4px; }
.settings { color: #555; font-size: 12px; }
.controls { margin-top: 4px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.controls input { width: 7em; }
main { flex: 1; display: flex; min-height: 0; }
#scroll { flex: 1; overflow: auto; position: relative; }
#canvas { position: absolute; left: 0; }
#spacer { width: 1px; }
aside { width: 330px; overflow: auto; border-left: 1px solid #ccc; padding: 8px; font-size: 12px; }
aside section { margin-bottom: 12px; }
#focus { background: #fff0f0; border: 1px solid #e0a0a0; padding: 6px; }
#focus pre, #event pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.ev, .msg { cursor: pointer; }
table { border-collapse: collapse; }
td { padding: 0 6px 0 0; vertical-align: top; }
.key { color: #555; }
.txn { cursor: pointer; }
.txn.picked { font-weight: bold; }
`;

/** The page's script: unpacking, folding, the visible window, the cursor and the panels. Plain browser JavaScript. */
const script = String.raw`
const data = JSON.parse(document.getElementById('ent-data').textContent);
const model = data;
model.events = data.packed.map((p, row) => ({
  row, tick: p[0], lane: p[1], place: data.places[p[2]], rule: data.rules[p[3]], line: p[4], detail: p[5], txn: p[6], mark: data.marks[p[7]],
}));
delete model.packed;
const faults = model.events.filter((event) => event.mark === 'crash' || event.mark === 'recover');
const scroll = document.getElementById('scroll');
const spacer = document.getElementById('spacer');
const canvas = document.getElementById('canvas');
const state = { order: [], position: new Int32Array(model.events.length), cursor: 0, selected: -1, fold: 'all' };
const isLocal = (event) => !(event.place.startsWith('node ') || event.place.startsWith('client '));
function refold() {
  const keep = state.fold === 'all' ? () => true
    : state.fold === 'rules' ? (event) => event.rule !== 'L-LetCont'
    : (event) => !isLocal(event);
  const order = [];
  let last = 0;
  for (const event of model.events) {
    if (keep(event) || order.length === 0) order.push(event.row);
    state.position[event.row] = order.length - 1;
  }
  state.order = order;
  spacer.style.height = (geometry.top + order.length * geometry.rowHeight + 20) + 'px';
  document.getElementById('count').textContent = String(model.events.length - 1);
}
let drawn = '';
function draw() {
  const rows = Math.ceil(scroll.clientHeight / geometry.rowHeight) + 2;
  const first = Math.max(0, Math.floor(scroll.scrollTop / geometry.rowHeight));
  const last = Math.min(state.order.length, first + rows);
  const key = [first, last, state.cursor, state.selected, state.fold].join(',');
  if (key === drawn) return;
  drawn = key;
  canvas.style.top = (first * geometry.rowHeight) + 'px';
  canvas.innerHTML = renderWindow(model, { order: state.order, position: state.position, first, last, cursor: state.cursor, selected: state.selected }, geometry);
}
let pending = false;
scroll.addEventListener('scroll', () => {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; draw(); });
});
window.addEventListener('resize', () => { drawn = ''; draw(); });
function text(value) { return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }
function colourOf(txn) { return txn < 0 ? '#777' : 'hsl(' + Math.round((model.transactions[txn].colour * 137.508) % 360) + ',70%,40%)'; }
function showEvent(row) {
  const event = model.events[row];
  const txn = event.txn >= 0 ? model.transactions[event.txn].requestId : '';
  document.getElementById('event').innerHTML = '<table>'
    + '<tr><td>row</td><td>' + row + '</td></tr>'
    + '<tr><td>tick</td><td>' + event.tick + '</td></tr>'
    + '<tr><td>place</td><td>' + text(event.place) + ' (' + text(model.lanes[event.lane]) + ')</td></tr>'
    + '<tr><td>rule</td><td class="rule"><b>' + text(event.rule) + '</b></td></tr>'
    + '<tr><td>source</td><td>' + (event.line === '' ? '(the protocol)' : text(event.line)) + '</td></tr>'
    + '<tr><td>transaction</td><td>' + (txn === '' ? '—' : '<span class="swatch" style="background:' + colourOf(event.txn) + '"></span>' + text(txn)) + '</td></tr>'
    + '</table><pre>' + text(event.detail) + '</pre>';
}
function showConfig(row) {
  const down = new Set();
  for (const event of faults) {
    if (event.row > row) break;
    if (event.mark === 'crash') down.add(event.lane);
    if (event.mark === 'recover') down.delete(event.lane);
  }
  const entities = new Map();
  const locks = new Map();
  for (const change of model.states) {
    if (change.row > row) break;
    if (change.kind === 'entity') entities.set(change.node + ' ' + change.entity, change);
    else locks.set(change.node, change.locks);
  }
  const flying = [];
  for (const message of model.messages) {
    for (const copy of message.copies) {
      if (copy.startRow <= row && (copy.endRow < 0 || copy.endRow > row)) {
        flying.push(message.kind + ' #' + message.id + (copy.duplicate ? ' (copy)' : '') + ' ' + model.lanes[message.from] + ' → ' + model.lanes[message.to]);
      }
    }
  }
  let html = '<div>tick ' + model.events[row].tick + '</div><h2>Nodes</h2><ul>';
  model.lanes.forEach((lane, index) => {
    if (!lane.startsWith('node ')) return;
    const node = Number(lane.slice(5));
    html += '<li>' + text(lane) + (down.has(index) ? ' <b>down</b>' : ' up');
    const held = locks.get(node);
    if (held !== undefined && held.length > 0) html += '<br>locks: ' + held.map(text).join('; ');
    const here = [...entities.values()].filter((change) => change.node === node).sort((a, b) => a.entity < b.entity ? -1 : 1);
    if (here.length > 0) html += '<ul>' + here.map((change) => '<li>' + text(change.entity) + ' v' + change.version + ': ' + text(change.fields) + '</li>').join('') + '</ul>';
    html += '</li>';
  });
  html += '</ul><h2>In flight (' + flying.length + ')</h2><ul>' + flying.slice(0, 200).map((line) => '<li>' + text(line) + '</li>').join('') + (flying.length > 200 ? '<li>…</li>' : '') + '</ul>';
  document.getElementById('config').innerHTML = html;
}
function moveTo(row, select) {
  row = Math.max(0, Math.min(model.events.length - 1, row));
  state.cursor = row;
  if (select) state.selected = row;
  document.getElementById('goto').value = String(row);
  const y = state.position[row] * geometry.rowHeight;
  if (y < scroll.scrollTop + geometry.top || y > scroll.scrollTop + scroll.clientHeight - 3 * geometry.rowHeight) {
    // Whole rows, so that the lane names at the window's top are never cut.
    scroll.scrollTop = Math.max(0, Math.round((y - scroll.clientHeight / 3) / geometry.rowHeight) * geometry.rowHeight);
  }
  showEvent(row);
  showConfig(row);
  draw();
}
function step(delta) {
  const at = state.position[state.cursor] + delta;
  const position = Math.max(0, Math.min(state.order.length - 1, at));
  moveTo(state.order[position], true);
}
document.getElementById('first').onclick = () => moveTo(0, true);
document.getElementById('last').onclick = () => moveTo(model.events.length - 1, true);
document.getElementById('back').onclick = () => step(-1);
document.getElementById('forward').onclick = () => step(1);
document.getElementById('goto').onchange = (event) => moveTo(Number(event.target.value) || 0, true);
document.getElementById('fold').onchange = (event) => { state.fold = event.target.value; refold(); drawn = ''; moveTo(state.cursor, false); };
document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  if (event.key === 'ArrowRight' || event.key === 'j' || event.key === 'ArrowDown') { step(1); event.preventDefault(); }
  if (event.key === 'ArrowLeft' || event.key === 'k' || event.key === 'ArrowUp') { step(-1); event.preventDefault(); }
  if (event.key === 'Home') moveTo(0, true);
  if (event.key === 'End') moveTo(model.events.length - 1, true);
});
canvas.addEventListener('click', (event) => {
  const target = event.target.closest('[data-row]');
  if (target !== null) moveTo(Number(target.getAttribute('data-row')), true);
});
const legend = model.transactions.map((txn, index) =>
  '<div class="txn" data-txn="' + index + '" title="click: highlight it and go to its first step; click again: every transaction">'
  + '<span class="swatch" style="background:' + colourOf(index) + '"></span>' + text(txn.requestId)
  + (txn.commits.length > 0 ? ' committed' + (txn.commits.length > 1 ? ' ×' + txn.commits.length : '') : '')
  + (txn.aborts.length > 0 ? ' aborted' : '') + (txn.highlighted ? ' <b>(witness)</b>' : '') + '</div>');
document.getElementById('legend').innerHTML = legend.slice(0, 300).join('') + (legend.length > 300 ? '<div>… ' + (legend.length - 300) + ' more</div>' : '');
const witness = model.transactions.map((txn) => txn.highlighted);
document.getElementById('legend').addEventListener('click', (event) => {
  const item = event.target.closest('[data-txn]');
  if (item === null) return;
  const index = Number(item.getAttribute('data-txn'));
  const only = model.transactions.every((txn, other) => txn.highlighted === (other === index));
  // A second click on the one highlighted transaction gives back the witness (or every transaction).
  model.transactions.forEach((txn, other) => { txn.highlighted = only ? witness[other] : other === index; });
  for (const element of document.querySelectorAll('#legend .txn')) element.classList.toggle('picked', !only && element === item);
  drawn = '';
  const first = model.events.find((candidate) => candidate.txn === index);
  if (!only && first !== undefined) moveTo(first.row, true);
  else draw();
});
if (model.events.length > 20000) { state.fold = 'protocol'; document.getElementById('fold').value = 'protocol'; }
refold();
const asked = /row=(\d+)/.exec(location.hash);
if (asked !== null) {
  moveTo(Number(asked[1]), true);
} else if (model.focus !== undefined && model.focus !== null) {
  moveTo(model.focus.row, true);
} else {
  moveTo(0, false);
}
if (model.focus !== undefined && model.focus !== null) {
  const focus = document.getElementById('focus');
  focus.hidden = false;
  focus.innerHTML = '<h2>' + text(model.focus.title) + '</h2><pre>' + model.focus.lines.map(text).join('\n') + '</pre>';
  const button = document.getElementById('violation');
  button.hidden = false;
  button.onclick = () => moveTo(model.focus.row, true);
}
window.entViz = { model, state, moveTo, step };
`;
