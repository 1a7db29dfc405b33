// Atomic streams (docs/language.md, "Atomic streams"): the corpus's stream programs run under the
// reference model with the output their comments expect (tests/corpus.test.ts); here, what the corpus
// cannot show. Every semantics runs a stream program with the reference model's output, `ent check` holds
// on it and `ent cps` shows it (the distributed runtime under faults: tests/streams-distributed.test.ts);
// the REPL refuses streams with U0110; the reference model processes each atom exactly once, whole, in
// stream order, with the consumers' offsets advancing one atom at a time; and negative controls: a model that splits an atom into one
// transaction per event, or that publishes a method's atoms before it commits, gives other output.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { main } from '../cli/main.ts';
import { memoryIo } from '../cli/io.ts';
import { parseReplInput } from '../grammar/index.ts';
import { checkClientStatements } from '../semantics/check/index.ts';
import { compile } from '../semantics/compile.ts';
import { Client } from '../semantics/reference/client.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import { EventAtATimeModel } from './support/stream-models.ts';
import type { Atom, Outcome } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { Value } from '../semantics/values.ts';
import { loadCorpus, parseExpectations } from './support/corpus.ts';
import { runReference } from './support/run-reference.ts';

async function ent(args: string[], files: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo(files);
  const status = await main(args, io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

const streamPrograms = loadCorpus().filter((program) => program.streams && program.errors.length === 0);

test('the corpus has stream programs', (t) => {
  t.true(streamPrograms.length >= 6, streamPrograms.map((program) => program.name).join(', '));
});

test('every semantics runs a stream program with the reference model\'s output; `ent check` holds on it and `ent cps` shows $Streams', async (t) => {
  for (const program of streamPrograms) {
    const files = { 'p.ent': program.text };
    const reference = await ent(['run', '--semantics', 'reference', 'p.ent'], files);
    t.is(reference.stdout, program.output.join('\n'), program.name);
    for (const args of [['run', 'p.ent'], ['run', '--semantics', 'split', 'p.ent'], ['run', '--protocol', 'aria', 'p.ent']]) {
      const result = await ent(args, files);
      t.is(result.stdout, reference.stdout, `${program.name}: ${args.join(' ')}`);
      t.is(result.status, reference.status, `${program.name}: ${args.join(' ')}`);
    }
    const checked = await ent(['check', '--runs', '10', 'p.ent'], files);
    t.is(checked.status, 0, `${program.name}: ${checked.stdout}`);
    // A stream program's workload is its run block unless told otherwise.
    t.regex(checked.stdout, /; the run block\)/);
    const cps = await ent(['cps', 'p.ent'], files);
    t.is(cps.status, 0);
    t.regex(cps.stdout, /== core of \$Streams\.\$next ==/);
  }
});

test('`ent explore` with a random workload and `ent graph` refuse a stream program with U0110 (ent explore --workload run explores it)', async (t) => {
  for (const command of ['explore', 'graph']) {
    const result = await ent([command, 'p.ent'], { 'p.ent': streamPrograms[0].text });
    t.is(result.status, 2, command);
    t.regex(result.stderr, /error\[U0110\]: `ent (explore` with a random workload|graph`) does not support streams yet, and this program declares stream `\w+`/);
  }
});

test('the REPL refuses a stream declaration, typed or loaded, with U0110', (t) => {
  const typed = parseReplInput('stream ticks: int', '<repl:1>');
  t.is(typed.input, undefined);
  t.deepEqual(typed.diagnostics.map((entry) => entry.code), ['U0110']);
});

test('`on`, `by`, `stream`, `emit` and `seal` stay names outside the forms they start (programs written before streams run unchanged)', (t) => {
  const names = compile('entity Lamp {\n  key id: int\n  on: bool = false\n  stream: int = 0\n  fn grow(by: int): int { return by }\n'
    + '  fn emit(seal: int): int {\n    let stream = seal + 1\n    self.stream = stream\n    return stream\n  }\n}\n'
    + 'run {\n  let emit = new Lamp(1)\n  let seal = emit.emit(2)\n  print [seal, emit.stream]\n}\n', 'a.ent');
  t.deepEqual(names.diagnostics, []);
  t.is(names.program?.streams.size, 0);
  // The forms themselves: the word, then a name.
  const forms = compile('stream s: int\nentity A {\n  key id: int\n  on s(e: int) by e { }\n}\nrun {\n  emit s [1]\n  seal s\n}\n', 'b.ent');
  t.deepEqual(forms.diagnostics, []);
  t.is(forms.program?.streams.size, 1);
});

/** A reference model that records every atom it processes, with its outcome. */
class RecordingModel extends ReferenceModel {
  readonly processed: { atom: Atom; outcome: Outcome }[] = [];

  override processAtom(atom: Atom): Outcome {
    const outcome = super.processAtom(atom);
    this.processed.push({ atom, outcome });
    return outcome;
  }
}

function runWith(model: ReferenceModel, program: TypedProgram): string[] {
  const output: string[] = [];
  const client = new Client(new ReferenceHost(model), (line) => output.push(line));
  client.run(program.run!.body);
  client.finish();
  return output;
}

test('each atom is processed exactly once, in stream order, and the offsets end at the stream lengths', (t) => {
  for (const program of streamPrograms.filter((candidate) => candidate.runtimeError === undefined)) {
    const typed = compile(program.text, program.path).program!;
    const model = new RecordingModel(typed);
    t.deepEqual(runWith(model, typed), [...program.output], program.name);
    const next = new Map<string, number>();
    for (const { atom } of model.processed) {
      t.is(atom.offset, next.get(atom.stream) ?? 0, `${program.name}: ${atom.stream} out of order`);
      next.set(atom.stream, atom.offset + 1);
    }
    for (const stream of typed.streams.keys()) {
      t.is(model.streams.offset(stream), model.streams.length(stream), `${program.name}: ${stream} not fully processed`);
      t.is(model.streams.offset(stream), next.get(stream) ?? 0, program.name);
    }
  }
});


test('negative control: splitting an atom into one transaction per event changes the output of atom-aborts-whole', (t) => {
  const program = streamPrograms.find((candidate) => candidate.name.endsWith('atom-aborts-whole.ent'))!;
  const typed = compile(program.text, program.path).program!;
  t.deepEqual(runWith(new ReferenceModel(typed), typed), [...program.output]);
  t.notDeepEqual(runWith(new EventAtATimeModel(typed), typed), [...program.output]);
});

test('an atom of a method that aborts is never published; the stream keeps its length', (t) => {
  const program = streamPrograms.find((candidate) => candidate.name.endsWith('emit-from-a-method.ent'))!;
  const report = runReference(program.text, program.path);
  t.deepEqual(report.output, program.output);
  // Three sales were attempted and one aborted: two atoms were published.
  t.is(report.model!.streams.length('audit'), 2);
  t.is(report.model!.streams.offset('audit'), 2);
});

/** Negative control: a model that publishes an emitted atom at once, before its transaction commits. */
class EagerPublishingModel extends ReferenceModel {
  protected override emit(stream: string, events: readonly Value[]): void {
    this.streams.publish(stream, events);
  }
}

test('negative control: publishing a method\'s atom before it commits changes the output of emit-from-a-method', (t) => {
  const program = streamPrograms.find((candidate) => candidate.name.endsWith('emit-from-a-method.ent'))!;
  const typed = compile(program.text, program.path).program!;
  const eager = runWith(new EagerPublishingModel(typed), typed);
  t.notDeepEqual(eager, [...program.output]);
  t.true(eager.some((line) => line.includes('sold pear')));
});

test('examples/orders.ent prints what its comments expect under the reference model and the distributed runtime', async (t) => {
  const path = 'examples/orders.ent';
  const example = parseExpectations('orders.ent', path, readFileSync(path, 'utf8'));
  t.true(example.output.length >= 8);
  const report = runReference(example.text, path);
  t.deepEqual(report.errors, []);
  t.deepEqual(report.output, example.output);
  t.is(report.runtimeError, undefined);
  const cli = await ent(['run', '--semantics', 'reference', 'orders.ent'], { 'orders.ent': example.text });
  t.is(cli.status, 0);
  t.is(cli.stdout, example.output.join('\n'));
  const distributed = await ent(['run', 'orders.ent'], { 'orders.ent': example.text });
  t.is(distributed.status, 0);
  t.is(distributed.stdout, cli.stdout);
});

test('the programs of docs/language.md, section 14, print what their `// prints:` comments say', (t) => {
  const section = readFileSync('docs/language.md', 'utf8').split('## 14. Atomic streams')[1];
  const programs = [...section.matchAll(/```ent\n([\s\S]*?)```/g)].map((match) => match[1]);
  t.true(programs.length >= 2);
  for (const text of programs) {
    const expected = [...text.matchAll(/\/\/ prints: (.*)$/gm)].map((match) => match[1].trim());
    const stops = /\/\/ stops: (\w+)/.exec(text)?.[1];
    const report = runReference(text, 'language.md');
    t.deepEqual(report.errors, []);
    t.deepEqual(report.output, expected);
    t.is(report.runtimeError?.code, stops);
  }
});

test('at the REPL, `emit` and `on` name no stream, and the hint says that the REPL has none yet', (t) => {
  const parsed = parseReplInput('emit ticks [1]', '<repl:1>');
  const checked = checkClientStatements(new Map(), parsed.input!.statements, { variables: new Map(), slotCount: 0 });
  t.deepEqual(checked.diagnostics.map((entry) => entry.code), ['E0308']);
  t.regex(checked.diagnostics[0].hint ?? '', /the REPL does not support streams yet/);
});
