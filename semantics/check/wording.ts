// Stage: semantics/check. Wording shared by diagnostics: a type with its article, so that messages read
// "an `int`" and "a `string`" rather than "a `int`".

import { typeToString, type Type } from '../types.ts';

/** The type in backquotes with the article English wants before it: "an `int`", "a `list<int>`". */
export function aType(type: Type): string {
  const name = typeToString(type);
  return `${/^[aeiouAEIOU]/.test(name) ? 'an' : 'a'} \`${name}\``;
}
