/**
 * MMRec `.inter` files: tab-separated, a header row, columns userID, itemID, x_label (0 train, 1 valid,
 * 2 test), optionally rating and timestamp. Parsed byte by byte because the larger Amazon sets have
 * hundreds of thousands of rows and a generic CSV reader costs several times more.
 */
import { UserError, type SourceLocation } from '../util/errors.js';
import { readRegularFile } from '../util/regular-file.js';
import type { Interactions } from './types.js';

export interface InterFile {
  train: Interactions;
  valid: Interactions;
  test: Interactions;
  /** max userID + 1 over all splits. */
  nUsers: number;
  /** max itemID + 1 over all splits. */
  nItems: number;
  /** Column names from the header, in file order. */
  columns: string[];
}

const REQUIRED = ['userID', 'itemID', 'x_label'] as const;
const OPTIONAL = ['rating', 'timestamp'];
const EXPECTED = `expected a tab-separated header naming ${REQUIRED.join(', ')} (optionally ${OPTIONAL.join(', ')})`;

const TAB = 9;
const LF = 10;
const CR = 13;

function lineText(buf: Uint8Array, start: number, end: number): string {
  return new TextDecoder().decode(buf.subarray(start, end));
}

function parseHeader(buf: Uint8Array, start: number, end: number, file: string): { columns: string[]; pos: number[] } {
  const text = lineText(buf, start, end);
  const columns = text.split('\t').map((s) => s.trim());
  const at = { file, line: 1, col: 1, excerpt: text };
  if (columns.every((c) => /^-?\d+(\.\d*)?$/.test(c))) {
    throw new UserError(`the first line looks like data, not a header; ${EXPECTED}`, at);
  }
  const pos = REQUIRED.map((name) => columns.indexOf(name));
  const missing = REQUIRED.filter((_, k) => pos[k]! < 0);
  if (!text.includes('\t') && !REQUIRED.some((name) => text.includes(name))) {
    // Not a table at all (a linked system file, a binary): its first line is not shown, it may be private.
    throw new UserError(
      `not an .inter file: the first line names none of ${REQUIRED.join(', ')} and has no tabs; ${EXPECTED}`,
      {
        file,
        line: 1,
        col: 1,
      },
    );
  }
  if (missing.length > 0) {
    const hint =
      columns.length === 1 && text.includes(' ') ? ' (the columns must be separated by tabs, not spaces)' : '';
    throw new UserError(
      `header is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${hint}; ${EXPECTED}`,
      at,
    );
  }
  for (const name of REQUIRED) {
    const second = columns.indexOf(name, columns.indexOf(name) + 1);
    if (second >= 0) {
      throw new UserError(`column ${name} appears twice in the header; ${EXPECTED}`, {
        ...at,
        col: colOfField(text, second),
      });
    }
  }
  return { columns, pos };
}

/**
 * The largest id (exclusive) a file of `rows` interactions may use. Dense ids need at most one per row; a
 * filtered file may leave gaps, so as many again are allowed, plus room for tiny hand-written files. Beyond
 * that the ids are raw ones, and the tables sized by the largest id would be mostly empty (and can exhaust memory).
 */
export function idBound(rows: number): number {
  return 2 * rows + 1000;
}

/** 1-based character column of the k-th tab-separated field of a line. */
function colOfField(text: string, k: number): number {
  let col = 1;
  for (let f = 0; f < k; f++) col = text.indexOf('\t', col - 1) + 2;
  return col;
}

/** Reads an .inter file. Every malformed line is a UserError at `file:line:col` with the line as excerpt. */
export function readInter(path: string): InterFile {
  return parseInter(readRegularFile(path, { text: true }), path);
}

/** Parses the bytes of an .inter file; `file` is only used in error locations. */
export function parseInter(buf: Uint8Array, file: string): InterFile {
  const len = buf.length;
  let pos = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // UTF-8 BOM from spreadsheet exports

  let headerEnd = buf.indexOf(LF, pos);
  if (headerEnd < 0) headerEnd = len;
  const hdr = parseHeader(buf, pos, headerEnd > pos && buf[headerEnd - 1] === CR ? headerEnd - 1 : headerEnd, file);
  const nFields = hdr.columns.length;
  const [uCol, iCol, xCol] = hdr.pos as [number, number, number];
  pos = headerEnd + 1;

  // Upper bound on rows, so the column buffers are allocated once.
  let cap = 1;
  for (let p = buf.indexOf(LF, pos); p >= 0; p = buf.indexOf(LF, p + 1)) cap++;
  const users = new Int32Array(cap);
  const items = new Int32Array(cap);
  const labels = new Uint8Array(cap);
  const values = new Float64Array(nFields);
  const isValue = new Uint8Array(nFields);
  isValue[uCol] = isValue[iCol] = isValue[xCol] = 1;

  let n = 0;
  let lineNo = 1;
  let maxUser = -1;
  let maxItem = -1;
  // Where each maximum was first seen, to point at it if it is out of bounds.
  const maxAt = { user: { line: 0, start: 0, end: 0 }, item: { line: 0, start: 0, end: 0 } };
  while (pos < len) {
    lineNo++;
    let lineEnd = buf.indexOf(LF, pos);
    if (lineEnd < 0) lineEnd = len;
    const end = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    const start = pos;
    pos = lineEnd + 1;
    if (end === start) continue; // blank lines, typically a trailing one

    let field = 0;
    let p = start;
    while (true) {
      const fStart = p;
      if (field < nFields && isValue[field]) {
        let v = 0;
        while (p < end && buf[p]! >= 48 && buf[p]! <= 57) v = v * 10 + (buf[p++]! - 48);
        if ((p < end && buf[p] !== TAB) || p === fStart)
          fieldError(buf, start, end, fStart, field, hdr.columns, file, lineNo);
        values[field] = v;
      } else {
        while (p < end && buf[p] !== TAB) p++;
      }
      field++;
      if (p >= end) break;
      p++; // the tab; a line ending in a tab has an empty last field, which the next pass sees
    }
    if (field !== nFields) fieldCountError(lineText(buf, start, end), field, hdr.columns, file, lineNo);
    const u = values[uCol]!;
    const it = values[iCol]!;
    const x = values[xCol]!;
    if (u > 0x7fffffff || it > 0x7fffffff) {
      const k = u > 0x7fffffff ? uCol : iCol;
      const text = lineText(buf, start, end);
      throw new UserError(`${hdr.columns[k]} ${u > 0x7fffffff ? u : it} is too large`, {
        file,
        line: lineNo,
        col: colOfField(text, k),
        excerpt: text,
      });
    }
    if (x > 2) {
      const text = lineText(buf, start, end);
      throw new UserError(`x_label must be 0 (train), 1 (valid) or 2 (test), found ${x}`, {
        file,
        line: lineNo,
        col: colOfField(text, xCol),
        excerpt: text,
      });
    }
    users[n] = u;
    items[n] = it;
    labels[n] = x;
    if (u > maxUser) {
      maxUser = u;
      maxAt.user = { line: lineNo, start, end };
    }
    if (it > maxItem) {
      maxItem = it;
      maxAt.item = { line: lineNo, start, end };
    }
    n++;
  }
  if (n === 0)
    throw new UserError('the file has a header but no interactions', {
      file,
      line: 1,
      col: 1,
      excerpt: hdr.columns.join('\t'),
    });
  const bound = idBound(n);
  for (const [k, max, at] of [
    [uCol, maxUser, maxAt.user],
    [iCol, maxItem, maxAt.item],
  ] as const) {
    if (max < bound) continue;
    const text = lineText(buf, at.start, at.end);
    const name = hdr.columns[k]!;
    throw new UserError(
      `${name} ${max} is far beyond what ${n} interaction${n === 1 ? '' : 's'} can use: ids are 0-based and dense in the MMRec layout, ` +
        `so this file's ids must be below ${bound} (every id up to the largest gets an embedding row); remap the raw ids to 0..n-1`,
      { file, line: at.line, col: colOfField(text, k), excerpt: text },
    );
  }

  const counts = [0, 0, 0];
  for (let r = 0; r < n; r++) counts[labels[r]!]!++;
  const splits = counts.map((c) => ({ users: new Int32Array(c), items: new Int32Array(c) }));
  const fill = [0, 0, 0];
  for (let r = 0; r < n; r++) {
    const s = labels[r]!;
    const k = fill[s]!++;
    splits[s]!.users[k] = users[r]!;
    splits[s]!.items[k] = items[r]!;
  }
  return {
    train: splits[0]!,
    valid: splits[1]!,
    test: splits[2]!,
    nUsers: maxUser + 1,
    nItems: maxItem + 1,
    columns: hdr.columns,
  };
}

function fieldError(
  buf: Uint8Array,
  start: number,
  end: number,
  fStart: number,
  field: number,
  columns: string[],
  file: string,
  line: number,
): never {
  const text = lineText(buf, start, end);
  const found = text.split('\t').length;
  // A wrong field count explains more than "not an integer" when the separators are wrong (spaces, commas).
  if (found !== columns.length) fieldCountError(text, found, columns, file, line);
  const col = lineText(buf, start, fStart).length + 1;
  let fEnd = buf.indexOf(TAB, fStart);
  if (fEnd < 0 || fEnd > end) fEnd = end;
  const full = lineText(buf, fStart, fEnd);
  // The field is quoted in the message itself, so a runaway one is cut to what identifies it.
  const raw = full.length > 40 ? `${full.slice(0, 40)}…` : full;
  const name = columns[field]!;
  const at = { file, line, col, excerpt: text };
  if (raw === '') throw new UserError(`${name} is empty`, at);
  if (name === 'x_label') throw new UserError(`x_label must be 0 (train), 1 (valid) or 2 (test), found '${raw}'`, at);
  if (/^-\d+$/.test(raw))
    throw new UserError(`${name} must be a non-negative integer (ids are 0-based), found ${raw}`, at);
  throw new UserError(`${name} must be a non-negative integer, found '${raw}'`, at);
}

function fieldCountError(text: string, found: number, columns: string[], file: string, line: number): never {
  const hint = found === 1 && /[ ,;]/.test(text) ? ' (fields must be separated by tabs)' : '';
  throw new UserError(
    `expected ${columns.length} tab-separated fields (${columns.join(', ')}), found ${found}${hint}`,
    {
      file,
      line,
      col: 1,
      excerpt: text,
    },
  );
}

/**
 * The first data line whose `column` holds an id >= `min`, as a location (line, column, excerpt); used to point
 * at the interaction that refers past the end of a feature matrix. Only called on an error path, after the
 * file parsed cleanly, so a simple text scan is enough.
 */
export function firstIdAtLeast(
  path: string,
  column: string,
  min: number,
): { id: number; loc: SourceLocation } | undefined {
  let text: string;
  try {
    text = readRegularFile(path).toString('utf8');
  } catch {
    return undefined;
  }
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const k = (lines[0] ?? '')
    .replace(/\r$/, '')
    .split('\t')
    .map((s) => s.trim())
    .indexOf(column);
  if (k < 0) return undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const id = Number(line.split('\t')[k]);
    if (line !== '' && id >= min)
      return { id, loc: { file: path, line: i + 1, col: colOfField(line, k), excerpt: line } };
  }
  return undefined;
}

/**
 * The first data line for which `test` holds, as a location; `test` reads the line's fields by column name
 * (`get('userID')`). Like firstIdAtLeast, only for error paths on a file that parsed cleanly.
 */
export function findRow(path: string, test: (get: (column: string) => number) => boolean): SourceLocation | undefined {
  let text: string;
  try {
    text = readRegularFile(path).toString('utf8');
  } catch {
    return undefined;
  }
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const header = (lines[0] ?? '')
    .replace(/\r$/, '')
    .split('\t')
    .map((s) => s.trim());
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    const fields = line.split('\t');
    if (test((column) => Number(fields[header.indexOf(column)])))
      return { file: path, line: i + 1, col: 1, excerpt: line };
  }
  return undefined;
}
