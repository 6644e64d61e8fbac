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

export function formatLocation(loc: SourceLocation): string {
  if (loc.line !== undefined) return `${loc.file}:${loc.line}:${loc.col ?? 1}`;
  if (loc.row !== undefined) return `${loc.file}: row ${loc.row}${loc.column ? `, column ${loc.column}` : ''}`;
  return loc.file;
}

/** Longest excerpt shown: a data file without line breaks must not fill the terminal. */
const MAX_EXCERPT = 300;

function excerptLines(loc: SourceLocation): string[] {
  if (loc.excerpt === undefined || loc.line === undefined) return [];
  const n = String(loc.line);
  const col = Math.max(0, (loc.col ?? 1) - 1);
  const text = loc.excerpt.length > MAX_EXCERPT ? `${loc.excerpt.slice(0, MAX_EXCERPT)}…` : loc.excerpt;
  if (col > MAX_EXCERPT) return [`  ${n} | ${text}`];
  return [`  ${n} | ${text}`, `  ${' '.repeat(n.length + 3 + col)}^`];
}

/** Renders a user error the way the CLI prints it: location, message, excerpt, related locations. */
export function formatUserError(e: UserError): string {
  const head = e.loc ? `${formatLocation(e.loc)}: ${e.message}` : e.message;
  const out = [head];
  if (e.loc) out.push(...excerptLines(e.loc));
  for (const r of e.related) {
    out.push(`${formatLocation(r.loc)}: ${r.message}`);
    out.push(...excerptLines(r.loc));
  }
  return out.join('\n');
}
