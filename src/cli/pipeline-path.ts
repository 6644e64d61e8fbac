/**
 * The pipeline path a command was given, checked before anything loads it, so that a typo or a folder gets an
 * answer that helps: the nearest file for a name that does not exist, the pipelines inside for a folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { quote, UserError } from '../util/errors.js';
import { closest } from '../dsl/suggest.js';

const isPipelineName = (name: string) => /\.ya?ml$/.test(name) && !name.startsWith('_');

/** Pipeline files under `dir`, recursively, sorted; files starting with '_' are fragments and left out. */
export function pipelinesIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const q = join(dir, name);
    if (statSync(q).isDirectory()) out.push(...pipelinesIn(q));
    else if (isPipelineName(name)) out.push(q);
  }
  return out;
}

/** The nearest existing path to a missing one: the same name with .yaml, else the closest name in its folder. */
function nearest(path: string): string | undefined {
  for (const ext of ['.yaml', '.yml']) if (existsSync(path + ext)) return path + ext;
  const dir = dirname(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  // Compared without the extension, which every candidate shares and which would make any two names look alike.
  const stem = (n: string) => n.replace(/\.ya?ml$/, '');
  const byStem = new Map(names.map((n) => [stem(n), n]));
  const nearStem = closest(stem(basename(path)), byStem.keys());
  const near = nearStem === undefined ? undefined : byStem.get(nearStem);
  return near === undefined ? undefined : dir === '.' && !path.startsWith('./') ? near : join(dir, near);
}

/** A missing path as a located error, with the nearest existing name when there is a plausible one. */
export function missingPathError(path: string, what = 'file'): UserError {
  const near = nearest(path);
  // Worded as the pipeline loader words it, for a file.
  const base = what === 'file' ? `cannot read '${quote(path)}': no such file` : `no such ${what}`;
  return new UserError(`${base}${near !== undefined ? `; did you mean ${quote(near)}?` : ''}`, { file: path });
}

/**
 * Checks that `path` names a pipeline file (or, with `folders`, a folder too); returns it unchanged. A folder
 * where a file is needed is answered with the pipelines it holds.
 */
export function checkPipelinePath(path: string, opts: { folders?: boolean } = {}): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw missingPathError(path, opts.folders ? 'file or folder' : 'file');
  }
  if (st.isDirectory() && !opts.folders) {
    const inside = pipelinesIn(path);
    const list = inside.length ? `; its pipelines: ${inside.join(', ')}` : '; it holds no pipeline (.yaml) files';
    throw new UserError(`is a folder, not a pipeline file${list}`, { file: path });
  }
  return path;
}
