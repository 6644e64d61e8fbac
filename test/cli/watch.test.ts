/**
 * Watch mode, end to end: the CLI is spawned on a temporary copy of a shipped pipeline (stdout is a pipe, so the
 * plain-lines mode), and the test edits the real files on disk the way an editor would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves once `re` matches the output after `from` characters; rejects after `ms`. */
  waitFor(re: RegExp, stream?: 'out' | 'err', from?: number, ms?: number): Promise<RegExpExecArray>;
  exit: Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: 'true' } });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  child.stdout!.on('data', (d) => ((out += d), poke()));
  child.stderr!.on('data', (d) => ((err += d), poke()));
  const exit = new Promise<number | null>((res) => child.on('close', (code) => (poke(), res(code))));
  return {
    child,
    out: () => out,
    err: () => err,
    exit,
    waitFor(re, stream = 'out', from = 0, ms = 60000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec((stream === 'out' ? out : err).slice(from));
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${re} on std${stream}\n--- stdout\n${out}\n--- stderr\n${err}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

function tempPipeline(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'af-watch-'));
  for (const f of ['_mmrec.yaml', 'lightgcn.yaml']) copyFileSync(join(PIPELINES, f), join(dir, f));
  return { dir, file: join(dir, 'lightgcn.yaml') };
}

/** Rewrites a file with a replacement applied (a save from an editor). */
function edit(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  assert.notEqual(next, text, `edit of ${file} changed nothing`);
  writeFileSync(file, next);
}

test('check --watch re-validates on save: located error, then ok again, and follows the extends chain', async () => {
  const { dir, file } = tempPipeline();
  const p = start(['check', '--watch', file]);
  try {
    await p.waitFor(/all 1 ok; watching 2 files/);
    assert.match(
      p.out(),
      /ok {2}.*lightgcn\.yaml: lightgcn, 2 nodes, 1 loss; outputs user \[users, 64\], item \[items, 64\]/,
    );

    let mark = p.out().length;
    edit(file, 'graph: ui.adj', 'graph: ui.adjj');
    const e = await p.waitFor(/error (\S+):(\d+):(\d+): (.*)\n/, 'out', mark);
    assert.equal(e[1], file);
    assert.equal(`${e[2]}:${e[3]}`, '16:30');
    assert.match(e[4]!, /has no output 'adjj' \(did you mean 'adj'\?\)/);
    await p.waitFor(/\n\s+16 \| .*ui\.adjj/, 'out', mark);

    mark = p.out().length;
    edit(file, 'graph: ui.adjj', 'graph: ui.adj');
    await p.waitFor(/ok {2}.*lightgcn\.yaml: lightgcn, 2 nodes[^\n]*\n[^\n]*all 1 ok/, 'out', mark);

    // An edit to the parent (a file outside the given paths) re-validates the child too.
    mark = p.out().length;
    edit(join(dir, '_mmrec.yaml'), 'epochs: 1000', 'epochs: 0');
    const pe = await p.waitFor(/error (\S+):(\d+):(\d+): train\.epochs must be >= 1, got 0/, 'out', mark);
    assert.equal(pe[1], join(dir, '_mmrec.yaml'));
  } finally {
    p.child.kill('SIGINT');
    assert.equal(await p.exit, 130);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.doesNotMatch(p.err(), /internal error/);
});

test('run --watch restarts the run when the pipeline changes', async () => {
  const { dir, file } = tempPipeline();
  const p = start(['run', file, '--watch', '--plain', '--no-save', '--backend', 'cpu', '--epochs', '200']);
  try {
    await p.waitFor(/^epoch +1\/200/m, 'out', 0, 60000);
    const mark = p.out().length;
    edit(file, 'dim: 64', 'dim: 16');
    await p.waitFor(/watch: changed \S*lightgcn\.yaml; restarting the run/, 'err');
    // The new run starts from epoch 1 with the edited pipeline.
    await p.waitFor(/^run lightgcn .*\n(?:.*\n)*?epoch +1\/200/m, 'out', mark, 60000);
  } finally {
    p.child.kill('SIGINT');
    assert.equal(await p.exit, 130);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.doesNotMatch(p.err(), /internal error|\n\s+at .+:\d+:\d+\)?\n/);
});
