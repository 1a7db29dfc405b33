// Stage: cli. A history written to its file as the run goes: the document's opening fields, then each
// event as the runtime records it (one per line), then the closing brackets. A long run keeps none of
// its history in memory. The document is the one of docs/history.md, the same as `historyToJson` makes.

import { historyEventToJson, historyHeader, type HistoryEvent, type JsonValue } from '../runtime/history.ts';
import type { Io, TextSink } from './io.ts';

export class HistoryFile {
  private readonly sink: TextSink;
  private events = 0;

  /** Opens the file (throws Node's error when it cannot be written) and writes the document's head. */
  constructor(io: Io, path: string, settings: Record<string, JsonValue>) {
    this.sink = io.createFile(path);
    const head = JSON.stringify(historyHeader(settings));
    this.sink.write(`${head.slice(0, -1)},\n"events": [\n`);
  }

  /** Records one event; give it to the runtime as its history sink. */
  readonly record = (event: HistoryEvent): void => {
    this.sink.write(`${this.events++ === 0 ? '' : ',\n'}${JSON.stringify(historyEventToJson(event))}`);
  };

  close(): void {
    this.sink.write('\n]}\n');
    this.sink.close();
  }
}
