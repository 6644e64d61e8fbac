/** Writes small YAML files into a fresh temp folder for a test. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { FIXTURES } from '../helpers.js';
import { UserError } from '../../src/util/errors.js';

export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'anchorflow-dsl-'));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** Runs fn, expecting a UserError, and returns it. */
export function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError, but nothing was thrown');
}

/** A complete minimal pipeline (valid against the fake op schema). */
export const MINIMAL = `version: 1
name: minimal
params: { dim: 64 }
nodes:
  cf: { op: lightgcn, dim: \${dim}, layers: 2 }
outputs: { user: cf.users, item: cf.items }
losses:
  bpr: { op: bpr, user: cf.users, item: cf.items }
`;

/**
 * The dsl fixtures folder relative to the working directory: relative, so that display names stay short as a
 * user would type them, yet valid from wherever the tests run (src via tsx or dist).
 */
export const DSL_FIXTURES = relative(process.cwd(), join(FIXTURES, 'dsl')) || '.';
