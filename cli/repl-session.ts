// Stage: cli. A REPL session, apart from the terminal: it takes one complete input at a time (entity
// declarations, run-block statements, or a `:command`) and keeps the program, the client's variables and
// the entities' state between inputs. A bad input prints its diagnostics and changes nothing. Declaring
// an entity again replaces its code; entities keep their state where their fields still fit. Changing the
// runtime (`:nodes`, `:seed`, …) carries the entities over to a fresh runtime.

import { writeFileSync } from 'node:fs';
import type * as A from '../grammar/ast.ts';
import { parse, parseReplInput } from '../grammar/index.ts';
import { sourceText, type SourceText } from '../grammar/span.ts';
import { diagnostic } from '../diagnostics/diagnostic.ts';
import { renderDiagnostic, renderDiagnostics } from '../diagnostics/render.ts';
import { concurrencyModes, deliveryModes, type ConcurrencyMode, type DeliveryMode } from '../runtime/configuration.ts';
import { parseFaultPlan } from '../runtime/faults.ts';
import { StuckError } from '../runtime/host.ts';
import { historyEvents, historyToJson } from '../runtime/history.ts';
import { checkClientStatements, checkEntities, type ClientScope, type EntityTable } from '../semantics/check/index.ts';
import { migrateStates, type EntityState } from '../semantics/migrate.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import type * as T from '../semantics/typed.ts';
import { canonical, referenceValue } from '../semantics/values.ts';
import { renderCps } from './cps.ts';
import { UsageError } from './arguments.ts';
import type { Io } from './io.ts';
import { describeRunSettings } from './runtime-options.ts';
import { semanticsEntry, semanticsNames, type RunHost, type RunSettings, type Tracer } from './semantics.ts';
import { formatTraceEntry, formatTraceEvent } from './trace.ts';

interface Command {
  readonly name: string;
  readonly argument: string;
  readonly help: string;
  readonly run: (session: ReplSession, argument: string) => void | 'quit';
}

export const replCommands: readonly Command[] = [
  { name: 'help', argument: '', help: 'this list', run: (session) => session.help() },
  { name: 'load', argument: 'FILE', help: 'add a file\'s entities and run its run block', run: (session, path) => session.load(path) },
  { name: 'state', argument: '', help: 'every entity and its fields, and the variables', run: (session) => session.showState() },
  { name: 'cps', argument: 'Entity.method', help: 'the CPS core and split blocks of a method', run: (session, selector) => session.showCps(selector) },
  { name: 'trace', argument: 'on|off', help: 'print every step of the machine (split and distributed runtimes)', run: (session, value) => session.setTrace(value) },
  { name: 'semantics', argument: 'NAME', help: `the semantics (${semanticsNames.join(', ')})`, run: (session, value) => session.setSemantics(value) },
  { name: 'nodes', argument: 'N', help: 'simulated nodes', run: (session, value) => session.setNodes(value) },
  { name: 'seed', argument: 'S', help: 'the seed of every choice', run: (session, value) => session.change({ seed: value }) },
  { name: 'faults', argument: 'SPEC', help: 'drop=P,dup=P,delay=P,crash=P, none or mild', run: (session, value) => session.setFaults(value) },
  { name: 'protocol', argument: 'P', help: 'none, 2pl or aria', run: (session, value) => session.setProtocol(value) },
  { name: 'delivery', argument: 'D', help: 'at-most-once, at-least-once or exactly-once', run: (session, value) => session.setDelivery(value) },
  { name: 'history', argument: 'FILE', help: 'write the history of the distributed runtime as JSON', run: (session, path) => session.writeHistory(path) },
  { name: 'reset', argument: '', help: 'forget every entity, declaration and variable', run: (session) => session.reset() },
  { name: 'quit', argument: '', help: 'leave (so does the end of the input)', run: () => 'quit' },
];

export class ReplSession {
  private declarations = new Map<string, A.EntityDeclaration>();
  private program: T.TypedProgram = { entities: new Map(), run: undefined };
  private table: EntityTable = new Map();
  private scope: ClientScope = { variables: new Map(), slotCount: 0 };
  private readonly sources = new Map<string, SourceText>();
  private inputs = 0;
  private tracing = false;
  private runHost: RunHost;
  private client: Client;

  constructor(
    private readonly io: Io,
    private semantics: string,
    private settings: RunSettings,
  ) {
    this.runHost = this.createHost([]);
    this.client = new Client(this.runHost.host, (line) => io.out(line));
  }

  /** The variables in scope and the entity table, for completion. */
  get variables(): ReadonlyMap<string, T.Variable> {
    return this.scope.variables;
  }

  get entityTable(): EntityTable {
    return this.table;
  }

  // ------------------------------------------------------------------------------------------ inputs

  /** Whether the text still has an unclosed `{`, `(` or `[` (outside strings and comments). */
  static isIncomplete(text: string): boolean {
    let depth = 0;
    for (let index = 0; index < text.length; index++) {
      const character = text[index];
      if (character === '"') {
        for (index++; index < text.length && text[index] !== '"' && text[index] !== '\n'; index++) if (text[index] === '\\') index++;
      } else if (character === '/' && text[index + 1] === '/') {
        while (index < text.length && text[index] !== '\n') index++;
      } else if (character === '/' && text[index + 1] === '*') {
        const end = text.indexOf('*/', index + 2);
        if (end < 0) return true;
        index = end + 1;
      } else if ('{(['.includes(character)) {
        depth++;
      } else if ('})]'.includes(character)) {
        depth--;
      }
    }
    return depth > 0;
  }

  /** One complete input: a `:command`, or declarations and statements. */
  submit(text: string): 'quit' | undefined {
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    if (trimmed.startsWith(':')) return this.command(trimmed.slice(1));
    const file = `<repl:${++this.inputs}>`;
    const source = sourceText(file, text);
    this.sources.set(file, source);
    const parsed = parseReplInput(text, file);
    if (parsed.input === undefined) {
      this.report(parsed.diagnostics);
      return undefined;
    }
    this.evaluate(parsed.input.entities, parsed.input.statements, true);
    return undefined;
  }

  private command(text: string): 'quit' | undefined {
    const [name, ...rest] = text.split(/\s+/);
    const command = replCommands.find((candidate) => candidate.name === name);
    if (command === undefined) {
      this.io.err(`error[U0101]: unknown REPL command :${name}\n  = hint: :help lists the commands`);
      return undefined;
    }
    return command.run(this, rest.join(' ')) === 'quit' ? 'quit' : undefined;
  }

  private lookup = (file: string): SourceText | undefined => this.sources.get(file);

  private report(diagnostics: readonly Parameters<typeof renderDiagnostics>[0][number][]): void {
    if (diagnostics.length > 0) this.io.err(renderDiagnostics(diagnostics, this.lookup));
  }

  /**
   * Declarations first (all of the program is checked again, since other entities may call the ones
   * declared), then statements. Nothing of an input with a static error runs or changes.
   */
  private evaluate(entities: readonly A.EntityDeclaration[], statements: readonly A.Statement[], echoLastValue: boolean): void {
    let table = this.table;
    let program = this.program;
    let declarations = this.declarations;
    if (entities.length > 0) {
      declarations = new Map(this.declarations);
      for (const entity of entities) {
        declarations.delete(entity.name.name);
        declarations.set(entity.name.name, entity);
      }
      const checked = checkEntities([...declarations.values()]);
      if (checked.entities === undefined) {
        this.report(checked.diagnostics);
        return;
      }
      table = checked.table;
      program = { entities: checked.entities, run: undefined };
    }
    let block: T.Block = [];
    let scope = this.scope;
    if (statements.length > 0) {
      const checked = checkClientStatements(table, statements, this.scope);
      if (checked.statements === undefined) {
        this.report(checked.diagnostics);
        return;
      }
      block = echoLastValue ? withEcho(checked.statements) : checked.statements;
      scope = checked.scope;
    }
    if (entities.length > 0) this.adopt(program, table, declarations);
    this.scope = scope;
    this.execute(block);
  }

  /** Switches to a new version of the program, carrying every entity that still fits. */
  private adopt(program: T.TypedProgram, table: EntityTable, declarations: Map<string, A.EntityDeclaration>): void {
    const migration = migrateStates(this.runHost.entities(), program, this.program);
    for (const note of migration.notes) this.io.err(`note: ${note}`);
    this.program = program;
    this.table = table;
    this.declarations = declarations;
    this.rebuild(migration.kept);
  }

  private execute(block: T.Block): void {
    try {
      this.client.run(block);
      this.client.finish();
    } catch (error) {
      if (error instanceof ClientError) {
        this.io.err(renderDiagnostic(diagnostic(error.code, error.message, error.span, 'the REPL goes on; the variables keep their values'), this.lookup));
      } else if (error instanceof StuckError) {
        this.io.err(`error[R0103]: ${error.reason}:\n${error.requests.map((request) => `  ${request}`).join('\n')}`);
      } else {
        throw error;
      }
    }
  }

  // ------------------------------------------------------------------------------------------ runtime

  private createHost(initial: readonly EntityState[]): RunHost {
    const entry = semanticsEntry(this.semantics);
    return entry.create(this.program, this.settings, this.tracing && entry.traces ? this.tracer() : undefined, initial);
  }

  private tracer(): Tracer {
    return this.semantics === 'distributed'
      ? { kind: 'distributed', trace: (entry) => this.io.err(formatTraceEntry(entry, this.lookup)) }
      : { kind: 'single', trace: (event) => this.io.err(formatTraceEvent(event, this.lookup)) };
  }

  private rebuild(entities: readonly EntityState[] = this.runHost.entities()): void {
    this.runHost = this.createHost(entities);
    this.client.useHost(this.runHost.host);
  }

  change(update: Partial<RunSettings>): void {
    this.settings = { ...this.settings, ...update };
    this.rebuild();
    this.io.err(`# ${describeRunSettings(this.semantics, this.settings)}`);
  }

  private refuse(error: UsageError): void {
    this.io.err(`error[${error.code}]: ${error.message}${error.hint === undefined ? '' : `\n  = hint: ${error.hint}`}`);
  }

  setSemantics(value: string): void {
    if (!semanticsNames.includes(value)) return this.refuse(new UsageError('U0103', `:semantics ${value} is not one of ${semanticsNames.join(', ')}`, undefined));
    this.semantics = value;
    this.change({});
  }

  setNodes(value: string): void {
    const nodes = Number(value);
    if (!/^[0-9]+$/.test(value) || nodes < 1 || nodes > 64) return this.refuse(new UsageError('U0103', `:nodes ${value}: from 1 to 64 nodes`, undefined));
    this.change({ nodes });
  }

  setFaults(value: string): void {
    const plan = parseFaultPlan(value);
    if ('error' in plan) return this.refuse(new UsageError('U0103', `:faults ${value}: ${plan.error}`, 'for example :faults drop=0.1,dup=0.1'));
    this.change({ faults: plan });
  }

  setProtocol(value: string): void {
    if (!concurrencyModes.includes(value as ConcurrencyMode)) return this.refuse(new UsageError('U0103', `:protocol ${value} is not one of ${concurrencyModes.join(', ')}`, undefined));
    this.change({ concurrency: value as ConcurrencyMode });
  }

  setDelivery(value: string): void {
    if (!deliveryModes.includes(value as DeliveryMode)) return this.refuse(new UsageError('U0103', `:delivery ${value} is not one of ${deliveryModes.join(', ')}`, undefined));
    this.change({ delivery: value as DeliveryMode });
  }

  setTrace(value: string): void {
    if (value !== 'on' && value !== 'off') return this.refuse(new UsageError('U0103', ':trace takes on or off', undefined));
    this.tracing = value === 'on';
    if (this.tracing && !semanticsEntry(this.semantics).traces) {
      this.io.err(`note: the ${this.semantics} semantics is big-step and has no trace; :semantics split or distributed traces`);
    }
    this.rebuild();
  }

  writeHistory(path: string): void {
    const host = this.runHost.distributed;
    if (host === undefined) return this.refuse(new UsageError('U0103', ':history needs the distributed semantics', ':semantics distributed'));
    if (path === '') return this.refuse(new UsageError('U0103', ':history needs a FILE', undefined));
    const json = historyToJson(historyEvents(host.config.history), { run: describeRunSettings(this.semantics, this.settings) });
    writeFileSync(path, `${JSON.stringify(json, null, 1)}\n`);
    this.io.err(`wrote ${path} (the history since the runtime last changed)`);
  }

  // --------------------------------------------------------------------------------------- commands

  help(): void {
    const lines = [
      'Type entity declarations and run-block statements; a lone expression prints its value.',
      'An unclosed {, ( or [ continues on the next line.',
      '',
      ...replCommands.map((command) => `  :${`${command.name} ${command.argument}`.padEnd(20)} ${command.help}`),
      '',
      `Now: ${describeRunSettings(this.semantics, this.settings)}`,
    ];
    this.io.out(lines.join('\n'));
  }

  load(path: string): void {
    let text: string;
    try {
      text = this.io.readFile(path);
    } catch {
      return this.refuse(new UsageError('U0102', `cannot read ${path}`, 'the path is relative to where the REPL started'));
    }
    this.sources.set(path, sourceText(path, text));
    const parsed = parse(text, path);
    if (parsed.program === undefined) return this.report(parsed.diagnostics);
    const statements = parsed.program.runBlocks.flatMap((run) => run.body.statements);
    this.evaluate(parsed.program.entities, statements, false);
  }

  showState(): void {
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
  }

  showCps(selector: string): void {
    if (selector === '') return this.refuse(new UsageError('U0103', ':cps needs Entity.method (or Entity)', undefined));
    const text = renderCps(this.program, this.lookup, selector, { core: true, split: true });
    if (text instanceof UsageError) return this.refuse(text);
    this.io.out(text);
  }

  reset(): void {
    this.declarations = new Map();
    this.program = { entities: new Map(), run: undefined };
    this.table = new Map();
    this.scope = { variables: new Map(), slotCount: 0 };
    this.runHost = this.createHost([]);
    this.client = new Client(this.runHost.host, (line) => this.io.out(line));
  }
}

/** At the REPL a lone expression that has a value prints it, as `print` would. */
function withEcho(block: T.Block): T.Block {
  const last = block[block.length - 1];
  if (last?.kind !== 'ExpressionStatement' || last.expression.type.kind === 'void' || last.expression.type.kind === 'future') return block;
  return [...block.slice(0, -1), { kind: 'Print', value: last.expression, span: last.span }];
}

