/** Plugins are code (issue 16, item 11): only files and packages the user names; never a URL. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitPluginEnv } from '../../src/cli/plugins.js';
import { pluginSpecifier } from '../../src/util/plugins.js';
import { isUserError } from '../../src/util/errors.js';
import { CLI } from '../helpers.js';

test('ANCHORFLOW_PLUGINS splits on colons but keeps a URL whole, so it is refused by name', () => {
  assert.deepEqual(splitPluginEnv('a.js:./b.js'), ['a.js', './b.js']);
  assert.deepEqual(splitPluginEnv('./a.js:data:text/javascript,x:y'), ['./a.js', 'data:text/javascript,x:y']);
  assert.deepEqual(splitPluginEnv('node:os:my-pkg'), ['node:os', 'my-pkg']);
  assert.deepEqual(splitPluginEnv(undefined), []);
});

test('pluginSpecifier refuses data:, http(s): and other URLs; files, packages, file: and node: pass', () => {
  for (const bad of [
    'data:text/javascript,1',
    'DATA:x',
    'https://e.example/p.js',
    'http://e/p.js',
    'blob:x',
    'javascript:1',
  ]) {
    try {
      pluginSpecifier(bad, '--plugin');
      assert.fail(bad);
    } catch (e) {
      assert.ok(isUserError(e) && /refusing plugin/.test(e.message), `${bad}: ${String(e)}`);
    }
  }
  assert.match(pluginSpecifier('./p.js', '--plugin'), /^file:\/\/.*\/p\.js$/);
  assert.equal(pluginSpecifier('my-pkg', '--plugin'), 'my-pkg');
  assert.equal(pluginSpecifier('node:os', '--plugin'), 'node:os');
});

test('a data: URL in ANCHORFLOW_PLUGINS is refused before any command runs, naming the variable', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'af-plugins-'));
  const r = spawnSync(process.execPath, [CLI, 'ops'], {
    cwd,
    env: {
      ...process.env,
      ANCHORFLOW_PLUGINS: "data:text/javascript,console.log('pwned');require('fs').writeFileSync('x','')",
    },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^ANCHORFLOW_PLUGINS: refusing plugin 'data:/);
  assert.doesNotMatch(r.stdout + r.stderr, /pwned|\n\s+at /);
  assert.deepEqual(readdirSync(cwd), []);
});
