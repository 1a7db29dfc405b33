// Stage: diagnostics. The one catalog of codes, as data: each code with its kind and a one-line doc.
// E… are static errors (exit 2, nothing runs), R… are errors of the client's own computation in a run
// block (exit 1), A… are transaction aborts (results, not crashes: the client prints `abort: …`), and
// U… are usage errors of the command line (exit 2). `docs/errors.md` is generated from this table
// (`npm run docs:errors`), and a test checks that every code here is triggered by the corpus or a test.

export type DiagnosticKind = 'syntax' | 'static' | 'client' | 'abort' | 'usage';

export interface CatalogEntry {
  readonly code: string;
  readonly kind: DiagnosticKind;
  readonly severity: 'error' | 'warning';
  readonly title: string;
  readonly doc: string;
}

function entry<Code extends string>(code: Code, kind: DiagnosticKind, title: string, doc: string): CatalogEntry & { readonly code: Code } {
  return { code, kind, severity: 'error', title, doc };
}

export const catalog = [
  // Lexical and syntax errors.
  entry('E0101', 'syntax', 'unexpected character', 'A character that starts no token of Ent.'),
  entry('E0102', 'syntax', 'unterminated string', 'A string literal runs to the end of its line.'),
  entry('E0103', 'syntax', 'invalid escape', 'Strings allow only the escapes \\" \\\\ \\n and \\t.'),
  entry('E0104', 'syntax', 'unterminated comment', 'A `/*` comment is never closed by `*/`.'),
  entry('E0105', 'syntax', 'integer literal too large', 'Integer literals must be at most 2^53 - 1.'),
  entry('E0106', 'syntax', 'nested too deeply', 'Brackets, blocks, prefix operators, an `else if` chain or an operator chain nest deeper than Ent accepts (64 brackets, 64 prefix operators, 256 of both, 200 `else if`, 256 expression levels).'),
  entry('E0110', 'syntax', 'unexpected token', 'The parser found a token where the grammar allows none of its kind.'),
  entry('E0111', 'syntax', 'missing statement separator', 'Two statements or members share a line without `;`.'),
  entry('E0112', 'syntax', 'invalid assignment target', 'Only a variable, `self.f`, `x[i]` or `self.f[i]` can be assigned.'),
  entry('E0113', 'syntax', 'nested index assignment', 'Assignment goes one index deep (`x[i] = e`); `x[i][j] = e` is not Ent.'),
  entry('E0114', 'syntax', 'not callable', 'Only a method (`r.m(…)`), a built-in function or an entity name can be called.'),

  // Declarations.
  entry('E0201', 'static', 'duplicate entity', 'Two entities have the same name.'),
  entry('E0202', 'static', 'duplicate member', 'An entity declares a field, key or method name twice.'),
  entry('E0203', 'static', 'missing key', 'Every entity declares exactly one `key name: T`.'),
  entry('E0204', 'static', 'more than one key', 'An entity declares `key` more than once.'),
  entry('E0205', 'static', 'invalid key type', 'A key, and a map key, is an `int` or a `string`.'),
  entry('E0206', 'static', 'more than one init', 'An entity has at most one `init`.'),
  entry('E0207', 'static', 'more than one run block', 'A program has at most one `run { … }` block.'),
  entry('E0208', 'static', 'unknown type', 'A type names neither a built-in type nor an entity.'),
  entry('E0209', 'static', 'field not initialized', 'A field without a default is not assigned by `init` on every path.'),
  entry('E0210', 'static', 'non-constant default', 'A field default is a constant: literals, operators, lists and maps of them.'),
  entry('E0211', 'static', 'duplicate parameter', 'A method or init names two parameters alike.'),
  entry('E0212', 'static', 'reserved name', 'An entity or a stream may not take the name of a built-in type or function.'),
  entry('E0213', 'static', 'future escapes', 'A future lives in the method that made it: not in a field, a parameter or a result.'),
  entry('E0214', 'static', 'redeclaration does not fit', 'At the REPL, an entity declared again in a way that existing entities or references cannot follow (a changed key type, a changed field type, a new field without a default); nothing changes.'),
  entry('E0215', 'static', 'void where a value is needed', '`void` is only a method result, never a field, parameter or element type.'),
  entry('E0216', 'static', 'duplicate stream', 'Two streams have the same name, or a stream is named like an entity.'),
  entry('E0217', 'static', 'duplicate consumer', 'An entity declares two `on` consumers of one stream.'),
  entry('E0218', 'static', 'consumer parameter', 'A consumer `on NAME(event: T)` takes exactly one parameter, of the stream\'s event type.'),
  entry('E0219', 'static', 'consumer cannot create its entity', 'An entity that consumes a stream has an `init` with parameters: an event that reaches a key with no entity creates it with no arguments.'),

  // Names.
  entry('E0301', 'static', 'unknown variable', 'A name that no `let`, parameter or loop variable in scope binds.'),
  entry('E0302', 'static', 'unknown entity', 'A name used as an entity that no entity declares.'),
  entry('E0303', 'static', 'unknown field', 'A field that the entity does not declare.'),
  entry('E0304', 'static', 'unknown method', 'A method that the entity, or the value type, does not have.'),
  entry('E0305', 'static', 'duplicate variable', 'A `let` names a variable already declared in the same block.'),
  entry('E0306', 'static', 'unknown function', 'A call of a name that is neither a built-in function nor an entity.'),
  entry('E0307', 'static', 'self outside a method', '`self` exists only inside `init`, methods and consumers (not in the run block, nor in a routing key).'),
  entry('E0308', 'static', 'unknown stream', '`emit`, `seal` or `on` names a stream that no `stream NAME: T` declares.'),

  // Types.
  entry('E0401', 'static', 'type mismatch', 'A value of one type where another is required.'),
  entry('E0402', 'static', 'wrong number of arguments', 'A call passes more or fewer arguments than its declaration takes.'),
  entry('E0403', 'static', 'condition is not bool', 'Conditions of `if` and `while`, and operands of `!`, `&&`, `||`, are `bool`.'),
  entry('E0404', 'static', 'invalid operands', 'An operator applied to types it is not defined on.'),
  entry('E0405', 'static', 'void value used', 'A call that returns nothing is used where a value is needed.'),
  entry('E0406', 'static', 'empty literal without a type', '`[]` and `{}` need their type from the context.'),
  entry('E0407', 'static', 'not indexable', 'Indexing applies to lists (by int) and maps (by their key type).'),
  entry('E0408', 'static', 'not iterable', '`for` walks a list or the keys of a map.'),
  entry('E0409', 'static', 'async needs a call', '`async` applies to a method call on an entity reference.'),
  entry('E0410', 'static', 'await needs a future', '`await` applies to a `future<T>`.'),
  entry('E0411', 'static', 'cannot show a future', 'A future has no canonical form: `await` it first.'),
  entry('E0412', 'static', 'mutating a temporary', '`push` and `remove` change a variable or a field, not a computed value.'),
  entry('E0413', 'static', 'comparing unlike types', '`==` and `!=` compare two values of the same type.'),
  entry('E0414', 'static', 'routing key not computed from the event', 'The `by` key of a consumer is computed from the event alone: no call, entity read, `new`, `async`, `await` or mutation.'),

  // Statements and control.
  entry('E0501', 'static', 'print in a method', '`print` is allowed only in the `run` block: methods cannot perform output.'),
  entry('E0502', 'static', 'return outside a method', '`return` is allowed only in `init` and methods.'),
  entry('E0503', 'static', 'value returned from void', 'A method without a result type, or `init`, returns no value.'),
  entry('E0504', 'static', 'missing return value', 'A method with a result type returns a value on `return`.'),
  entry('E0505', 'static', 'missing return', 'A method with a result type must return on every path.'),
  entry('E0506', 'static', 'break or continue outside a loop', '`break` and `continue` belong inside `while` or `for`.'),
  entry('E0507', 'static', 'write to another entity', 'Entity state is private: only `self.f` can be assigned.'),
  entry('E0508', 'static', 'key assigned', 'An entity key never changes.'),
  entry('E0509', 'static', 'abort in the run block', '`abort` ends a transaction; the run block is the client, not a transaction.'),
  entry('E0510', 'static', 'field read before assignment', 'In `init`, a field without a default is read before it is assigned.'),
  entry('E0511', 'static', 'self used before init completes', '`init` uses `self` as a value or calls its methods before every field is assigned.'),
  entry('E0512', 'static', 'assignment to self', '`self` is not a variable.'),
  entry('E0513', 'static', 'loop variable assigned', 'The variable of a `for` loop is read-only inside the loop.'),
  entry('E0514', 'static', 'seal outside the run block', '`seal` is the client\'s: a stream is sealed by the run block, not by a transaction.'),
  entry('E0515', 'static', 'update not at the top of the run block', '`update NAME { … }` is a step of the run block, at its top level: not in a method, and not inside `if`, `while` or `for`, so that every version of the code is known when the program is checked.'),
  entry('E0516', 'static', 'update of an unknown entity type', '`update NAME { … }` names an entity type that the program does not declare.'),
  entry('E0517', 'static', 'update changes the key', 'An update cannot redeclare the key of an entity type: every reference holds the key.'),
  entry('E0518', 'static', 'update changes a field\'s type', 'An update cannot give a field a new type: existing entities hold values of the old one. Add a field of a new name and fill it in `migrate { … }`.'),
  entry('E0519', 'static', 'update changes a signature', 'An update keeps the parameters and result of every method and of `init` (other code calls them as declared), and cannot add an `init` that takes parameters.'),
  entry('E0520', 'static', 'update changes a consumer\'s routing', 'An update may give a consumer a new body, but keeps its routing key as written, and cannot add a consumer of a stream the type did not consume.'),
  entry('E0521', 'static', 'two migrate blocks', 'An update has at most one `migrate { … }` block.'),
  entry('E0523', 'static', 'added field without a default', 'A field that an update adds takes its default in every entity that exists, so it needs one.'),
  entry('E0524', 'static', 'update within a REPL input', 'At the REPL, `update NAME { … }` is an input of its own, at the top level: it runs between inputs, when nothing of the session is running.'),
  entry('E0522', 'static', 'migration with effects beyond its entity', 'A `migrate { … }` block reads and writes its own entity\'s fields and computes: no call, read of another entity, `new`, `async`, `await`, `emit` or `abort`, since it may run at the entity\'s next use rather than at the update.'),

  // Errors of the client's own computation (run block), exit status 1.
  entry('R0101', 'client', 'client computation failed', 'The run block itself divided by zero, overflowed, indexed out of range, missed a key or built a value too large.'),
  entry('R0102', 'client', 'unset variable', 'A run-block variable whose initializer aborted is used.'),
  entry('R0103', 'client', 'request never answered', 'The distributed run fell quiet with requests unanswered (for example, lost under at-most-once delivery).'),
  entry('R0104', 'client', 'interrupted', 'Ctrl-C at the REPL stopped the statement; the transaction it was running, if any, aborted with A0111.'),
  entry('R0105', 'client', 'emit to a sealed stream', 'The run block emitted an atom to a stream it had sealed.'),
  entry('R0106', 'client', 'migration failed at the REPL', 'An `update` typed at the REPL migrates every entity of its type at once, all or nothing: the migration failed on one of them, so the update was refused and nothing changed.'),

  // Transaction aborts: results that the client prints as `abort: <message>`.
  entry('A0101', 'abort', 'abort', '`abort e` in a method: the transaction is rolled back with message e.'),
  entry('A0102', 'abort', 'integer overflow', 'An int result left ±(2^53 - 1).'),
  entry('A0103', 'abort', 'division by zero', '`/` or `%` by zero.'),
  entry('A0104', 'abort', 'index out of range', 'A list index below 0 or at or above its length.'),
  entry('A0105', 'abort', 'missing key', 'A map lookup or `remove` of a key the map lacks.'),
  entry('A0106', 'abort', 'no such entity', 'A call or field read of an entity that does not exist.'),
  entry('A0107', 'abort', 'entity already exists', '`new` with a key that is taken.'),
  entry('A0108', 'abort', 'step limit exceeded', 'The transaction ran more small steps than its budget (default 1,000,000).'),
  entry('A0109', 'abort', 'uninitialized field', 'A field read while `init` has not yet assigned it (reachable only through a re-entrant call).'),
  entry('A0111', 'abort', 'interrupted', 'Ctrl-C at the REPL stopped the transaction, which is rolled back like any other abort.'),
  entry('A0112', 'abort', 'value too large', 'A string of more than 10,000,000 characters (`+`, `str`), or a list or map of more than 10,000,000 elements, was about to be built. In the run block it stops the run (R0101).'),
  entry('A0113', 'abort', 'stream sealed', 'A transaction (a method or a consumer) emitted to a sealed stream: it is rolled back, and its other atoms are not published.'),

  // Command-line usage.
  entry('U0101', 'usage', 'unknown command or option', 'The command line names a command or option that `ent` does not have.'),
  entry('U0102', 'usage', 'cannot read file', 'The file named on the command line cannot be read.'),
  entry('U0103', 'usage', 'invalid option value', 'An option value is not one that the option accepts, or an option is given twice or beside one it excludes.'),
  entry('U0104', 'usage', 'cannot write file', 'A file to be written (`--history FILE`, `:history FILE`) is in a folder that does not exist, is a folder, or is not writable; it is checked before the run starts.'),
  entry('U0105', 'usage', 'file too large', 'A source file is larger than `--max-source` (256k unless raised): the parser holds every token and syntax-tree node in memory at once.'),
  entry('U0106', 'usage', 'not a text file', 'A source file holds a NUL byte or is not valid UTF-8: it is not Ent source (or any text).'),
  entry('U0107', 'usage', 'nothing to check', '`ent check` on a program that declares no entity: it has no transaction whose guarantees could be checked.'),
  entry('U0109', 'usage', 'cannot explore', 'The REPL\'s `:explore --workload run`: the REPL has no run block (its lines run as they are entered), so `:explore` takes a random workload (`--clients`, `--requests`, `--keys`, `--seed`); a file\'s run block is explored by `ent explore FILE --workload run`.'),
  entry('U0120', 'usage', 'graph too large', '`ent graph` on a scope with more states than `--max-states` (300 unless raised): a drawing of more boxes than that cannot be read. Make the scope smaller (`--clients 1 --requests 1`, smaller fault budgets) or raise `--max-states`.'),
  entry('U0121', 'usage', 'invalid stepper input', 'In the REPL\'s stepper (`:step`), an input that is neither the number of an enabled transition, Enter, nor one of `:back`, `:goto N`, `:where`, `:run`, `:quit-step`; or `:step` given something other than a statement that calls an entity, or given while no entity is declared. The stepper stays where it was.'),
  entry('U0130', 'usage', 'Restate engine not installed', '`--engine restate` where the Restate server binary (`@restatedev/restate-server-<platform>`) or the SDK (`@restatedev/restate-sdk`) is not installed: they are optional dependencies of Ent, installed by `npm install` or `npm ci` on a platform the server ships a binary for. `--restate-url` and `--restate-admin-url` name a server of your own instead.'),
  entry('U0131', 'usage', 'Restate server not reachable', '`--engine restate`: the Restate server did not answer on its admin or ingress port in time, or did not register the service process that serves the program (a port taken by another process, a server that stopped, a wrong `--restate-url` or `--restate-admin-url`).'),
  entry('U0108', 'usage', 'invalid history', 'The file given to `ent check-history` is not JSON, is in neither format it reads (Ent\'s history or Elle\'s), or is of a version of Ent\'s format that it does not read.'),
  entry('U0110', 'usage', 'streams not supported here', 'A program that declares streams runs under every semantics of `ent run`, and `ent check`, `ent cps` and `ent explore --workload run` take it; `ent explore` with a random workload (whose requests drain no stream), `ent graph`, the REPL and `ent check --engine restate` do not support streams yet and refuse it.'),
  entry('U0140', 'usage', 'live updates not supported here', 'A program with `update NAME { … }` runs under `ent run` (the reference model, the split machine and the distributed runtime) `ent check` and `ent explore --workload run`; `ent explore` with a random workload, `ent graph` and the Restate engine do not run live updates yet and refuse such a program (the REPL runs them, between inputs).'),
] as const satisfies readonly CatalogEntry[];

export type DiagnosticCode = (typeof catalog)[number]['code'];

const byCode = new Map<string, CatalogEntry>(catalog.map((item) => [item.code, item]));

export function catalogEntry(code: DiagnosticCode): CatalogEntry {
  const found = byCode.get(code);
  if (found === undefined) throw new Error(`assertion: code ${code} is not in the catalog`);
  return found;
}

export function isCatalogCode(code: string): code is DiagnosticCode {
  return byCode.has(code);
}
