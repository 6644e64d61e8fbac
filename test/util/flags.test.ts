/** The flags module (issue 18, point 4): every ANCHORFLOW_* setting declared, parsed and overridden in one place. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  checkFlags,
  flag,
  flagEnv,
  flagFrom,
  flagTable,
  flagVariable,
  FLAG_NAMES,
  resetFlags,
  setFlag,
  type FlagName,
} from '../../src/util/flags.js';
import { cosineCacheLimit } from '../../src/ops/kernels/cosine.js';
import { referenceMode, setReferenceMode } from '../../src/ops/kernels/mode.js';
import { resolveDataDir } from '../../src/data/dataset.js';
import { throwsUser } from '../data/util.js';
import { CLI, PIPELINES, REPO_ROOT } from '../helpers.js';

/** Per flag: its default, values it accepts (variable text → value) and values it refuses. */
const CASES: Record<FlagName, { dflt: unknown; valid: [string, unknown][]; invalid: string[] }> = {
  reference: {
    dflt: false,
    valid: [
      ['1', true],
      ['0', false],
    ],
    invalid: ['true', 'yes', '2', ' 1', 'on'],
  },
  noWasmKernels: {
    dflt: false,
    valid: [
      ['1', true],
      ['0', false],
    ],
    invalid: ['true', 'no', '10', 'off'],
  },
  cosineCacheMb: {
    dflt: 256,
    valid: [
      ['64', 64],
      ['0.5', 0.5],
      ['1e3', 1000],
      [' 32 ', 32],
    ],
    invalid: ['abc', '0', '-5', 'Infinity', '12MB', ' ', 'NaN'],
  },
  cacheDir: {
    dflt: undefined,
    valid: [
      ['/tmp/af-cache', '/tmp/af-cache'],
      ['off', 'off'],
    ],
    invalid: [],
  },
  cacheMb: {
    dflt: 4096,
    valid: [
      ['512', 512],
      ['0.75', 0.75],
    ],
    invalid: ['abc', '0', '-1', '4GB'],
  },
  threads: {
    dflt: undefined,
    valid: [
      ['1', 1],
      ['2', 2],
      [' 8 ', 8],
    ],
    invalid: ['0', '-1', '1.5', 'two', ' ', 'Infinity'],
  },
  plugins: { dflt: undefined, valid: [['./a.js:b.js', './a.js:b.js']], invalid: [] },
  queue: { dflt: undefined, valid: [['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379']], invalid: [] },
  dataDir: { dflt: undefined, valid: [['/data/mmrec', '/data/mmrec']], invalid: [] },
};

test('every flag has its variable, and its parse cases here', () => {
  assert.deepEqual(Object.keys(CASES).sort(), [...FLAG_NAMES].sort());
  for (const name of FLAG_NAMES) assert.match(flagVariable(name), /^ANCHORFLOW_[A-Z_]+$/, name);
  assert.equal(new Set(FLAG_NAMES.map(flagVariable)).size, FLAG_NAMES.length, 'two flags share a variable');
});

test('a flag is its default when its variable is unset or empty', () => {
  for (const name of FLAG_NAMES) {
    assert.deepEqual(flagFrom(name, {}), CASES[name].dflt, name);
    assert.deepEqual(flagFrom(name, { [flagVariable(name)]: '' }), CASES[name].dflt, `${name} empty`);
  }
});

test('each flag parses the values it accepts', () => {
  for (const name of FLAG_NAMES) {
    for (const [raw, value] of CASES[name].valid)
      assert.deepEqual(flagFrom(name, { [flagVariable(name)]: raw }), value, `${name}=${raw}`);
  }
});

test('a bad value is a UserError located at the variable, quoting the value', () => {
  let checked = 0;
  for (const name of FLAG_NAMES) {
    const variable = flagVariable(name);
    for (const raw of CASES[name].invalid) {
      const e = throwsUser(() => flagFrom(name, { [variable]: raw }), /^must be /, { file: variable });
      assert.ok(e.message.includes(`'${raw}'`), `${variable}=${raw}: ${e.message}`);
      checked++;
    }
  }
  assert.ok(checked >= 10);
  throwsUser(
    () => flagFrom('cosineCacheMb', { ANCHORFLOW_COSINE_CACHE_MB: 'abc' }),
    /must be a positive number of megabytes, got 'abc'/,
  );
  throwsUser(
    () => flagFrom('reference', { ANCHORFLOW_REFERENCE: 'true' }),
    /must be 1 \(on\) or 0 \(off\), got 'true'/,
  );
});

test('checkFlags refuses the first bad variable and passes a good environment', () => {
  checkFlags({
    ANCHORFLOW_REFERENCE: '1',
    ANCHORFLOW_COSINE_CACHE_MB: '8',
    ANCHORFLOW_QUEUE: 'redis://h:1',
    UNRELATED: 'x',
  });
  throwsUser(() => checkFlags({ ANCHORFLOW_REFERENCE: '1', ANCHORFLOW_NO_WASM_KERNELS: 'yes' }), /got 'yes'/, {
    file: 'ANCHORFLOW_NO_WASM_KERNELS',
  });
});

test('setFlag overrides a flag for its readers without touching process.env; resetFlags undoes it', (t) => {
  t.after(() => resetFlags());
  const envBefore = { ...process.env };
  const mb = flagFrom('cosineCacheMb', process.env);
  assert.equal(flag('cosineCacheMb'), mb);
  setFlag('cosineCacheMb', 2);
  assert.equal(flag('cosineCacheMb'), 2);
  assert.equal(cosineCacheLimit(), 2 * 262144);
  setFlag('dataDir', '/over/here');
  assert.equal(resolveDataDir(), '/over/here');
  assert.equal(resolveDataDir('/cli'), '/cli');
  setReferenceMode(true);
  assert.equal(flag('reference'), true);
  assert.equal(referenceMode(), true);
  assert.deepEqual({ ...process.env }, envBefore);

  resetFlags('cosineCacheMb');
  assert.equal(flag('cosineCacheMb'), mb);
  assert.equal(flag('dataDir'), '/over/here');
  resetFlags();
  assert.equal(flag('dataDir'), flagFrom('dataDir', process.env));
  assert.equal(referenceMode(), flagFrom('reference', process.env));
});

test('flagEnv hands the overrides to a child process as their variables', (t) => {
  t.after(() => resetFlags());
  setFlag('reference', true);
  setFlag('cosineCacheMb', 3);
  setFlag('dataDir', undefined);
  const base = { ...process.env, ANCHORFLOW_DATA_DIR: '/from/parent', ANCHORFLOW_QUEUE: 'redis://q:1' };
  const env = flagEnv(base);
  assert.equal(env.ANCHORFLOW_REFERENCE, '1');
  assert.equal(env.ANCHORFLOW_COSINE_CACHE_MB, '3');
  assert.equal('ANCHORFLOW_DATA_DIR' in env, false);
  assert.equal(env.ANCHORFLOW_QUEUE, 'redis://q:1', 'a flag without an override passes through');
  assert.equal(base.ANCHORFLOW_DATA_DIR, '/from/parent', 'the base is not changed');

  // A real child reads them back through its own flags module.
  const flags = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'util', 'flags.js')).href;
  const script = `const f = await import(${JSON.stringify(flags)}); console.log(JSON.stringify(f.FLAG_NAMES.map((n) => [n, f.flag(n) ?? null])));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const seen = Object.fromEntries(JSON.parse(r.stdout) as [string, unknown][]);
  assert.equal(seen.reference, true);
  assert.equal(seen.cosineCacheMb, 3);
  assert.equal(seen.dataDir, null);
  assert.equal(seen.queue, 'redis://q:1');
});

test('the CLI refuses a bad ANCHORFLOW_COSINE_CACHE_MB with exit 2, naming the variable, writing nothing', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'af-flags-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const env = { ...process.env, ANCHORFLOW_COSINE_CACHE_MB: 'abc' };
  for (const args of [
    ['check', join(PIPELINES, 'anchorrec.yaml')],
    ['run', join(PIPELINES, 'lightgcn.yaml'), '--dataset', 'synth:small', '--epochs', '1', '--plain'],
  ]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8' });
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    assert.equal(r.stderr, "ANCHORFLOW_COSINE_CACHE_MB: must be a positive number of megabytes, got 'abc'\n", args[0]);
    assert.deepEqual(readdirSync(cwd), [], `${args[0]} wrote something`);
  }
  const ok = spawnSync(process.execPath, [CLI, 'check', join(PIPELINES, 'anchorrec.yaml')], {
    cwd,
    env: { ...env, ANCHORFLOW_COSINE_CACHE_MB: '64' },
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0, ok.stderr);
});

test('the README lists the flags as flagTable() prints them', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const heading = '| variable | type | default | what |';
  assert.ok(
    readme.includes(heading),
    `README.md has no flags table: paste the output of flagTable() (src/util/flags.ts) into it:\n${flagTable()}`,
  );
  assert.ok(
    readme.includes(flagTable()),
    `README.md's flags table differs from flagTable(); replace it with:\n${flagTable()}`,
  );
});
