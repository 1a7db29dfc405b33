// Stage: semantics/reference. The atomic streams of the sequential model: for each stream how many atoms
// have been published and processed and whether it is sealed, and the one queue of atoms published and
// not yet processed, in the order of publication. An atom is processed by the model as one transaction
// (`ReferenceModel.processAtom`); this module only keeps the order, so that the streams' offsets advance
// one atom at a time, in stream order, each atom exactly once.

import type { Atom } from '../transactions.ts';
import { listValue, mapValue, type MapKey, type Value } from '../values.ts';

export class StreamState {
  /** Atoms published on each stream: the offset the next one takes. */
  private readonly published = new Map<string, number>();
  /** Atoms processed on each stream: the consumers' offset. */
  private readonly processed = new Map<string, number>();
  private readonly sealedStreams = new Set<string>();
  private readonly pending: Atom[] = [];
  private head = 0;

  isSealed(stream: string): boolean {
    return this.sealedStreams.has(stream);
  }

  /** Sealing a sealed stream changes nothing. */
  seal(stream: string): void {
    this.sealedStreams.add(stream);
  }

  /** Appends an atom at the end of its stream and of the queue (the caller has checked the seal). */
  publish(stream: string, events: readonly Value[]): Atom {
    const offset = this.published.get(stream) ?? 0;
    this.published.set(stream, offset + 1);
    const atom: Atom = { stream, offset, events };
    this.pending.push(atom);
    return atom;
  }

  /** The oldest atom published and not yet processed, left in the queue. */
  peek(): Atom | undefined {
    return this.pending[this.head];
  }

  /**
   * The streams as the fields of the split semantics' `$Streams(0)` (semantics/desugar/streams.ts), for
   * the replay checker to hold a run's final state against.
   */
  fields(streams: readonly string[]): Map<string, Value> {
    const perStream = (read: (stream: string) => Value): Value => mapValue(new Map<MapKey, Value>(streams.map((stream) => [stream, read(stream)])));
    const queue = new Map<MapKey, Value>();
    let taken = 0;
    for (const stream of streams) taken += this.offset(stream);
    let position = taken;
    for (let index = this.head; index < this.pending.length; index++) {
      const atom = this.pending[index];
      queue.set(position++, listValue([atom.stream, atom.offset, listValue(atom.events)]));
    }
    return new Map<string, Value>([
      ['queue', mapValue(queue)], ['head', taken], ['tail', position],
      ['published', perStream((stream) => this.length(stream))], ['processed', perStream((stream) => this.offset(stream))],
      ['sealed', perStream((stream) => this.isSealed(stream))],
    ]);
  }

  /** The oldest atom published and not yet processed; taking it advances its stream's offset. */
  next(): Atom | undefined {
    const atom = this.pending[this.head];
    if (atom === undefined) return undefined;
    this.pending[this.head++] = undefined as unknown as Atom;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    const offset = this.processed.get(atom.stream) ?? 0;
    if (offset !== atom.offset) throw new Error(`assertion: atom ${atom.stream}#${atom.offset} taken at offset ${offset}`);
    this.processed.set(atom.stream, offset + 1);
    return atom;
  }

  /** The consumers' offset of a stream: how many of its atoms have been processed. */
  offset(stream: string): number {
    return this.processed.get(stream) ?? 0;
  }

  /** How many atoms a stream has had published. */
  length(stream: string): number {
    return this.published.get(stream) ?? 0;
  }
}
