/**
 * User-facing errors. Anything a user can get wrong (YAML, schema, graph, data files, flags) is thrown as a
 * UserError with a location; the CLI prints `file:line:col: message` plus the offending line and exits 2.
 * Anything else is an internal error (exit 1).
 */
export interface SourceLocation {
  file: string;
  /** 1-based line and column in a text file (YAML, .inter). */
  line?: number;
  col?: number;
  /** For tabular data: 1-based data row and the column name. */
  row?: number;
  column?: string;
  /** The offending source line, shown under the message. */
  excerpt?: string;
}

export class UserError extends Error {
  readonly loc?: SourceLocation;
  /** Secondary locations (e.g. the other end of a type mismatch). */
  readonly related: { message: string; loc: SourceLocation }[];
  constructor(message: string, loc?: SourceLocation, related: { message: string; loc: SourceLocation }[] = []) {
    super(message);
    this.name = 'UserError';
    this.loc = loc;
    this.related = related;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** The most characters of user text (a value, a source line, an argument) that an error message quotes. */
export const QUOTE_MAX = 200;
/** The longest line an error prints; longer ones (a list of 50,000 names) are cut. */
const LINE_MAX = 2000;

// C0/C1 controls except tab, DEL, and the bidirectional overrides that can make a terminal show text reordered.
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Control characters written as \uXXXX escapes, so that quoted input cannot drive the terminal. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL_RE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * The part of a piece of user text that an error may quote: its first line, cut to QUOTE_MAX characters, with
 * '…' where something was left out. A path can lead the loader to any file (or a value can hold a pasted secret),
 * so a message never reproduces more than this of what it read.
 */
export function clip(text: string, max: number = QUOTE_MAX): string {
  const nl = text.search(/[\r\n]/);
  const line = nl >= 0 ? text.slice(0, nl) : text;
  return line.length > max ? line.slice(0, max) + '…' : nl >= 0 ? line + '…' : line;
}

/** clip() with control characters escaped: what a message puts between quotes. */
export function quote(text: string, max: number = QUOTE_MAX): string {
  return escapeControls(clip(text, max));
}

export function formatLocation(loc: SourceLocation): string {
  const file = quote(loc.file, 2 * QUOTE_MAX);
  if (loc.line !== undefined) return `${file}:${loc.line}:${loc.col ?? 1}`;
  if (loc.row !== undefined) return `${file}: row ${loc.row}${loc.column ? `, column ${quote(loc.column)}` : ''}`;
  return file;
}

function excerptLines(loc: SourceLocation): string[] {
  if (loc.excerpt === undefined || loc.line === undefined) return [];
  const n = String(loc.line);
  const col = Math.max(1, loc.col ?? 1);
  // A window of QUOTE_MAX characters that holds the column, so the caret still points at the right character.
  const start = col - 1 < QUOTE_MAX ? 0 : col - 1 - QUOTE_MAX / 2;
  const before = start > 0 ? '…' : '';
  const after = start + QUOTE_MAX < loc.excerpt.length ? '…' : '';
  // One replacement character per control character keeps the caret's column.
  const text = loc.excerpt.slice(start, start + QUOTE_MAX).replace(CONTROL_RE, '\ufffd');
  const caret = ' '.repeat(n.length + 3 + before.length + (col - 1 - start)) + '^';
  return [`  ${n} | ${before}${text}${after}`, `  ${caret}`];
}

/** Every printed line safe for a terminal and of bounded length, whatever a message interpolated. */
function boundLines(text: string): string[] {
  return text.split('\n').map((line) => {
    const safe = escapeControls(line);
    return safe.length > LINE_MAX ? `${safe.slice(0, LINE_MAX)}… (${safe.length - LINE_MAX} more characters)` : safe;
  });
}

/** Renders a user error the way the CLI prints it: location, message, excerpt, related locations. */
export function formatUserError(e: UserError): string {
  const out = boundLines(e.loc ? `${formatLocation(e.loc)}: ${e.message}` : e.message);
  if (e.loc) out.push(...excerptLines(e.loc));
  for (const r of e.related) {
    out.push(...boundLines(`${formatLocation(r.loc)}: ${r.message}`));
    out.push(...excerptLines(r.loc));
  }
  return out.join('\n');
}
