// Stage: views. Draws a window of a space-time diagram as SVG: lanes as vertical lines, one row per shown
// trace entry, messages as arrows between lanes, crosses for dropped and lost messages, crashed spans
// hatched, transactions in their colours. `renderWindow` is self-contained (it names nothing outside its
// own body), so that the HTML page runs the very same function in the browser (views/html.ts embeds its
// source): what the snapshot tests see is what a reader sees.

import type { VizModel } from './model.ts';

/** Which rows are shown, and the window of them to draw. */
export interface VizView {
  /** The event rows shown, in order (all of them, or with the local rules folded away). */
  readonly order: ArrayLike<number>;
  /** For each event row, its position in `order` (a folded row: the position of the shown row before it). */
  readonly position: ArrayLike<number>;
  /** The window: positions in `order`, `first` inclusive, `last` exclusive. */
  readonly first: number;
  readonly last: number;
  /** The cursor's event row, or -1. */
  readonly cursor: number;
  /** The event row selected (clicked), or -1. */
  readonly selected: number;
}

/** Layout constants, shared by the renderer and the page's script. */
export const layout = { laneWidth: 150, left: 70, top: 34, rowHeight: 16 } as const;

export function renderWindow(model: VizModel, view: VizView, geometry: { laneWidth: number; left: number; top: number; rowHeight: number }): string {
  const { laneWidth, left, top, rowHeight } = geometry;
  const shown = view.last - view.first;
  const width = left + model.lanes.length * laneWidth + 90;
  const height = top + Math.max(shown, 1) * rowHeight + 10;
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const laneX = (lane: number): number => left + lane * laneWidth + laneWidth / 2;
  /** The y of an event row: rows folded away sit with the shown row before them. */
  const rowY = (row: number): number => top + (view.position[row] - view.first) * rowHeight + rowHeight / 2;
  const colour = (txn: number): string => {
    if (txn < 0) return '#777';
    const hue = Math.round((model.transactions[txn].colour * 137.508) % 360);
    return `hsl(${hue},70%,40%)`;
  };
  // A counterexample's witness, or transactions the reader picked, are drawn in full and the rest fade.
  const focused = model.transactions.some((txn) => txn.highlighted);
  const faded = (txn: number): boolean => focused && (txn < 0 || !model.transactions[txn].highlighted);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="ent-viz" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push('<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker>'
    + '<pattern id="down" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#d9d9d9"/></pattern></defs>');
  // Lanes and their names.
  model.lanes.forEach((lane, index) => {
    const x = laneX(index);
    out.push(`<text x="${x}" y="${top - 14}" text-anchor="middle" font-weight="bold">${escape(lane)}</text>`);
    out.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 4}" stroke="#bbb"/>`);
  });
  // Crashed spans: from a G-Crash row to the G-Recover row on the same lane (or the end). Found once
  // per model and kept on it, so that drawing a window does not read every event again.
  const cached = model as unknown as { downs?: { lane: number; from: number; to: number }[] };
  if (cached.downs === undefined) {
    const downFrom: (number | undefined)[] = [];
    const found: { lane: number; from: number; to: number }[] = [];
    for (const event of model.events) {
      if (event.mark === 'crash') downFrom[event.lane] = event.row;
      const from = downFrom[event.lane];
      if (event.mark === 'recover' && from !== undefined) {
        found.push({ lane: event.lane, from, to: event.row });
        downFrom[event.lane] = undefined;
      }
    }
    downFrom.forEach((from, lane) => {
      if (from !== undefined) found.push({ lane, from, to: model.events.length - 1 });
    });
    cached.downs = found;
  }
  const downs = cached.downs;
  for (const down of downs) {
    const from = Math.max(view.position[down.from], view.first);
    const to = Math.min(view.position[down.to], view.last - 1);
    if (from > to) continue;
    const y = top + (from - view.first) * rowHeight + rowHeight / 2;
    const h = (to - from) * rowHeight;
    out.push(`<rect class="down" x="${laneX(down.lane) - 8}" y="${y}" width="16" height="${Math.max(h, 2)}" fill="url(#down)"><title>${escape(model.lanes[down.lane])} is down</title></rect>`);
  }
  // Row guides: the tick at the left of each shown row where the tick changes, and the cursor.
  let lastTick = -1;
  for (let position = view.first; position < view.last; position++) {
    const event = model.events[view.order[position]];
    const y = top + (position - view.first) * rowHeight + rowHeight / 2;
    if (event.tick !== lastTick || position === view.first) {
      out.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end" fill="#888">t${event.tick}</text>`);
      lastTick = event.tick;
    }
    if (event.row === view.cursor) out.push(`<rect class="cursor" x="0" y="${y - rowHeight / 2}" width="${width}" height="${rowHeight}" fill="#ffe9a8"/>`);
    if (event.row === view.selected) out.push(`<rect class="selected" x="0" y="${y - rowHeight / 2}" width="${width}" height="${rowHeight}" fill="none" stroke="#3a6ea5"/>`);
  }
  // Messages: arrows whose span meets the window.
  const end = model.events.length - 1;
  for (const message of model.messages) {
    message.copies.forEach((copy, index) => {
      const startRow = copy.startRow < 0 ? 0 : copy.startRow;
      const endRow = copy.endRow < 0 ? end : copy.endRow;
      const from = view.position[startRow];
      const to = view.position[endRow];
      // Most messages of a long run are outside the window: nothing else is computed for them.
      if (to < view.first || from >= view.last) return;
      const stroke = colour(message.txn);
      const opacity = faded(message.txn) ? 0.25 : 1;
      const width = focused && !faded(message.txn) ? 2 : 1.2;
      const x1 = message.woken ? laneX(message.to) : copy.duplicate ? laneX(message.to) + (message.from < message.to ? -40 : 40) : laneX(message.from);
      const y1 = rowY(startRow);
      let x2 = laneX(message.to);
      let y2 = rowY(endRow);
      if (copy.endRow < 0) y2 = top + (view.last - view.first) * rowHeight + 4;
      const dropped = copy.fate === 'dropped';
      if (dropped) x2 = x1 + (x2 - x1) * 0.6;
      const dash = copy.duplicate ? ' stroke-dasharray="2,3"' : copy.delays.length > 0 ? ' stroke-dasharray="6,3"' : '';
      const head = copy.fate === 'delivered' || copy.fate === 'ignored' ? ' marker-end="url(#head)"' : '';
      const label = `${message.kind} #${message.id}${copy.duplicate ? ' (duplicate)' : ''}${message.woken ? ' (woken: it waited for a lock)' : ''}: `
        + `${model.lanes[message.from]} → ${model.lanes[message.to]}, ${copy.fate}${copy.delays.length > 0 ? ', delayed' : ''}`;
      const dataRow = copy.endRow >= 0 ? copy.endRow : startRow;
      out.push(`<g class="msg ${copy.fate}${copy.duplicate ? ' dup' : ''}" data-row="${dataRow}" data-msg="${message.id}.${index}" opacity="${opacity}"><title>${escape(label)}</title>`);
      if ((message.from === message.to || message.woken) && !copy.duplicate) {
        // A message a node sends itself: a loop on the left of its lane (the labels are on the right).
        const bulge = laneX(message.from) - 14 - Math.min(40, (y2 - y1) / 4);
        out.push(`<path d="M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2 - 3},${y2}" fill="none" stroke="${stroke}" stroke-width="${width}"${dash}${head}/>`);
      } else {
        out.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${stroke}" stroke-width="${width}"${dash}${head}/>`);
      }
      if (dropped || copy.fate === 'lost') {
        out.push(`<path d="M${x2 - 5},${y2 - 5}L${x2 + 5},${y2 + 5}M${x2 - 5},${y2 + 5}L${x2 + 5},${y2 - 5}" stroke="#d00" stroke-width="2.5"/>`);
      }
      for (const delay of copy.delays) {
        if (view.position[delay] < view.first || view.position[delay] >= view.last) continue;
        const t = endRow === startRow ? 0.5 : (view.position[delay] - from) / Math.max(1, to - from);
        const x = x1 + (x2 - x1) * Math.min(1, Math.max(0, t));
        out.push(`<circle cx="${x}" cy="${rowY(delay)}" r="4" fill="#fff" stroke="${stroke}"/><path d="M${x},${rowY(delay) - 3}V${rowY(delay)}H${x + 2.5}" stroke="${stroke}" fill="none"/>`);
      }
      out.push('</g>');
    });
  }
  // Events: a dot on their lane, or the mark of what they did.
  for (let position = view.first; position < view.last; position++) {
    const event = model.events[view.order[position]];
    const x = laneX(event.lane);
    const y = top + (position - view.first) * rowHeight + rowHeight / 2;
    const fill = colour(event.txn);
    const local = !(event.place.startsWith('node ') || event.place.startsWith('client '));
    const title = `t${event.tick} ${event.place} ${event.rule}${event.line === '' ? '' : ` ${event.line}`}: ${event.detail}`;
    out.push(`<g class="ev ${event.mark}" data-row="${event.row}" opacity="${faded(event.txn) ? 0.3 : 1}"><title>${escape(title)}</title>`);
    switch (event.mark) {
      case 'crash':
        out.push(`<path d="M${x - 7},${y - 7}L${x + 7},${y + 7}M${x - 7},${y + 7}L${x + 7},${y - 7}" stroke="#000" stroke-width="3"/>`);
        break;
      case 'recover':
        out.push(`<path d="M${x - 7},${y + 6}L${x},${y - 7}L${x + 7},${y + 6}z" fill="#2a2"/>`);
        break;
      case 'commit':
        out.push(`<rect x="${x - 6}" y="${y - 6}" width="12" height="12" fill="${fill}"/><path d="M${x - 4},${y}L${x - 1},${y + 3}L${x + 4},${y - 4}" stroke="#fff" stroke-width="2" fill="none"/>`);
        break;
      case 'abort':
        out.push(`<rect x="${x - 6}" y="${y - 6}" width="12" height="12" fill="#fff" stroke="${fill}" stroke-width="2"/><path d="M${x - 3},${y - 3}L${x + 3},${y + 3}M${x - 3},${y + 3}L${x + 3},${y - 3}" stroke="${fill}" stroke-width="2"/>`);
        break;
      case 'submit':
        out.push(`<path d="M${x},${y - 6}L${x + 6},${y}L${x},${y + 6}L${x - 6},${y}z" fill="${fill}"/>`);
        break;
      case 'answer':
        out.push(`<circle cx="${x}" cy="${y}" r="5" fill="#fff" stroke="${fill}" stroke-width="2.5"/>`);
        break;
      case 'duplicate':
        out.push(`<text x="${x - 6}" y="${y + 4}" text-anchor="end" fill="${fill}" font-weight="bold">2×</text><circle cx="${x}" cy="${y}" r="3.5" fill="#fff" stroke="${fill}" stroke-width="1.5"/>`);
        break;
      case 'drop':
      case 'delay':
      case 'timeout':
        out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="#fff" stroke="${fill}" stroke-width="1.5"/>`);
        break;
      default:
        out.push(local ? `<circle cx="${x + 10}" cy="${y}" r="2.5" fill="${fill}"/>` : `<circle cx="${x}" cy="${y}" r="3.5" fill="${fill}"/>`);
    }
    const label = local ? `${event.rule} ${event.place}` : event.rule;
    out.push(`<text x="${x + (local ? 16 : 9)}" y="${y + 4}" fill="${faded(event.txn) ? '#999' : '#333'}">${escape(label.length > 26 ? `${label.slice(0, 25)}…` : label)}</text>`);
    // A wide invisible target, so that a click anywhere along the row's label selects it.
    out.push(`<rect x="${x - 8}" y="${y - rowHeight / 2}" width="${laneWidth - 10}" height="${rowHeight}" fill="transparent"/></g>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Every row shown (no folding), for a window `[first, last)`. */
export function fullView(model: VizModel, first = 0, last = model.events.length, cursor = -1): VizView {
  const order = model.events.map((event) => event.row);
  return { order, position: order, first, last: Math.min(last, model.events.length), cursor, selected: -1 };
}
