// The bad-input suite's cases: every command and the REPL, given what a new user gets wrong on purpose.
// Each case names the exit status and the code of the one-line error it must give; `hint` checks the
// hint where the case is about one. Paths starting with `$/` are in a fresh folder that holds `files`;
// `$TOKEN(file)` is a replay token made for that file, and `$TOKEN-CUT(file)` the same cut short.

export interface BadInputCase {
  readonly name: string;
  readonly args: readonly string[];
  /** Piped into `ent repl` (args are then the REPL's). */
  readonly stdin?: string;
  readonly status: number;
  readonly code: string;
  readonly message?: RegExp;
  readonly hint?: RegExp;
}

const entity = 'entity A {\n  key id: int\n  n: int = 0\n  fn get(): int { return self.n }\n}\n';

/** The files every case can name (`$/name`); binary ones as bytes. */
export const files: Readonly<Record<string, string | Uint8Array>> = {
  'ok.ent': `${entity}run {\n  let a = new A(1)\n  print a.get()\n}\n`,
  'entities.ent': entity,
  'empty.ent': '',
  'no-entities.ent': 'run {\n  print 1\n}\n',
  'nul.ent': Uint8Array.from([0x72, 0x75, 0x6e, 0x00, 0x7b, 0x7d]),
  'latin1.ent': Uint8Array.from([0x72, 0x75, 0x6e, 0x20, 0x7b, 0x20, 0x70, 0x72, 0x69, 0x6e, 0x74, 0x20, 0xe9, 0x20, 0x7d]),
  'big.ent': `run {\n${'  print 1\n'.repeat(30_000)}}\n`,
  'quotes.ent': 'run {\n  print \'hi\'\n}\n',
  'plusplus.ent': 'run {\n  let x = 1\n  x++\n}\n',
  'function.ent': 'function f() {\n}\n',
  'var.ent': 'run {\n  var x = 1\n}\n',
  'this.ent': 'entity A {\n  key id: int\n  n: int = 0\n  fn get(): int {\n    return this.n\n  }\n}\n',
  'null.ent': 'run {\n  let x = null\n}\n',
  'self.ent': 'entity A {\n  key id: int\n  count: int = 0\n  total: int = 0\n  fn get(): int {\n    return count + 1\n  }\n}\n',
  'return.ent': 'entity A {\n  key id: int\n  n: int = 0\n  fn get(): int {\n    return\n      self.n\n  }\n}\n',
  'leading-plus.ent': 'run {\n  let x = 1\n  + 2\n  print x\n}\n',
  'closers.ent': 'run {\n  print (1)))\n}\n',
  'true.ent': 'run {\n  print True\n}\n',
  'long-line.ent': `run {\n  let x = "${'a'.repeat(3000)}" + y + "${'b'.repeat(3000)}"\n}\n`,
  'flood.ent': `run {\n${'  @ $ ` ~\n'.repeat(100)}}\n`,
  'control.ent': 'run {\n  print \u0001\n}\n',
  'deep.ent': `run {\n  print ${'('.repeat(100)}1${')'.repeat(100)}\n}\n`,
  'else-if.ent': `run {\n  let x = 1\n  if x == 0 { print 0 }${' else if x == 1 { print 1 }'.repeat(300)}\n}\n`,
  // Each count within its own bound (61 brackets, 20 prefix operators in a row), their product not: this
  // overflowed the parser's stack.
  'prefixes-in-brackets.ent': `run {\n  print(${`${'!'.repeat(20)}(`.repeat(61)}true${')'.repeat(61)})\n}\n`,
  // A comparison's \`>\` inside brackets is no closing bracket: counted as one, this nested without bound.
  'compare-in-brackets.ent': `run {\n  print(${'!(1 > '.repeat(1000)}true${')'.repeat(1000)})\n}\n`,
  'client-error.ent': 'run {\n  print 1 / 0\n}\n',
  'lost.ent': `${entity}run {\n  let a = new A(1)\n  print a.get()\n}\n`,
  'history.json': '{"format": "ent-history", "events": []}',
};

const usage = (name: string, args: readonly string[], code: string, message?: RegExp): BadInputCase => ({ name, args, status: 2, code, message });
const repl = (name: string, stdin: string, code: string, message?: RegExp, args: readonly string[] = []): BadInputCase => ({ name: `repl: ${name}`, args, stdin, status: 1, code, message });
const hint = (name: string, file: string, code: string, expected: RegExp): BadInputCase => ({ name: `hint: ${name}`, args: ['run', `$/${file}`], status: 2, code, hint: expected });

export const cases: readonly BadInputCase[] = [
  // The command line itself.
  usage('an unknown command', ['rnu', '$/ok.ent'], 'U0101', /unknown command `rnu`/),
  usage('a short option as a command', ['-x'], 'U0101'),
  usage('run without a FILE', ['run'], 'U0101', /takes a FILE/),
  usage('run with two FILEs', ['run', '$/ok.ent', '$/ok.ent'], 'U0101'),
  usage('an unknown short option, not taken for a file', ['run', '-x', '$/ok.ent'], 'U0101', /unknown option -x/),
  { ...usage('an unknown option', ['run', '--nodez', '3', '$/ok.ent'], 'U0101'), hint: /did you mean --nodes\?/ },
  usage('a flag given a value', ['run', '--help=yes'], 'U0103'),
  usage('an option given twice', ['run', '--seed', '1', '--seed', '2', '$/ok.ent'], 'U0103', /more than once/),
  usage('an option without its value', ['run', '$/ok.ent', '--seed'], 'U0103', /needs a value/),
  usage('an option taking the next option as its value', ['run', '--seed', '--trace', '$/ok.ent'], 'U0103', /needs a value/),
  // Files.
  usage('a missing file', ['run', '$/missing.ent'], 'U0102', /no such file/),
  usage('a folder', ['run', '$/'], 'U0102', /it is a folder/),
  usage('a file with a NUL byte', ['run', '$/nul.ent'], 'U0106', /NUL byte/),
  usage('a file that is not UTF-8', ['run', '$/latin1.ent'], 'U0106', /not valid UTF-8/),
  usage('a file over the size limit', ['run', '$/big.ent'], 'U0105', /over the 256 KiB limit/),
  usage('a file over a lowered size limit', ['run', '--max-source', '10', '$/ok.ent'], 'U0105'),
  usage('a size limit of 0', ['run', '--max-source', '0', '$/ok.ent'], 'U0103'),
  usage('a size limit that is not a size', ['run', '--max-source', 'lots', '$/ok.ent'], 'U0103'),
  usage('--history in a folder that does not exist', ['run', '--history', '$/no/such/folder/h.json', '$/ok.ent'], 'U0104', /does not exist/),
  usage('--history naming a folder', ['run', '--history', '$/', '$/ok.ent'], 'U0104', /it is a folder/),
  usage('--history under a big-step semantics', ['run', '--history', '$/h.json', '--semantics', 'split', '$/ok.ent'], 'U0103'),
  usage('--viz in a folder that does not exist', ['run', '--viz', '$/no/such/folder/run.html', '$/ok.ent'], 'U0104', /does not exist/),
  usage('--viz naming a folder', ['run', '--viz', '$/', '$/ok.ent'], 'U0104', /it is a folder/),
  usage('--viz under the split semantics', ['run', '--viz', '$/run.html', '--semantics', 'split', '$/ok.ent'], 'U0103', /--viz needs --semantics distributed/),
  usage('ent check --viz naming a folder', ['check', '--viz', '$/', '$/ok.ent'], 'U0104', /it is a folder/),
  // Runtime options.
  usage('a seed that is a word', ['run', '--seed', 'abc', '$/ok.ent'], 'U0103', /whole number/),
  usage('a negative seed', ['run', '--seed', '-1', '$/ok.ent'], 'U0103'),
  usage('a seed in exponent notation', ['run', '--seed', '1e400', '$/ok.ent'], 'U0103'),
  usage('a seed above 2^53', ['run', '--seed', '99999999999999999999', '$/ok.ent'], 'U0103'),
  usage('a step limit of 0', ['run', '--step-limit', '0', '$/ok.ent'], 'U0103'),
  usage('no nodes', ['run', '--nodes', '0', '$/ok.ent'], 'U0103'),
  usage('too many nodes', ['run', '--nodes', '65', '$/ok.ent'], 'U0103'),
  usage('a fault given twice', ['run', '--faults', 'drop=0.1,drop=0.2', '$/ok.ent'], 'U0103', /given twice/),
  usage('a fault given twice under two names', ['run', '--faults', 'dup=0.1,duplicate=0.2', '$/ok.ent'], 'U0103', /given twice/),
  usage('a probability above 1', ['run', '--faults', 'drop=2', '$/ok.ent'], 'U0103'),
  usage('an unknown fault', ['run', '--faults', 'lose=0.1', '$/ok.ent'], 'U0103'),
  usage('a probability that is a word', ['run', '--faults', 'drop=often', '$/ok.ent'], 'U0103'),
  usage('an unknown protocol', ['run', '--protocol', 'paxos', '$/ok.ent'], 'U0103', /not one of: none, 2pl, aria/),
  usage('an unknown delivery', ['run', '--delivery', 'twice', '$/ok.ent'], 'U0103'),
  usage('an unknown semantics', ['run', '--semantics', 'fast', '$/ok.ent'], 'U0103'),
  usage('an unknown trace level', ['run', '--trace=loud', '$/ok.ent'], 'U0103', /not one of: calls, rules, all/),
  usage('--trace on a big-step semantics', ['run', '--trace', '--semantics', 'reference', '$/ok.ent'], 'U0103'),
  // ent cps.
  usage('cps without a FILE', ['cps'], 'U0101'),
  usage('cps of a missing file', ['cps', '$/missing.ent'], 'U0102'),
  usage('cps of Entity.method.extra', ['cps', '$/ok.ent', 'A.get.extra'], 'U0103', /names no method/),
  usage('cps of an unknown entity', ['cps', '$/ok.ent', 'Nobody'], 'U0103'),
  { ...usage('cps of an unknown method', ['cps', '$/ok.ent', 'A.gte'], 'U0103'), hint: /did you mean `get`\?/ },
  // ent check.
  usage('check without a FILE', ['check'], 'U0101'),
  usage('check of an empty file', ['check', '$/empty.ent'], 'U0107', /declares no entity/),
  usage('check of a program without entities', ['check', '$/no-entities.ent'], 'U0107'),
  usage('no runs', ['check', '--runs', '0', '$/ok.ent'], 'U0103'),
  usage('runs that are a word', ['check', '--runs', 'many', '$/ok.ent'], 'U0103'),
  usage('no clients', ['check', '--clients', '0', '$/ok.ent'], 'U0103'),
  usage('no requests', ['check', '--requests', '0', '$/ok.ent'], 'U0103'),
  usage('too many keys', ['check', '--keys', '1000', '$/ok.ent'], 'U0103'),
  usage('negative shrinking time', ['check', '--shrink-seconds', '-1', '$/ok.ent'], 'U0103'),
  usage('an unknown bug', ['check', '--bug', 'nonsense', '$/ok.ent'], 'U0103'),
  usage('--workload run without a run block', ['check', '--workload', 'run', '$/entities.ent'], 'U0103', /has no run block/),
  usage('a replay token that is not one', ['check', '--replay', 'junk', '$/ok.ent'], 'U0103', /starts with `ent3\.`/),
  usage('a replay token of an older version', ['check', '--replay', 'ent1.abc', '$/ok.ent'], 'U0103', /another version/),
  usage('a replay token with junk appended', ['check', '--replay', '$TOKEN(ok.ent)junk', '$/ok.ent'], 'U0103', /damaged/),
  usage('a replay token cut short', ['check', '--replay', '$TOKEN-CUT(ok.ent)', '$/ok.ent'], 'U0103', /damaged/),
  usage('a replay token of another program', ['check', '--replay', '$TOKEN(entities.ent)', '$/ok.ent'], 'U0103', /another program/),
  usage('a setting beside --replay', ['check', '--replay', '$TOKEN(ok.ent)', '--protocol', 'aria', '$/ok.ent'], 'U0103', /--protocol cannot be given beside --replay/),
  usage('a seed beside --replay', ['check', '--replay', '$TOKEN(ok.ent)', '--seed', '3', '$/ok.ent'], 'U0103', /--seed cannot be given/),
  // ent check-history: its file errors.
  usage('check-history of a missing file', ['check-history', '$/missing.json'], 'U0102'),
  usage('check-history of a folder', ['check-history', '$/'], 'U0102'),
  // ent repl, before and while it runs.
  usage('repl of a missing file', ['repl', '$/missing.ent'], 'U0102'),
  usage('repl with two files', ['repl', '$/ok.ent', '$/ok.ent'], 'U0101'),
  usage('repl with a bad seed', ['repl', '--seed', 'abc'], 'U0103'),
  repl('an unknown variable', 'print y\n', 'E0301'),
  repl('a bad seed', ':seed abc\n', 'U0103', /:seed "abc"/),
  repl('an unknown command', ':nosuch\n', 'U0101'),
  repl(':load of a missing file', ':load $/missing.ent\n', 'U0102'),
  repl(':load of a folder', ':load $/\n', 'U0102'),
  repl(':load of a binary file', ':load $/nul.ent\n', 'U0106'),
  repl(':history in a folder that does not exist', ':history $/no/such/folder/h.json\n', 'U0104'),
  repl(':history without a FILE', ':history\n', 'U0103'),
  repl(':viz in a folder that does not exist', ':viz $/no/such/folder/run.html\n', 'U0104'),
  repl(':viz without a FILE', ':viz\n', 'U0103'),
  repl(':cps of Entity.method.extra', `${entity}:cps A.get.extra\n`, 'U0103'),
  repl(':trace maybe', ':trace maybe\n', 'U0103'),
  repl(':semantics fast', ':semantics fast\n', 'U0103'),
  repl('a client error', 'let x = 1 / 0\n', 'R0101'),
  repl('a redeclaration with another key type', 'entity Q {\n  key id: int\n}\nlet q = new Q(1)\nentity Q {\n  key id: string\n}\n', 'E0214', /the key of Q changes from int to string/),
  // Programs: static errors, floods, and the run's own failures.
  { name: 'a long line is cut around the caret', args: ['run', '$/long-line.ent'], status: 2, code: 'E0301' },
  { name: 'a flood of errors stops after 20', args: ['run', '$/flood.ent'], status: 2, code: 'E0101' },
  { name: 'a control character is shown as a symbol', args: ['run', '$/control.ent'], status: 2, code: 'E0101', message: /unexpected character "\\u0001"/ },
  { name: 'brackets nested too deeply', args: ['run', '$/deep.ent'], status: 2, code: 'E0106' },
  { name: 'an else-if chain too long', args: ['run', '$/else-if.ent'], status: 2, code: 'E0106', message: /more than 200 `else if`/ },
  { name: 'prefix operators before each of many brackets', args: ['run', '$/prefixes-in-brackets.ent'], status: 2, code: 'E0106', message: /more than 256 brackets and prefix operators/ },
  { name: 'comparisons inside nested brackets', args: ['run', '$/compare-in-brackets.ent'], status: 2, code: 'E0106', message: /more than 64 brackets or blocks/ },
  { name: 'a client error stops the run', args: ['run', '$/client-error.ent'], status: 1, code: 'R0101' },
  { name: 'a request lost for good', args: ['run', '--delivery', 'at-most-once', '--faults', 'drop=1', '$/lost.ent'], status: 1, code: 'R0103' },
  // Hints, one by one.
  hint('single quotes', 'quotes.ent', 'E0101', /double quotes: "hi"/),
  hint('x++', 'plusplus.ent', 'E0110', /Ent has no `\+\+`: write `x = x \+ 1`/),
  hint('function', 'function.ent', 'E0110', /`fn name\(parameters\): T \{ … \}`, inside an entity/),
  hint('var', 'var.ent', 'E0111', /`let name = e`/),
  hint('this', 'this.ent', 'E0301', /Ent calls the entity running a method `self`/),
  hint('null', 'null.ent', 'E0301', /Ent has no null/),
  hint('True', 'true.ent', 'E0301', /write `true`/),
  hint('a field without self.', 'self.ent', 'E0301', /did you mean `self\.count`\?/),
  hint('return before a line break', 'return.ent', 'E0504', /a line break ends `return`/),
  hint('a line starting with + 2', 'leading-plus.ent', 'E0110', /the line break before this `\+` ended the statement/),
  hint(')))', 'closers.ent', 'E0111', /this `\)` closes nothing/),
];
