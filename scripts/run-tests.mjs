// Runs the compiled tests under dist/test with Node's own test runner.
// Node 20's `--test` does not expand globs, so the files are listed here.
//   node scripts/run-tests.mjs              the quick suite (`npm test`): everything but the long files
//   node scripts/run-tests.mjs --long       the long end-to-end files (`npm run test:long`)
//   node scripts/run-tests.mjs --all        both
//   node scripts/run-tests.mjs <substr>...  only the files whose path contains one of the substrings
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * End-to-end files that train real pipelines, run whole sweeps, zoos or hundreds of CLI processes: each takes
 * from half a minute to several minutes on two cores, so they form `npm run test:long`, which CI runs too.
 */
const LONG = [
  'test/zoo/zoo.test.js',
  'test/zoo/zoo-compare.test.js',
  'test/robustness/fuzz.test.js',
  'test/sweep/',
  'test/pipelines.test.js',
  'test/engine/reference-mode.test.js',
  'test/engine/resume.test.js',
  'test/cli/watch.test.js',
  'test/engine/backends.test.js',
  'test/hostile/',
];

const root = new URL('../dist/test', import.meta.url).pathname;
const args = process.argv.slice(2);
const mode = args.includes('--all') ? 'all' : args.includes('--long') ? 'long' : 'quick';
const only = args.filter((a) => !a.startsWith('--'));
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
  });
}
const isLong = (f) => LONG.some((l) => f.includes('/dist/' + l));
let files = walk(root).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
else if (mode === 'quick') files = files.filter((f) => !isLong(f));
else if (mode === 'long') files = files.filter(isLong);

if (!process.env.ANCHORFLOW_TEST_REDIS && files.some((f) => f.includes('/sweep/'))) {
  // Said before and after the run so that it cannot scroll away unseen.
  const line = '*** ANCHORFLOW_TEST_REDIS is not set: the Redis queue tests are SKIPPED (CI sets it; see .ci/run) ***';
  process.stderr.write(line + '\n');
  process.on('exit', () => process.stderr.write(line + '\n'));
}
// The tests' cosine matrices go to a cache of their own, removed afterwards: a test run leaves nothing in the
// user's ~/.cache and does not start from matrices an earlier run left there.
const cacheDir = process.env.ANCHORFLOW_CACHE_DIR || mkdtempSync(join(tmpdir(), 'af-test-cache-'));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, ANCHORFLOW_TEST: '1', ANCHORFLOW_CACHE_DIR: cacheDir },
});
if (!process.env.ANCHORFLOW_CACHE_DIR) rmSync(cacheDir, { recursive: true, force: true });
process.exit(r.status ?? 1);
