/**
 * Checks on a YAML text before the yaml package sees it: its size, its line lengths, characters YAML does not
 * allow (NUL, escapes: what a binary or /proc file holds, and what would drive a terminal when quoted), and the
 * nesting of flow collections, which the parser would otherwise follow until its stack or memory runs out.
 */
import { UserError } from '../util/errors.js';
import { MAX_DEPTH, MAX_FILE_BYTES, MAX_LINE_CHARS } from './limits.js';

// YAML 1.2 admits tab, LF, CR, NEL and printable characters only.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

export function checkSourceText(text: string, file: string, lines: string[]): void {
  const at = (line: number, col: number, message: string): never => {
    throw new UserError(message, { file, line, col, excerpt: lines[line - 1] ?? '' });
  };
  if (text.length > MAX_FILE_BYTES) {
    throw new UserError(`larger than ${MAX_FILE_BYTES >> 10} KB; a pipeline is a page of YAML`, { file });
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE_CHARS)
      at(i + 1, MAX_LINE_CHARS + 1, `line ${i + 1} is longer than ${MAX_LINE_CHARS} characters`);
    const bad = FORBIDDEN.exec(line);
    if (bad) {
      const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      at(i + 1, bad.index + 1, `control character U+${code} is not allowed in YAML (is this a text file?)`);
    }
  }
  checkFlowDepth(lines, at);
}

/**
 * Nesting depth of `[` and `{`, skipping quoted strings and comments. It may count a bracket inside a plain
 * scalar too, which only errs towards a (far-off) limit; it never lets deep nesting through.
 */
function checkFlowDepth(lines: string[], at: (line: number, col: number, message: string) => never): void {
  let depth = 0;
  let quote: string | undefined;
  for (let l = 0; l < lines.length; l++) {
    const s = lines[l]!;
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (quote !== undefined) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && s[i + 1] === "'") i++;
          else quote = undefined;
        }
        continue;
      }
      const prev = i === 0 ? ' ' : s[i - 1]!;
      const tokenStart = /[\s[{,:]/.test(prev);
      if (c === '#' && /\s/.test(prev)) break;
      if ((c === '"' || c === "'") && tokenStart) quote = c;
      else if (c === '[' || c === '{') {
        if (++depth > MAX_DEPTH) at(l + 1, i + 1, `collections nested more than ${MAX_DEPTH} deep`);
      } else if ((c === ']' || c === '}') && depth > 0) depth--;
    }
  }
}
