// Stage: cli. `--viz FILE` of `ent run` and `ent check --replay`, and the REPL's `:viz FILE`: records the
// run's trace (and the configuration after each step) and writes the space-time diagram of views/ as
// one self-contained HTML page.

import type { SourceText } from '../grammar/span.ts';
import type { Configuration } from '../runtime/configuration.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { renderHtml } from '../views/html.ts';
import { buildModel, VizRecorder, type ModelOptions } from '../views/model.ts';
import type { OptionSpec } from './arguments.ts';
import { writeTextFile } from './files.ts';
import type { Io } from './io.ts';
import type { UsageError } from './arguments.ts';

export const vizOption: OptionSpec = {
  name: 'viz', value: { placeholder: 'FILE' },
  description: 'write the run as a space-time diagram: one HTML page that opens from disk (docs/tutorial.md)',
};

export const vizDetail = '--viz FILE writes the run\'s space-time diagram: a lane per client and node, messages as arrows, faults,\n'
  + 'transactions in colour, a cursor over every step and the configuration at it. It needs the distributed runtime.';

/** Records a run for its diagram; its `trace` is the runtime's trace callback (beside any other). */
export class VizCapture {
  readonly recorder = new VizRecorder();
  /** Entries seen past `limit`, which the diagram leaves out. */
  left = 0;

  /** `limit`: the most entries kept (the REPL records every statement, and a session may go on for long). */
  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  /** A trace callback that records for the diagram and passes each entry on to `then`. */
  tracer(then?: (entry: TraceEntry, config: Configuration) => void): (entry: TraceEntry, config: Configuration) => void {
    return (entry, config) => {
      if (this.recorder.entries.length < this.limit) this.recorder.record(entry, config);
      else this.left++;
      then?.(entry, config);
    };
  }

  /** Builds the diagram and writes its page; a usage error when the file cannot be written. */
  write(io: Io, path: string, options: Omit<ModelOptions, 'states'>): UsageError | undefined {
    const model = buildModel(this.recorder.entries, { ...options, states: this.recorder.states });
    return writeTextFile(io, path, renderHtml(model));
  }
}

/** The lookup of source files a diagram names lines in: the one program. */
export function sourceLookup(source: SourceText): (file: string) => SourceText | undefined {
  return (file) => (file === source.name ? source : undefined);
}
