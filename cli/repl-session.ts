// Stage: cli. A REPL session, apart from the terminal: it takes one complete input at a time (entity
// declarations, run-block statements, or a `:command`) and keeps the program, the client's variables and
// the entities' state between inputs. A bad input prints its diagnostics and changes nothing. Declaring
// an entity again replaces its code when the entities and references that exist still fit it (see
// semantics/migrate.ts), and is refused, naming what would break, when they do not. Changing the runtime
// (`:nodes`, `:seed`, …) carries the entities over to a fresh runtime. A statement stops when
// `interrupted` answers true (Ctrl-C); its transaction aborts and the session keeps its state.

import type * as A from '../grammar/ast.ts';
import { parse, parseReplInput } from '../grammar/index.ts';
import { sourceText, type SourceText } from '../grammar/span.ts';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { renderDiagnostic, renderDiagnostics } from '../diagnostics/render.ts';
import { StuckError } from '../runtime/host.ts';
import { historyEvents, historyToJson } from '../runtime/history.ts';
import { checkClientStatements, checkEntities, type ClientScope, type EntityTable } from '../semantics/check/index.ts';
import { checkUpdate } from '../semantics/check/updates.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import { migrateStates, type EntityState } from '../semantics/migrate.ts';
import { ClientError } from '../semantics/reference/client.ts';
import type * as T from '../semantics/typed.ts';
import { canonical, referenceValue } from '../semantics/values.ts';
import { renderCps } from './cps.ts';
import { integerOption, parseArguments, UsageError } from './arguments.ts';
import { exploreCommand, runExploration, scopeOptions } from './explore.ts';
import { defaultSourceBytesMax, readTextFile, writeTextFile } from './files.ts';
import type { Io } from './io.ts';
import { formatUsageError } from './load.ts';
import { describeRunSettings, parseSetting, showSetting, type SettingName } from './runtime-options.ts';
import {
  Interrupted, InterruptibleClient, semanticsEntry, semanticsNames, type RunHost, type RunSettings, type Tracer,
} from './semantics.ts';
import { makeTracer, traceLevels, type TraceLevel } from './trace.ts';
import { VizCapture } from './viz.ts';
import { Stepper } from './repl-stepper.ts';
import type { FaultBudget } from '../explorer/branching.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Outcome, Request, TransactionHost } from '../semantics/transactions.ts';

/**
 * The most trace entries the REPL keeps for `:viz` (the steps after them are left out of the diagram):
 * about 100 MB at most, for a session that may run long.
 */
const vizEntriesMax = 100_000;

/** How an input went: `failed` when it printed an error (aborts are results, not failures). */
export type SubmitResult = 'ok' | 'failed' | 'quit';

interface Command {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly argument: string;
  readonly help: string;
  readonly run: (session: ReplSession, argument: string) => SubmitResult;
}

function setting(name: SettingName, argument: string, help: string): Command {
  return { name, argument, help: `${help}; alone, shows it`, run: (session, value) => session.setting(name, value) };
}

export const replCommands: readonly Command[] = [
  { name: 'help', argument: '', help: 'this list', run: (session) => session.help() },
  { name: 'load', argument: 'FILE', help: 'add a file\'s entities and run its run block', run: (session, path) => session.load(path) },
  { name: 'state', argument: '', help: 'every entity and its fields, and the variables', run: (session) => session.showState() },
  { name: 'cps', argument: 'Entity.method', help: 'the CPS core and split blocks of a method', run: (session, selector) => session.showCps(selector) },
  {
    name: 'trace', argument: 'on|off|LEVEL', help: 'print the steps (split and distributed): on, calls, rules, all; alone, shows it',
    run: (session, value) => session.setTrace(value),
  },
  { name: 'semantics', argument: 'NAME', help: `the semantics (${semanticsNames.join(', ')}); alone, shows it`, run: (session, value) => session.setSemantics(value) },
  setting('nodes', 'N', 'simulated nodes, 1 to 64'),
  setting('seed', 'S', 'the seed of every choice, a whole number'),
  setting('faults', 'SPEC', 'drop=P,dup=P,delay=P,crash=P, none or mild'),
  setting('protocol', 'P', 'none, 2pl or aria'),
  setting('delivery', 'D', 'at-most-once, at-least-once or exactly-once'),
  setting('step-limit', 'N', 'small steps one transaction may take'),
  {
    name: 'explore', argument: 'OPTIONS', help: 'every schedule of a small scope of the declared entities (ent explore\'s options)',
    run: (session, options) => session.explore(options),
  },
  {
    name: 'step', argument: '[--local] [--drops N …] STATEMENT', help: 'take the global steps of the statement\'s first transaction one by one, choosing each (:back, :goto N, :where, :run, :leave)',
    run: (session, text) => session.startStepping(text),
  },
  { name: 'history', argument: 'FILE', help: 'write the history of the distributed runtime as JSON', run: (session, path) => session.writeHistory(path) },
  {
    name: 'viz', argument: 'FILE|on|off', help: 'write the space-time diagram of the distributed runtime as one HTML page; off stops recording it (faster), on records again',
    run: (session, argument) => session.viz(argument),
  },
  { name: 'reset', argument: '', help: 'forget every entity, declaration and variable', run: (session) => session.reset() },
  { name: 'quit', aliases: ['q', 'exit'], argument: '', help: 'leave (so do :q, Ctrl-D, and Ctrl-C twice on an empty line)', run: () => 'quit' },
];

export interface ReplOptions {
  /** Asked while a statement runs: true stops it (Ctrl-C). */
  readonly interrupted?: () => boolean;
  /** The largest source file `:load` reads. */
  readonly sourceBytesMax?: number;
}

export class ReplSession {
  private declarations = new Map<string, A.EntityDeclaration>();
  /** How many updates each entity type has had at the REPL (its code's version). */
  private readonly versions = new Map<string, number>();
  private program: T.TypedProgram = { entities: new Map(), streams: new Map(), run: undefined };
  private table: EntityTable = new Map();
  private scope: ClientScope = { variables: new Map(), slotCount: 0 };
  private readonly sources = new Map<string, SourceText>();
  private inputs = 0;
  /** The trace level `:trace` chose, or undefined for no trace. */
  private tracing: TraceLevel | undefined;
  private runHost: RunHost;
  /** What the distributed runtime has done since it last changed, for `:viz`. */
  private capture: VizCapture | undefined;
  /** Whether the distributed runtime records its steps for `:viz` (`:viz off` saves the time it costs). */
  private vizRecording = true;
  private client: InterruptibleClient;
  private readonly interrupted: () => boolean;
  /** The stepper while `:step` is stepping: every input goes to it. */
  private stepping: { stepper: Stepper; block: T.Block; scope: ClientScope } | undefined;

  constructor(
    private readonly io: Io,
    private semantics: string,
    private settings: RunSettings,
    private readonly options: ReplOptions = {},
  ) {
    this.interrupted = options.interrupted ?? (() => false);
    this.runHost = this.createHost([]);
    this.client = this.createClient();
  }

  /** The variables in scope and the entity table, for completion. */
  get variables(): ReadonlyMap<string, T.Variable> {
    return this.scope.variables;
  }

  get entityTable(): EntityTable {
    return this.table;
  }

  // ------------------------------------------------------------------------------------------ inputs

  /** One complete input: a `:command`, or declarations and statements. */
  submit(text: string): SubmitResult {
    if (this.stepping !== undefined) return this.stepInput(text);
    const trimmed = text.trim();
    if (trimmed === '') return 'ok';
    if (trimmed.startsWith(':')) return this.command(trimmed.slice(1));
    const file = `<repl:${++this.inputs}>`;
    this.sources.set(file, sourceText(file, text));
    const parsed = parseReplInput(text, file);
    if (parsed.input === undefined) return this.report(parsed.diagnostics);
    return this.evaluate(parsed.input.entities, parsed.input.statements, true);
  }

  private command(text: string): SubmitResult {
    const [name, ...rest] = text.split(/\s+/);
    const command = replCommands.find((candidate) => candidate.name === name || candidate.aliases?.includes(name));
    if (command === undefined) {
      const names = replCommands.map((candidate) => candidate.name);
      const near = names.find((candidate) => candidate.startsWith(name) && name !== '');
      return this.refuse(new UsageError('U0101', `unknown REPL command :${name}`, near === undefined ? ':help lists the commands' : `did you mean :${near}?`));
    }
    return command.run(this, rest.join(' '));
  }

  private lookup = (file: string): SourceText | undefined => this.sources.get(file);

  private report(diagnostics: readonly Diagnostic[]): SubmitResult {
    if (diagnostics.length === 0) return 'ok';
    this.io.err(renderDiagnostics(diagnostics, this.lookup));
    return 'failed';
  }

  private refuse(error: UsageError): SubmitResult {
    this.io.err(formatUsageError(error));
    return 'failed';
  }

  /**
   * Declarations first (all of the program is checked again, since other entities may call the ones
   * declared, and what exists must fit them), then statements. Nothing of an input with an error runs
   * or changes.
   */
  private evaluate(entities: readonly A.EntityDeclaration[], statements: readonly A.Statement[], echoLastValue: boolean): SubmitResult {
    if (entities.length === 0 && statements.length === 1 && statements[0].kind === 'Update') return this.update(statements[0]);
    let table = this.table;
    let program = this.program;
    let declarations = this.declarations;
    let kept: readonly EntityState[] | undefined;
    if (entities.length > 0) {
      declarations = new Map(this.declarations);
      for (const entity of entities) {
        declarations.delete(entity.name.name);
        declarations.set(entity.name.name, entity);
      }
      const checked = checkEntities([...declarations.values()]);
      if (checked.entities === undefined) return this.report(checked.diagnostics);
      table = checked.table;
      program = { entities: checked.entities, streams: new Map(), run: undefined };
      const migration = migrateStates(this.runHost.entities(), [...this.scope.variables.values()], program, this.program);
      if (migration.kind === 'refused') return this.report(this.refusals(migration.problems, entities));
      for (const note of migration.notes) this.io.err(`note: ${note}`);
      kept = migration.kept;
    }
    let block: T.Block = [];
    let scope = this.scope;
    if (statements.length > 0) {
      const checked = checkClientStatements(table, statements, this.scope);
      if (checked.statements === undefined) return this.report(checked.diagnostics);
      block = echoLastValue ? withEcho(checked.statements) : checked.statements;
      scope = checked.scope;
    }
    if (kept !== undefined) {
      // A type declared again is the REPL's other update (docs/language.md §15): a new version of its code.
      const redeclared = entities.map((entity) => entity.name.name).filter((name) => this.declarations.has(name));
      this.program = program;
      this.table = table;
      this.declarations = declarations;
      this.rebuild(kept);
      for (const name of redeclared) {
        const version = (this.versions.get(name) ?? 0) + 1;
        this.versions.set(name, version);
        const migrated = kept.filter((state) => state.entity === name).length;
        // Said only where entities were migrated: a type redeclared while it is being drafted is just redeclared.
        if (migrated > 0) this.io.err(`# ${name} updated to version ${version}: ${migrated} ${migrated === 1 ? 'entity' : 'entities'} migrated`);
      }
    }
    this.scope = scope;
    return this.execute(block);
  }

  /**
   * `update NAME { … }` typed at the REPL (docs/language.md §15): the type gets its new code, and every
   * entity of it that exists is migrated at once (the added fields take their defaults, then `migrate
   * { … }` runs on each), by the reference model. Between two inputs nothing of the session runs, so this
   * eager migration is the update's one step of the serial order (U-Update, U-Migrate), and it is all or
   * nothing: if the migration fails on an entity, the update is refused, naming it, and nothing changes.
   */
  private update(statement: Extract<A.Statement, { kind: 'Update' }>): SubmitResult {
    const name = statement.entity.name;
    const version = (this.versions.get(name) ?? 0) + 1;
    const diagnostics: Diagnostic[] = [];
    const checked = checkUpdate(statement, version, this.table, this.program.entities, new Map(), diagnostics);
    if (checked === undefined || diagnostics.length > 0) return this.report(diagnostics);
    const { update, table } = checked;
    const program: T.TypedProgram = { entities: update.entities, streams: new Map(), run: undefined };
    const migration = migrateStates(this.runHost.entities(), [...this.scope.variables.values()], program, this.program);
    if (migration.kind === 'refused') return this.report(this.refusals(migration.problems, [table.get(name)!.declaration]));
    let states = migration.kept;
    if (update.migrate !== undefined) {
      // The migration is a method of the new code for the time it runs, under a name no program can call.
      const code = update.entities.get(name)!;
      const withMigrate: T.TypedEntity = { ...code, methods: new Map(code.methods).set(update.migrate.name, update.migrate) };
      const model = new ReferenceModel({ ...program, entities: new Map(update.entities).set(name, withMigrate) }, { stepLimit: this.settings.stepLimit });
      model.store.restore(states);
      for (const state of states.filter((candidate) => candidate.entity === name)) {
        const outcome = model.execute({ kind: 'call', target: referenceValue(name, state.key), method: update.migrate.name, args: [] });
        if (outcome.kind === 'aborted') {
          return this.report([diagnostic('R0106', `the update of ${name} is refused: its migration failed on ${canonical(referenceValue(name, state.key))}: ${outcome.message}`,
            statement.span, 'nothing changed: every entity keeps its state and the old code; make the migration total over the states that exist')]);
        }
      }
      states = [...model.store.all()];
    }
    this.versions.set(name, version);
    this.program = program;
    this.table = table;
    this.declarations = new Map(this.declarations).set(name, table.get(name)!.declaration);
    this.rebuild(states);
    const migrated = states.filter((state) => state.entity === name).length;
    this.io.err(`# ${name} updated to version ${version}: ${migrated} ${migrated === 1 ? 'entity' : 'entities'} migrated`);
    return 'ok';
  }

  private refusals(problems: readonly { entity: string; message: string }[], entities: readonly A.EntityDeclaration[]): Diagnostic[] {
    return problems.map((problem) => {
      const declared = entities.find((entity) => entity.name.name === problem.entity)!;
      return diagnostic('E0214', `cannot declare ${problem.entity} again: ${problem.message}`, declared.name.span,
        `keep the old shape, declare the new one under another name, or :reset to start over`);
    });
  }

  private execute(block: T.Block): SubmitResult {
    try {
      this.client.run(block);
      this.client.finish();
      return 'ok';
    } catch (error) {
      if (error instanceof Interrupted) {
        this.io.err('error[R0104]: interrupted: the statement stopped (Ctrl-C); its transaction, if one was running, was rolled back');
      } else if (error instanceof ClientError) {
        this.io.err(renderDiagnostic(diagnostic(error.code, error.message, error.span, 'the REPL goes on; the variables keep their values'), this.lookup));
      } else if (error instanceof StuckError) {
        this.io.err(`error[R0103]: ${error.reason}:\n${error.requests.map((request) => `  ${request}`).join('\n')}`);
      } else {
        throw error;
      }
      return 'failed';
    }
  }

  // ------------------------------------------------------------------------------------------ runtime

  private createHost(initial: readonly EntityState[]): RunHost {
    const entry = semanticsEntry(this.semantics);
    const printer = this.tracing !== undefined && entry.traces ? this.tracer(this.tracing) : undefined;
    this.capture = this.semantics === 'distributed' && this.vizRecording ? new VizCapture(vizEntriesMax) : undefined;
    const tracer: Tracer | undefined = this.capture === undefined ? printer
      : { kind: 'distributed', trace: this.capture.tracer(printer?.kind === 'distributed' ? printer.trace : undefined) };
    return entry.create(this.program, this.settings, tracer, initial, this.interrupted);
  }

  private createClient(): InterruptibleClient {
    return new InterruptibleClient(this.runHost.host, (line) => this.io.out(line), this.interrupted);
  }

  private tracer(level: TraceLevel): Tracer {
    return makeTracer(this.semantics, level, (line) => this.io.err(line), this.lookup);
  }

  private rebuild(entities: readonly EntityState[] = this.runHost.entities()): void {
    this.runHost = this.createHost(entities);
    this.client.useHost(this.runHost.host);
  }

  private change(update: Partial<RunSettings>): SubmitResult {
    this.settings = { ...this.settings, ...update };
    this.rebuild();
    this.io.err(`# ${describeRunSettings(this.semantics, this.settings)}`);
    return 'ok';
  }

  /** `:seed 3` sets a setting, checked as `--seed 3` would be; `:seed` alone shows it. */
  setting(name: SettingName, value: string): SubmitResult {
    if (value === '') {
      this.io.out(`${name} ${showSetting(name, this.settings)}`);
      return 'ok';
    }
    const update = parseSetting(name, value, `:${name}`);
    return update instanceof UsageError ? this.refuse(update) : this.change(update);
  }

  setSemantics(value: string): SubmitResult {
    if (value === '') {
      this.io.out(`semantics ${this.semantics}`);
      return 'ok';
    }
    if (!semanticsNames.includes(value)) {
      return this.refuse(new UsageError('U0103', `:semantics ${JSON.stringify(value)} is not one of: ${semanticsNames.join(', ')}`, `for example :semantics ${semanticsNames[0]}`));
    }
    this.semantics = value;
    return this.change({});
  }

  setTrace(value: string): SubmitResult {
    if (value === '') {
      this.io.out(`trace ${this.tracing ?? 'off'}`);
      return 'ok';
    }
    const levels = ['on', 'off', ...traceLevels];
    if (!levels.includes(value)) {
      return this.refuse(new UsageError('U0103', `:trace takes ${levels.join(', ')}, not ${JSON.stringify(value)}`, ':trace on (every step but L-LetCont), or :trace calls'));
    }
    this.tracing = value === 'off' ? undefined : value === 'on' ? 'rules' : value as TraceLevel;
    if (this.tracing !== undefined && !semanticsEntry(this.semantics).traces) {
      this.io.err(`note: the ${this.semantics} semantics is big-step and has no trace; :semantics split or distributed traces`);
    }
    this.rebuild();
    return 'ok';
  }

  writeHistory(path: string): SubmitResult {
    const host = this.runHost.distributed;
    if (host === undefined) return this.refuse(new UsageError('U0103', ':history needs the distributed semantics', ':semantics distributed'));
    if (path === '') return this.refuse(new UsageError('U0103', ':history needs a FILE to write', ':history run.json'));
    const json = historyToJson(historyEvents(host.config.history), { run: describeRunSettings(this.semantics, this.settings) });
    const problem = writeTextFile(this.io, path, `${JSON.stringify(json, null, 1)}\n`);
    if (problem !== undefined) return this.refuse(problem);
    this.io.err(`wrote ${path} (the history since the runtime last changed)`);
    return 'ok';
  }

  viz(argument: string): SubmitResult {
    if (argument === 'on' || argument === 'off') {
      this.vizRecording = argument === 'on';
      this.rebuild();
      this.io.err(argument === 'on' ? 'recording the steps for :viz FILE from now on' : 'not recording the steps: :viz on records them again');
      return 'ok';
    }
    const path = argument;
    if (this.semantics !== 'distributed') return this.refuse(new UsageError('U0103', ':viz needs the distributed semantics', ':semantics distributed'));
    const viz = this.capture;
    if (viz === undefined) return this.refuse(new UsageError('U0103', ':viz off stopped recording the steps', ':viz on, then run the statements to draw again'));
    if (path === '') return this.refuse(new UsageError('U0103', ':viz needs a FILE to write', ':viz run.html'));
    const problem = viz.write(this.io, path, {
      title: 'ent repl', settings: describeRunSettings(this.semantics, this.settings), nodes: this.settings.nodes, clients: 1, lookup: this.lookup,
    });
    if (problem !== undefined) return this.refuse(problem);
    const left = viz.left === 0 ? '' : `; the ${viz.left} steps after the first ${vizEntriesMax} are left out`;
    this.io.err(`wrote ${path} (the steps since the runtime last changed${left})`);
    return 'ok';
  }

  // --------------------------------------------------------------------------------------- commands

  help(): SubmitResult {
    const lines = [
      'Type entity declarations and run-block statements; a lone expression prints its value.',
      'A line continues while a {, ( or [ is open, or when it ends in an operator, a comma or a dot; a :command ends it.',
      'Ctrl-C stops a running statement (its transaction aborts) or clears the line; Tab completes.',
      '',
      ...replCommands.map((command) => `  :${`${command.name} ${command.argument}`.padEnd(20)} ${command.help}`),
      '',
      `Now: ${describeRunSettings(this.semantics, this.settings)}`,
    ];
    this.io.out(lines.join('\n'));
    return 'ok';
  }

  load(path: string): SubmitResult {
    if (path === '') return this.refuse(new UsageError('U0103', ':load needs a FILE', ':load examples/bank.ent'));
    const source = readTextFile(this.io, path, this.options.sourceBytesMax ?? defaultSourceBytesMax);
    if (source instanceof UsageError) return this.refuse(source);
    this.sources.set(source.name, source);
    const parsed = parse(source.text, source.name);
    if (parsed.program === undefined) return this.report(parsed.diagnostics);
    if (parsed.program.streams.length > 0) {
      return this.refuse(new UsageError('U0110', `the REPL does not support streams yet, and ${source.name} declares stream \`${parsed.program.streams[0].name.name}\``,
        `streams run under \`ent run --semantics reference ${source.name}\` for now`));
    }
    const statements = parsed.program.runBlocks.flatMap((run) => run.body.statements);
    // The run block's top-level updates run in their places, each as the REPL runs one typed at it.
    let segment: A.Statement[] = [];
    let declarations: readonly A.EntityDeclaration[] = parsed.program.entities;
    for (const statement of [...statements, undefined]) {
      if (statement !== undefined && statement.kind !== 'Update') {
        segment.push(statement);
        continue;
      }
      if (segment.length > 0 || declarations.length > 0) {
        if (this.evaluate(declarations, segment, false) === 'failed') return 'failed';
      }
      segment = [];
      declarations = [];
      if (statement !== undefined && this.update(statement) === 'failed') return 'failed';
    }
    return 'ok';
  }

  showState(): SubmitResult {
    const lines: string[] = [];
    const entities = this.runHost.entities()
      .map((state) => ({ id: canonical(referenceValue(state.entity, state.key)), state }))
      .sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
    for (const { id, state } of entities) {
      const fields = [...state.fields].map(([name, value]) => `${name}: ${value === undefined ? '<unset>' : canonical(value)}`);
      lines.push(`${id} { ${fields.join(', ')} }`);
    }
    if (entities.length === 0) lines.push('(no entities)');
    for (const variable of this.scope.variables.values()) {
      const value = this.client.variableValue(variable);
      const shown = value === undefined ? '<unset>' : typeof value === 'object' && value.kind === 'future' ? '<future>' : canonical(value);
      lines.push(`let ${variable.name} = ${shown}`);
    }
    this.io.out(lines.join('\n'));
    return 'ok';
  }

  /**
   * `:explore --clients 1 --drops 1`: `ent explore` on the declared entities, under the session's nodes,
   * protocol, delivery and step limit unless the options say otherwise. Ctrl-C stops it. A counterexample
   * is shown by its violations; its replay token needs a file (`ent explore FILE` with the same options).
   */
  explore(text: string): SubmitResult {
    if (this.program.entities.size === 0) {
      return this.refuse(new UsageError('U0107', ':explore: no entity is declared, so there is no transaction to explore', 'declare an entity, or :load a file'));
    }
    const parsed = parseArguments(exploreCommand, text.split(/\s+/).filter((word) => word !== ''));
    if (parsed instanceof UsageError) return this.refuse(parsed);
    if (parsed.positionals.length > 0) {
      return this.refuse(new UsageError('U0101', `:explore takes options only, not ${parsed.positionals.map((word) => JSON.stringify(word)).join(' ')}`, 'it explores the declared entities; for a file, run ent explore FILE'));
    }
    if (parsed.options.get('workload') === 'run') {
      return this.refuse(new UsageError('U0109', ':explore --workload run: the REPL has no run block to explore (its lines run as they are entered)',
        'put the statements in a file\'s run block and run ent explore FILE --workload run; here, explore random workloads: --clients N --requests N --keys N --seed S'));
    }
    const options = scopeOptions(parsed, this.settings);
    if (options instanceof UsageError) return this.refuse(options);
    const { result } = runExploration(this.io, this.program, options, integerOption(parsed, 'time-limit', 60) as number, this.interrupted);
    const found = result.counterexample;
    if (found === undefined) return 'ok';
    for (const violation of found.violations) this.io.out(`  ${violation.checker}: ${violation.message}`);
    this.io.out('(a replay token binds a file: put the entities in one and run ent explore FILE with the same options)');
    return 'failed';
  }

  /** Whether `:step` is stepping (the terminal shows another prompt). */
  get isStepping(): boolean {
    return this.stepping !== undefined;
  }

  /**
   * `:step [--crashes N] [--drops N] [--dups N] [--delays N] STATEMENT`: the statement runs until it submits
   * its first transaction, which the stepper then takes step by step (cli/repl-stepper.ts). The fault budget
   * is one of each kind the session's :faults gives a probability, unless the options say otherwise.
   */
  startStepping(text: string): SubmitResult {
    if (this.program.entities.size === 0) {
      return this.refuse(new UsageError('U0121', ':step: no entity is declared, so there is no transaction to step through', 'declare an entity, or :load a file'));
    }
    const faults = this.settings.faults;
    const budget: Record<keyof FaultBudget, number> = { crash: faults.crash > 0 ? 1 : 0, drop: faults.drop > 0 ? 1 : 0, duplicate: faults.duplicate > 0 ? 1 : 0, delay: faults.delay > 0 ? 1 : 0 };
    const names: Record<string, keyof FaultBudget> = { '--crashes': 'crash', '--drops': 'drop', '--dups': 'duplicate', '--delays': 'delay' };
    let rest = text.trim();
    let local = false;
    if (/^--local(\s|$)/.test(rest)) {
      local = true;
      rest = rest.slice('--local'.length).trim();
    }
    for (let match = /^(--[a-z]+)(?:\s+(\S+))?\s*/.exec(rest); match !== null; match = /^(--[a-z]+)(?:\s+(\S+))?\s*/.exec(rest)) {
      const kind = names[match[1]];
      if (kind === undefined) return this.refuse(new UsageError('U0121', `:step has no option ${match[1]}`, ':step takes --local first, then --crashes N, --drops N, --dups N, --delays N, then a statement'));
      if (match[2] === undefined || !/^[0-9]+$/.test(match[2]) || Number(match[2]) > 20) {
        return this.refuse(new UsageError('U0121', `${match[1]} takes a whole number from 0 to 20, not ${JSON.stringify(match[2] ?? '')}`, `for example ${match[1]} 1`));
      }
      budget[kind] = Number(match[2]);
      rest = rest.slice(match[0].length);
    }
    if (rest === '') return this.refuse(new UsageError('U0121', ':step needs a statement that calls an entity', ':step alice.transfer(bob, 30)'));
    const file = `<repl:${++this.inputs}>`;
    this.sources.set(file, sourceText(file, rest));
    const parsed = parseReplInput(rest, file);
    if (parsed.input === undefined) return this.report(parsed.diagnostics);
    if (parsed.input.entities.length > 0) return this.refuse(new UsageError('U0121', ':step takes statements, not declarations', 'declare the entity first, then :step a call of it'));
    const checked = checkClientStatements(this.table, parsed.input.statements, this.scope);
    if (checked.statements === undefined) return this.report(checked.diagnostics);
    const block = withEcho(checked.statements);
    // The statement runs until its first transaction, which is caught, not run.
    const capture = new CaptureHost();
    this.client.useHost(capture);
    try {
      this.client.run(block);
    } catch (error) {
      if (!(error instanceof Captured)) {
        this.client.useHost(this.runHost.host);
        if (error instanceof ClientError) return this.report([diagnostic(error.code, error.message, error.span, 'the REPL goes on; the variables keep their values')]);
        throw error;
      }
    }
    this.client.useHost(this.runHost.host);
    if (capture.request === undefined) {
      return this.refuse(new UsageError('U0121', ':step: the statement makes no transaction, so there is no step to take', 'step a call of an entity: :step alice.transfer(bob, 30)'));
    }
    const { split } = compileToSplit(this.program);
    const stepper = new Stepper(split, this.settings, this.runHost.entities(), capture.request, budget, this.lookup, local);
    this.stepping = { stepper, block, scope: checked.scope };
    this.io.out(stepper.show());
    return 'ok';
  }

  private stepInput(text: string): SubmitResult {
    const { stepper, block, scope } = this.stepping!;
    const word = text.trim();
    if (word === ':quit' || word === ':q' || word === ':exit') return 'quit';
    if (word === ':help') {
      this.io.out([
        'The stepper takes the statement\'s first transaction one global step at a time:',
        '  N           take transition N of the list',
        '  Enter       take the seeded one (marked ← Enter)',
        '  :back       undo the last step (the configuration comes back exactly)',
        '  :goto N     jump to step N (forward by seeded choices)',
        '  :where      the redex of the last step, in its source line',
        '  :run        finish by seeded choices; the session keeps the final state',
        '  :leave      stop here; the session keeps the entities as they are',
        '  :quit       leave the REPL',
      ].join('\n'));
      return 'ok';
    }
    const reply = stepper.input(text);
    if (reply.kind === 'stay') {
      if (reply.text !== undefined) this.io.out(reply.text);
      if (reply.error !== undefined) {
        this.io.err(formatUsageError(reply.error));
        return 'failed';
      }
      if (reply.text === undefined) this.io.out(stepper.show());
      return 'ok';
    }
    // Leaving keeps the entities as the stepper left them; the statement then goes on with its first
    // transaction's answer, and any later ones run as usual.
    this.stepping = undefined;
    this.rebuild(reply.entities);
    this.io.err(`# left the stepper at step ${stepper.step} (${reply.end})${reply.answer === undefined ? '' : `; ${stepper.requestId} answered`}`);
    if (reply.answer === undefined) {
      this.io.err(`note: ${stepper.requestId} has no answer, so the rest of the statement does not run; the entities are kept as they are`);
      return 'ok';
    }
    this.scope = scope;
    const replay = new AnsweredFirst(reply.answer, this.runHost.host);
    this.client.useHost(replay);
    const result = this.execute(block);
    this.client.useHost(this.runHost.host);
    return result;
  }

  showCps(selector: string): SubmitResult {
    if (selector === '') return this.refuse(new UsageError('U0103', ':cps needs Entity.method (or Entity)', ':cps Account.transfer'));
    const text = renderCps(this.program, this.lookup, selector, { core: true, split: true });
    if (text instanceof UsageError) return this.refuse(text);
    this.io.out(text);
    return 'ok';
  }

  reset(): SubmitResult {
    this.declarations = new Map();
    this.program = { entities: new Map(), streams: new Map(), run: undefined };
    this.table = new Map();
    this.scope = { variables: new Map(), slotCount: 0 };
    this.runHost = this.createHost([]);
    this.client = this.createClient();
    return 'ok';
  }
}

/** Thrown by CaptureHost at a statement's first transaction. */
class Captured {}

/** A host that takes the first request submitted and stops the statement there. */
class CaptureHost implements TransactionHost {
  request: Request | undefined;

  submit(request: Request): number {
    this.request = request;
    throw new Captured();
  }

  outcome(): Outcome {
    throw new Captured();
  }
}

/** A host whose first transaction has the answer the stepper got, and whose later ones run on `next`. */
class AnsweredFirst implements TransactionHost {
  private readonly tickets: ({ readonly answer: Outcome } | { readonly ticket: number })[] = [];

  constructor(private readonly answer: Outcome, private readonly next: TransactionHost) {}

  submit(request: Request): number {
    this.tickets.push(this.tickets.length === 0 ? { answer: this.answer } : { ticket: this.next.submit(request) });
    return this.tickets.length - 1;
  }

  outcome(ticket: number): Outcome {
    const found = this.tickets[ticket];
    return 'answer' in found ? found.answer : this.next.outcome(found.ticket);
  }
}

/** At the REPL a lone expression that has a value prints it, as `print` would. */
function withEcho(block: T.Block): T.Block {
  const last = block[block.length - 1];
  if (last?.kind !== 'ExpressionStatement' || last.expression.type.kind === 'void' || last.expression.type.kind === 'future') return block;
  return [...block.slice(0, -1), { kind: 'Print', value: last.expression, span: last.span }];
}
