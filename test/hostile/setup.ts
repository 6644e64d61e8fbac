/**
 * Setups of the hostile-input corpus: what a case needs that cannot be committed (FIFOs, links to devices and
 * system files, huge sparse files, run directories and their checkpoints). Each gets the case's copy of its
 * area folder (`work`) and changes it in one way.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../helpers.js';
import { encodeCheckpoint, readCheckpoint } from '../../src/engine/checkpoint.js';
import { dslSetups } from './setup-dsl.js';

const HERE = join(REPO_ROOT, 'test', 'hostile');

function replaceWith(path: string, make: (path: string) => void): void {
  rmSync(path, { recursive: true, force: true });
  make(path);
}
const link = (target: string) => (path: string) => symlinkSync(target, path);
const fifo = (path: string) => {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
};
const directory = (path: string) => mkdirSync(path);
/** A sparse file: `size` bytes that take no disk space and read as zeros. */
const sparse =
  (size: number, head: Buffer = Buffer.alloc(0)) =>
  (path: string) => {
    writeFileSync(path, head);
    truncateSync(path, size);
  };

// ---- data: the special/ folder is a valid dataset whose .inter or feature file a setup replaces ----

const inter = (work: string) => join(work, 'special', 'special.inter');
const feat = (work: string) => join(work, 'special', 'image_feat.npy');

/** A .npy header (format 1.0, padded to 64 bytes) for `shape` of <f4, without data. */
function npyHeader(shape: number[]): Buffer {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(h.length, 8);
  return Buffer.concat([pre, Buffer.from(h, 'latin1')]);
}

const dataSetups: Record<string, (work: string) => void> = {
  'data-inter-devzero': (w) => replaceWith(inter(w), link('/dev/zero')),
  'data-inter-devurandom': (w) => replaceWith(inter(w), link('/dev/urandom')),
  'data-inter-fifo': (w) => replaceWith(inter(w), fifo),
  'data-inter-directory': (w) => replaceWith(inter(w), directory),
  'data-inter-passwd': (w) => replaceWith(inter(w), link('/etc/passwd')),
  'data-inter-environ': (w) => replaceWith(inter(w), link('/proc/self/environ')),
  'data-inter-dangling': (w) => replaceWith(inter(w), link(join(w, 'special', 'gone.inter'))),
  'data-inter-loop': (w) => {
    replaceWith(inter(w), link(join(w, 'special', 'loop.link')));
    symlinkSync(inter(w), join(w, 'special', 'loop.link'));
  },
  'data-inter-sparse-2g': (w) => replaceWith(inter(w), sparse(2 ** 31)),
  'data-inter-sparse-after-header': (w) => replaceWith(inter(w), sparse(2 ** 31, readFileSync(inter(w)))),
  'data-npy-devzero': (w) => replaceWith(feat(w), link('/dev/zero')),
  'data-npy-fifo': (w) => replaceWith(feat(w), fifo),
  'data-npy-directory': (w) => replaceWith(feat(w), directory),
  'data-npy-passwd': (w) => replaceWith(feat(w), link('/etc/passwd')),
  'data-npy-environ': (w) => replaceWith(feat(w), link('/proc/self/environ')),
  'data-npy-stdin': (w) => replaceWith(feat(w), link('/dev/stdin')),
  'data-npy-sparse-trailing': (w) => replaceWith(feat(w), sparse(2 ** 31, readFileSync(feat(w)))),
  'data-npy-sparse-declared': (w) =>
    replaceWith(feat(w), sparse(128 + 4 * 100_000_000 * 5, npyHeader([100_000_000, 5]))),
  'data-npy-symlink-ok': (w) => replaceWith(feat(w), link(join(w, 'ok', 'image_feat.npy'))),
};

// ---- resume: a run directory trained once per process, copied into each case and damaged there ----

let cache: string | undefined;

/** Trains the resume pipeline (and two variants of it) for one epoch, once; returns the folder holding them. */
function trainedRuns(): string {
  if (cache) return cache;
  const dir = mkdtempSync(join(tmpdir(), 'anchorflow-hostile-resume-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(HERE, 'resume'), dir, { recursive: true });
  const yaml = readFileSync(join(dir, 'pipeline.yaml'), 'utf8');
  writeFileSync(join(dir, 'other-dim.yaml'), yaml.replace('dim: 8', 'dim: 16'));
  writeFileSync(join(dir, 'other-lr.yaml'), yaml.replace('lr: 0.001', 'lr: 0.01'));
  for (const [file, out] of [
    ['pipeline.yaml', 'base'],
    ['other-dim.yaml', 'other-dim'],
    ['other-lr.yaml', 'other-lr'],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, 'run', file, '--data', 'ds', '--out', out, '--plain'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    if (r.status !== 0) throw new Error(`training the resume fixture ${file} failed:\n${r.stderr}`);
  }
  cache = dir;
  return dir;
}

/** The one run directory under runs-root (runs/<name>/<stamp>-<hash>). */
function runIn(root: string): string {
  const name = readdirSync(root)[0]!;
  const stamp = readdirSync(join(root, name))[0]!;
  return join(root, name, stamp);
}

/** Copies the trained run `which` to work/run, its record pointing at work's pipeline and data. */
function copyRun(work: string, which = 'base'): string {
  const src = runIn(join(trainedRuns(), which));
  const run = join(work, 'run');
  cpSync(src, run, { recursive: true });
  const rec = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  rec.pipelineFile = join(work, 'pipeline.yaml');
  rec.dataPath = join(work, 'ds');
  writeFileSync(join(run, 'run.json'), JSON.stringify(rec, null, 2));
  return run;
}

const seedDir = (run: string) =>
  join(
    run,
    readdirSync(run).find((f) => f.startsWith('seed-'))!,
  );
const ckptDir = (run: string) => join(seedDir(run), 'checkpoint');
const lastCkpt = (run: string) => join(ckptDir(run), 'last.ckpt');

/** The state a run killed after its last checkpoint leaves: no seed result, no embeddings, no metrics. */
function killed(run: string): string {
  rmSync(join(seedDir(run), 'result.json'));
  rmSync(join(seedDir(run), 'embeddings'), { recursive: true, force: true });
  rmSync(join(run, 'metrics.json'), { force: true });
  return run;
}

/** Rewrites a checkpoint's JSON header (the data after it is kept, re-aligned to 4 bytes). */
function editHeader(
  file: string,
  edit: (h: {
    magic: string;
    meta: Record<string, unknown>;
    arrays: { name: string; shape: number[]; offset: number; length: number }[];
  }) => void,
): void {
  const buf = readFileSync(file);
  const hlen = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + hlen).toString('utf8'));
  const data = buf.subarray(Math.ceil((4 + hlen) / 4) * 4);
  edit(header);
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((4 + h.length) / 4) * 4;
  const out = Buffer.alloc(start + data.length);
  out.writeUInt32LE(h.length, 0);
  h.copy(out, 4);
  data.copy(out, start);
  writeFileSync(file, out);
}

function editRunJson(work: string, edit: (r: Record<string, unknown>) => unknown): void {
  const run = copyRun(work);
  const file = join(run, 'run.json');
  writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')))));
}

const resumeSetups: Record<string, (work: string) => void> = {
  'resume-finished': (w) => void copyRun(w),
  'resume-killed': (w) => void killed(copyRun(w)),
  'resume-killed-with-temps': (w) => {
    const run = killed(copyRun(w));
    // What kills during atomic writes leave: partial temp files of processes that no longer exist.
    writeFileSync(join(ckptDir(run), '.last.ckpt.999999999.1700000000000.tmp'), Buffer.alloc(4096, 7));
    writeFileSync(join(ckptDir(run), '.best-1.ckpt.999999998.1700000000001.tmp'), Buffer.alloc(100));
    writeFileSync(join(run, '.metrics.json.999999997.1700000000002.tmp'), '{"trunc');
  },
  'resume-run-json-truncated': (w) => {
    const file = join(copyRun(w), 'run.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length >> 1));
  },
  'resume-run-json-empty': (w) => writeFileSync(join(copyRun(w), 'run.json'), ''),
  'resume-run-json-array': (w) => editRunJson(w, () => []),
  'resume-run-json-seeds-string': (w) => editRunJson(w, (r) => ({ ...r, seeds: '999' })),
  'resume-run-json-seeds-negative': (w) => editRunJson(w, (r) => ({ ...r, seeds: [-1] })),
  'resume-run-json-seeds-path': (w) => editRunJson(w, (r) => ({ ...r, seeds: ['../../../etc'] })),
  'resume-run-json-seeds-empty': (w) => editRunJson(w, (r) => ({ ...r, seeds: [] })),
  'resume-run-json-seeds-twice': (w) => editRunJson(w, (r) => ({ ...r, seeds: [999, 999] })),
  'resume-run-json-backend': (w) => editRunJson(w, (r) => ({ ...r, backend: 'tpu' })),
  'resume-run-json-datapath-number': (w) => editRunJson(w, (r) => ({ ...r, dataPath: 42 })),
  'resume-run-json-fifo': (w) => replaceWith(join(copyRun(w), 'run.json'), fifo),
  'resume-run-json-devzero': (w) => replaceWith(join(copyRun(w), 'run.json'), link('/dev/zero')),
  'resume-run-json-passwd': (w) => replaceWith(join(copyRun(w), 'run.json'), link('/etc/passwd')),
  'resume-run-json-sparse': (w) => replaceWith(join(copyRun(w), 'run.json'), sparse(64 << 20)),
  'resume-no-run-json': (w) => rmSync(join(copyRun(w), 'run.json')),
  'resume-no-pipeline': (w) => rmSync(join(copyRun(w), 'pipeline.yaml')),
  'resume-pipeline-garbage': (w) => writeFileSync(join(copyRun(w), 'pipeline.yaml'), 'nodes: [unclosed\n'),
  'resume-ckpt-other-dim': (w) => {
    const run = killed(copyRun(w));
    const other = runIn(join(trainedRuns(), 'other-dim'));
    rmSync(ckptDir(run), { recursive: true });
    cpSync(ckptDir(other), ckptDir(run), { recursive: true });
  },
  'resume-ckpt-other-lr': (w) => {
    const run = killed(copyRun(w));
    const other = runIn(join(trainedRuns(), 'other-lr'));
    rmSync(ckptDir(run), { recursive: true });
    cpSync(ckptDir(other), ckptDir(run), { recursive: true });
  },
  'resume-ckpt-truncated': (w) => {
    const f = lastCkpt(killed(copyRun(w)));
    const b = readFileSync(f);
    writeFileSync(f, b.subarray(0, b.length >> 1));
  },
  'resume-ckpt-empty': (w) => writeFileSync(lastCkpt(killed(copyRun(w))), ''),
  'resume-ckpt-bad-magic': (w) => editHeader(lastCkpt(killed(copyRun(w))), (h) => (h.magic = 'pytorch-zip')),
  'resume-ckpt-header-len-huge': (w) => {
    const f = lastCkpt(killed(copyRun(w)));
    const b = readFileSync(f);
    b.writeUInt32LE(0xffffffff, 0);
    writeFileSync(f, b);
  },
  'resume-ckpt-devzero': (w) => replaceWith(lastCkpt(killed(copyRun(w))), link('/dev/zero')),
  'resume-ckpt-fifo': (w) => replaceWith(lastCkpt(killed(copyRun(w))), fifo),
  'resume-ckpt-directory': (w) => replaceWith(lastCkpt(killed(copyRun(w))), directory),
  'resume-ckpt-shape-edited': (w) =>
    editHeader(lastCkpt(killed(copyRun(w))), (h) => {
      const a = h.arrays.find((x) => x.name === 'w:cf/user_emb')!;
      a.shape = [a.shape[1]!, a.shape[0]!];
    }),
  'resume-ckpt-length-lie': (w) =>
    editHeader(lastCkpt(killed(copyRun(w))), (h) => {
      h.arrays[0]!.length = 1e12;
    }),
  'resume-ckpt-missing-weight': (w) => {
    const f = lastCkpt(killed(copyRun(w)));
    const ck = readCheckpoint(f);
    writeFileSync(
      f,
      encodeCheckpoint(
        ck.meta,
        ck.arrays.filter((a) => a.name !== 'w:item_v/linear/b'),
      ),
    );
  },
  'resume-ckpt-renamed-weight': (w) =>
    editHeader(lastCkpt(killed(copyRun(w))), (h) => {
      h.arrays.find((a) => a.name === 'w:cf/user_emb')!.name = 'w:cf/evil_emb';
    }),
  'resume-ckpt-counters': (w) => editHeader(lastCkpt(killed(copyRun(w))), (h) => (h.meta.epochsDone = 'many')),
  'resume-ckpt-rng': (w) => editHeader(lastCkpt(killed(copyRun(w))), (h) => (h.meta.rng = { shuffle: 'x' })),
  'resume-ckpt-hash': (w) => editHeader(lastCkpt(killed(copyRun(w))), (h) => (h.meta.pipelineHash = 'deadbeef')),
  'resume-ckpt-bestfile-traversal': (w) =>
    editHeader(lastCkpt(killed(copyRun(w))), (h) => (h.meta.bestFile = '../../../../../../etc/passwd')),
  'resume-ckpt-bestfile-missing': (w) => {
    const run = killed(copyRun(w));
    for (const f of readdirSync(ckptDir(run))) if (f.startsWith('best-')) rmSync(join(ckptDir(run), f));
  },
  'resume-result-truncated': (w) => {
    const f = join(seedDir(copyRun(w)), 'result.json');
    writeFileSync(f, readFileSync(f, 'utf8').slice(0, 40));
  },
  'resume-result-null-metrics': (w) => {
    const f = join(seedDir(copyRun(w)), 'result.json');
    writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), valid: null }));
  },
  'resume-events-disk-full': (w) => {
    // /dev/full answers every write with ENOSPC: the run's first append to its log meets a full disk.
    const run = copyRun(w);
    replaceWith(join(run, 'events.jsonl'), link('/dev/full'));
  },
  'resume-seed-dir-file': (w) => {
    const run = killed(copyRun(w));
    replaceWith(ckptDir(run), (p) => writeFileSync(p, 'not a folder'));
  },
};

export const setups: Record<string, (work: string) => void> = { ...dataSetups, ...resumeSetups, ...dslSetups };

/** Whether the setups' external tools are here (mkfifo); for a runner that wants to say why a case was skipped. */
export function setupsAvailable(): boolean {
  return existsSync('/dev/full') && spawnSync('mkfifo', ['--version']).status === 0;
}
