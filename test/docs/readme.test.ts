/**
 * The README as a new user reads it: every command example can be pasted after `npm install` (so it says
 * `npx anchorflow`; a bare `anchorflow` is not on PATH), names a real subcommand, and every relative link points
 * at a file in the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../helpers.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
/** The lines inside fenced code blocks. */
const codeLines = readme
  .split(/^```/m)
  .filter((_, i) => i % 2 === 1)
  .flatMap((block) => block.split('\n').slice(1));

test('every command example in the README runs anchorflow through npx', () => {
  const bare = codeLines.filter((l) => /(^|[\s;&|(]|\$ )anchorflow [a-z-]+/.test(l) && !/npx anchorflow/.test(l));
  assert.deepEqual(bare, [], 'these examples would be "command not found" after npm install');
  const inline = [...readme.matchAll(/`([^`\n]*\banchorflow [a-z-]+[^`\n]*)`/g)]
    .map((m) => m[1]!)
    .filter((c) => /^anchorflow /.test(c));
  assert.deepEqual(inline, [], 'inline commands too');
});

test('every subcommand the README shows exists in the CLI', () => {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout;
  const commands = new Set([...help.matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1]!));
  assert.ok(commands.has('run') && commands.has('zoo'), `help lists the commands: ${[...commands].join(', ')}`);
  const shown = new Set([...readme.matchAll(/npx anchorflow (?:--plugin \S+ )?([a-z][a-z-]*)/g)].map((m) => m[1]!));
  const unknown = [...shown].filter((c) => !commands.has(c));
  assert.deepEqual(unknown, []);
});

test('every relative link in the README points at a file that exists', () => {
  const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.length > 0);
  const missing = links.filter((l) => !existsSync(join(REPO_ROOT, l)));
  assert.deepEqual(missing, []);
});

test('every YAML example in the README is plain YAML 1.2 (what an editor and other tools read)', async () => {
  const { load } = await import('js-yaml');
  const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  assert.ok(blocks.length >= 2);
  for (const b of blocks) assert.doesNotThrow(() => load(b), `not YAML 1.2:\n${b.slice(0, 200)}`);
});
