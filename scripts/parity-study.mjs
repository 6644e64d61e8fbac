#!/usr/bin/env node
// The random-stream parity study: LightGCN on TikTok to early stopping, for several seeds, under each variant
// of the random streams, in anchorflow (train.rng) and in the numpy reference
// (../shared/reference/mmrec_lightgcn_numpy.py). One result JSON per (variant, seed) in the results folder;
// finished ones are skipped, so an interrupted study resumes by running the same command again.
// `--report` turns the results into the generated part of docs/parity.md: per variant mean ± sample std of
// best valid Recall@20 and of test Recall@20 at that epoch, and Welch's t and Mann-Whitney U against
// anchorflow's default streams.
//
//   node scripts/parity-study.mjs [--out /work/parity] [--jobs 2] [--seeds 999-1008] [--variants a,b]
//                                 [--epochs N] [--nice 10] [--data-dir ../shared/datasets] [--dry-run]
//   node scripts/parity-study.mjs --report [--out /work/parity] [--doc docs/parity.md] [--epochs N]
//
// Needs the built CLI (npm run build) and /usr/bin/python3 with numpy and scipy for the reference (Debian:
// apt-get install python3-numpy python3-scipy; the study checks before running and exits 2 without them).
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  openSync,
  closeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stats = await import(join(repo, 'dist/src/util/stats.js')).catch(() => {
  console.error('parity-study: dist/src/util/stats.js not found; run `npm run build` first');
  process.exit(2);
});

const AF = (rng) => ({ kind: 'anchorflow', rng });
const NP = (args) => ({ kind: 'numpy', args });
/** The default stream variant every other one is compared with. */
const BASELINE = 'af-sfc32';
const VARIANTS = {
  'af-sfc32': AF({}),
  'af-pcg64': AF({ init: 'pcg64', shuffle: 'pcg64', negatives: 'pcg64', step: 'pcg64' }),
  'af-pcg64-init': AF({ init: 'pcg64' }),
  'af-pcg64-shuffle': AF({ shuffle: 'pcg64' }),
  'af-pcg64-negatives': AF({ negatives: 'pcg64' }),
  'np-af': NP(['--rng', 'anchorflow']),
  'np-mmrec': NP(['--rng', 'mmrec']),
  'np-init': NP(['--rng', 'anchorflow', '--init_rng', 'np']),
  'np-shuffle': NP(['--rng', 'anchorflow', '--shuf_rng', 'np']),
  'np-negatives': NP(['--rng', 'anchorflow', '--neg_rng', 'np']),
};
const DESCRIBE = {
  'af-sfc32': 'anchorflow, all streams sfc32 (default)',
  'af-pcg64': 'anchorflow, all streams PCG64',
  'af-pcg64-init': 'anchorflow, PCG64 init only',
  'af-pcg64-shuffle': 'anchorflow, PCG64 shuffle only',
  'af-pcg64-negatives': 'anchorflow, PCG64 negatives only',
  'np-af': "numpy reference replaying anchorflow's sfc32 streams",
  'np-mmrec': "numpy reference, numpy's generator (MT19937) for all streams",
  'np-init': 'numpy reference, numpy init, sfc32 shuffle and negatives',
  'np-shuffle': 'numpy reference, numpy shuffle, sfc32 init and negatives',
  'np-negatives': 'numpy reference, numpy negatives, sfc32 init and shuffle',
};

function parseArgs(argv) {
  const o = {
    out: '/work/parity',
    jobs: 1,
    seeds: '999-1008',
    variants: Object.keys(VARIANTS).join(','),
    nice: 10,
    dataDir: resolve(repo, '../shared/datasets'),
    doc: join(repo, 'docs/parity.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--out') o.out = resolve(val());
    else if (a === '--jobs') o.jobs = Number(val());
    else if (a === '--seeds') o.seeds = val();
    else if (a === '--variants') o.variants = val();
    else if (a === '--epochs') o.epochs = Number(val());
    else if (a === '--nice') o.nice = Number(val());
    else if (a === '--data-dir') o.dataDir = resolve(val());
    else if (a === '--doc') o.doc = resolve(val());
    else if (a === '--report') o.report = true;
    else if (a === '--dry-run') o.dryRun = true;
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!(Number.isInteger(o.jobs) && o.jobs >= 1)) usage(`--jobs must be a positive integer, got ${o.jobs}`);
  if (o.epochs !== undefined && !(Number.isInteger(o.epochs) && o.epochs >= 1))
    usage(`--epochs must be a positive integer`);
  o.seedList = parseSeeds(o.seeds);
  o.variantList = o.variants.split(',').filter(Boolean);
  for (const v of o.variantList)
    if (!VARIANTS[v]) usage(`unknown variant ${v}; known: ${Object.keys(VARIANTS).join(', ')}`);
  return o;
}

function parseSeeds(s) {
  const out = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) usage(`--seeds: expected e.g. 999-1008 or 999,1000, got ${s}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let x = a; x <= b; x++) out.push(x);
  }
  return out;
}

function usage(msg) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('//'))
    .map((l) => l.slice(3))
    .join('\n');
  if (msg) {
    console.error(`parity-study: ${msg}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

const resultPath = (o, variant, seed) => join(o.out, `${variant}-${seed}.json`);

/** The command of one (variant, seed) run; it leaves its own result in `raw`. */
function command(o, variant, seed, raw) {
  const v = VARIANTS[variant];
  if (v.kind === 'anchorflow') {
    const sets = Object.entries(v.rng).flatMap(([k, g]) => ['--set', `train.rng.${k}=${g}`]);
    const args = [
      join(repo, 'dist/src/cli/main.js'),
      'run',
      join(repo, 'pipelines/lightgcn.yaml'),
      '--data-dir',
      o.dataDir,
      '--dataset',
      'tiktok',
      '--seed',
      String(seed),
      '--backend',
      'wasm',
      '--json',
      '--no-save',
      ...sets,
      ...(o.epochs ? ['--epochs', String(o.epochs)] : []),
    ];
    return { cmd: process.execPath, args, parse: (stdout) => parseAnchorflow(stdout) };
  }
  const args = [
    join(o.dataDir, '../reference/mmrec_lightgcn_numpy.py'),
    '--inter',
    join(o.dataDir, 'tiktok/tiktok.inter'),
    '--seed',
    String(seed),
    ...v.args,
    '--out',
    raw,
    ...(o.epochs ? ['--epochs', String(o.epochs)] : []),
  ];
  return { cmd: '/usr/bin/python3', args, parse: () => parseNumpy(raw) };
}

function parseAnchorflow(stdout) {
  const lines = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  const result = lines.map((l) => JSON.parse(l)).find((e) => e.type === 'result');
  if (!result) throw new Error('no result event in the output');
  const s = result.perSeed[0];
  return {
    bestEpoch: s.bestEpoch,
    validRecall20: s.valid['recall@20'],
    testRecall20: s.test['recall@20'],
    epochsRun: s.epochs ?? null,
  };
}

function parseNumpy(raw) {
  const r = JSON.parse(readFileSync(raw, 'utf8'));
  // The reference counts epochs from 0; anchorflow from 1.
  return { bestEpoch: r.best_epoch + 1, validRecall20: r.best_valid, testRecall20: r.test, epochsRun: r.log.length };
}

function runOne(o, variant, seed) {
  const final = resultPath(o, variant, seed);
  const raw = `${final}.raw.tmp`;
  const { cmd, args, parse } = command(o, variant, seed, raw);
  const logFile = join(o.out, 'logs', `${variant}-${seed}.log`);
  const started = Date.now();
  return new Promise((done) => {
    const fd = openSync(logFile, 'w');
    let stdout = '';
    const niced = o.nice > 0 ? ['nice', ['-n', String(o.nice), cmd, ...args]] : [cmd, args];
    const child = spawn(niced[0], niced[1], {
      stdio: ['ignore', 'pipe', fd],
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      writeFileSync(fd, d);
    });
    child.on('close', (code) => {
      closeSync(fd);
      if (code !== 0) {
        console.error(`  ${variant} seed ${seed}: failed (exit ${code}); see ${logFile}`);
        return done(false);
      }
      try {
        const r = {
          variant,
          seed,
          maxEpochs: o.epochs ?? null,
          seconds: (Date.now() - started) / 1000,
          ...parse(stdout),
        };
        // Written whole, then renamed: a result file is either complete or absent.
        writeFileSync(`${final}.tmp`, JSON.stringify(r, null, 2) + '\n');
        renameSync(`${final}.tmp`, final);
        console.log(
          `  ${variant} seed ${seed}: valid R@20 ${r.validRecall20.toFixed(4)}, test R@20 ${r.testRecall20.toFixed(4)} at epoch ${r.bestEpoch} (${r.seconds.toFixed(0)} s)`,
        );
        done(true);
      } catch (e) {
        console.error(`  ${variant} seed ${seed}: could not read its result (${e.message}); see ${logFile}`);
        done(false);
      }
    });
  });
}

/** A result counts as done when it exists and was run with the same epoch cap. */
function isDone(o, variant, seed) {
  const f = resultPath(o, variant, seed);
  if (!existsSync(f)) return false;
  try {
    return (JSON.parse(readFileSync(f, 'utf8')).maxEpochs ?? null) === (o.epochs ?? null);
  } catch {
    return false;
  }
}

async function study(o) {
  mkdirSync(join(o.out, 'logs'), { recursive: true });
  const todo = [];
  // Seed-major order, so a partial study already has every variant for the first seeds.
  for (const seed of o.seedList) for (const v of o.variantList) if (!isDone(o, v, seed)) todo.push([v, seed]);
  const total = o.seedList.length * o.variantList.length;
  console.log(
    `parity study: ${total - todo.length} of ${total} runs done, ${todo.length} to run, ${o.jobs} at a time; results in ${o.out}`,
  );
  if (o.dryRun) {
    for (const [v, s] of todo) {
      const c = command(o, v, s, resultPath(o, v, s) + '.raw.tmp');
      console.log(`  ${v} ${s}: ${c.cmd} ${c.args.join(' ')}`);
    }
    return 0;
  }
  // The reference needs numpy and scipy in the system Python (Debian's python3-numpy and python3-scipy); a fresh
  // machine may lack them, and every numpy run would then fail one after the other with the same import error.
  if (todo.some(([v]) => VARIANTS[v].kind === 'numpy')) {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.error(
        'parity-study: the numpy reference needs /usr/bin/python3 with numpy and scipy ' +
          '(apt-get install python3-numpy python3-scipy); nothing was run',
      );
      return 2;
    }
  }
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < todo.length) {
      const [v, s] = todo[next++];
      if (!(await runOne(o, v, s))) failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, todo.length) }, worker));
  console.log(`parity study: ${todo.length - failed} runs finished, ${failed} failed`);
  return failed ? 1 : 0;
}

// --- report ---

const f4 = (x) => (Number.isFinite(x) ? x.toFixed(4) : '–');
const fp = (p) => (!Number.isFinite(p) ? '–' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

function loadResults(o) {
  const by = new Map();
  if (!existsSync(o.out)) return by;
  for (const name of readdirSync(o.out)) {
    if (!name.endsWith('.json')) continue;
    let r;
    try {
      r = JSON.parse(readFileSync(join(o.out, name), 'utf8'));
    } catch {
      continue; // not one of ours (or being written by another tool)
    }
    if (!VARIANTS[r?.variant] || !Number.isInteger(r.seed) || typeof r.validRecall20 !== 'number') continue;
    // Capped smoke runs (--epochs) are reported only by a --report with the same --epochs.
    if ((r.maxEpochs ?? null) !== (o.epochs ?? null)) continue;
    if (!by.has(r.variant)) by.set(r.variant, []);
    by.get(r.variant).push(r);
  }
  for (const rs of by.values()) rs.sort((a, b) => a.seed - b.seed);
  return by;
}

function reportMarkdown(o) {
  const by = loadResults(o);
  const base = by.get(BASELINE) ?? [];
  const col = (rs, k) => rs.map((r) => r[k]);
  const lines = [
    '<!-- parity-study:begin (generated by `node scripts/parity-study.mjs --report`; edit outside these markers) -->',
    `### Results: LightGCN on TikTok ${o.epochs ? `capped at ${o.epochs} epochs (a smoke run, not the study)` : 'to early stopping'}, per stream variant`,
    '',
    `Results folder: \`${o.out}\`. Recall@20; valid = best valid epoch, test = at that epoch. Mean ± sample std over the`,
    `seeds; Welch's t and Mann-Whitney U (two-sided, normal approximation) against \`${BASELINE}\`.`,
    '',
    '| variant | what | n | seeds | valid R@20 | test R@20 | best epoch | valid: Welch p | valid: U p | test: Welch p | test: U p |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const v of Object.keys(VARIANTS)) {
    const rs = by.get(v) ?? [];
    if (rs.length === 0) {
      lines.push(`| ${v} | ${DESCRIBE[v]} | 0 | | | | | | | | |`);
      continue;
    }
    const ms = (k) => `${f4(stats.mean(col(rs, k)))} ± ${rs.length > 1 ? f4(stats.sampleStd(col(rs, k))) : '–'}`;
    const vs = (k) => {
      if (v === BASELINE || base.length < 2 || rs.length < 2) return ['', ''];
      return [fp(stats.welchT(col(rs, k), col(base, k)).p), fp(stats.mannWhitneyU(col(rs, k), col(base, k)).p)];
    };
    const seeds = rs.length > 3 ? `${rs[0].seed}…${rs[rs.length - 1].seed}` : rs.map((r) => r.seed).join(', ');
    const epochs = `${stats.mean(col(rs, 'bestEpoch')).toFixed(1)}`;
    lines.push(
      `| ${v} | ${DESCRIBE[v]} | ${rs.length} | ${seeds} | ${ms('validRecall20')} | ${ms('testRecall20')} | ${epochs} | ${vs('validRecall20').join(' | ')} | ${vs('testRecall20').join(' | ')} |`,
    );
  }
  // Paired view where both variants ran the same seeds: the replay pairs (np-af vs af-sfc32) should agree closely.
  const paired = by.get('np-af') ?? [];
  const pairs = paired.map((r) => [r, base.find((b) => b.seed === r.seed)]).filter(([, b]) => b);
  if (pairs.length) {
    const d = pairs.map(([r, b]) => r.validRecall20 - b.validRecall20);
    lines.push(
      '',
      `Replay check: numpy replaying anchorflow's streams (np-af) minus anchorflow (af-sfc32), same seed, valid R@20: ` +
        `mean ${f4(stats.mean(d))}, max |diff| ${f4(Math.max(...d.map(Math.abs)))} over ${pairs.length} seeds.`,
    );
  }
  lines.push('<!-- parity-study:end -->');
  return lines.join('\n');
}

function report(o) {
  const block = reportMarkdown(o);
  let doc = existsSync(o.doc) ? readFileSync(o.doc, 'utf8') : '# Parity with the reference implementations\n\n';
  const re = /<!-- parity-study:begin[\s\S]*?<!-- parity-study:end -->/;
  doc = re.test(doc) ? doc.replace(re, block) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(`${o.doc}.tmp`, doc);
  renameSync(`${o.doc}.tmp`, o.doc);
  console.log(block);
  console.log(`\nwrote ${o.doc}`);
  return 0;
}

const o = parseArgs(process.argv.slice(2));
process.exit(o.report ? report(o) : await study(o));
