// Stage: cli. When a REPL input is complete: a line continues while a `{`, `(` or `[` is open, or when it
// ends in an operator, a comma or a `.` (outside strings and comments), as in most languages' REPLs. A
// `:command` is always one line, and one typed while an input is unfinished ends that input (cli/repl.ts). `x++` is complete, so that the parser can say Ent has no `++`.

const continuing = new Set(['+', '-', '*', '/', '%', '=', '<', '>', '!', '&', '|', ',', '.']);

/** Whether a line is a `:command` (a colon and a letter): it ends an unfinished input instead of continuing it. */
export function isCommandLine(line: string): boolean {
  return /^\s*:[A-Za-z]/.test(line);
}

/** Whether the text needs another line before it can be run. */
export function isIncomplete(text: string): boolean {
  if (text.trimStart().startsWith(':')) return false;
  let depth = 0;
  // The last two characters outside strings, comments and whitespace.
  let last = '';
  let beforeLast = '';
  const note = (character: string): void => {
    beforeLast = last;
    last = character;
  };
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '"') {
      for (index++; index < text.length && text[index] !== '"' && text[index] !== '\n'; index++) if (text[index] === '\\') index++;
      note('"');
    } else if (character === '/' && text[index + 1] === '/') {
      while (index < text.length && text[index] !== '\n') index++;
    } else if (character === '/' && text[index + 1] === '*') {
      const end = text.indexOf('*/', index + 2);
      if (end < 0) return true;
      index = end + 1;
    } else if (/\s/.test(character)) {
      continue;
    } else {
      if ('{(['.includes(character)) depth++;
      else if ('})]'.includes(character)) depth--;
      note(character);
    }
  }
  if (depth > 0) return true;
  if ((last === '+' || last === '-') && beforeLast === last) return false;
  // Nothing significant (a blank or comment-only line) is complete: it must not wait for the next line.
  if (last === '') return false;
  return continuing.has(last) || '{(['.includes(last);
}
