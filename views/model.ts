// Stage: views. The data of a space-time diagram: a lane per client and per node, a row per trace entry,
// each message an arrow from the step that sent it to the step that delivered it (or a cross where it
// was dropped or lost), duplicates and delays marked, crashes and recoveries on their lanes, each
// transaction (a request and its attempts) in its own colour with its commit or abort marked, and what
// the configuration was at each row (committed entity states and locks, as of the end of each global
// step). The model is plain data: the SVG and the HTML are drawn from it, and tests read it.

import { lineColumn, type SourceText } from '../grammar/span.ts';
import type { Configuration, NodeState } from '../runtime/configuration.ts';
import type { MessageNote, TraceEntry } from '../runtime/world.ts';
import { printedForm, type Value } from '../semantics/values.ts';

/** One row: a trace entry on its lane. */
export interface VizEvent {
  readonly row: number;
  readonly tick: number;
  /** Index into `lanes`: the client or node the entry happened on (a local rule: its entity's node). */
  readonly lane: number;
  /** The trace's place: `node 1`, `client 0`, or the entity a local rule ran in. */
  readonly place: string;
  readonly rule: string;
  /** `file:line` of the source the rule ran, or '' for rules of the protocol. */
  readonly line: string;
  readonly detail: string;
  /** Index into `transactions`, or -1. */
  readonly txn: number;
  /** How the diagram marks it beyond a dot. */
  readonly mark: EventMark;
}

export type EventMark = 'none' | 'crash' | 'recover' | 'commit' | 'abort' | 'drop' | 'duplicate' | 'delay' | 'submit' | 'answer' | 'timeout';

/** One copy of a message in flight: the original, or one a G-Duplicate made. */
export interface VizCopy {
  /** The row that put this copy in flight: the sending step's last row, or the G-Duplicate row. */
  readonly startRow: number;
  /** The row where it ended, or -1 while still in flight at the end of the trace. */
  endRow: number;
  /**
   * `delivered`; `ignored` (a duplicate the receiver had seen); `lost` (its receiver was down);
   * `dropped` (G-Drop); `in-flight` (never ended in the trace).
   */
  fate: 'delivered' | 'ignored' | 'lost' | 'dropped' | 'in-flight';
  /** G-Delay rows that delayed this copy. */
  readonly delays: number[];
  readonly duplicate: boolean;
}

export interface VizMessage {
  readonly id: number;
  readonly kind: string;
  readonly from: number;
  readonly to: number;
  readonly sentAt: number;
  readonly txn: number;
  readonly copies: VizCopy[];
  /**
   * A message that waited for a lock and was woken when the lock was freed: the receiver delivers it
   * to itself again, under a new id (participant.ts `releaseLocks`), so it is drawn on the receiver.
   */
  readonly woken: boolean;
}

export interface VizTransaction {
  readonly requestId: string;
  /** Its colour: an index into the palette, by order of first appearance. */
  readonly colour: number;
  /** Rows of C-Commit and C-Abort entries for it (a request decided once; a broken protocol may decide it twice). */
  readonly commits: number[];
  readonly aborts: number[];
  /** Whether the witness of a violation names it (the diagram highlights it). */
  highlighted: boolean;
}

/** A change of the configuration at a row: an entity's committed state on a node, or a node's lock table. */
export type VizState =
  | { readonly row: number; readonly kind: 'entity'; readonly node: number; readonly entity: string; readonly version: number; readonly fields: string }
  | { readonly row: number; readonly kind: 'locks'; readonly node: number; readonly locks: readonly string[] };

export interface VizFocus {
  /** The row the diagram opens at: the last decision of the witness's transactions. */
  readonly row: number;
  readonly title: string;
  readonly lines: readonly string[];
}

export interface VizModel {
  readonly title: string;
  readonly settings: string;
  readonly lanes: readonly string[];
  readonly events: readonly VizEvent[];
  readonly messages: readonly VizMessage[];
  readonly transactions: readonly VizTransaction[];
  readonly states: readonly VizState[];
  readonly focus: VizFocus | undefined;
}

/** What a run recorded for its diagram: every trace entry, and the configuration changes after each step. */
export class VizRecorder {
  readonly entries: TraceEntry[] = [];
  readonly states: VizState[] = [];
  private stores: unknown[] = [];
  private locks: unknown[] = [];
  private versions: Map<string, number>[] = [];

  /** The trace callback of a run (`DistributedOptions.trace`, `DriverOptions.trace`, `runCase`). */
  readonly record = (entry: TraceEntry, config?: Configuration): void => {
    const row = this.entries.length;
    this.entries.push(entry);
    if (config !== undefined) config.nodes.forEach((node) => this.observe(row, node));
  };

  private observe(row: number, node: NodeState): void {
    const id = node.id;
    if (this.versions[id] === undefined) this.versions[id] = new Map();
    if (this.stores[id] !== node.durable.store) {
      this.stores[id] = node.durable.store;
      const known = this.versions[id];
      for (const [entity, state] of node.durable.store.entries()) {
        if (known.get(entity) === state.version) continue;
        known.set(entity, state.version);
        const fields = [...state.fields].map(([name, value]) => `${name}: ${value === undefined ? '?' : shortForm(value)}`).join(', ');
        this.states.push({ row, kind: 'entity', node: id, entity, version: state.version, fields });
      }
    }
    if (this.locks[id] !== node.volatile.locks) {
      this.locks[id] = node.volatile.locks;
      const locks = [...node.volatile.locks].map(([entity, lock]) => `${entity} held by ${lock.holder}${lock.waiting.length > 0 ? `, ${lock.waiting.length} waiting` : ''}`).sort();
      this.states.push({ row, kind: 'locks', node: id, locks });
    }
  }
}

/** The most characters of one field's value the configuration panel shows (a list that grows every commit stays small). */
const fieldCharactersMax = 120;

function shortForm(value: Value): string {
  const printed = printedForm(value);
  return printed.length <= fieldCharactersMax ? printed : `${printed.slice(0, fieldCharactersMax - 1)}…`;
}

export interface ModelOptions {
  readonly title: string;
  readonly settings: string;
  readonly nodes: number;
  readonly clients: number;
  readonly states?: readonly VizState[];
  readonly lookup?: (file: string) => SourceText | undefined;
  /** A violation to open at: its title, its lines, and the requests its witness names. */
  readonly violation?: { readonly title: string; readonly lines: readonly string[]; readonly requests: readonly string[] };
}

const marks: Readonly<Record<string, EventMark>> = {
  'G-Crash': 'crash', 'G-Recover': 'recover', 'C-Commit': 'commit', 'C-Abort': 'abort', 'G-Drop': 'drop',
  'G-Duplicate': 'duplicate', 'G-Delay': 'delay', 'G-Submit': 'submit', 'G-Timeout': 'timeout',
};

/** The request an entry of the protocol names (`r3`, `r3#2`); local rules' details are program text and are not read. */
const requestPattern = /(?:^|[^\w])(r\d+)(?:#\d+)?(?![\w])/;

export function buildModel(entries: readonly TraceEntry[], options: ModelOptions): VizModel {
  const lanes = [
    ...Array.from({ length: options.clients }, (_, client) => `client ${client}`),
    ...Array.from({ length: options.nodes }, (_, node) => `node ${node}`),
  ];
  const laneOf = new Map(lanes.map((lane, index) => [lane, index]));
  const transactions: VizTransaction[] = [];
  const txnOf = new Map<string, number>();
  const transaction = (named: string | undefined): number => {
    // A request's runs (`r3/26`, when a coordinator runs a delivery of it again) and attempts (`r3#2`)
    // are the one transaction of the request, in its one colour.
    const requestId = named === undefined ? undefined : /^r\d+/.exec(named)?.[0] ?? named;
    if (requestId === undefined) return -1;
    let index = txnOf.get(requestId);
    if (index === undefined) {
      index = transactions.length;
      txnOf.set(requestId, index);
      transactions.push({ requestId, colour: index, commits: [], aborts: [], highlighted: false });
    }
    return index;
  };
  const messages: VizMessage[] = [];
  const messageById = new Map<number, VizMessage>();
  const message = (note: MessageNote, row: number, woken = false): VizMessage => {
    let known = messageById.get(note.id);
    if (known === undefined) {
      known = {
        id: note.id, kind: note.kind, from: laneFor(note.from), to: laneFor(note.to), sentAt: note.sentAt, woken,
        txn: transaction(note.requestId), copies: [{ startRow: row, endRow: -1, fate: 'in-flight', delays: [], duplicate: false }],
      };
      messageById.set(note.id, known);
      messages.push(known);
    }
    return known;
  };
  const laneFor = (place: string): number => {
    let lane = laneOf.get(place);
    if (lane === undefined) {
      // A lane the settings did not announce (more clients than said): it is added, not lost.
      lane = lanes.length;
      lanes.push(place);
      laneOf.set(place, lane);
    }
    return lane;
  };
  const locationOf = (entry: TraceEntry): string => {
    if (entry.span === undefined) return '';
    const source = options.lookup?.(entry.span.file);
    return source === undefined ? entry.span.file : `${source.name}:${lineColumn(source, entry.span.start).line}`;
  };
  /** The first copy of a message still in flight: a delivery or a drop ends it. */
  const inFlight = (known: VizMessage): VizCopy | undefined => known.copies.find((copy) => copy.fate === 'in-flight');
  const events: VizEvent[] = [];
  // Local rules run on the node whose delivery started them, for the transaction it carried.
  let stepLane = 0;
  let stepTxn = -1;
  entries.forEach((entry, row) => {
    const protocol = entry.place.startsWith('node ') || entry.place.startsWith('client ');
    let txn: number;
    let lane: number;
    if (protocol) {
      lane = laneFor(entry.place);
      const named = entry.message?.requestId ?? requestPattern.exec(entry.detail)?.[1];
      txn = transaction(named);
      if (entry.rule.startsWith('G-')) {
        stepLane = lane;
        stepTxn = txn;
      }
    } else {
      lane = stepLane;
      txn = stepTxn;
    }
    let mark = marks[entry.rule] ?? 'none';
    if (entry.rule === 'G-Deliver' && entry.place.startsWith('client ')) mark = 'answer';
    if (entry.message !== undefined) {
      const known = message(entry.message, -1);
      switch (entry.rule) {
        case 'G-Deliver': {
          const copy = inFlight(known);
          if (copy !== undefined) {
            copy.endRow = row;
            copy.fate = entry.detail.endsWith('ignored') ? 'ignored' : entry.detail.endsWith('is down') ? 'lost' : 'delivered';
          }
          break;
        }
        case 'G-Drop': {
          const copy = inFlight(known);
          if (copy !== undefined) {
            copy.endRow = row;
            copy.fate = 'dropped';
          }
          break;
        }
        case 'G-Duplicate':
          known.copies.push({ startRow: row, endRow: -1, fate: 'in-flight', delays: [], duplicate: true });
          break;
        case 'G-Delay':
          inFlight(known)?.delays.push(row);
          break;
      }
    }
    for (const sent of entry.sent ?? []) {
      const known = messageById.get(sent.id);
      // A message sent before the step that put it in flight was parked at a lock and woken by this step.
      if (known === undefined) message(sent, row, sent.sentAt < entry.tick);
      else if (known.copies[0].startRow === -1) (known.copies[0] as { startRow: number }).startRow = row;
    }
    if (txn >= 0 && entry.rule === 'C-Commit') transactions[txn].commits.push(row);
    if (txn >= 0 && entry.rule === 'C-Abort') transactions[txn].aborts.push(row);
    events.push({ row, tick: entry.tick, lane, place: entry.place, rule: entry.rule, line: locationOf(entry), detail: entry.detail, txn, mark });
  });
  let focus: VizFocus | undefined;
  if (options.violation !== undefined) {
    // The violation is there once the last of its witness's transactions is decided: the diagram opens
    // at that decision (or, with none decided, at the witness's last step).
    const witness = new Set(options.violation.requests);
    let decided = -1;
    for (const txn of transactions) {
      if (!witness.has(txn.requestId)) continue;
      txn.highlighted = true;
      decided = Math.max(decided, ...txn.commits, ...txn.aborts);
    }
    let last = -1;
    for (const event of events) if (event.txn >= 0 && transactions[event.txn].highlighted) last = event.row;
    const row = decided >= 0 ? decided : last >= 0 ? last : Math.max(0, events.length - 1);
    focus = { row, title: options.violation.title, lines: options.violation.lines };
  }
  return {
    title: options.title, settings: options.settings, lanes, events, messages, transactions, states: options.states ?? [], focus,
  };
}

/**
 * What the model fails to show of a trace: every entry must be an event on its row (same tick, place,
 * rule and detail), every message a send or delivery names must be in the model, every G-Drop must end a
 * copy that the model marks dropped, every G-Duplicate start a copy marked duplicate, every G-Delay be
 * marked on a copy, and every delivery end a copy of its message. Empty when the model is faithful.
 */
export function modelProblems(entries: readonly TraceEntry[], model: VizModel): string[] {
  const problems: string[] = [];
  if (model.events.length !== entries.length) problems.push(`${entries.length} trace entries but ${model.events.length} events`);
  const messages = new Map(model.messages.map((message) => [message.id, message]));
  const copyAt = (id: number, row: number, which: (copy: VizCopy) => boolean): boolean =>
    messages.get(id)?.copies.some(which) ?? false;
  entries.forEach((entry, row) => {
    const event = model.events[row];
    if (event === undefined || event.tick !== entry.tick || event.place !== entry.place || event.rule !== entry.rule || event.detail !== entry.detail) {
      problems.push(`row ${row} (${entry.rule} ${entry.detail}) is not its event`);
      return;
    }
    if (event.lane < 0 || event.lane >= model.lanes.length) problems.push(`row ${row} has no lane`);
    for (const sent of entry.sent ?? []) {
      if (!copyAt(sent.id, row, (copy) => copy.startRow === row && !copy.duplicate)) problems.push(`message #${sent.id} sent at row ${row} is missing`);
    }
    const id = entry.message?.id;
    if (id === undefined) return;
    if (!messages.has(id)) problems.push(`message #${id} of row ${row} is missing`);
    else if (entry.rule === 'G-Deliver' && !copyAt(id, row, (copy) => copy.endRow === row && copy.fate !== 'dropped' && copy.fate !== 'in-flight')) problems.push(`the delivery of #${id} at row ${row} ends no copy`);
    else if (entry.rule === 'G-Drop' && !copyAt(id, row, (copy) => copy.endRow === row && copy.fate === 'dropped')) problems.push(`the drop of #${id} at row ${row} is not marked`);
    else if (entry.rule === 'G-Duplicate' && !copyAt(id, row, (copy) => copy.startRow === row && copy.duplicate)) problems.push(`the duplicate of #${id} at row ${row} is not marked`);
    else if (entry.rule === 'G-Delay' && !copyAt(id, row, (copy) => copy.delays.includes(row))) problems.push(`the delay of #${id} at row ${row} is not marked`);
  });
  for (const event of model.events) {
    if ((event.rule === 'G-Crash' && event.mark !== 'crash') || (event.rule === 'G-Recover' && event.mark !== 'recover')) problems.push(`row ${event.row}: ${event.rule} is not marked`);
    if ((event.rule === 'C-Commit' || event.rule === 'C-Abort') && event.txn < 0) problems.push(`row ${event.row}: ${event.rule} names no transaction`);
  }
  return problems;
}
